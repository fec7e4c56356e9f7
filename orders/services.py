"""Reading reported sales: lines by period, submissions and their revert, exports, money as people read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnExpressionArgument, CursorResult, Select, case, delete, func, or_, select
from sqlalchemy.orm import joinedload

from orders import rollup
from orders.customers import CustomerRow, mask
from orders.models import DealRegistration, SalesLine, Submission, SubmissionStatus
from partners.identity import normalise_company_name
from partners.models import Partner, Region
from partners.services import partner_codes
from portal import audit
from portal.auth.models import User
from portal.database import exact_sum, utcnow
from portal.exports import amount_cells
from portal.extensions import db
from portal.money import Total, query_total
from portal.paging import Page, paginate
from portal.security import PermissionDenied, Role, RuleViolation

LINES_PER_PAGE = 100


@dataclass(frozen=True)
class LineCriteria:
    """Which lines a list shows: a month or a range of months, one partner (by id, from a drill-down, or by code
    or name as brand staff type it), a region, only returns."""

    period: date | None = None
    first: date | None = None
    last: date | None = None
    partner_id: int | None = None
    partner_text: str = ""
    region: Region | None = None
    returns_only: bool = False

    @property
    def is_drill_down(self) -> bool:
        return bool(self.partner_id or self.first or self.last or self.returns_only)


def _line_filters(criteria: LineCriteria) -> list[ColumnExpressionArgument[bool]]:
    period, first, last = criteria.period, criteria.first, criteria.last
    conditions: list[ColumnExpressionArgument[bool]] = []
    if period is not None:
        conditions.append(SalesLine.period == period)
    if first is not None:
        conditions.append(SalesLine.period >= first)
    if last is not None:
        conditions.append(SalesLine.period <= last)
    if criteria.partner_id is not None:
        conditions.append(SalesLine.partner_id == criteria.partner_id)
    text = criteria.partner_text.strip()
    if text:
        key = f"%{normalise_company_name(text)}%"
        conditions.append(
            SalesLine.partner_id.in_(
                select(Partner.id).where(or_(func.upper(Partner.code) == text.upper(), Partner.name_key.like(key)))
            )
        )
    if criteria.region is not None:
        conditions.append(
            SalesLine.partner_id.in_(
                select(Partner.id)
                .join(Region, Region.id == Partner.region_id)
                .where(Region.path.startswith(criteria.region.path))
            )
        )
    if criteria.returns_only:
        conditions.append(SalesLine.is_return)
    return conditions


def _lines_query(criteria: LineCriteria):
    return (
        select(SalesLine)
        .where(*_line_filters(criteria))
        .options(joinedload(SalesLine.customer), joinedload(SalesLine.product))  # each line names both
        .order_by(SalesLine.order_date.desc(), SalesLine.order_no, SalesLine.line_no, SalesLine.id)
    )


def list_lines(criteria: LineCriteria) -> list[SalesLine]:
    """Every line in scope that the criteria pick, newest first (exports): the lines behind a figure."""
    return list(db.session.scalars(_lines_query(criteria)))


def lines_page(criteria: LineCriteria, *, page: int, total: int) -> Page[SalesLine]:
    """One page of list_lines; `total` from summarise_lines, which counts them anyway."""
    return paginate(_lines_query(criteria), page=page, per_page=LINES_PER_PAGE, total=total)


def summarise_lines(criteria: LineCriteria) -> Total:
    """How many lines list_lines finds, and their exact net total."""
    count, total = db.session.execute(
        select(func.count(), exact_sum(SalesLine.net_amount)).where(*_line_filters(criteria))
    ).one()
    return Total(count, total or Decimal(0))


def reported_months() -> list[date]:
    return list(db.session.scalars(select(SalesLine.period).distinct().order_by(SalesLine.period.desc()).limit(36)))


def submissions_query() -> Select[Submission]:
    """The submissions in scope, newest first."""
    return select(Submission).order_by(Submission.id.desc())


def submissions_total(query: Select[Submission]) -> Total:
    """Every submission the query finds (all pages) and the exact total of what they hold now: delivered less
    superseded, a reverted one nothing (Submission.held_amount)."""
    listed = query.order_by(None).subquery()
    holds = listed.c.status != SubmissionStatus.REVERTED
    count, delivered, superseded = db.session.execute(
        select(
            func.count(),
            exact_sum(case((holds, listed.c.total_amount))),
            exact_sum(case((holds, listed.c.superseded_amount))),
        )
    ).one()
    return Total(count, (delivered or Decimal(0)) - (superseded or Decimal(0)))


def submission_lines_query(submission: Submission) -> Select[SalesLine]:
    """The lines the submission still holds, in the order of its file."""
    return (
        select(SalesLine)
        .where(SalesLine.submission_id == submission.id)
        .order_by(SalesLine.order_no, SalesLine.line_no)
    )


def submission_lines_total(submission: Submission) -> Total:
    """The exact net total of the lines the submission holds, summed from the lines themselves."""
    return query_total(submission_lines_query(submission), "net_amount")


def may_revert(submission: Submission, actor: User) -> bool:
    """Admins take back a completed submission while some of its lines are still its own."""
    return actor.role is Role.ADMIN and submission.status is SubmissionStatus.COMPLETED and submission.held_count > 0


def revert_submission(submission: Submission, *, actor: User) -> int:
    """Remove exactly the lines this submission wrote (lines a later submission re-sent belong to that one now).
    Admins only; audited. Returns how many lines went. The caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    if submission.status is not SubmissionStatus.COMPLETED:
        raise RuleViolation(_l("Only a completed submission can be reverted."))
    if submission.held_count == 0:
        raise RuleViolation(_l("Nothing to revert: later deliveries replaced every line of this submission."))
    rollup.hold_partners([submission.partner_id])
    deltas = rollup.Deltas()
    for row in db.session.execute(rollup.line_facts_query().where(SalesLine.submission_id == submission.id)):
        deltas.add(rollup.LineFacts(*row), sign=-1)
    deleted = db.session.execute(delete(SalesLine).where(SalesLine.submission_id == submission.id))
    removed = cast(CursorResult[Any], deleted).rowcount  # a DELETE's result is a CursorResult
    rollup.apply(deltas)
    submission.status = SubmissionStatus.REVERTED
    submission.reverted_at = utcnow()
    submission.reverted_by_id = actor.id
    audit.record(
        actor=actor,
        row=submission,
        action="revert",
        before={"lines": submission.row_count, "superseded": submission.superseded_count},
        after={"lines_removed": removed},
        partner_id=submission.partner_id,
    )
    db.session.flush()
    return removed


