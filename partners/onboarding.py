"""Becoming a partner: applications and their review, the partner agreement, the self-ticking checklist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from partners.identity import normalise_company_name, normalise_registration_number, uscc_problem
from partners.models import (
    CHECKLIST,
    AgreementAcceptance,
    AgreementVersion,
    ApplicationStatus,
    OnboardingMilestone,
    OnboardingStep,
    Partner,
    PartnerApplication,
    PartnerStatus,
    PartnerTier,
    PartnerType,
    ProductLine,
    Region,
)
from partners.services import add_partner
from portal import audit, tenancy, throttle
from portal.auth.models import User
from portal.auth.services import find_user_by_email, invite_user, normalise_email
from portal.database import utcnow
from portal.extensions import db
from portal.mail import external_url, send_mail
from portal.security import PermissionDenied, Role, RuleViolation

PRIVACY_NOTICE_VERSION = "2026.1"

USCC_MESSAGES = {
    "length": _l("A unified social credit code has 18 characters."),
    "characters": _l("A unified social credit code uses digits and capital letters except I, O, S, V and Z."),
    "check": _l("The last character does not match: check the code for a typing error."),
}


@dataclass(frozen=True)
class ApplicationFields:
    legal_name: str
    partner_type: PartnerType
    registration_number: str
    region: Region
    city_text: str
    product_lines: list[ProductLine]
    regions_applied: list[Region]
    contact_name: str
    contact_email: str
    contact_phone: str
    locale: str | None = None
    consent_ip: str | None = None


@dataclass(frozen=True)
class SubmittedApplication:
    application: PartnerApplication
    already_received: bool  # the same company and contact sent it before: nothing new was stored


def country_of(region: Region) -> Region:
    while region.parent is not None:
        region = region.parent
    return region


def check_registration_number(number: str, region: Region) -> str | None:
    """The number as stored (None when empty). Chinese companies give their unified social credit code, whose
    check character is verified; elsewhere the number is free text. Raises RuleViolation."""
    if country_of(region).code == "CN":
        if not number.strip():
            raise RuleViolation(
                _l("Chinese companies give their unified social credit code."), field="registration_number"
            )
        problem = uscc_problem(number)
        if problem:
            raise RuleViolation(USCC_MESSAGES[problem], field="registration_number")
        return normalise_registration_number(number)
    return number.strip() or None


def _duplicate_note(
    name_key: str, registration_number: str | None, *, exclude: PartnerApplication | None
) -> str | None:
    """Why this company looks known already: a partner or another application with the same registration
    number, or the same name once case, spaces and company suffixes are set aside."""
    with tenancy.every_partner(reason="applications are checked against every partner"):
        same = [Partner.name_key == name_key]
        if registration_number:
            same.append(Partner.registration_number == registration_number)
        partner = db.session.scalars(select(Partner).where(or_(*same)).limit(1)).first()
        same_app = [PartnerApplication.name_key == name_key]
        if registration_number:
            same_app.append(PartnerApplication.registration_number == registration_number)
        query = select(PartnerApplication).where(
            or_(*same_app), PartnerApplication.status != ApplicationStatus.REJECTED
        )
        if exclude is not None and exclude.id is not None:
            query = query.where(PartnerApplication.id != exclude.id)
        other = db.session.scalars(query.order_by(PartnerApplication.id).limit(1)).first()
    # Kept as data, in no language: a partner by its code, an application by its number; the page says the rest.
    notes = []
    if partner is not None:
        notes.append(f"{partner.code} {partner.legal_name}")
    if other is not None:
        notes.append(f"#{other.id} {other.legal_name}")
    return "; ".join(notes) or None


def submit_application(fields: ApplicationFields) -> SubmittedApplication:
    """Store an application and mail the applicant. A company that matches a partner or another application is
    stored flagged for the admin, never turned away silently; the very same application sent again (same
    company, same contact, still open) is recognised and stored once. Raises RuleViolation; caller commits."""
    registration_number = check_registration_number(fields.registration_number, fields.region)
    name_key = normalise_company_name(fields.legal_name)
    email = normalise_email(fields.contact_email)
    with tenancy.every_partner(reason="recognising an application sent twice"):
        earlier = db.session.scalars(
            select(PartnerApplication).where(
                PartnerApplication.name_key == name_key,
                func.lower(PartnerApplication.contact_email) == email,
                PartnerApplication.status.in_([ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED]),
            )
        ).first()
    if earlier is not None:
        return SubmittedApplication(earlier, already_received=True)
    application = PartnerApplication(
        legal_name=fields.legal_name.strip(),
        partner_type=fields.partner_type,
        registration_number=registration_number,
        region=fields.region,
        city_text=fields.city_text.strip() or None,
        product_lines=list(fields.product_lines),
        regions_applied=list(fields.regions_applied),
        contact_name=fields.contact_name.strip(),
        contact_email=email,
        contact_phone=fields.contact_phone.strip(),
        privacy_notice_version=PRIVACY_NOTICE_VERSION,
        consent_ip=fields.consent_ip,
        locale=fields.locale,
        duplicate_note=_duplicate_note(name_key, registration_number, exclude=None),
    )
    db.session.add(application)
    db.session.flush()
    if throttle.count(current_app.config["APPLY_MAIL_LIMIT"], "application-mail", email):
        send_mail(email, "partners/mail/application_received.txt", locale=fields.locale, application=application)
    return SubmittedApplication(application, already_received=False)


def _require_open(application: PartnerApplication) -> None:
    if not application.is_open:
        raise RuleViolation(_l("This application has been decided already."))


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()


def next_partner_code(region: Region) -> str:
    """P-<country>-<number>, the number one above the highest in use for that country."""
    prefix = f"P-{country_of(region).code}-"
    with tenancy.every_partner(reason="partner codes are unique across all partners"):
        codes = db.session.scalars(select(Partner.code).where(Partner.code.startswith(prefix))).all()
    numbers = [int(code[len(prefix) :]) for code in codes if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def approve_application(application: PartnerApplication, *, actor: User) -> Partner:
    """Create the partner (registered tier, active, a new partner code) and invite the contact as its
    partner_admin. Raises RuleViolation (decided already, contact has an account); the caller commits."""
    _require_admin(actor)
    _require_open(application)
    if find_user_by_email(application.contact_email) is not None:
        raise RuleViolation(
            _l(
                "The contact %(email)s has an account already: change the contact first.",
                email=application.contact_email,
            )
        )
    if application.registration_number:
        with tenancy.every_partner(reason="registration numbers are unique across partners"):
            holder = db.session.scalar(
                select(Partner.code).where(Partner.registration_number == application.registration_number)
            )
        if holder:
            raise RuleViolation(
                _l(
                    "Partner %(code)s is registered with this number already: this application is a duplicate.",
                    code=holder,
                )
            )
    partner = Partner(
        code=next_partner_code(application.region),
        legal_name=application.legal_name,
        partner_type=application.partner_type,
        tier=PartnerTier.REGISTERED,
        status=PartnerStatus.ACTIVE,
        region=application.region,
        city_text=application.city_text,
        registration_number=application.registration_number,
        phone=application.contact_phone,
        product_lines=list(application.product_lines),
    )
    add_partner(partner, actor=actor, reason=f"application #{application.id}")
    _decide(application, actor, ApplicationStatus.APPROVED, note=None)
    application.partner = partner
    application.approved_at = application.reviewed_at
    invite_user(
        actor=actor,
        email=application.contact_email,
        name=application.contact_name,
        role=Role.PARTNER_ADMIN,
        partner=partner,
        locale=application.locale,
    )
    send_mail(
        application.contact_email,
        "partners/mail/application_approved.txt",
        locale=application.locale,
        application=application,
        partner=partner,
    )
    return partner


def reject_application(application: PartnerApplication, *, actor: User, reason: str) -> None:
    _answer(
        application,
        actor,
        ApplicationStatus.REJECTED,
        reason,
        missing=_l("Say why the application is rejected."),
        mail="partners/mail/application_rejected.txt",
    )


def request_information(application: PartnerApplication, *, actor: User, question: str) -> None:
    """Ask the applicant for more; the mail carries a link to a form that updates this application."""
    _answer(
        application,
        actor,
        ApplicationStatus.INFO_REQUESTED,
        question,
        missing=_l("Say what information is missing."),
        mail="partners/mail/application_info_requested.txt",
        link=lambda: external_url("partners.update_application", token=application_token(application)),
    )


def _answer(
    application: PartnerApplication,
    actor: User,
    status: ApplicationStatus,
    note: str,
    *,
    missing: Any,
    mail: str,
    link: Callable[[], str] | None = None,
) -> None:
    """An admin's answer to an open application that is not an approval: it always says why (`missing` asks for
    that), and the applicant is mailed the answer, with a link when there is something to do."""
    _require_admin(actor)
    _require_open(application)
    if not note.strip():
        raise RuleViolation(missing, field="note")
    _decide(application, actor, status, note=note.strip())
    extra = {"link": link()} if link else {}
    send_mail(application.contact_email, mail, locale=application.locale, application=application, **extra)


def _decide(application: PartnerApplication, actor: User, status: ApplicationStatus, note: str | None) -> None:
    before = {"status": application.status.value}
    application.status = status
    application.review_note = note
    application.reviewed_by = actor
    application.reviewed_at = utcnow()
    audit.record(
        actor=actor, row=application, action="review", before=before, after={"status": status.value}, reason=note
    )
    db.session.flush()


def application_token(application: PartnerApplication) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="qudao.application").dumps(application.id)


def application_for_token(token: str) -> PartnerApplication:
    """The application an emailed link points to, while more information is asked. Raises RuleViolation."""
    try:
        application_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="qudao.application").loads(token)
    except BadSignature:
        raise RuleViolation(_l("This link is not valid.")) from None
    with tenancy.every_partner(reason="an applicant follows the link in their mail"):
        application = db.session.get(PartnerApplication, application_id)
    if application is None or application.status is not ApplicationStatus.INFO_REQUESTED:
        raise RuleViolation(_l("This application is not waiting for information any more."))
    return application


def resubmit_application(application: PartnerApplication, fields: ApplicationFields) -> None:
    """The applicant answers: the application takes the new values and waits for review again."""
    registration_number = check_registration_number(fields.registration_number, fields.region)
    application.legal_name = fields.legal_name.strip()
    application.partner_type = fields.partner_type
    application.registration_number = registration_number
    application.region = fields.region
    application.city_text = fields.city_text.strip() or None
    application.product_lines = list(fields.product_lines)
    application.regions_applied = list(fields.regions_applied)
    application.contact_name = fields.contact_name.strip()
    application.contact_email = normalise_email(fields.contact_email)
    application.contact_phone = fields.contact_phone.strip()
    application.status = ApplicationStatus.SUBMITTED
    application.duplicate_note = _duplicate_note(application.name_key, registration_number, exclude=application)
    db.session.flush()


def applications_query(tab: str):
    """The review queue's tabs: "open" (waiting or asked for more, possible duplicates first, oldest first), or
    one status, newest first."""
    if tab == "open":
        return (
            select(PartnerApplication)
            .where(PartnerApplication.status.in_([ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED]))
            .order_by(PartnerApplication.duplicate_note.is_(None), PartnerApplication.id)
        )
    return select(PartnerApplication).where(PartnerApplication.status == tab).order_by(PartnerApplication.id.desc())


def open_applications() -> list[PartnerApplication]:
    return list(db.session.scalars(applications_query("open")))


def record_milestone(partner_id: int, step: OnboardingStep, *, at: datetime | None = None) -> bool:
    """Note the first time a partner reaches a step; later times change nothing. True when it is new.
    Other domains call this (a first course, a first sales report). The caller commits."""
    with tenancy.every_partner(reason="milestones are written for the partner the event belongs to"):
        exists = db.session.scalar(
            select(OnboardingMilestone.id).where(
                OnboardingMilestone.partner_id == partner_id, OnboardingMilestone.step == step
            )
        )
        if exists:
            return False
        try:
            with db.session.begin_nested():  # two requests at once: the unique constraint decides
                db.session.add(OnboardingMilestone(partner_id=partner_id, step=step, reached_at=at or utcnow()))
        except IntegrityError:
            return False
    return True


@dataclass(frozen=True)
class ChecklistItem:
    step: OnboardingStep
    reached_at: datetime | None

    @property
    def done(self) -> bool:
        return self.reached_at is not None


def checklist(partner: Partner) -> list[ChecklistItem]:
    reached = dict(
        db.session.execute(
            select(OnboardingMilestone.step, OnboardingMilestone.reached_at).where(
                OnboardingMilestone.partner_id == partner.id
            )
        ).all()
    )
    return [ChecklistItem(step, reached.get(step)) for step in CHECKLIST]


def agreement_versions() -> list[AgreementVersion]:
    """Every published version, newest first."""
    return list(db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.id.desc())))


def current_agreement() -> AgreementVersion | None:
    return db.session.scalars(
        select(AgreementVersion).order_by(AgreementVersion.published_at.desc(), AgreementVersion.id.desc())
    ).first()


def acceptance_of(partner: Partner, agreement: AgreementVersion) -> AgreementAcceptance | None:
    return db.session.scalars(
        select(AgreementAcceptance).where(
            AgreementAcceptance.partner_id == partner.id, AgreementAcceptance.agreement_version_id == agreement.id
        )
    ).first()


def may_accept_agreement(user: User, partner: Partner) -> bool:
    """The partner's administrator accepts the agreement on the partner's behalf."""
    return user.role is Role.PARTNER_ADMIN and user.partner_id == partner.id


def accept_agreement(
    partner: Partner, agreement: AgreementVersion, *, user: User, ip_address: str | None
) -> AgreementAcceptance:
    """The partner_admin accepts this version for the partner; the record keeps who, when, which version, from
    which address. Accepting again returns the first acceptance. The caller commits."""
    if not may_accept_agreement(user, partner):
        raise PermissionDenied()
    existing = acceptance_of(partner, agreement)
    if existing is not None:
        return existing
    acceptance = AgreementAcceptance(partner_id=partner.id, agreement=agreement, user=user, ip_address=ip_address)
    db.session.add(acceptance)
    db.session.flush()
    audit.record(
        actor=user, row=acceptance, action="accept", after={"agreement": agreement.version}, partner_id=partner.id
    )
    record_milestone(partner.id, OnboardingStep.AGREEMENT)
    return acceptance


def publish_agreement(
    *, actor: User, version: str, title_en: str, title_zh: str, body_en: str, body_zh: str
) -> AgreementVersion:
    """A new text every partner is asked to accept. The caller commits."""
    _require_admin(actor)
    if db.session.scalar(select(AgreementVersion.id).where(AgreementVersion.version == version.strip())):
        raise RuleViolation(_l("Version %(version)s exists already.", version=version.strip()), field="version")
    agreement = AgreementVersion(
        version=version.strip(),
        title_en=title_en.strip(),
        title_zh=title_zh.strip(),
        body_en=body_en.strip(),
        body_zh=body_zh.strip(),
    )
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor=actor, row=agreement, action="publish", after={"version": agreement.version})
    return agreement


@dataclass(frozen=True)
class ProfileFields:
    registration_number: str
    address: str
    phone: str
    website: str
    description: str
    product_lines: list[ProductLine]


def update_profile(partner: Partner, fields: ProfileFields, *, actor: User) -> None:
    """A partner_admin (or an admin) completes the company profile; a complete one ticks the checklist."""
    if not (actor.role is Role.ADMIN or (actor.role is Role.PARTNER_ADMIN and actor.partner_id == partner.id)):
        raise PermissionDenied()
    number = check_registration_number(fields.registration_number, partner.region)
    if number:
        with tenancy.every_partner(reason="registration numbers are unique across partners"):
            holder = db.session.scalar(
                select(Partner.id).where(Partner.registration_number == number, Partner.id != partner.id)
            )
        if holder:
            raise RuleViolation(_l("Another partner is registered with this number."), field="registration_number")
    with audit.tracking(partner, Partner.AUDITED, actor=actor, partner_id=partner.id):
        partner.registration_number = number
        partner.address = fields.address.strip() or None
        partner.phone = fields.phone.strip() or None
        partner.website = fields.website.strip() or None
        partner.description = fields.description.strip() or None
        partner.product_lines = list(fields.product_lines)
    db.session.flush()
    if partner.has_complete_profile:
        record_milestone(partner.id, OnboardingStep.PROFILE)


def on_user_invited(user: User, invited_by: User) -> None:
    """A partner's own admin inviting a colleague ticks "invite a colleague"."""
    if user.partner_id and invited_by.partner_id == user.partner_id:
        record_milestone(user.partner_id, OnboardingStep.COLLEAGUE)


def on_user_logged_in(_app, user: User) -> None:
    """Flask-Login's signal, sent inside login_user(): the views that log someone in commit afterwards."""
    if user.partner_id:
        record_milestone(user.partner_id, OnboardingStep.FIRST_LOGIN)
