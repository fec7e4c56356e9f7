"""Support cases: a partner's user opens one, brand staff work it (assign, reply, note, status), the requester may
reopen it for a while after its resolution. Every step is audited and mails the people it concerns, each in their
own language. Internal notes never leave the brand: not in a page, a mail, the API or an export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from orders.models import Customer, Product
from partners.services import staff_responsible_for
from portal import audit, tenancy
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.mail import external_url, send_mail
from portal.paging import Page, paginate
from portal.security import BRAND_ROLES, PARTNER_ROLES, PermissionDenied, Role, RuleViolation
from service.attachments import CheckedFile
from service.models import (
    OPEN_STATUSES,
    CaseAttachment,
    CaseCategory,
    CaseEntry,
    CasePriority,
    CaseStatus,
    ComplaintStatus,
    CustomerComplaint,
    EntryKind,
    SupportCase,
)
from service.sla import BusinessCalendar, targets_for
from service.surveys import ask_case_csat

SUBJECT_MAX = 200
TEXT_MAX = 10_000
FILES_MAX = 10  # per case
# Where staff may take a case from each status (the requester reopens a resolved one through reopen_case).
TRANSITIONS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    CaseStatus.NEW: (CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.RESOLVED),
    CaseStatus.IN_PROGRESS: (CaseStatus.WAITING, CaseStatus.RESOLVED),
    CaseStatus.WAITING: (CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED),
    CaseStatus.RESOLVED: (CaseStatus.IN_PROGRESS, CaseStatus.CLOSED),
    CaseStatus.CLOSED: (),
}


@dataclass(frozen=True)
class CaseFields:
    category: CaseCategory
    priority: CasePriority
    subject: str
    description: str
    product: Product | None = None
    order_no: str = ""
    customer: Customer | None = None


def checked_text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    """The text without its surrounding blanks; RuleViolation on `field` when it is empty or too long."""
    value = value.strip()
    if not value:
        raise RuleViolation(_l("Fill in this field."), field=field)
    if len(value) > limit:
        raise RuleViolation(_l("Use at most %(max)d characters.", max=limit), field=field)
    return value


def is_requesters_side(actor: User, row: SupportCase) -> bool:
    """The partner's own users (the tenancy scope already keeps everyone else's cases away)."""
    return actor.role in PARTNER_ROLES and actor.partner_id == row.partner_id


def may_open_case(actor: User) -> bool:
    return actor.role in PARTNER_ROLES and actor.partner_id is not None


def may_work(actor: User, row: SupportCase) -> bool:
    """Brand staff who see the partner work its cases: assign, note, change the status."""
    return actor.role in BRAND_ROLES and row.status is not CaseStatus.CLOSED


def may_reply(actor: User, row: SupportCase) -> bool:
    return row.is_open and (may_work(actor, row) or is_requesters_side(actor, row))


def may_reopen(actor: User, row: SupportCase, now: datetime | None = None) -> bool:
    """The requester, within CASE_REOPEN_DAYS of the resolution."""
    if row.status is not CaseStatus.RESOLVED or row.resolved_at is None or actor.id != row.requester_id:
        return False
    window = timedelta(days=current_app.config["CASE_REOPEN_DAYS"])
    return (now or utcnow()) <= row.resolved_at + window


def next_statuses(actor: User, row: SupportCase) -> tuple[CaseStatus, ...]:
    return TRANSITIONS[row.status] if may_work(actor, row) else ()


def _attach(row: SupportCase, entry: CaseEntry | None, files: Sequence[CheckedFile], actor: User) -> None:
    if len(row.attachments) + len(files) > FILES_MAX:
        raise RuleViolation(_l("A case holds at most %(n)d files.", n=FILES_MAX), field="files")
    for file in files:
        row.attachments.append(
            CaseAttachment(
                partner_id=row.partner_id,
                entry=entry,
                filename=file.filename,
                content_type=file.content_type,
                size=len(file.content),
                content=file.content,
                uploaded_by_id=actor.id,
            )
        )


def _mail(
    recipients: Sequence[User],
    template: str,
    row: SupportCase,
    actor: User,
    *,
    to_actor: bool = False,
    **context: object,
) -> None:
    """Each recipient once, in their own language; not the actor, who knows what they did (unless `to_actor`)."""
    link = external_url("service.case", case_id=row.id)
    seen = set() if to_actor else {actor.id}
    for user in recipients:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        send_mail(user.email, template, locale=user.locale, user=user, case=row, actor=actor, link=link, **context)


def _brand_side(row: SupportCase) -> list[User]:
    """Who on the brand's side hears of the partner's steps: the assignee, or else the staff responsible."""
    if row.assignee is not None:
        return [row.assignee]
    return staff_responsible_for(row.partner)


def open_case(
    fields: CaseFields, *, actor: User, files: Sequence[CheckedFile] = (), now: datetime | None = None
) -> SupportCase:
    """A partner's user opens a case for their partner. Due times follow the priority's service level. Raises
    RuleViolation (field named); audited; the caller commits."""
    if not may_open_case(actor):
        raise PermissionDenied()
    assert actor.partner_id is not None
    subject = checked_text(fields.subject, "subject", SUBJECT_MAX)
    description = checked_text(fields.description, "description", TEXT_MAX)
    if fields.customer is not None and fields.customer.partner_id != actor.partner_id:
        raise RuleViolation(_l("Choose one of your own customers."), field="customer_code")
    opened = now or utcnow()
    targets = targets_for(fields.priority, opened, BusinessCalendar.from_config())
    row = SupportCase(
        partner_id=actor.partner_id,
        requester_id=actor.id,
        category=fields.category,
        priority=fields.priority,
        subject=subject,
        description=description,
        product_id=fields.product.id if fields.product else None,
        order_no=fields.order_no.strip()[:64] or None,
        customer_id=fields.customer.id if fields.customer else None,
        created_at=opened,
        response_due_at=targets.response_due,
        response_warn_at=targets.response_warn,
        resolution_due_at=targets.resolution_due,
        resolution_warn_at=targets.resolution_warn,
    )
    db.session.add(row)
    _attach(row, None, files, actor)
    db.session.flush()
    audit.created(row, SupportCase.AUDITED, actor=actor, partner_id=row.partner_id)
    _mail(staff_responsible_for(row.partner), "service/mail/case_opened.txt", row, actor)
    _mail([actor], "service/mail/case_received.txt", row, actor, to_actor=True)
    return row


def _event(row: SupportCase, actor: User, *, status: CaseStatus | None = None, assignee: User | None = None) -> None:
    row.entries.append(
        CaseEntry(
            partner_id=row.partner_id,
            author_id=actor.id,
            kind=EntryKind.EVENT,
            status=status,
            assignee_id=assignee.id if assignee else None,
        )
    )


def assignable_staff(row: SupportCase) -> list[User]:
    """Brand staff who see the case's partner: every active admin and the managers of its regions."""
    with tenancy.every_partner(reason="brand staff are listed for assigning a case, whoever asks"):
        admins = db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.name)
        ).all()
    managers = [user for user in staff_responsible_for(row.partner) if user.role is Role.CHANNEL_MANAGER]
    return sorted({user.id: user for user in [*managers, *admins]}.values(), key=lambda user: user.name)