# Each amount twice: `net_amount` rounded half up to cents, `net_amount_exact` as stored (README, "Exports").
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


def line_export_rows(lines: list[SalesLine]) -> list[list[object]]:
    codes = partner_codes()
    return [
        [
            codes.get(line.partner_id),
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
        for line in lines
    ]


CUSTOMER_EXPORT_HEADERS = [
    "customer_code",
    "customer_name",
    "region",
    "industry",
    "contact_person",
    "phone",
    "email",
    "lines",
    "net_amount",
    "net_amount_exact",
]


def customer_export_rows(rows: list[CustomerRow]) -> list[list[object]]:
    """Personal fields stay masked in a list export; a person's full data comes from their own export."""
    return [
        [
            r.customer.code,
            r.customer.name,
            r.customer.region_text,
            r.customer.industry,
            mask(r.customer.contact_person),
            mask(r.customer.phone),
            mask(r.customer.email),
            r.lines,
            *amount_cells(r.net_amount),
        ]
        for r in rows
    ]


# `lines` and `net_amount` are what each submission holds now, so the column adds up to the partners' sales;
# what it delivered and what later deliveries replaced follow.
SUBMISSION_EXPORT_HEADERS = [
    "submission",
    "partner_code",
    "created_at",
    "source",
    "filename",
    "created_by",
    "lines",
    "net_amount",
    "net_amount_exact",
    "status",
    "lines_delivered",
    "net_amount_delivered",
    "net_amount_delivered_exact",
    "lines_superseded",
]


def submission_export_rows(query: Select[Submission], partner_code) -> list[list[object]]:
    return [
        [
            s.id,
            partner_code(s.partner_id),
            s.created_at.isoformat(timespec="seconds"),
            s.source.value,
            s.filename or "",
            s.created_by.name if s.created_by else "",
            s.held_count,
            *amount_cells(s.held_amount),
            s.status.value,
            s.row_count,
            *amount_cells(s.total_amount),
            s.superseded_count,
        ]
        for s in db.session.scalars(query)
    ]


DEAL_EXPORT_HEADERS = [
    "registration",
    "partner_code",
    "customer",
    "customer_region",
    "products",
    "estimated_value",
    "estimated_value_exact",
    "expected_close",
    "status",
    "protected_until",
    "conflict",
    "won_order_no",
]


def deal_export_rows(query: Select[DealRegistration], partner_code, *, today: date) -> list[list[object]]:
    """One row per registration, in its state on `today` (an overdue one is expired)."""
    return [
        [
            d.id,
            partner_code(d.partner_id),
            d.customer_name,
            d.customer_region or "",
            d.products,
            *amount_cells(d.estimated_value),
            d.expected_close.isoformat(),
            d.status_on(today).value,
            d.protected_until.isoformat() if d.protected_until else "",
            d.conflict_note or "",
            d.won_order_no or "",
        ]
        for d in db.session.scalars(query)
    ]
