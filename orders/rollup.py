"""The monthly roll-ups: sales per partner and month, per end customer and month, per product and month and per
product line and month (each of a partner), moved by the same deltas as the lines themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import bindparam, case, func, select

from orders.models import CustomerMonthlySales, LineMonthlySales, MonthlySales, Product, ProductMonthlySales, SalesLine
from partners.models import Partner
from portal.database import exact_sum, utcnow
from portal.extensions import db

Key = tuple[int, date]  # (partner id, first day of the month)
CustomerKey = tuple[int, int, date]  # (partner id, customer id, first day of the month)
ItemKey = tuple[int, int, date]  # (partner id, product or product line id, first day of the month)


def _sums() -> list:
    return [Decimal(0), Decimal(0), Decimal(0), 0]  # net, returns, quantity, lines


@dataclass
class Deltas:
    """Changes to apply to the roll-ups: line added, line changed (old out, new in), line removed."""

    months: dict[Key, list] = field(default_factory=lambda: defaultdict(_sums))
    customers: dict[CustomerKey, list] = field(default_factory=lambda: defaultdict(lambda: [Decimal(0), 0, 0]))
    products: dict[ItemKey, list] = field(default_factory=lambda: defaultdict(_sums))
    product_lines: dict[ItemKey, list] = field(default_factory=lambda: defaultdict(_sums))

    def add(self, line: LineFacts, sign: int = 1) -> None:
        """Count one line in (sign 1) or out (sign -1) of every roll-up."""
        net, quantity = sign * line.net_amount, sign * line.quantity
        returned = net if line.is_return else Decimal(0)
        for sums in (
            self.months[(line.partner_id, line.period)],
            self.products[(line.partner_id, line.product_id, line.period)],
            self.product_lines[(line.partner_id, line.product_line_id, line.period)],
        ):
            sums[0] += net
            sums[1] += returned
            sums[2] += quantity
            sums[3] += sign
        customer = self.customers[(line.partner_id, line.customer_id, line.period)]
        customer[0] += net
        customer[1] += 0 if line.is_return else sign
        customer[2] += sign


class LineFacts(NamedTuple):
    """What the roll-ups need of a sales line (as written, or as it was before a change)."""

    partner_id: int
    period: date
    customer_id: int
    product_id: int
    product_line_id: int
    net_amount: Decimal
    quantity: Decimal
    is_return: bool


def line_facts_query():
    """The columns of LineFacts for lines selected by the caller's where(): the product's line joined in."""
    return select(
        SalesLine.partner_id,
        SalesLine.period,
        SalesLine.customer_id,
        SalesLine.product_id,
        Product.product_line_id,
        SalesLine.net_amount,
        SalesLine.quantity,
        SalesLine.is_return,
    ).join(Product, Product.id == SalesLine.product_id)


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


VALUES = ("net_amount", "returns_amount", "quantity", "line_count")


def hold_products(product_ids) -> dict[int, int]:
    """Each product's line, read so that it cannot change until this transaction ends: a product moved to another
    line meanwhile would move sums this transaction is about to add to the old line (move_product). PostgreSQL:
    FOR SHARE (moving a product updates its row, so it waits, and is waited for); SQLite's one writer needs none."""
    query = select(Product.id, Product.product_line_id).where(Product.id.in_(sorted(set(product_ids))))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return {product_id: line_id for product_id, line_id in db.session.execute(query)} if product_ids else {}


def apply(deltas: Deltas) -> None:
    """Add the deltas to the roll-up rows, creating the months that are new and removing those whose last line
    went. Inside the caller's transaction."""
    _apply_rows(
        MonthlySales, ("partner_id", "period"), VALUES, deltas.months, lambda key: {}, stamp={"updated_at": utcnow()}
    )
    partner_of = {(customer_id, period): partner_id for partner_id, customer_id, period in deltas.customers}
    _apply_rows(
        CustomerMonthlySales,
        ("customer_id", "period"),
        ("net_amount", "sale_lines", "line_count"),
        {(customer_id, period): tuple(change) for (_, customer_id, period), change in deltas.customers.items()},
        lambda key: {"partner_id": partner_of[key]},
    )
    _apply_rows(ProductMonthlySales, ("partner_id", "product_id", "period"), VALUES, deltas.products, lambda key: {})
    _apply_rows(
        LineMonthlySales, ("partner_id", "product_line_id", "period"), VALUES, deltas.product_lines, lambda key: {}
    )