def assign_case(row: SupportCase, assignee: User | None, *, actor: User) -> None:
    """Staff give the case to themselves or a colleague who sees the partner (None: nobody). The caller commits."""
    if not may_work(actor, row):
        raise PermissionDenied()
    if assignee is not None and assignee.id not in {user.id for user in assignable_staff(row)}:
        raise RuleViolation(_l("Choose a colleague who works with this partner."), field="assignee_id")
    with audit.tracking(row, SupportCase.AUDITED, actor=actor, partner_id=row.partner_id):
        row.assignee_id = assignee.id if assignee else None
        row.assignee = assignee
        _event(row, actor, assignee=assignee)
    db.session.flush()
    if assignee is not None:
        _mail([assignee], "service/mail/case_assigned.txt", row, actor)


def reply_to_case(
    row: SupportCase, body: str, *, actor: User, files: Sequence[CheckedFile] = (), now: datetime | None = None
) -> CaseEntry:
    """A reply the partner sees. Staff's first one is the first response; a partner's reply to a case waiting for
    it starts the clock again. The caller commits."""
    if not may_reply(actor, row):
        raise PermissionDenied() if not row.is_open else RuleViolation(_l("This case is no longer open."))
    entry = CaseEntry(
        partner_id=row.partner_id, author_id=actor.id, kind=EntryKind.REPLY, body=checked_text(body, "body", TEXT_MAX)
    )
    now = now or utcnow()
    entry.created_at = now
    row.entries.append(entry)
    _attach(row, entry, files, actor)
    if actor.role in BRAND_ROLES:
        if row.first_response_at is None:
            row.first_response_at = now
        if row.status is CaseStatus.NEW:
            _set_status(row, CaseStatus.IN_PROGRESS, actor, now)
        db.session.flush()
        _mail([row.requester] if row.requester else [], "service/mail/case_replied.txt", row, actor, entry=entry)
    else:
        if row.status is CaseStatus.WAITING:
            _set_status(row, CaseStatus.IN_PROGRESS, actor, now)
        db.session.flush()
        _mail(_brand_side(row), "service/mail/case_partner_replied.txt", row, actor, entry=entry)
    return entry


