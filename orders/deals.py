"""Deal registration: a partner claims an opportunity, a channel manager protects it for a while, the partner
reports the win or the loss. Two partners chasing the same customer are both flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from orders.intake import FOUR_PLACES, MAX_MAGNITUDE
from orders.models import ACTIVE_DEAL_STATUSES, DealRegistration, DealStatus, SalesLine
from partners.models import Partner
from portal import audit, tenancy
from portal.auth.models import User
from portal.calendar import add_months, month_begins
from portal.database import utcnow
from portal.extensions import db
from portal.security import BRAND_ROLES, PARTNER_ROLES, PermissionDenied, RuleViolation

AUDITED = ("status", "protected_until", "conflict_note", "decision_note", "won_order_no")


@dataclass(frozen=True)
class DealFields:
    customer_name: str
    customer_region: str
    products: str
    estimated_value: Decimal
    expected_close: date


def _check(fields: DealFields, today: date) -> None:
    if not fields.customer_name.strip():
        raise RuleViolation(_l("Fill in this field."), field="customer_name")
    value = fields.estimated_value
    if value <= 0 or value >= MAX_MAGNITUDE or value != value.quantize(FOUR_PLACES):
        raise RuleViolation(_l("Use an amount above 0 with at most 4 decimal places."), field="estimated_value")
    if fields.expected_close < today:
        raise RuleViolation(_l("The expected close date has passed."), field="expected_close")


def _flag_conflicts(deal: DealRegistration, today: date) -> None:
    """Every other partner's active registration for the same customer (normalised name) is a conflict: both
    sides are flagged for the channel manager. One past its date is expired, so no conflict."""
    with tenancy.every_partner(reason="conflicts are found across partners"):
        others = db.session.scalars(
            select(DealRegistration).where(
                DealRegistration.customer_key == deal.customer_key,
                DealRegistration.partner_id != deal.partner_id,
                DealRegistration.status_on(today).in_(ACTIVE_DEAL_STATUSES),
                DealRegistration.id != deal.id,
            )
        ).all()
        codes = dict(
            db.session.execute(
                select(Partner.id, Partner.code).where(
                    Partner.id.in_([other.partner_id for other in others] + [deal.partner_id])
                )
            ).all()
        )
        for other in others:
            mine = f"#{other.id} {codes[other.partner_id]}"
            theirs = f"#{deal.id} {codes[deal.partner_id]}"
            deal.conflict_note = "; ".join(filter(None, [deal.conflict_note, mine]))[:500]
            if theirs not in (other.conflict_note or ""):
                other.conflict_note = "; ".join(filter(None, [other.conflict_note, theirs]))[:500]


def register_deal(fields: DealFields, *, actor: User, today: date) -> DealRegistration:
    """A partner's user registers an opportunity for their own partner. Raises RuleViolation; caller commits."""
    if actor.role not in PARTNER_ROLES or actor.partner_id is None:
        raise PermissionDenied()
    _check(fields, today)
    deal = DealRegistration(
        partner_id=actor.partner_id,
        customer_name=fields.customer_name.strip(),
        customer_region=fields.customer_region.strip() or None,
        products=fields.products.strip(),
        estimated_value=fields.estimated_value,
        expected_close=fields.expected_close,
        created_by_id=actor.id,
    )
    db.session.add(deal)
    db.session.flush()
    _flag_conflicts(deal, today)
    audit.created(deal, AUDITED, actor=actor, partner_id=deal.partner_id)
    db.session.flush()
    return deal


def _decide(deal: DealRegistration, actor: User, status: DealStatus, note: str | None) -> None:
    with audit.tracking(deal, AUDITED, actor=actor, partner_id=deal.partner_id, reason=note):
        deal.status = status
        deal.decision_note = note
        deal.decided_by_id = actor.id
        deal.decided_at = utcnow()
    db.session.flush()


def may_decide(deal: DealRegistration, actor: User, today: date) -> bool:
    """Brand staff (who see the partner) approve or reject a registration while it waits for approval."""
    return actor.role in BRAND_ROLES and deal.status_on(today) is DealStatus.SUBMITTED