def move_product(product_id: int, old_line_id: int, new_line_id: int) -> None:
    """A product moved to another line: its sums, as the product roll-up holds them, leave the old line's rows
    and join the new one's. In every partner's rows (the caller holds the every-partner scope: the catalog is the
    brand's). Inside the caller's transaction."""
    moves: dict[ItemKey, list] = defaultdict(_sums)
    rows = db.session.execute(
        select(
            ProductMonthlySales.partner_id,
            ProductMonthlySales.period,
            *(getattr(ProductMonthlySales, name) for name in VALUES),
        ).where(ProductMonthlySales.product_id == product_id)
    )
    for partner_id, period, *sums in rows:
        for line_id, sign in ((old_line_id, -1), (new_line_id, 1)):
            moved = moves[(partner_id, line_id, period)]
            for index, value in enumerate(sums):
                moved[index] += sign * value
    hold_partners({key[0] for key in moves})
    _apply_rows(LineMonthlySales, ("partner_id", "product_line_id", "period"), VALUES, moves, lambda key: {})


def _apply_rows(
    model,
    key_names: tuple[str, ...],
    value_names: tuple[str, ...],
    changes: Mapping[tuple, Sequence],
    fixed: Callable[[tuple], dict],
    stamp: dict | None = None,
) -> None:
    """Add each change (deltas in the order of `value_names`, the line count last) to the row of its key: one
    executemany each for the updates, the new rows and the emptied ones. The lookup uses a plain IN list per key
    column, which the unique index serves (a row-value IN would scan the table). `stamp` is written to every row
    that changes."""
    stamp = stamp or {}
    changes = {key: change for key, change in changes.items() if any(change)}
    if not changes:
        return
    columns = [getattr(model, name) for name in key_names]
    found = {}
    rows = db.session.execute(
        select(model.id, *columns, *(getattr(model, name) for name in value_names)).where(
            *(column.in_({key[n] for key in changes}) for n, column in enumerate(columns))
        )
    )
    width = len(key_names)
    for row_id, *values in rows:
        key = tuple(values[:width])
        if key in changes:
            found[key] = (row_id, values[width:])
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


def fresh_sums(*keys):
    """A roll-up's sums worked out again from the lines, grouped by `keys` (columns of the lines or of their
    product): the keys, then net, returns, quantity and lines in the order of VALUES, as the roll-up rows hold
    them. What the stored rows must always equal; the benchmark fills roll-ups with it after a bulk load."""
    return (
        select(
            *keys,
            exact_sum(SalesLine.net_amount),
            func.coalesce(exact_sum(case((SalesLine.is_return, SalesLine.net_amount), else_=None)), 0),
            exact_sum(SalesLine.quantity),
            func.count(),
        )
        .join(Product, Product.id == SalesLine.product_id)
        .group_by(*keys)
    )


def _fresh(*keys) -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    width = len(keys)
    return {tuple(row[:width]): tuple(row[width:]) for row in db.session.execute(fresh_sums(*keys))}


def _stored(model, *key_names: str) -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    query = select(*(getattr(model, name) for name in (*key_names, *VALUES)))
    width = len(key_names)
    return {tuple(row[:width]): tuple(row[width:]) for row in db.session.execute(query)}


def fresh_aggregate() -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    """The monthly roll-up worked out again from the lines: (partner, month) → net, returns, quantity, lines."""
    return _fresh(SalesLine.partner_id, SalesLine.period)


def stored() -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    return _stored(MonthlySales, "partner_id", "period")


def fresh_product_aggregate() -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    return _fresh(SalesLine.partner_id, SalesLine.product_id, SalesLine.period)


def stored_products() -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    return _stored(ProductMonthlySales, "partner_id", "product_id", "period")


def fresh_line_aggregate() -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    """By the product's line as the catalog says now."""
    return _fresh(SalesLine.partner_id, Product.product_line_id, SalesLine.period)


def stored_lines() -> dict[tuple, tuple[Decimal, Decimal, Decimal, int]]:
    return _stored(LineMonthlySales, "partner_id", "product_line_id", "period")


def fresh_customer_sums():
    """The customer roll-up's rows worked out again from the lines: partner, customer, month, then net, lines
    bought (not returns) and lines."""
    return select(
        SalesLine.partner_id,
        SalesLine.customer_id,
        SalesLine.period,
        exact_sum(SalesLine.net_amount),
        func.count(case((SalesLine.is_return.is_(False), 1), else_=None)),
        func.count(),
    ).group_by(SalesLine.partner_id, SalesLine.customer_id, SalesLine.period)


def fresh_customer_aggregate() -> dict[tuple[int, date], tuple[Decimal, int, int]]:
    """The customer roll-up worked out again from the lines."""
    return {(c, m): (net, sales, count) for _, c, m, net, sales, count in db.session.execute(fresh_customer_sums())}


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