def add_note(row: SupportCase, body: str, *, actor: User) -> CaseEntry:
    """An internal note for brand staff only; it tells the assignee when someone else writes it."""
    if not may_work(actor, row):
        raise PermissionDenied()
    entry = CaseEntry(
        partner_id=row.partner_id, author_id=actor.id, kind=EntryKind.NOTE, body=checked_text(body, "body", TEXT_MAX)
    )
    row.entries.append(entry)
    db.session.flush()
    if row.assignee is not None:
        _mail([row.assignee], "service/mail/case_noted.txt", row, actor, entry=entry)
    return entry


def _set_status(row: SupportCase, status: CaseStatus, actor: User, now: datetime) -> None:
    """Move the case on. Waiting for the partner stops the resolution clock: leaving it moves the resolution's
    due and warning times on by the business time waited."""
    if row.status is CaseStatus.WAITING and row.waiting_since is not None:
        calendar = BusinessCalendar.from_config()
        waited = calendar.minutes_between(row.waiting_since, now)
        row.resolution_due_at = calendar.add(row.resolution_due_at, waited)
        row.resolution_warn_at = calendar.add(row.resolution_warn_at, waited)
        row.waiting_since = None
    if status is CaseStatus.WAITING:
        row.waiting_since = now
    if status is CaseStatus.RESOLVED:
        row.resolved_at = now
    elif status is CaseStatus.CLOSED:
        row.closed_at = now
    elif status is CaseStatus.IN_PROGRESS:
        row.resolved_at = None
    row.status = status
    _event(row, actor, status=status)


def change_status(row: SupportCase, status: CaseStatus, *, actor: User, now: datetime | None = None) -> None:
    """Staff move a case along TRANSITIONS; the requester is told. The caller commits."""
    if not may_work(actor, row):
        raise PermissionDenied()
    if status not in TRANSITIONS[row.status]:
        raise RuleViolation(
            _l("A case that is %(now)s cannot become %(next)s.", now=row.status.label, next=status.label),
            field="status",
        )
    now = now or utcnow()
    with audit.tracking(row, SupportCase.AUDITED, actor=actor, partner_id=row.partner_id):
        _set_status(row, status, actor, now)
    db.session.flush()
    _mail([row.requester] if row.requester else [], "service/mail/case_status.txt", row, actor)
    if status is CaseStatus.RESOLVED:
        ask_case_csat(row, now=now)  # a mail of its own, as its link is answered on its own


