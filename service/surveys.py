"""Satisfaction surveys: an admin builds one in English and Chinese and sends it to partners' users or end
customers; a resolved case asks its requester one satisfaction question by itself. Everyone asked gets a personal
link: a signed token of the invitation's id and a random nonce, answered once, before it expires, while the survey
is open. No login is needed to answer."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from orders.models import Customer
from partners.models import Partner, PartnerStatus, PartnerTier, PartnerType, ProductLine, Region
from partners.models import partner_product_lines as partner_lines
from portal import audit, tenancy
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.mail import external_url, send_mail
from portal.security import PARTNER_ROLES, PermissionDenied, Role, RuleViolation
from portal.text import without_controls
from service.models import (
    DETRACTOR_UP_TO,
    PROMOTER_FROM,
    SCORED_KINDS,
    QuestionKind,
    SupportCase,
    Survey,
    SurveyAnswer,
    SurveyAnswerTally,
    SurveyAudience,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    SurveyTally,
)

TOKEN_SALT = "qudao.survey-invitation"
TEXT_ANSWER_MAX = 4000
QUESTIONS_MAX = 30
CHOICES_MAX = 20

# The question every resolved case asks its requester (again after each resolution of a reopened case); the survey
# is made the first time a case is resolved. An admin may close it: resolved cases then ask nothing.
CASE_CSAT_SURVEY = {
    "title_en": "How did we handle your case?",
    "title_zh": "我们对您工单的处理如何？",
    "question_en": "How satisfied are you with how we handled your case?",
    "question_zh": "您对我们处理此工单的方式满意吗？",
}


def may_manage_surveys(actor: User) -> bool:
    return actor.role is Role.ADMIN


def may_edit(actor: User, survey: Survey) -> bool:
    """Questions and audience change until the survey is sent; after that its answers would not compare."""
    return may_manage_surveys(actor) and survey.status is SurveyStatus.DRAFT


def may_send(actor: User, survey: Survey) -> bool:
    return may_edit(actor, survey) and survey.audience is not SurveyAudience.CASE_REQUESTERS and bool(survey.questions)


def may_close(actor: User, survey: Survey) -> bool:
    return may_manage_surveys(actor) and survey.status is SurveyStatus.OPEN


def may_hand_out_links(actor: User, survey: Survey) -> bool:
    """A partner's user gives its own customers a link to an open end-customer survey that chose its partner."""
    return (
        actor.role in PARTNER_ROLES
        and survey.audience is SurveyAudience.END_CUSTOMERS
        and survey.status is SurveyStatus.OPEN
        and actor.partner_id is not None
        and db.session.scalar(audience_partners(survey).where(Partner.id == actor.partner_id)) is not None
    )


@dataclass
class SurveyFields:
    title_en: str
    title_zh: str
    audience: SurveyAudience
    valid_days: int
    intro_en: str = ""
    intro_zh: str = ""
    partner_types: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    region_ids: list[int] = field(default_factory=list)
    product_line_ids: list[int] = field(default_factory=list)


def _checked(value: str, name: str, limit: int, *, required: bool = True) -> str:
    value = without_controls(value or "", multiline=limit > 500).strip()
    if required and not value:
        raise RuleViolation(_l("Fill in this field."), field=name)
    if len(value) > limit:
        raise RuleViolation(_l("Use at most %(max)d characters.", max=limit), field=name)
    return value


def _apply(survey: Survey, fields: SurveyFields) -> None:
    if not 1 <= fields.valid_days <= 365:
        raise RuleViolation(_l("Between 1 and 365 days."), field="valid_days")
    survey.title_en = _checked(fields.title_en, "title_en", 200)
    survey.title_zh = _checked(fields.title_zh, "title_zh", 200)
    survey.intro_en = _checked(fields.intro_en, "intro_en", 4000, required=False)
    survey.intro_zh = _checked(fields.intro_zh, "intro_zh", 4000, required=False)
    if fields.audience is SurveyAudience.CASE_REQUESTERS:
        raise RuleViolation(_l("Resolved cases ask their own question."), field="audience")
    survey.audience = fields.audience
    survey.valid_days = fields.valid_days
    survey.partner_types = sorted(PartnerType(value).value for value in fields.partner_types)
    survey.tiers = sorted(PartnerTier(value).value for value in fields.tiers)
    survey.region_ids = sorted(fields.region_ids)
    survey.product_line_ids = sorted(fields.product_line_ids)


