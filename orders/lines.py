"""The sales lines as people list them: the filters, a page at a time, the total of the whole filter, the months that
have lines, and the export of every line a filter picks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnExpressionArgument, Select, false, func, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from orders.models import LineMonthlySales, MonthlySales, Product, ProductMonthlySales, SalesLine
from orders.services import LINES_PER_PAGE
from partners.models import Partner, PartnerTier, PartnerType, ProductLine, Region
from partners.services import partner_codes, partner_labels, partners_named
from portal.calendar import add_months
from portal.database import exact_sum
from portal.exports import amount_cells
from portal.extensions import db
from portal.money import Total
from portal.paging import Page, page_count

# Newest first; the index ix_sales_lines_newest_first holds these columns in this order.
NEWEST_FIRST = (SalesLine.order_date.desc(), SalesLine.order_no, SalesLine.line_no, SalesLine.id)


@dataclass(frozen=True)
class LineCriteria:
    """Which lines a list shows: a range of months (either end open), one partner (by id, from a link, or by code
    or name as brand staff type it), the partners based in a region (or in the region itself, not below it), of a
    type or tier, a product line, a product, only returns. The sales analysis drills its figures down to these."""

    first: date | None = None
    last: date | None = None
    partner_id: int | None = None
    partner_text: str = ""
    region: Region | None = None
    region_only: bool = False
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    product_line: ProductLine | None = None
    product: Product | None = None
    returns_only: bool = False

    @property
    def is_filtered(self) -> bool:
        return self != LineCriteria()


def _partner_conditions(
    partner_id: InstrumentedAttribute[int], criteria: LineCriteria
) -> list[ColumnExpressionArgument[bool]]:
    """The partner the reader chose, by id or by what they typed, and the region: never the reader's own scope,
    which portal/tenancy.py adds to every query."""
    conditions: list[ColumnExpressionArgument[bool]] = []
    if criteria.partner_id is not None:
        conditions.append(partner_id == criteria.partner_id)
    if criteria.partner_text.strip():
        conditions.append(partner_id.in_(partners_named(criteria.partner_text)))
    partners: list[ColumnExpressionArgument[bool]] = []
    if criteria.region is not None and criteria.region_only:
        partners.append(Partner.region_id == criteria.region.id)
    elif criteria.region is not None:
        based_within = select(Region.id).where(Region.path.startswith(criteria.region.path))
        partners.append(Partner.region_id.in_(based_within))
    if criteria.partner_type is not None:
        partners.append(Partner.partner_type == criteria.partner_type)
    if criteria.tier is not None:
        partners.append(Partner.tier == criteria.tier)
    if partners:
        conditions.append(partner_id.in_(select(Partner.id).where(*partners)))
    return conditions


def _line_conditions(criteria: LineCriteria) -> list[ColumnExpressionArgument[bool]]:
    conditions = _partner_conditions(SalesLine.partner_id, criteria)
    # The months as order dates (a line's period is its order date's month): the newest-first index then serves the
    # range and the order at once, where a condition on period would send SQLite to the partner index.
    if criteria.first is not None:
        conditions.append(SalesLine.order_date >= criteria.first)
    if criteria.last is not None:
        conditions.append(SalesLine.order_date < add_months(criteria.last, 1))
    if criteria.product_line is not None:
        # EXISTS, not IN: an IN list would tempt SQLite into the product index and a sort of a third of the lines.
        of_the_line = select(Product.id).where(
            Product.id == SalesLine.product_id, Product.product_line_id == criteria.product_line.id
        )
        conditions.append(of_the_line.exists())
    if criteria.product is not None:
        conditions.append(SalesLine.product_id == criteria.product.id)
    if criteria.returns_only:
        conditions.append(SalesLine.is_return)
    return conditions


def _rollup_for(criteria: LineCriteria):
    """The coarsest roll-up that still tells the criteria's lines apart (every roll-up is written with the lines and
    always equals them, orders/rollup.py), with its conditions; None when only the lines do (returns only)."""
    if criteria.returns_only:
        return None, []
    conditions: list[ColumnExpressionArgument[bool]]
    if criteria.product is not None:
        model: Any = ProductMonthlySales
        conditions = [ProductMonthlySales.product_id == criteria.product.id]
        if criteria.product_line is not None and criteria.product.product_line_id != criteria.product_line.id:
            conditions.append(false())  # a product of another line: nothing
    elif criteria.product_line is not None:
        model, conditions = LineMonthlySales, [LineMonthlySales.product_line_id == criteria.product_line.id]
    else:
        model, conditions = MonthlySales, []
    conditions += _partner_conditions(model.partner_id, criteria)
    if criteria.first is not None:
        conditions.append(model.period >= criteria.first)
    if criteria.last is not None:
        conditions.append(model.period <= criteria.last)
    return model, conditions


def _lines_query(criteria: LineCriteria) -> Select[SalesLine]:
    return (
        select(SalesLine)
        .where(*_line_conditions(criteria))
        .options(joinedload(SalesLine.customer), joinedload(SalesLine.product))  # each line names both
        .order_by(*NEWEST_FIRST)
    )


def summarise_lines(criteria: LineCriteria) -> Total:
    """How many lines the criteria pick (every page), and their exact net total, counted from a roll-up (a few rows
    per partner and month instead of a million lines); returns only need the lines."""
    model, conditions = _rollup_for(criteria)
    if model is None:
        query = select(func.count(SalesLine.id), exact_sum(SalesLine.net_amount)).where(*_line_conditions(criteria))
    else:
        query = select(func.sum(model.line_count), exact_sum(model.net_amount)).where(*conditions)
    count, amount = db.session.execute(query).one()
    return Total(int(count or 0), amount or Decimal(0))


def lines_page(criteria: LineCriteria, *, page: int, total: int) -> Page[SalesLine]:
    """The `page`-th page (from 1, clamped to the last) of the lines, newest first; `total` from summarise_lines, so
    nothing is counted again. The page's ids come first, from the newest-first index alone (it carries the columns
    the filters read), then just those lines are read: a deep page skips index entries, not whole lines."""
    number = min(max(page, 1), page_count(total, LINES_PER_PAGE))
    ids = (
        select(SalesLine.id)
        .where(*_line_conditions(criteria))
        .order_by(*NEWEST_FIRST)
        .limit(LINES_PER_PAGE)
        .offset((number - 1) * LINES_PER_PAGE)
    )
    chosen = _lines_query(LineCriteria()).where(SalesLine.id.in_(ids))
    return Page(list(db.session.scalars(chosen)), number, LINES_PER_PAGE, total)


def iter_lines(criteria: LineCriteria) -> Iterator[SalesLine]:
    """Every line the criteria pick, newest first, read a few thousand at a time (an export may take them all)."""
    return iter(db.session.scalars(_lines_query(criteria).execution_options(yield_per=2000)))


def months_with_lines() -> list[date]:
    """Every month with lines in scope, newest first: from the roll-up (one row per partner and month)."""
    return list(db.session.scalars(select(MonthlySales.period).distinct().order_by(MonthlySales.period.desc())))


# Each amount twice: `net_amount` rounded half up to cents, `net_amount_exact` as stored (README, "Exports"). The
# file goes back in through the upload as it is; columns the upload does not know are left aside.
LINE_EXPORT_HEADERS = [
    "partner_code",
    "order_no",
    "line_no",
    "order_date",
    "customer_code",
    "customer_name",
    "sku",
    "quantity",
    "unit_price",
    "discount",
    "net_amount",
    "net_amount_exact",
    "is_return",
    "submission",
]
# Brand staff's files name each line's partner and where it is based.
BRAND_LINE_EXPORT_HEADERS = ["partner_code", "partner_name", "partner_region", *LINE_EXPORT_HEADERS[1:]]


def line_export(criteria: LineCriteria, *, for_brand: bool) -> tuple[list[str], Iterator[list[Any]]]:
    """The headers and the rows of the export of every line the criteria pick."""
    if for_brand:
        model, conditions = _rollup_for(replace(criteria, returns_only=False))
        partner_ids = db.session.scalars(select(model.partner_id).where(*conditions).distinct()).all()
        labels = partner_labels(partner_ids)

        def partner_cells(line: SalesLine) -> list[object]:
            label = labels[line.partner_id]
            return [label.code, label.name, label.region]

        headers = BRAND_LINE_EXPORT_HEADERS
    else:
        codes = partner_codes()

        def partner_cells(line: SalesLine) -> list[object]:
            return [codes.get(line.partner_id)]

        headers = LINE_EXPORT_HEADERS
    rows = (
        [
            *partner_cells(line),
            line.order_no,
            line.line_no,
            line.order_date.isoformat(),
            line.customer.code,
            line.customer.name,
            line.product.sku,
            line.quantity,
            line.unit_price,
            line.discount,
            *amount_cells(line.net_amount),
            "1" if line.is_return else "0",
            line.submission_id,
        ]
        for line in iter_lines(criteria)
    )
    return headers, rows