def reopen_case(row: SupportCase, reason: str, *, actor: User, now: datetime | None = None) -> None:
    """The requester reopens a resolved case within CASE_REOPEN_DAYS, saying why. The caller commits."""
    now = now or utcnow()
    if not may_reopen(actor, row, now):
        raise RuleViolation(
            _l(
                "A case can be reopened by its requester within %(days)d days of its resolution.",
                days=current_app.config["CASE_REOPEN_DAYS"],
            )
        )
    body = checked_text(reason, "body", TEXT_MAX)
    with audit.tracking(row, SupportCase.AUDITED, actor=actor, partner_id=row.partner_id, reason=body[:500]):
        _set_status(row, CaseStatus.IN_PROGRESS, actor, now)
        row.reopened_count += 1
        row.entries.append(CaseEntry(partner_id=row.partner_id, author_id=actor.id, kind=EntryKind.REPLY, body=body))
    db.session.flush()
    _mail(_brand_side(row), "service/mail/case_reopened.txt", row, actor, reason=body)


def close_resolved_cases(now: datetime | None = None) -> int:
    """Cases resolved longer ago than the requester may reopen them are closed (the daily command)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["CASE_REOPEN_DAYS"])
    rows = db.session.scalars(
        select(SupportCase).where(SupportCase.status == CaseStatus.RESOLVED, SupportCase.resolved_at < cutoff)
    ).all()
    for row in rows:
        with audit.tracking(row, SupportCase.AUDITED, actor=None, action="close", partner_id=row.partner_id):
            row.status, row.closed_at = CaseStatus.CLOSED, now
    db.session.flush()
    return len(rows)


def visible_entries(row: SupportCase, actor: User) -> list[CaseEntry]:
    """The case's history as this actor may read it: the partner's side never gets the internal notes."""
    if actor.role in BRAND_ROLES:
        return list(row.entries)
    return [entry for entry in row.entries if entry.kind is not EntryKind.NOTE]


class SlaState:
    BREACHED = "breached"
    AT_RISK = "at_risk"


def _running_resolution() -> ColumnElement[bool]:
    return SupportCase.status.in_((CaseStatus.NEW, CaseStatus.IN_PROGRESS))


def breached_clause(now: datetime) -> ColumnElement[bool]:
    """A first response late and still missing, or an open case past its resolution time (not while it waits)."""
    return or_(
        and_(
            SupportCase.first_response_at.is_(None),
            SupportCase.status.in_(OPEN_STATUSES),
            SupportCase.response_due_at < now,
        ),
        and_(_running_resolution(), SupportCase.resolution_due_at < now),
    )


def at_risk_clause(now: datetime) -> ColumnElement[bool]:
    """Past three quarters of a target's business time, not yet past the target."""
    response = and_(
        SupportCase.first_response_at.is_(None),
        SupportCase.status.in_(OPEN_STATUSES),
        SupportCase.response_warn_at < now,
        SupportCase.response_due_at >= now,
    )
    resolution = and_(_running_resolution(), SupportCase.resolution_warn_at < now, SupportCase.resolution_due_at >= now)
    return and_(or_(response, resolution), ~breached_clause(now))


def sla_state(row: SupportCase, now: datetime | None = None) -> str | None:
    """ "breached", "at_risk" or None, as the queue marks the case (the same rule as its SQL filters)."""
    now = now or utcnow()
    awaiting_response = row.first_response_at is None and row.is_open
    running = row.status in (CaseStatus.NEW, CaseStatus.IN_PROGRESS)
    if (awaiting_response and row.response_due_at < now) or (running and row.resolution_due_at < now):
        return SlaState.BREACHED
    if (awaiting_response and row.response_warn_at < now) or (running and row.resolution_warn_at < now):
        return SlaState.AT_RISK
    return None


@dataclass(frozen=True)
class QueueCriteria:
    status: str = "open"  # "open", "all" or a CaseStatus value
    priority: CasePriority | None = None
    category: CaseCategory | None = None
    assignee: str = ""  # "", "me", "nobody"
    sla: str = ""  # "", "breached", "at_risk"
    partner_id: int | None = None
    sort: str = "due"  # "due", "newest", "priority"
    drill: Any = None  # an analysis.Drill: the rows behind one of the analysis' counts