def create_survey(fields: SurveyFields, *, actor: User) -> Survey:
    """A draft survey, without questions yet. RuleViolation names the field; audited; the caller commits."""
    if not may_manage_surveys(actor):
        raise PermissionDenied()
    survey = Survey(created_by_id=actor.id)
    _apply(survey, fields)
    db.session.add(survey)
    db.session.flush()
    audit.created(survey, Survey.AUDITED, actor=actor)
    return survey


def update_survey(survey: Survey, fields: SurveyFields, *, actor: User) -> None:
    if not may_edit(actor, survey):
        raise RuleViolation(_l("A survey that was sent keeps its questions and audience."))
    with audit.tracking(survey, Survey.AUDITED, actor=actor):
        _apply(survey, fields)
    db.session.flush()


@dataclass
class QuestionFields:
    kind: QuestionKind
    text_en: str
    text_zh: str
    required: bool = True
    choices: str = ""  # one option a line: "English | 中文"


def parse_choices(text: str) -> list[dict[str, str]]:
    """Options written one a line as "English | 中文" (a line without "|" says the same in both)."""
    options = []
    for line in (text or "").splitlines():
        line = without_controls(line, multiline=False).strip()
        if not line:
            continue
        en, _bar, zh = line.partition("|")
        en, zh = en.strip(), zh.strip()
        if len(en) > 200 or len(zh) > 200:
            raise RuleViolation(_l("An option has at most %(max)d characters.", max=200), field="choices")
        options.append({"en": en or zh, "zh": zh or en})
    return options


def add_question(survey: Survey, fields: QuestionFields, *, actor: User) -> SurveyQuestion:
    if not may_edit(actor, survey):
        raise RuleViolation(_l("A survey that was sent keeps its questions and audience."))
    if len(survey.questions) >= QUESTIONS_MAX:
        raise RuleViolation(_l("A survey has at most %(max)d questions.", max=QUESTIONS_MAX))
    choices = parse_choices(fields.choices) if fields.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
    if fields.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and not 2 <= len(choices) <= CHOICES_MAX:
        raise RuleViolation(_l("Give between 2 and %(max)d options, one a line.", max=CHOICES_MAX), field="choices")
    question = SurveyQuestion(
        kind=fields.kind,
        text_en=_checked(fields.text_en, "text_en", 500),
        text_zh=_checked(fields.text_zh, "text_zh", 500),
        required=fields.required,
        choices=choices,
        position=max((q.position for q in survey.questions), default=0) + 1,
    )
    survey.questions.append(question)
    audit.record(actor=actor, row=survey, action="add_question", after={"question": question.text_en})
    db.session.flush()
    return question


def remove_question(survey: Survey, question: SurveyQuestion, *, actor: User) -> None:
    if not may_edit(actor, survey) or question.survey_id != survey.id:
        raise RuleViolation(_l("A survey that was sent keeps its questions and audience."))
    survey.questions.remove(question)
    audit.record(actor=actor, row=survey, action="remove_question", before={"question": question.text_en})
    db.session.flush()