def may_close(deal: DealRegistration, actor: User, today: date) -> bool:
    """The partner's own users report the outcome of an approved registration while it is protected."""
    return (
        actor.role in PARTNER_ROLES
        and actor.partner_id == deal.partner_id
        and deal.status_on(today) is DealStatus.APPROVED
    )


def approve_deal(deal: DealRegistration, *, actor: User, today: date) -> None:
    """Brand staff who see the partner protect the deal for DEAL_PROTECTION_DAYS. Caller commits."""
    if actor.role not in BRAND_ROLES:
        raise PermissionDenied()
    if not may_decide(deal, actor, today):
        raise RuleViolation(_l("Only a registration waiting for approval can be approved."))
    deal.protected_until = today + timedelta(days=current_app.config["DEAL_PROTECTION_DAYS"])
    _decide(deal, actor, DealStatus.APPROVED, None)


def reject_deal(deal: DealRegistration, *, actor: User, reason: str, today: date) -> None:
    if actor.role not in BRAND_ROLES:
        raise PermissionDenied()
    if not may_decide(deal, actor, today):
        raise RuleViolation(_l("Only a registration waiting for approval can be rejected."))
    if not reason.strip():
        raise RuleViolation(_l("Say why the registration is rejected."), field="note")
    _decide(deal, actor, DealStatus.REJECTED, reason.strip())


def close_deal(deal: DealRegistration, *, actor: User, won: bool, today: date, order_no: str = "") -> None:
    """The partner reports the outcome of an approved deal still protected; a win names the order whose sales
    lines it brought."""
    if actor.role not in PARTNER_ROLES or actor.partner_id != deal.partner_id:
        raise PermissionDenied()
    if not may_close(deal, actor, today):
        raise RuleViolation(_l("Only an approved registration can be closed."))
    if won:
        order_no = order_no.strip()
        has_lines = db.session.scalar(
            select(SalesLine.id).where(SalesLine.partner_id == deal.partner_id, SalesLine.order_no == order_no).limit(1)
        )
        if not has_lines:
            raise RuleViolation(
                _l("Report the order's sales lines first, then name its order number."), field="order_no"
            )
        deal.won_order_no = order_no
    _decide(deal, actor, DealStatus.WON if won else DealStatus.LOST, None)


def expire_deals(today: date) -> int:
    """Record the expiry of registrations past their protection (approved) or past their expected close
    (waiting), with an audit entry each. Run daily by `flask deals expire`. Pages need not wait for it: they
    read DealRegistration.status_on(today), which counts these as expired already. The caller commits."""
    overdue = db.session.scalars(
        select(DealRegistration).where(
            DealRegistration.status.in_(ACTIVE_DEAL_STATUSES),
            DealRegistration.status_on(today) == DealStatus.EXPIRED,
        )
    ).all()
    for deal in overdue:
        with audit.tracking(deal, AUDITED, actor=None, action="expire", partner_id=deal.partner_id):
            deal.status = DealStatus.EXPIRED
    db.session.flush()
    return len(overdue)


def won_lines(deal: DealRegistration) -> list[SalesLine]:
    if not deal.won_order_no:
        return []
    return list(
        db.session.scalars(
            select(SalesLine).where(SalesLine.partner_id == deal.partner_id, SalesLine.order_no == deal.won_order_no)
        )
    )


def deals_query(
    *,
    today: date,
    partner_id: int | None = None,
    status: DealStatus | None = None,
    closed_in: tuple[date | None, date | None] = (None, None),
):
    """Registrations in scope, conflicts first, newest first; of one partner; in one state on `today` (an overdue
    one is expired); or only those won or lost in a range of months (the deals behind a scorecard's win rate).
    For a page (paginate) or an export (all)."""
    query = select(DealRegistration).order_by(DealRegistration.conflict_note.is_(None), DealRegistration.id.desc())
    if partner_id is not None:
        query = query.where(DealRegistration.partner_id == partner_id)
    if status is not None:
        query = query.where(DealRegistration.status_on(today) == status)
    first, last = closed_in
    if first is not None and last is not None:
        query = query.where(
            DealRegistration.status.in_([DealStatus.WON, DealStatus.LOST]),
            DealRegistration.decided_at >= month_begins(first),
            DealRegistration.decided_at < month_begins(add_months(last, 1)),
        )
    return query