PRIORITY_ORDER = case(
    {CasePriority.URGENT: 0, CasePriority.HIGH: 1, CasePriority.NORMAL: 2, CasePriority.LOW: 3},
    value=SupportCase.priority,
)


def queue_query(criteria: QueueCriteria, *, actor: User, now: datetime | None = None) -> Select[SupportCase]:
    """The cases in the actor's scope that meet the criteria (the tenancy scope limits them to the partners the
    actor sees)."""
    now = now or utcnow()
    query = select(SupportCase).options(selectinload(SupportCase.assignee))  # the list names each assignee
    if criteria.status == "open":
        query = query.where(SupportCase.status.in_(OPEN_STATUSES))
    elif criteria.status in {status.value for status in CaseStatus}:
        query = query.where(SupportCase.status == CaseStatus(criteria.status))
    if criteria.priority:
        query = query.where(SupportCase.priority == criteria.priority)
    if criteria.category:
        query = query.where(SupportCase.category == criteria.category)
    if criteria.assignee == "me":
        query = query.where(SupportCase.assignee_id == actor.id)
    elif criteria.assignee == "nobody":
        query = query.where(SupportCase.assignee_id.is_(None))
    if criteria.sla == SlaState.BREACHED:
        query = query.where(breached_clause(now))
    elif criteria.sla == SlaState.AT_RISK:
        query = query.where(at_risk_clause(now))
    if criteria.partner_id:
        query = query.where(SupportCase.partner_id == criteria.partner_id)
    if criteria.drill is not None:
        query = criteria.drill.apply(query, SupportCase)
    if criteria.sort == "newest":
        return query.order_by(SupportCase.id.desc())
    if criteria.sort == "priority":
        return query.order_by(PRIORITY_ORDER, SupportCase.resolution_due_at, SupportCase.id)
    # The next target first: a missing first response counts by its own time.
    next_due = case(
        (SupportCase.first_response_at.is_(None), SupportCase.response_due_at), else_=SupportCase.resolution_due_at
    )
    return query.order_by(next_due, SupportCase.id)


def case_queue(criteria: QueueCriteria, *, actor: User, page: int, per_page: int = 50) -> Page[SupportCase]:
    return paginate(queue_query(criteria, actor=actor), page=page, per_page=per_page)


def breach_counts(now: datetime | None = None) -> tuple[int, int]:
    """(breached, at risk) among the open cases in scope, for the brand's home page."""
    now = now or utcnow()
    breached = db.session.scalar(select(func.count(SupportCase.id)).where(breached_clause(now))) or 0
    at_risk = db.session.scalar(select(func.count(SupportCase.id)).where(at_risk_clause(now))) or 0
    return breached, at_risk


def references(sku: str, customer_code: str, *, partner_id: int) -> tuple[Product | None, Customer | None]:
    """The product and the customer a case names, by SKU and by the partner's own customer code (either blank)."""
    product = customer = None
    if sku.strip():
        product = db.session.scalar(select(Product).where(func.upper(Product.sku) == sku.strip().upper()))
        if product is None:
            raise RuleViolation(_l("Unknown SKU %(sku)s.", sku=sku.strip()[:64]), field="sku")
    if customer_code.strip():
        customer = db.session.scalar(
            select(Customer).where(Customer.partner_id == partner_id, Customer.code == customer_code.strip())
        )
        if customer is None:
            raise RuleViolation(
                _l("You have no customer with the code %(code)s.", code=customer_code.strip()[:64]),
                field="customer_code",
            )
    return product, customer


def case_files(row: SupportCase, actor: User) -> list[CaseAttachment]:
    """The files this actor may download: on the partner's side, none attached to an internal note."""
    return [
        file
        for file in row.attachments
        if actor.role in BRAND_ROLES or file.entry is None or file.entry.kind is not EntryKind.NOTE
    ]


@dataclass
class Reminder:
    """What one member of staff hears of in the daily run: their cases close to a breach, and breaches."""

    user: User
    at_risk: list[SupportCase]
    breached: list[SupportCase]


