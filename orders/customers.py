"""End customers: kept per partner by code, masked in lists, exported or erased for one person on request."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from orders.models import Customer, CustomerMonthlySales
from portal import audit
from portal.auth.models import User
from portal.database import among, exact_sum, utcnow
from portal.extensions import db
from portal.money import Total
from portal.paging import Page, paginate
from portal.security import Role, RuleViolation

# Other domains keep personal data about a customer's people too (complaints): they answer these signals, so that
# one export holds it all and one erasure blanks it all, and orders knows none of them.
signals = Namespace()
personal_data_requested = signals.signal("customer-personal-data-requested")  # receivers return {section: data}
personal_data_erased = signals.signal("customer-personal-data-erased")

EDITABLE = ("name", "region_text", "industry", "registration_number", "contact_person", "phone", "email")


def mask(value: str | None) -> str:
    """Enough to recognise, not enough to use: 张** , 138****5678, l***@example.com."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = sum(ch.isdigit() for ch in value)
    if digits >= 7:
        return value[:3] + "*" * max(len(value) - 7, 1) + value[-4:]
    return value[:1] + "*" * max(len(value) - 1, 1)


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    lines: int
    net_amount: Decimal | None  # None: no lines


CUSTOMERS_PER_PAGE = 50


def _customers_query(text: str, partner_id: int | None):
    query = select(Customer).order_by(Customer.partner_id, Customer.code)
    if partner_id is not None:  # one partner's customers, as its page links to them
        query = query.where(Customer.partner_id == partner_id)
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(Customer.code).like(pattern), func.lower(Customer.name).like(pattern)))
    return query


def _with_totals(customers: list[Customer]) -> list[CustomerRow]:
    """Line count and exact net sales of each, from the customer roll-up (not from millions of lines)."""
    totals = {
        customer_id: (lines, net)
        for customer_id, lines, net in db.session.execute(
            select(
                CustomerMonthlySales.customer_id,
                func.sum(CustomerMonthlySales.line_count),
                exact_sum(CustomerMonthlySales.net_amount),
            )
            .where(among(CustomerMonthlySales.customer_id, [c.id for c in customers]))
            .group_by(CustomerMonthlySales.customer_id)
        )
    }
    return [CustomerRow(c, *(totals.get(c.id) or (0, None))) for c in customers]


def list_customers(text: str = "", *, partner_id: int | None = None) -> list[CustomerRow]:
    """Every customer in scope (exports), by partner and code, with its lines and net sales; `text` matches the
    customer's code or name, `partner_id` keeps one partner's."""
    return _with_totals(list(db.session.scalars(_customers_query(text, partner_id))))


def customers_page(text: str = "", *, partner_id: int | None = None, page: int) -> Page[CustomerRow]:
    found = paginate(_customers_query(text, partner_id), page=page, per_page=CUSTOMERS_PER_PAGE)
    return Page(_with_totals(found.items), found.number, found.per_page, found.total)


def customers_total(text: str = "", *, partner_id: int | None = None) -> Total:
    """Every customer the list finds (all pages) and the exact total of their net sales, from the roll-up."""
    chosen = _customers_query(text, partner_id).order_by(None)
    count = db.session.scalar(chosen.with_only_columns(func.count(Customer.id))) or 0
    amount = db.session.scalar(
        select(exact_sum(CustomerMonthlySales.net_amount)).where(
            CustomerMonthlySales.customer_id.in_(chosen.with_only_columns(Customer.id))
        )
    )
    return Total(count, amount or Decimal(0))


def update_customer(customer: Customer, values: dict[str, Any], *, actor: User) -> None:
    if customer.erased_at is not None:
        raise RuleViolation(_l("The personal data of this customer was erased; it cannot be edited."))
    email = (values["email"] or "").strip() if "email" in values else customer.email
    if values.get("survey_consent") and not email:
        raise RuleViolation(_l("Give the contact's email: consent is to be asked by email."), field="survey_consent")
    with audit.tracking(customer, (*EDITABLE, "survey_consent"), actor=actor, partner_id=customer.partner_id):
        for name in EDITABLE:
            if name in values:
                setattr(customer, name, (values[name] or "").strip() or (None if name != "name" else customer.name))
        if "survey_consent" in values:
            customer.survey_consent = bool(values["survey_consent"])
    db.session.flush()


def personal_data(customer: Customer) -> dict:
    """Everything kept about the customer's contact person, for an access request (PIPL art. 45, GDPR art. 15)."""
    data = {
        "customer_code": customer.code,
        "customer_name": customer.name,
        "region": customer.region_text,
        "industry": customer.industry,
        "contact_person": customer.contact_person,
        "phone": customer.phone,
        "email": customer.email,
        "survey_consent": customer.survey_consent,
        "created_at": customer.created_at.isoformat(),
        "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
    }
    for _receiver, sections in personal_data_requested.send(customer):
        data |= sections
    return data


def erase_personal_data(customer: Customer, *, actor: User, reason: str) -> None:
    """Blank the contact person, phone and email; sales and totals stay. Logged with the reason. The caller
    commits."""
    if actor.role not in (Role.ADMIN, Role.PARTNER_ADMIN):
        raise RuleViolation(_l("Only an administrator erases personal data."))
    if not reason.strip():
        raise RuleViolation(_l("Say whose request this is."), field="reason")
    before = audit.snapshot(customer, Customer.PERSONAL_FIELDS)
    for name in Customer.PERSONAL_FIELDS:
        setattr(customer, name, None)
    customer.survey_consent = False  # nowhere left to ask
    customer.erased_at = utcnow()
    personal_data_erased.send(customer)
    # The log says which fields were erased, never their old values.
    audit.record(
        actor=actor,
        row=customer,
        action="erase",
        before={k: "***" for k, v in before.items() if v},
        after={k: None for k, v in before.items() if v},
        partner_id=customer.partner_id,
        reason=reason.strip(),
    )
    db.session.flush()


def shared_customers(limit: int = 100) -> list[list[Customer]]:
    """Customers that more than one partner reports: the same registration number, or the same normalised name
    in the same region. For the channel manager, within their scope."""
    by_number = (
        select(Customer.registration_number)
        .where(Customer.registration_number.is_not(None))
        .group_by(Customer.registration_number)
        .having(func.count(func.distinct(Customer.partner_id)) > 1)
    )
    by_name = (
        select(Customer.name_key, Customer.region_text)
        .where(Customer.name_key != "")
        .group_by(Customer.name_key, Customer.region_text)
        .having(func.count(func.distinct(Customer.partner_id)) > 1)
    )
    groups: dict[tuple, list[Customer]] = {}
    numbers = list(db.session.scalars(by_number.limit(limit)))
    if numbers:
        for customer in db.session.scalars(select(Customer).where(Customer.registration_number.in_(numbers))):
            groups.setdefault(("number", customer.registration_number), []).append(customer)
    for name_key, region in db.session.execute(by_name.limit(limit)).all():
        query = select(Customer).where(Customer.name_key == name_key)
        query = query.where(Customer.region_text == region) if region else query.where(Customer.region_text.is_(None))
        groups.setdefault(("name", name_key, region), list(db.session.scalars(query)))
    return [sorted(group, key=lambda c: c.partner_id) for group in groups.values()]
