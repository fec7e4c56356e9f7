"""The monthly roll-ups: sales per partner and month, and per end customer and month, moved by the same deltas as
the lines themselves."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select, tuple_

from orders.models import CustomerMonthlySales, MonthlySales, SalesLine
from portal.database import exact_sum
from portal.extensions import db

Key = tuple[int, date]  # (partner id, first day of the month)
CustomerKey = tuple[int, int, date]  # (partner id, customer id, first day of the month)


@dataclass
class Deltas:
    """Changes to apply to the roll-ups: line added, line changed (old out, new in), line removed."""

    net: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    returns: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    lines: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    customers: dict[CustomerKey, list] = field(default_factory=lambda: defaultdict(lambda: [Decimal(0), 0, 0]))

    def add(self, key: Key, net: Decimal, is_return: bool, sign: int = 1, *, customer_id: int) -> None:
        self.net[key] += sign * net
        if is_return:
            self.returns[key] += sign * net
        self.lines[key] += sign
        customer = self.customers[(key[0], customer_id, key[1])]
        customer[0] += sign * net
        customer[1] += 0 if is_return else sign
        customer[2] += sign


def apply(deltas: Deltas) -> None:
    """Add the deltas to the roll-up rows, creating the months that are new. Inside the caller's transaction."""
    _apply_customers(deltas)
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


def _apply_customers(deltas: Deltas) -> None:
    keys = [key for key, (net, sales, lines) in deltas.customers.items() if net or sales or lines]
    if not keys:
        return
    rows = {(r.customer_id, r.period): r for r in db.session.scalars(select(CustomerMonthlySales).where(
        tuple_(CustomerMonthlySales.customer_id, CustomerMonthlySales.period).in_([(c, m) for _, c, m in keys])))}
    for partner_id, customer_id, period in keys:
        net, sales, lines = deltas.customers[(partner_id, customer_id, period)]
        row = rows.get((customer_id, period))
        if row is None:
            row = CustomerMonthlySales(partner_id=partner_id, customer_id=customer_id, period=period,
                                       net_amount=Decimal(0), sale_lines=0, line_count=0)
            db.session.add(row)
        row.net_amount += net
        row.sale_lines += sales
        row.line_count += lines
        if row.line_count == 0:
            if row.id is None:
                db.session.expunge(row)
            else:
                db.session.delete(row)


def fresh_aggregate() -> dict[Key, tuple[Decimal, Decimal, int]]:
    """The roll-up worked out again from the lines: what the stored one must always equal."""
    query = select(SalesLine.partner_id, SalesLine.period, exact_sum(SalesLine.net_amount),
                   exact_sum(case((SalesLine.is_return, SalesLine.net_amount), else_=None)), func.count()
                   ).group_by(SalesLine.partner_id, SalesLine.period)
    return {(p, m): (net, returns or Decimal(0), count) for p, m, net, returns, count in db.session.execute(query)}


def stored() -> dict[Key, tuple[Decimal, Decimal, int]]:
    return {(r.partner_id, r.period): (r.net_amount, r.returns_amount, r.line_count)
            for r in db.session.scalars(select(MonthlySales))}


def fresh_customer_aggregate() -> dict[tuple[int, date], tuple[Decimal, int, int]]:
    """The customer roll-up worked out again from the lines."""
    query = select(SalesLine.customer_id, SalesLine.period, exact_sum(SalesLine.net_amount),
                   func.count(case((SalesLine.is_return.is_(False), 1), else_=None)), func.count()
                   ).group_by(SalesLine.customer_id, SalesLine.period)
    return {(c, m): (net, sales, count) for c, m, net, sales, count in db.session.execute(query)}


def stored_customers() -> dict[tuple[int, date], tuple[Decimal, int, int]]:
    return {(r.customer_id, r.period): (r.net_amount, r.sale_lines, r.line_count)
            for r in db.session.scalars(select(CustomerMonthlySales))}