def daily_reminders(now: datetime | None = None) -> list[Reminder]:
    """Cases about to breach go to their assignee (or, unassigned, the staff responsible for the partner);
    breaches go to the partner's managers (or the admins where no manager answers for it), and to the assignee.
    Run with every partner in scope (the daily command)."""
    now = now or utcnow()
    by_user: dict[int, Reminder] = {}
    responsible: dict[int, list[User]] = {}  # by partner: looked up once, however many of its cases are listed

    def reminder(user: User) -> Reminder:
        return by_user.setdefault(user.id, Reminder(user, [], []))

    def staff_of(row: SupportCase) -> list[User]:
        if row.partner_id not in responsible:
            responsible[row.partner_id] = staff_responsible_for(row.partner)
        return responsible[row.partner_id]

    for row in db.session.scalars(select(SupportCase).where(at_risk_clause(now)).order_by(SupportCase.id)):
        for user in [row.assignee] if row.assignee else staff_of(row):
            reminder(user).at_risk.append(row)
    for row in db.session.scalars(select(SupportCase).where(breached_clause(now)).order_by(SupportCase.id)):
        told = {user.id: user for user in [*staff_of(row), *([row.assignee] if row.assignee else [])]}
        for user in told.values():
            reminder(user).breached.append(row)
    return [item for item in by_user.values() if item.user.is_active]


def send_daily_reminders(now: datetime | None = None) -> int:
    """One mail per person, in their language; returns how many went."""
    items = daily_reminders(now)
    for item in items:
        send_mail(
            item.user.email,
            "service/mail/daily_reminder.txt",
            locale=item.user.locale,
            user=item.user,
            at_risk=item.at_risk,
            breached=item.breached,
            link=external_url("service.case_list"),
        )
    return len(items)


@dataclass(frozen=True)
class HomeSummary:
    open_count: int
    breached: int
    at_risk: int
    unassigned: int
    waiting_on_partner: list[SupportCase]
    latest: list[SupportCase]


def home_summary(*, actor: User, now: datetime | None = None) -> HomeSummary:
    """The open cases in the actor's scope as the home page counts them; for a partner, the cases that wait for
    its answer and its latest ones."""
    now = now or utcnow()
    open_cases = select(func.count(SupportCase.id)).where(SupportCase.status.in_(OPEN_STATUSES))
    breached, at_risk = breach_counts(now)
    return HomeSummary(
        open_count=db.session.scalar(open_cases) or 0,
        breached=breached,
        at_risk=at_risk,
        unassigned=db.session.scalar(open_cases.where(SupportCase.assignee_id.is_(None))) or 0,
        waiting_on_partner=list(
            db.session.scalars(
                select(SupportCase).where(SupportCase.status == CaseStatus.WAITING).order_by(SupportCase.id)
            )
        ),
        latest=list(
            db.session.scalars(
                select(SupportCase)
                .where(SupportCase.status.in_(OPEN_STATUSES))
                .order_by(SupportCase.id.desc())
                .limit(5)
            )
        ),
    )


def may_delete(actor: User) -> bool:
    """Only an admin deletes a case (a case opened by mistake, or personal data sent in it)."""
    return actor.role is Role.ADMIN


def delete_case(row: SupportCase, *, actor: User, reason: str) -> None:
    """The case goes with its history and files; the log keeps what it was and why it went. A complaint it came
    from awaits the partner's action again. The caller commits."""
    if not may_delete(actor):
        raise PermissionDenied()
    why = checked_text(reason, "reason", 500)
    audit.record(
        actor=actor,
        row=row,
        action="delete",
        before=audit.snapshot(row, SupportCase.AUDITED),
        partner_id=row.partner_id,
        reason=why,
    )
    for complaint in db.session.scalars(select(CustomerComplaint).where(CustomerComplaint.case_id == row.id)):
        complaint.case_id, complaint.status = None, ComplaintStatus.OPEN
    db.session.delete(row)
    db.session.flush()
