"""End customers' complaints: a partner logs what its customer said and what it did, resolves the complaint itself
or escalates it to the brand as a support case. The contact's name and phone follow the customer records' rules
(PIPL): masked in lists, in the person's export, blanked by an erasure, while the complaint and its counts stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from orders.customers import mask
from orders.models import Customer, Product
from portal import audit
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.security import PARTNER_ROLES, PermissionDenied, RuleViolation
from service import cases
from service.models import CaseCategory, CasePriority, ComplaintStatus, CustomerComplaint, SupportCase

REPEAT_WITHIN = timedelta(days=90)  # the same customer and product again within this long is a repeat complaint


@dataclass(frozen=True)
class ComplaintFields:
    customer: Customer
    category: CaseCategory
    severity: CasePriority
    customer_words: str
    action_taken: str = ""
    product: Product | None = None
    contact_name: str = ""
    contact_phone: str = ""


def is_own(actor: User, complaint: CustomerComplaint) -> bool:
    return actor.role in PARTNER_ROLES and actor.partner_id == complaint.partner_id


def may_log(actor: User) -> bool:
    return actor.role in PARTNER_ROLES and actor.partner_id is not None


def may_act(actor: User, complaint: CustomerComplaint) -> bool:
    """The partner's own users resolve or escalate an open complaint; the brand reads it."""
    return is_own(actor, complaint) and complaint.status is ComplaintStatus.OPEN


def log_complaint(fields: ComplaintFields, *, actor: User, now: datetime | None = None) -> CustomerComplaint:
    """A partner's user logs a complaint of one of its own customers. Raises RuleViolation; audited; the caller
    commits."""
    if not may_log(actor):
        raise PermissionDenied()
    if fields.customer.partner_id != actor.partner_id:
        raise RuleViolation(_l("Choose one of your own customers."), field="customer_code")
    complaint = CustomerComplaint(
        partner_id=actor.partner_id,
        customer_id=fields.customer.id,
        product_id=fields.product.id if fields.product else None,
        category=fields.category,
        severity=fields.severity,
        customer_words=cases.checked_text(fields.customer_words, "customer_words"),
        action_taken=fields.action_taken.strip()[: cases.TEXT_MAX],
        contact_name=fields.contact_name.strip()[:120] or None,
        contact_phone=fields.contact_phone.strip()[:40] or None,
        logged_by_id=actor.id,
        created_at=now or utcnow(),
    )
    db.session.add(complaint)
    db.session.flush()
    audit.created(complaint, CustomerComplaint.AUDITED, actor=actor, partner_id=complaint.partner_id)
    return complaint


def resolve_complaint(complaint: CustomerComplaint, action_taken: str, *, actor: User) -> None:
    """The partner closes the complaint itself, saying what it did. The caller commits."""
    if not may_act(actor, complaint):
        raise PermissionDenied()
    with audit.tracking(complaint, CustomerComplaint.AUDITED, actor=actor, partner_id=complaint.partner_id):
        complaint.action_taken = cases.checked_text(action_taken, "action_taken")
        complaint.status = ComplaintStatus.RESOLVED
        complaint.resolved_at = utcnow()


def escalate_complaint(complaint: CustomerComplaint, *, actor: User) -> SupportCase:
    """The partner hands the complaint to the brand: a support case of the same category and priority, naming
    the customer and the product, linked to the complaint. The contact's personal data stays with the complaint.
    The caller commits."""
    if not may_act(actor, complaint):
        raise PermissionDenied()
    customer = complaint.customer
    description = complaint.customer_words
    if complaint.action_taken:
        description += "\n\n" + str(_l("What we did: %(action)s", action=complaint.action_taken))
    row = cases.open_case(
        cases.CaseFields(
            category=complaint.category,
            priority=complaint.severity,
            subject=str(
                _l("Customer complaint %(ref)s: %(customer)s", ref=complaint.reference, customer=customer.name)
            )[: cases.SUBJECT_MAX],
            description=description[: cases.TEXT_MAX],
            product=complaint.product,
            customer=customer,
        ),
        actor=actor,
    )
    with audit.tracking(complaint, CustomerComplaint.AUDITED, actor=actor, partner_id=complaint.partner_id):
        complaint.status = ComplaintStatus.ESCALATED
        complaint.case_id = row.id
        complaint.case = row
    return row


def complaints_query(
    *, status: ComplaintStatus | None = None, customer_id: int | None = None, drill: Any = None
) -> Select[Any]:
    """The complaints in the actor's scope, newest first (`drill`: an analysis.Drill, the rows behind a count)."""
    query = (
        select(CustomerComplaint)
        .options(selectinload(CustomerComplaint.customer), selectinload(CustomerComplaint.product))
        .order_by(CustomerComplaint.id.desc())
    )
    if drill is not None:
        query = drill.apply(query, CustomerComplaint)
    if status is not None:
        query = query.where(CustomerComplaint.status == status)
    if customer_id is not None:
        query = query.where(CustomerComplaint.customer_id == customer_id)
    return query


def repeats(complaints: list[CustomerComplaint]) -> set[int]:
    """Which of these complaints repeat one of the same customer about the same product within REPEAT_WITHIN
    before it."""
    named = [complaint for complaint in complaints if complaint.product_id is not None]
    if not named:
        return set()
    earlier: dict[tuple[int, int | None], list[tuple[datetime, int]]] = {}
    for row in db.session.execute(
        select(
            CustomerComplaint.customer_id,
            CustomerComplaint.product_id,
            CustomerComplaint.created_at,
            CustomerComplaint.id,
        ).where(
            CustomerComplaint.customer_id.in_({c.customer_id for c in named}),
            CustomerComplaint.product_id.in_({c.product_id for c in named}),
            CustomerComplaint.created_at >= min(c.created_at for c in named) - REPEAT_WITHIN,
            CustomerComplaint.created_at <= max(c.created_at for c in named),
        )
    ):
        earlier.setdefault((row.customer_id, row.product_id), []).append((row.created_at, row.id))
    return {
        complaint.id
        for complaint in named
        if any(
            complaint.created_at - REPEAT_WITHIN <= at and (at, other) < (complaint.created_at, complaint.id)
            for at, other in earlier.get((complaint.customer_id, complaint.product_id), [])
        )
    }


def masked_contact(complaint: CustomerComplaint) -> str:
    """The contact as a list shows it."""
    return " ".join(part for part in (mask(complaint.contact_name), mask(complaint.contact_phone)) if part)


def on_personal_data_requested(customer: Customer) -> dict[str, Any]:
    """The complaints' part of a customer's personal-data export."""
    rows = db.session.scalars(complaints_query(customer_id=customer.id)).all()
    return {
        "complaints": [
            {
                "reference": row.reference,
                "logged_at": row.created_at.isoformat(),
                "contact_name": row.contact_name,
                "contact_phone": row.contact_phone,
                "customer_words": row.customer_words,
            }
            for row in rows
        ]
    }


def on_personal_data_erased(customer: Customer) -> None:
    """An erasure of the customer's personal data blanks the complaints' contacts too (the complaints stay)."""
    for row in db.session.scalars(complaints_query(customer_id=customer.id)):
        for name in CustomerComplaint.PERSONAL_FIELDS:
            setattr(row, name, None)


def awaiting_action() -> int:
    """Open complaints in the actor's scope, for the partner's home page."""
    return (
        db.session.scalar(
            select(func.count(CustomerComplaint.id)).where(CustomerComplaint.status == ComplaintStatus.OPEN)
        )
        or 0
    )
