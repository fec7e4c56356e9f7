"""The monthly roll-up: sales per partner and month, moved by the same deltas as the lines themselves."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select, tuple_

from orders.models import MonthlySales, SalesLine
from portal.database import exact_sum
from portal.extensions import db

Key = tuple[int, date]  # (partner id, first day of the month)


@dataclass
class Deltas:
    """Changes to apply to the roll-up: line added, line changed (old out, new in), line removed."""

    net: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    returns: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    lines: dict[Key, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, key: Key, net: Decimal, is_return: bool, sign: int = 1) -> None:
        self.net[key] += sign * net
        if is_return:
            self.returns[key] += sign * net
        self.lines[key] += sign


def apply(deltas: Deltas) -> None:
    """Add the deltas to the roll-up rows, creating the months that are new. Inside the caller's transaction."""
    keys = set(deltas.net) | set(deltas.lines)
    if not keys:
        return
    rows = {(row.partner_id, row.period): row for row in db.session.scalars(select(MonthlySales).where(
        tuple_(MonthlySales.partner_id, MonthlySales.period).in_(list(keys))))}
    for key in keys:
        row = rows.get(key)
        if row is None:
            row = MonthlySales(partner_id=key[0], period=key[1], net_amount=Decimal(0), returns_amount=Decimal(0),
                               line_count=0)
            db.session.add(row)
        row.net_amount += deltas.net.get(key, Decimal(0))
        row.returns_amount += deltas.returns.get(key, Decimal(0))
        row.line_count += deltas.lines.get(key, 0)
        if row.line_count == 0:  # a month whose last line went
            if row.id is None:
                db.session.expunge(row)
            else:
                db.session.delete(row)
    db.session.flush()


def fresh_aggregate() -> dict[Key, tuple[Decimal, Decimal, int]]:
    """The roll-up worked out again from the lines: what the stored one must always equal."""
    query = select(SalesLine.partner_id, SalesLine.period, exact_sum(SalesLine.net_amount),
                   exact_sum(case((SalesLine.is_return, SalesLine.net_amount), else_=None)), func.count()
                   ).group_by(SalesLine.partner_id, SalesLine.period)
    return {(p, m): (net, returns or Decimal(0), count) for p, m, net, returns, count in db.session.execute(query)}


def stored() -> dict[Key, tuple[Decimal, Decimal, int]]:
    return {(r.partner_id, r.period): (r.net_amount, r.returns_amount, r.line_count)
            for r in db.session.scalars(select(MonthlySales))}
