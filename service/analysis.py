"""Complaint analysis for continuous improvement: support cases and end-customer complaints by category, product
line, product, region and partner over a range of months, the top ones, a monthly trend and the repeats; every
count links to the rows behind it. Counts stay within the actor's tenancy scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from orders.models import Product
from partners.models import Partner, ProductLine, Region
from portal.calendar import MonthRange, add_months, month_begins, parse_month
from portal.extensions import db
from service.complaints import repeats
from service.models import CaseCategory, CustomerComplaint, SupportCase

BREAKDOWNS = {
    "category": _l("Category"),
    "product_line": _l("Product line"),
    "product": _l("Product"),
    "region": _l("Region"),
    "partner": _l("Partner"),
}


@dataclass(frozen=True)
class AnalysisRow:
    key: str  # what the drill-down filters by
    label: str
    cases: int
    complaints: int

    @property
    def total(self) -> int:
        return self.cases + self.complaints


def _window(months: MonthRange) -> tuple[datetime, datetime]:
    """The UTC moments the first month begins and the month after the last begins."""
    return month_begins(months.first), month_begins(add_months(months.last, 1))


def _grouped(model: Any, by: str, months: MonthRange) -> Counter[str]:
    """Counts of `model` rows opened in the months, by the breakdown's key (SQL GROUP BY on the scoped rows)."""
    first, after = _window(months)
    key: Any
    if by == "category":
        key = model.category
        query = select(key, func.count(model.id))
    elif by == "product":
        key = Product.sku
        query = select(key, func.count(model.id)).select_from(model).join(Product, model.product_id == Product.id)
    elif by == "product_line":
        key = ProductLine.code
        query = (
            select(key, func.count(model.id))
            .select_from(model)
            .join(Product, model.product_id == Product.id)
            .join(ProductLine, Product.product_line_id == ProductLine.id)
        )
    elif by == "region":
        key = Region.code
        query = (
            select(key, func.count(model.id))
            .select_from(model)
            .join(Partner, model.partner_id == Partner.id)
            .join(Region, Partner.region_id == Region.id)
        )
    else:
        key = Partner.code
        query = select(key, func.count(model.id)).select_from(model).join(Partner, model.partner_id == Partner.id)
    query = query.where(model.created_at >= first, model.created_at < after).group_by(key)
    return Counter({str(getattr(value, "value", value)): count for value, count in db.session.execute(query)})


def _labels(by: str, keys: set[str]) -> dict[str, str]:
    if by == "category":
        return {key: CaseCategory(key).label for key in keys}
    if by == "product":
        return {p.sku: f"{p.sku} · {p.name}" for p in db.session.scalars(select(Product).where(Product.sku.in_(keys)))}
    if by == "product_line":
        return {
            line.code: line.name for line in db.session.scalars(select(ProductLine).where(ProductLine.code.in_(keys)))
        }
    if by == "region":
        return {r.code: r.full_name for r in db.session.scalars(select(Region).where(Region.code.in_(keys)))}
    return {
        p.code: f"{p.code} · {p.legal_name}" for p in db.session.scalars(select(Partner).where(Partner.code.in_(keys)))
    }


def breakdown(by: str, months: MonthRange) -> list[AnalysisRow]:
    """Cases and complaints per key, most first (cases and complaints without a product or region have no row
    in those breakdowns)."""
    by = by if by in BREAKDOWNS else "category"
    case_counts, complaint_counts = _grouped(SupportCase, by, months), _grouped(CustomerComplaint, by, months)
    keys = set(case_counts) | set(complaint_counts)
    labels = _labels(by, keys)
    rows = [AnalysisRow(key, labels.get(key, key), case_counts[key], complaint_counts[key]) for key in keys]
    return sorted(rows, key=lambda row: (-row.total, row.label))


def monthly_trend(months: MonthRange) -> tuple[list[str], list[int], list[int]]:
    """Month labels and the cases and complaints opened in each, in the brand's time zone."""
    labels = [month.strftime("%Y-%m") for month in months.months()]
    starts = [month_begins(month) for month in months.months()] + [_window(months)[1]]

    def per_month(model: Any) -> list[int]:
        first, after = starts[0], starts[-1]
        opened = db.session.scalars(select(model.created_at).where(model.created_at >= first, model.created_at < after))
        counts = [0] * len(labels)
        for moment in opened:
            index = next(i for i in range(len(labels)) if starts[i] <= moment < starts[i + 1])
            counts[index] += 1
        return counts

    return labels, per_month(SupportCase), per_month(CustomerComplaint)


def repeat_complaints(months: MonthRange) -> list[CustomerComplaint]:
    """The complaints of the months that repeat an earlier one of the same customer and product."""
    first, after = _window(months)
    rows = list(
        db.session.scalars(
            select(CustomerComplaint)
            .where(CustomerComplaint.created_at >= first, CustomerComplaint.created_at < after)
            .order_by(CustomerComplaint.id.desc())
        )
    )
    flagged = repeats(rows)
    return [row for row in rows if row.id in flagged]


@dataclass(frozen=True)
class Drill:
    """What a count was counted from, as filters the case queue and the complaints list take."""

    months: MonthRange | None = None
    category: str = ""
    sku: str = ""
    line: str = ""
    region: str = ""
    partner_code: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Drill:
        first, last = parse_month(args.get("first", "")), parse_month(args.get("last", ""))
        return cls(
            months=MonthRange(first, last) if first and last and first <= last else None,
            category=args.get("category", "") if args.get("category", "") in {c.value for c in CaseCategory} else "",
            sku=args.get("sku", "")[:64],
            line=args.get("line", "")[:32],
            region=args.get("region", "")[:32],
            partner_code=args.get("partner_code", "")[:32],
        )

    def apply(self, query: Any, model: Any) -> Any:
        """The rows of `query` (of `model`, a case or a complaint) that this drill-down counted."""
        if self.months is not None:
            first, after = _window(self.months)
            query = query.where(model.created_at >= first, model.created_at < after)
        if self.category:
            query = query.where(model.category == CaseCategory(self.category))
        if self.sku or self.line:
            products = select(Product.id)
            if self.sku:
                products = products.where(Product.sku == self.sku)
            if self.line:
                products = products.join(ProductLine, Product.product_line_id == ProductLine.id).where(
                    ProductLine.code == self.line
                )
            query = query.where(model.product_id.in_(products))
        if self.region or self.partner_code:
            partners = select(Partner.id)
            if self.region:
                partners = partners.join(Region, Partner.region_id == Region.id).where(Region.code == self.region)
            if self.partner_code:
                partners = partners.where(Partner.code == self.partner_code)
            query = query.where(model.partner_id.in_(partners))
        return query

    def args(self, by: str, key: str) -> dict[str, str]:
        """The query string that drills into one row of a breakdown over these months."""
        field = {"category": "category", "product": "sku", "product_line": "line", "region": "region"}.get(
            by, "partner_code"
        )
        months = (
            {"first": self.months.first.strftime("%Y-%m"), "last": self.months.last.strftime("%Y-%m")}
            if self.months
            else {}
        )
        return {**months, field: key}