def audience_partners(survey: Survey) -> Select[Any]:
    """The ids of the active partners the survey's filters choose (an empty filter chooses all)."""
    query = select(Partner.id).where(Partner.status == PartnerStatus.ACTIVE)
    if survey.partner_types:
        query = query.where(Partner.partner_type.in_([PartnerType(v) for v in survey.partner_types]))
    if survey.tiers:
        query = query.where(Partner.tier.in_([PartnerTier(v) for v in survey.tiers]))
    if survey.region_ids:
        paths = db.session.scalars(select(Region.path).where(Region.id.in_(survey.region_ids))).all()
        query = query.join(Region, Partner.region_id == Region.id).where(
            or_(*(Region.path.startswith(path, autoescape=True) for path in paths))
        )
    if survey.product_line_ids:
        query = query.where(
            Partner.id.in_(
                select(partner_lines.c.partner_id).where(partner_lines.c.product_line_id.in_(survey.product_line_ids))
            )
        )
    return query


def _expiry(survey: Survey, now: datetime) -> datetime:
    return now + timedelta(days=survey.valid_days)


def token_for(invitation: SurveyInvitation) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)
    return str(serializer.dumps([invitation.id, invitation.nonce]))


def answer_url(invitation: SurveyInvitation) -> str:
    return external_url("service.answer_survey", survey_id=invitation.survey_id, token=token_for(invitation))


def _invite(
    survey: Survey,
    *,
    partner_id: int,
    now: datetime,
    user: User | None = None,
    customer: Customer | None = None,
    case: SupportCase | None = None,
    email: str | None = None,
    locale: str | None = None,
) -> SurveyInvitation:
    invitation = SurveyInvitation(
        survey_id=survey.id,
        partner_id=partner_id,
        user_id=user.id if user else None,
        customer_id=customer.id if customer else None,
        case_id=case.id if case else None,
        email=email,
        locale=locale,
        nonce=secrets.token_urlsafe(24),
        sent_at=now,
        expires_at=_expiry(survey, now),
    )
    db.session.add(invitation)
    return invitation


def _send_invitations(survey: Survey, invitations: Sequence[SurveyInvitation]) -> None:
    """Count the new invitations in the survey's tallies and mail the link of each that has an address."""
    db.session.flush()  # the ids go into the tokens
    invited: Counter[tuple[int, date]] = Counter((i.partner_id, local_month(i.sent_at)) for i in invitations)
    tally(survey.id, {key: {"invited": n} for key, n in invited.items()})
    for invitation in invitations:
        if invitation.email:
            send_mail(
                invitation.email,
                "service/mail/survey_invitation.txt",
                locale=invitation.locale,
                survey=survey,
                invitation=invitation,
                link=answer_url(invitation),
            )


def _audience(survey: Survey) -> Select[Any]:
    """Whom sending asks: the active users (who accepted their invitation) of the chosen partners, or the chosen
    partners' customers who gave an email and their consent."""
    partner_ids = audience_partners(survey)
    if survey.audience is SurveyAudience.PARTNER_USERS:
        return (
            select(User)
            .where(User.partner_id.in_(partner_ids), User.is_active.is_(True), User.password_hash.is_not(None))
            .order_by(User.id)
        )
    return (
        select(Customer)
        .where(
            Customer.partner_id.in_(partner_ids),
            Customer.survey_consent.is_(True),
            Customer.email.is_not(None),
            Customer.erased_at.is_(None),
        )
        .order_by(Customer.id)
    )


def audience_size(survey: Survey) -> int:
    """How many people sending the survey would ask now."""
    with tenancy.every_partner(reason="a survey reaches every partner its filters choose"):
        query = _audience(survey)
        return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def invite(survey: Survey, *, partner_id: int, now: datetime | None = None, **person: Any) -> SurveyInvitation:
    """One person's personal link (`person`: `_invite`'s user, customer, case, email, locale), counted and mailed
    when there is an address. The caller commits."""
    invitation = _invite(survey, partner_id=partner_id, now=now or utcnow(), **person)
    _send_invitations(survey, [invitation])
    return invitation


