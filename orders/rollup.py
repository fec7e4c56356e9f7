"""The monthly roll-ups: sales per partner and month, and per end customer and month, moved by the same deltas as
the lines themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, case, func, select

from orders.models import CustomerMonthlySales, MonthlySales, SalesLine
from partners.models import Partner
from portal.database import exact_sum, utcnow
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


def hold_partners(partner_ids) -> None:
    """Make this transaction the only one writing these partners' lines and roll-ups until it ends, so that two
    deliveries at once neither lose a roll-up change nor collide on a line. PostgreSQL: a row lock on each
    partner, taken in id order (FOR NO KEY UPDATE, which foreign-key checks pass; taking it again is free).
    SQLite needs nothing: a writing transaction holds the database's one write lock from its start
    (portal/database.py)."""
    if db.session.get_bind().dialect.name == "postgresql" and partner_ids:
        db.session.execute(
            select(Partner.id)
            .where(Partner.id.in_(sorted(set(partner_ids))))
            .order_by(Partner.id)
            .with_for_update(key_share=True)
        ).all()


def apply(deltas: Deltas) -> None:
    """Add the deltas to the roll-up rows, creating the months that are new and removing those whose last line
    went. Inside the caller's transaction."""
    _apply_rows(
        MonthlySales,
        ("partner_id", "period"),
        ("net_amount", "returns_amount", "line_count"),
        {
            key: (deltas.net.get(key, Decimal(0)), deltas.returns.get(key, Decimal(0)), deltas.lines.get(key, 0))
            for key in set(deltas.net) | set(deltas.lines)
        },
        lambda key: {},
        stamp={"updated_at": utcnow()},
    )
    partner_of = {(customer_id, period): partner_id for partner_id, customer_id, period in deltas.customers}
    _apply_rows(
        CustomerMonthlySales,
        ("customer_id", "period"),
        ("net_amount", "sale_lines", "line_count"),
        {(customer_id, period): tuple(change) for (_, customer_id, period), change in deltas.customers.items()},
        lambda key: {"partner_id": partner_of[key]},
    )


def _apply_rows(
    model,
    key_names: tuple[str, str],
    value_names: tuple[str, ...],
    changes: dict[tuple, tuple],
    fixed: Callable[[tuple], dict],
    stamp: dict | None = None,
) -> None:
    """Add each change (deltas in the order of `value_names`, the line count last) to the row of its key: one
    executemany each for the updates, the new rows and the emptied ones. The lookup uses two plain IN lists,
    which the unique index serves (a row-value IN would scan the table). `stamp` is written to every row that
    changes."""
    stamp = stamp or {}
    changes = {key: change for key, change in changes.items() if any(change)}
    if not changes:
        return
    first, second = (getattr(model, name) for name in key_names)
    found = {}
    for row_id, key_first, key_second, *values in db.session.execute(
        select(model.id, first, second, *(getattr(model, name) for name in value_names)).where(
            first.in_({key[0] for key in changes}), second.in_({key[1] for key in changes})
        )
    ):
        found[(key_first, key_second)] = (row_id, values)
    updates, inserts, emptied = [], [], []
    for key, change in changes.items():
        if key in found:
            row_id, current = found[key]
            moved = [now + delta for now, delta in zip(current, change, strict=True)]
            if moved[-1] == 0:  # its last line went
                emptied.append(row_id)
            else:
                updates.append({"row_id": row_id, **dict(zip(value_names, moved, strict=True)), **stamp})
        else:
            inserts.append(
                {
                    **fixed(key),
                    **dict(zip(key_names, key, strict=True)),
                    **dict(zip(value_names, change, strict=True)),
                    **stamp,
                }
            )
    table = model.__table__
    if updates:
        db.session.execute(table.update().where(table.c.id == bindparam("row_id")), updates)
    if inserts:
        db.session.execute(table.insert(), inserts)
    if emptied:
        db.session.execute(table.delete().where(table.c.id.in_(emptied)))


def fresh_aggregate() -> dict[Key, tuple[Decimal, Decimal, int]]:
    """The roll-up worked out again from the lines: what the stored one must always equal."""
    query = select(
        SalesLine.partner_id,
        SalesLine.period,
        exact_sum(SalesLine.net_amount),
        exact_sum(case((SalesLine.is_return, SalesLine.net_amount), else_=None)),
        func.count(),
    ).group_by(SalesLine.partner_id, SalesLine.period)
    return {(p, m): (net, returns or Decimal(0), count) for p, m, net, returns, count in db.session.execute(query)}


def stored() -> dict[Key, tuple[Decimal, Decimal, int]]:
    return {
        (p, m): (net, returns, count)
        for p, m, net, returns, count in db.session.execute(
            select(
                MonthlySales.partner_id,
                MonthlySales.period,
                MonthlySales.net_amount,
                MonthlySales.returns_amount,
                MonthlySales.line_count,
            )
        )
    }


def fresh_customer_aggregate() -> dict[tuple[int, date], tuple[Decimal, int, int]]:
    """The customer roll-up worked out again from the lines."""
    query = select(
        SalesLine.customer_id,
        SalesLine.period,
        exact_sum(SalesLine.net_amount),
        func.count(case((SalesLine.is_return.is_(False), 1), else_=None)),
        func.count(),
    ).group_by(SalesLine.customer_id, SalesLine.period)
    return {(c, m): (net, sales, count) for c, m, net, sales, count in db.session.execute(query)}


def stored_customers() -> dict[tuple[int, date], tuple[Decimal, int, int]]:
    return {
        (c, m): (net, sales, count)
        for c, m, net, sales, count in db.session.execute(
            select(
                CustomerMonthlySales.customer_id,
                CustomerMonthlySales.period,
                CustomerMonthlySales.net_amount,
                CustomerMonthlySales.sale_lines,
                CustomerMonthlySales.line_count,
            )
        )
    }
