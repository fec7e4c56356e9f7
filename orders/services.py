"""Reading reported sales: submissions and their revert, the exports of customers, submissions and deals (the lines
themselves: orders/lines.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Select, case, delete, func, select

from orders import rollup
from orders.customers import CustomerRow, mask
from orders.models import DealRegistration, SalesLine, Submission, SubmissionStatus
from portal import audit
from portal.auth.models import User
from portal.database import exact_sum, utcnow
from portal.exports import amount_cells
from portal.extensions import db
from portal.money import Total, query_total
from portal.security import PermissionDenied, Role, RuleViolation

LINES_PER_PAGE = 100


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
    going = [
        rollup.LineFacts(*row)
        for row in db.session.execute(rollup.line_facts_query().where(SalesLine.submission_id == submission.id))
    ]
    lines_of = rollup.hold_products({facts.product_id for facts in going})
    for facts in going:
        deltas.add(facts._replace(product_line_id=lines_of[facts.product_id]), sign=-1)
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