def send_survey(survey: Survey, *, actor: User, now: datetime | None = None) -> int:
    """Open the survey and mail a personal link to everyone in its audience (`_audience`). Returns how many were
    asked. Audited; the caller commits."""
    if not may_send(actor, survey):
        raise RuleViolation(_l("Only a draft survey with at least one question is sent."))
    now = now or utcnow()
    invitations: list[SurveyInvitation] = []
    claimed = db.session.execute(  # two sends at once: the second finds it open already
        update(Survey)
        .where(Survey.id == survey.id, Survey.status == SurveyStatus.DRAFT)
        .values(status=SurveyStatus.OPEN, opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleViolation(_l("Only a draft survey with at least one question is sent."))
    db.session.refresh(survey)
    with tenancy.every_partner(reason="a survey reaches every partner its filters choose"):
        for person in db.session.scalars(_audience(survey)):
            if isinstance(person, User):
                assert person.partner_id is not None
                invitations.append(
                    _invite(
                        survey,
                        partner_id=person.partner_id,
                        user=person,
                        email=person.email,
                        locale=person.locale,
                        now=now,
                    )
                )
            else:
                invitations.append(
                    _invite(survey, partner_id=person.partner_id, customer=person, email=person.email, now=now)
                )
        audit.record(
            actor=actor,
            row=survey,
            action="send",
            before={"status": SurveyStatus.DRAFT.value},
            after={"status": SurveyStatus.OPEN.value},
            reason=f"{len(invitations)} invited",
        )
        _send_invitations(survey, invitations)
    return len(invitations)


def close_survey(survey: Survey, *, actor: User, now: datetime | None = None) -> None:
    """No more answers: every link of the survey is refused from now on. Audited; the caller commits."""
    if not may_close(actor, survey):
        raise RuleViolation(_l("Only an open survey is closed."))
    with audit.tracking(survey, ("status",), actor=actor, action="close"):
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = now or utcnow()
    db.session.flush()


def hand_out_link(survey: Survey, customer_code: str, *, actor: User, now: datetime | None = None) -> str:
    """The personal link of one of the partner's customers (by its code), to pass on by the partner's own means (a
    message, a printed receipt). Asking again while it waits for an answer gives the same link: a double click
    makes one, and no customer gets several to answer. RuleViolation on "customer_code"; the caller commits."""
    if not may_hand_out_links(actor, survey):
        raise PermissionDenied()
    now = now or utcnow()
    customer = db.session.scalar(
        select(Customer).where(Customer.code == customer_code.strip(), Customer.partner_id == actor.partner_id)
    )
    if customer is None:
        raise RuleViolation(_l("No customer of yours has this code."), field="customer_code")
    if customer.erased_at is not None:
        raise RuleViolation(_l("This customer's personal data was erased: it is not asked."), field="customer_code")
    waiting = db.session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.customer_id == customer.id,
            SurveyInvitation.answered_at.is_(None),
            SurveyInvitation.expires_at > now,
        )
    )
    if waiting is not None:
        return answer_url(waiting)
    invitation = invite(survey, partner_id=customer.partner_id, customer=customer, locale=actor.locale, now=now)
    audit.created(invitation, ("survey_id", "customer_id"), actor=actor, partner_id=customer.partner_id)
    return answer_url(invitation)


def case_csat_survey() -> Survey:
    """The survey that resolved cases ask, made with its one question the first time it is needed."""
    survey = db.session.scalar(
        select(Survey).where(Survey.audience == SurveyAudience.CASE_REQUESTERS).order_by(Survey.id).limit(1)
    )
    if survey is None:
        texts = CASE_CSAT_SURVEY
        survey = Survey(
            audience=SurveyAudience.CASE_REQUESTERS,
            title_en=texts["title_en"],
            title_zh=texts["title_zh"],
            status=SurveyStatus.OPEN,
            opened_at=utcnow(),
            questions=[
                SurveyQuestion(
                    position=1, kind=QuestionKind.CSAT, text_en=texts["question_en"], text_zh=texts["question_zh"]
                )
            ],
        )
        db.session.add(survey)
        db.session.flush()
    return survey


def ask_case_csat(row: SupportCase, *, now: datetime | None = None) -> SurveyInvitation | None:
    """Mail the requester of a case that was just resolved one satisfaction question (unless the admins closed
    that survey, or the requester is gone)."""
    requester = row.requester
    if requester is None or not requester.is_active:
        return None
    survey = case_csat_survey()
    if survey.status is not SurveyStatus.OPEN:
        return None
    return invite(
        survey,
        partner_id=row.partner_id,
        user=requester,
        case=row,
        email=requester.email,
        locale=requester.locale,
        now=now,
    )


class TokenRefused(Exception):
    """A link that cannot be answered: why, in words for the person holding it, and the HTTP status to say it
    with."""

    def __init__(self, message: object, status: int) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def invitation_for(survey_id: int, token: str, *, now: datetime | None = None) -> SurveyInvitation:
    """The invitation a link names, if it may still be answered; TokenRefused otherwise."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)
    try:
        invitation_id, nonce = serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        raise TokenRefused(_l("This survey link is not valid. Check that it was copied whole."), 404) from None
    with tenancy.every_partner(reason="a survey link's signed token names its one invitation"):
        invitation = db.session.get(SurveyInvitation, invitation_id) if isinstance(invitation_id, int) else None
        if invitation is None or not isinstance(nonce, str) or not secrets.compare_digest(invitation.nonce, nonce):
            raise TokenRefused(_l("This survey link is not valid. Check that it was copied whole."), 404)
        if invitation.survey_id != survey_id:
            raise TokenRefused(_l("This link belongs to another survey."), 404)
        if invitation.answered_at is not None:
            raise TokenRefused(_l("This survey was answered already through this link. Thank you!"), 409)
        if invitation.survey.status is not SurveyStatus.OPEN:
            raise TokenRefused(_l("This survey is closed."), 410)
        if (now or utcnow()) >= invitation.expires_at:
            raise TokenRefused(_l("This survey link has expired."), 410)
    return invitation


def _answer_for(question: SurveyQuestion, value: Any) -> SurveyAnswer | None:
    """The answer to one question from what the form sent (text, or a list for several choices); RuleViolation
    on the question's field "q<id>"."""
    name = f"q{question.id}"
    values = [v for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]
    if not values:
        if question.required:
            raise RuleViolation(_l("Answer this question."), field=name)
        return None
    if question.kind in SCORED_KINDS:
        try:
            score = int(values[0])
        except (TypeError, ValueError):
            score = -1
        if score not in SCORED_KINDS[question.kind]:
            raise RuleViolation(_l("Choose one of the scores."), field=name)
        return SurveyAnswer(question_id=question.id, score=score)
    if question.kind is QuestionKind.TEXT:
        text = without_controls(str(values[0]), multiline=True).strip()
        if len(text) > TEXT_ANSWER_MAX:
            raise RuleViolation(_l("Use at most %(max)d characters.", max=TEXT_ANSWER_MAX), field=name)
        if not text:
            if question.required:
                raise RuleViolation(_l("Answer this question."), field=name)
            return None
        return SurveyAnswer(question_id=question.id, text=text)
    try:
        picked = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        picked = [-1]
    if any(not 0 <= index < len(question.choices) for index in picked) or (
        question.kind is QuestionKind.SINGLE and len(picked) != 1
    ):
        raise RuleViolation(_l("Choose from the options."), field=name)
    return SurveyAnswer(question_id=question.id, choices=picked)


def checked_answers(survey: Survey, values: Mapping[str, Any]) -> tuple[list[SurveyAnswer], dict[str, object]]:
    """The answers to keep from what the form sent (by field name "q<id>"), and what is wrong, by field."""
    answers: list[SurveyAnswer] = []
    errors: dict[str, object] = {}
    for question in survey.questions:
        try:
            answer = _answer_for(question, values.get(f"q{question.id}"))
        except RuleViolation as error:
            errors[f"q{question.id}"] = error.message
            continue
        if answer is not None:
            answers.append(answer)
    return answers, errors


def record_response(
    invitation: SurveyInvitation, values: Mapping[str, Any], *, now: datetime | None = None
) -> SurveyResponse:
    """Keep the answers of one invitation (`values` by field name "q<id>"). A wrong answer raises RuleViolation
    for its question and nothing is kept; a link answered meanwhile (a second click, another tab) raises
    TokenRefused. The caller commits."""
    now = now or utcnow()
    survey = invitation.survey
    answers, errors = checked_answers(survey, values)
    if errors:
        name, message = next(iter(errors.items()))
        raise RuleViolation(message, field=name)
    with tenancy.every_partner(reason="a survey link's signed token names its one invitation"):
        claimed = db.session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered_at.is_(None))
            .values(answered_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise TokenRefused(_l("This survey was answered already through this link. Thank you!"), 409)
        set_committed_value(invitation, "answered_at", now)  # as the row now says, without writing it again
        # The survey's first question of each kind is its NPS or CSAT, answered or not (docs/kpis.md).
        scores = {a.question_id: a.score for a in answers}
        first = {
            kind: scores.get(next((q.id for q in survey.questions if q.kind is kind), -1)) for kind in SCORED_KINDS
        }
        response = SurveyResponse(
            survey_id=survey.id,
            partner_id=invitation.partner_id,
            invitation_id=invitation.id,
            submitted_at=now,
            month=local_month(now),
            nps=first[QuestionKind.NPS],
            csat=first[QuestionKind.CSAT],
        )
        for answer in answers:
            answer.partner_id = invitation.partner_id
            response.answers.append(answer)
        db.session.add(response)
        db.session.flush()
        tally(survey.id, {(invitation.partner_id, response.month): response_counts(response.nps, response.csat)})
        tally_answers(invitation.partner_id, answers)
    return response


def local_month(moment: datetime) -> date:
    """The first day of the brand's month that `moment` falls in."""
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date().replace(day=1)


def response_counts(nps: int | None, csat: int | None) -> dict[str, int]:
    """What one response adds to its tally row."""
    return {
        "responses": 1,
        "promoters": int(nps is not None and nps >= PROMOTER_FROM),
        "detractors": int(nps is not None and nps <= DETRACTOR_UP_TO),
        "nps_answers": int(nps is not None),
        "csat_total": csat or 0,
        "csat_answers": int(csat is not None),
    }


def _upsert(model: Any, key_names: tuple[str, ...], rows: list[dict[str, Any]], counts: tuple[str, ...]) -> None:
    """Add each row's counts to the stored row of its key, or store it: one INSERT … ON CONFLICT DO UPDATE, which
    two answers at once cannot lose (SQLite and PostgreSQL both have it)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = model.__table__
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key_names), set_={name: table.c[name] + statement.excluded[name] for name in counts}
    )
    db.session.execute(statement, rows)


def tally(survey_id: int, changes: Mapping[tuple[int, date], Mapping[str, int]]) -> None:
    """Add to the survey's tallies, per (partner, month): invitations sent, or what a response counts."""
    rows = [
        {"survey_id": survey_id, "partner_id": partner_id, "month": month}
        | {name: int(counts.get(name, 0)) for name in SurveyTally.COUNTS}
        for (partner_id, month), counts in changes.items()
    ]
    _upsert(SurveyTally, ("survey_id", "month", "partner_id"), rows, SurveyTally.COUNTS)


def tally_answers(partner_id: int, answers: Sequence[SurveyAnswer]) -> None:
    """Count each answer under its question: once as answered, once for each score or option it gave."""
    counted: Counter[tuple[int, int]] = Counter()
    for answer in answers:
        counted[(answer.question_id, SurveyAnswerTally.ANSWERED)] += 1
        if answer.score is not None:
            counted[(answer.question_id, answer.score)] += 1
        for index in answer.choices or []:
            counted[(answer.question_id, index)] += 1
    rows = [
        {"question_id": question_id, "partner_id": partner_id, "value": value, "count": n}
        for (question_id, value), n in counted.items()
    ]
    _upsert(SurveyAnswerTally, ("question_id", "value", "partner_id"), rows, ("count",))


def surveys_query() -> Select[Any]:
    return select(Survey).options(selectinload(Survey.questions)).order_by(Survey.id.desc())


def my_invitations(actor: User, *, now: datetime | None = None) -> list[SurveyInvitation]:
    """The survey links waiting for this user's answer (open surveys, not expired, not answered)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(SurveyInvitation)
            .join(Survey, SurveyInvitation.survey_id == Survey.id)
            .where(
                SurveyInvitation.user_id == actor.id,
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at > now,
                Survey.status == SurveyStatus.OPEN,
            )
            .options(selectinload(SurveyInvitation.survey))
            .order_by(SurveyInvitation.id.desc())
        )
    )


def link_surveys(actor: User) -> list[Survey]:
    """The open end-customer surveys this partner's user may hand out links to."""
    rows = db.session.scalars(
        select(Survey).where(Survey.audience == SurveyAudience.END_CUSTOMERS, Survey.status == SurveyStatus.OPEN)
    ).all()
    return [survey for survey in rows if may_hand_out_links(actor, survey)]


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    """The regions (countries and provinces that hold partners) and product lines a survey can choose by."""
    with tenancy.every_partner(reason="a survey's audience is chosen among every partner's regions"):
        paths = db.session.scalars(select(Region.path).join(Partner, Partner.region_id == Region.id).distinct()).all()
    codes = {code for path in paths for code in path.strip("/").split("/")[:2]}
    regions = db.session.scalars(select(Region).where(Region.code.in_(codes)).order_by(Region.path)).all()
    lines = db.session.scalars(
        select(ProductLine).where(ProductLine.is_active.is_(True)).order_by(ProductLine.code)
    ).all()
    return {
        "regions": [(region.id, region.full_name) for region in regions],
        "product_lines": [(line.id, f"{line.code} · {line.name}") for line in lines],
    }


def on_personal_data_requested(customer: Customer) -> dict[str, Any]:
    """A customer's export holds the surveys they were asked and what they wrote."""
    with tenancy.every_partner(reason="the customer's own export"):
        invitations = db.session.scalars(
            select(SurveyInvitation).where(SurveyInvitation.customer_id == customer.id).order_by(SurveyInvitation.id)
        ).all()
        responses = {
            r.invitation_id: r
            for r in db.session.scalars(
                select(SurveyResponse)
                .where(SurveyResponse.invitation_id.in_([i.id for i in invitations]))
                .options(selectinload(SurveyResponse.answers))
            )
        }
    return {
        "survey_invitations": [
            {
                "survey": invitation.survey.title_en,
                "email": invitation.email,
                "sent_at": invitation.sent_at.isoformat(),
                "answered_at": invitation.answered_at.isoformat() if invitation.answered_at else None,
                "answers": [
                    {"question": a.question.text_en, "score": a.score, "choices": a.choices, "text": a.text}
                    for a in (responses[invitation.id].answers if invitation.id in responses else [])
                ],
            }
            for invitation in invitations
        ]
    }


def on_personal_data_erased(customer: Customer) -> None:
    """Erasure blanks the address a survey was mailed to and the customer's own words, and ends the links still
    waiting; the scores given stay counted."""
    with tenancy.every_partner(reason="the customer's erasure request"):
        invitation_ids = select(SurveyInvitation.id).where(SurveyInvitation.customer_id == customer.id)
        db.session.execute(  # and the links still waiting are answered no more
            update(SurveyInvitation)
            .where(SurveyInvitation.customer_id == customer.id)
            .values(email=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(SurveyInvitation)
            .where(
                SurveyInvitation.customer_id == customer.id,
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at > utcnow(),
            )
            .values(expires_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(SurveyAnswer)
            .where(
                SurveyAnswer.text.is_not(None),
                SurveyAnswer.response_id.in_(
                    select(SurveyResponse.id).where(SurveyResponse.invitation_id.in_(invitation_ids))
                ),
            )
            .values(text=None)
            .execution_options(synchronize_session=False)
        )
