"""Support cases a partner raises with the brand, the replies, internal notes and files on them, the service
levels (first response and resolution targets) per priority, end customers' complaints, and satisfaction
surveys with their invitations and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, LabelledEnum, PartnerOwned, TimestampMixin, enum_column, enum_labels, utcnow

if TYPE_CHECKING:
    from orders.models import Customer, Product
    from partners.models import Partner
    from portal.auth.models import User


class CaseCategory(LabelledEnum):
    PRODUCT_QUALITY = "product_quality"
    DELIVERY = "delivery"
    PRICING_POLICY = "pricing_policy"
    ORDERING_REPORTING = "ordering_reporting"
    TECHNICAL = "technical"
    TRAINING = "training"
    OTHER = "other"


CASE_CATEGORY_LABELS = enum_labels(
    {
        CaseCategory.PRODUCT_QUALITY: _l("Product quality"),
        CaseCategory.DELIVERY: _l("Delivery"),
        CaseCategory.PRICING_POLICY: _l("Pricing and policy"),
        CaseCategory.ORDERING_REPORTING: _l("Ordering and reporting"),
        CaseCategory.TECHNICAL: _l("Technical"),
        CaseCategory.TRAINING: _l("Training"),
        CaseCategory.OTHER: _l("Other"),
    }
)


class CasePriority(LabelledEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


CASE_PRIORITY_LABELS = enum_labels(
    {
        CasePriority.LOW: _l("Low"),
        CasePriority.NORMAL: _l("Normal"),
        CasePriority.HIGH: _l("High"),
        CasePriority.URGENT: _l("Urgent"),
    }
)


class CaseStatus(LabelledEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # for the partner: the resolution clock stops
    RESOLVED = "resolved"
    CLOSED = "closed"


CASE_STATUS_LABELS = enum_labels(
    {
        CaseStatus.NEW: _l("New"),
        CaseStatus.IN_PROGRESS: _l("In progress"),
        CaseStatus.WAITING: _l("Waiting for partner"),
        CaseStatus.RESOLVED: _l("Resolved"),
        CaseStatus.CLOSED: _l("Closed"),
    }
)
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING)


class EntryKind(LabelledEnum):
    REPLY = "reply"  # the partner sees it
    NOTE = "note"  # brand staff only: never shown, mailed, exported or served to the partner
    EVENT = "event"  # a change of status or assignee, told in the case's history


class SupportCase(PartnerOwned, TimestampMixin, Base):
    """A partner's request to the brand. Due times are worked out in business time when the case is opened (and
    moved on while it waits for the partner), so that the queue sorts and filters breaches in SQL."""

    __tablename__ = "support_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    category: Mapped[CaseCategory] = mapped_column(enum_column(CaseCategory), index=True)
    priority: Mapped[CasePriority] = mapped_column(enum_column(CasePriority), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.NEW, index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    order_no: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    response_due_at: Mapped[datetime] = mapped_column(index=True)
    response_warn_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime] = mapped_column(index=True)
    resolution_warn_at: Mapped[datetime]
    waiting_since: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    version_id: Mapped[int] = mapped_column(default=1)

    partner: Mapped[Partner] = relationship()
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    product: Mapped[Product | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    entries: Mapped[list[CaseEntry]] = relationship(
        back_populates="case", order_by="CaseEntry.id", cascade="all, delete-orphan", passive_deletes=True
    )
    attachments: Mapped[list[CaseAttachment]] = relationship(
        back_populates="case", order_by="CaseAttachment.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version_id}
    AUDITED = ("status", "priority", "category", "assignee_id", "subject")

    @property
    def reference(self) -> str:
        return f"#{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEntry(PartnerOwned, Base):
    """A reply, an internal note or an event in a case's history."""

    __tablename__ = "case_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus))  # an event's new status
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # an event's
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[SupportCase] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    attachments: Mapped[list[CaseAttachment]] = relationship(back_populates="entry", order_by="CaseAttachment.id")


class CaseAttachment(PartnerOwned, Base):
    """A file on a case, kept in the database so that every instance serves it; its type is the one its bytes
    show, and it is always served as a download, never inline."""

    __tablename__ = "case_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_cases.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("case_entries.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))  # as the user named it: shown as text only
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[SupportCase] = relationship(back_populates="attachments")
    entry: Mapped[CaseEntry | None] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()


class TimeUnit(LabelledEnum):
    HOURS = "hours"
    DAYS = "days"


TIME_UNIT_LABELS = enum_labels({TimeUnit.HOURS: _l("business hours"), TimeUnit.DAYS: _l("business days")})


class ServiceLevel(Base):
    """The brand's promise for one priority: a first response and a resolution within so much business time."""

    __tablename__ = "service_levels"
    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[CasePriority] = mapped_column(enum_column(CasePriority), unique=True)
    response_amount: Mapped[int]
    response_unit: Mapped[TimeUnit] = mapped_column(enum_column(TimeUnit))
    resolution_amount: Mapped[int]
    resolution_unit: Mapped[TimeUnit] = mapped_column(enum_column(TimeUnit))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    AUDITED = ("response_amount", "response_unit", "resolution_amount", "resolution_unit")


class ComplaintStatus(LabelledEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # by the partner itself
    ESCALATED = "escalated"  # to the brand, as a support case


COMPLAINT_STATUS_LABELS = enum_labels(
    {
        ComplaintStatus.OPEN: _l("Awaiting action"),
        ComplaintStatus.RESOLVED: _l("Resolved by the partner"),
        ComplaintStatus.ESCALATED: _l("Escalated to the brand"),
    }
)


class CustomerComplaint(PartnerOwned, TimestampMixin, Base):
    """A complaint of one of a partner's end customers, logged by the partner. The contact's name and phone are
    personal data: masked in lists, in the person's export, blanked by an erasure (the complaint and its counts
    stay)."""

    __tablename__ = "customer_complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    category: Mapped[CaseCategory] = mapped_column(enum_column(CaseCategory), index=True)
    severity: Mapped[CasePriority] = mapped_column(enum_column(CasePriority))
    customer_words: Mapped[str] = mapped_column(Text)
    action_taken: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus), default=ComplaintStatus.OPEN, index=True
    )
    resolved_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_cases.id", ondelete="SET NULL"))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product | None] = relationship()
    case: Mapped[SupportCase | None] = relationship()
    logged_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    AUDITED = ("status", "category", "severity", "action_taken", "case_id")
    PERSONAL_FIELDS = ("contact_name", "contact_phone")

    @property
    def reference(self) -> str:
        return f"K{self.id}"


class SurveyAudience(LabelledEnum):
    PARTNER_USERS = "partner_users"  # the users of the partners the filters choose
    END_CUSTOMERS = "end_customers"  # partners' customers: by a link a partner hands out, or mailed with consent
    CASE_REQUESTERS = "case_requesters"  # asked automatically when their case is resolved


SURVEY_AUDIENCE_LABELS = enum_labels(
    {
        SurveyAudience.PARTNER_USERS: _l("Partner users"),
        SurveyAudience.END_CUSTOMERS: _l("End customers"),
        SurveyAudience.CASE_REQUESTERS: _l("Requesters of resolved cases"),
    }
)


class SurveyStatus(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


SURVEY_STATUS_LABELS = enum_labels(
    {SurveyStatus.DRAFT: _l("Draft"), SurveyStatus.OPEN: _l("Taking answers"), SurveyStatus.CLOSED: _l("Closed")}
)


class QuestionKind(LabelledEnum):
    NPS = "nps"  # 0–10: how likely to recommend
    CSAT = "csat"  # 1–5: how satisfied
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


QUESTION_KIND_LABELS = enum_labels(
    {
        QuestionKind.NPS: _l("Net promoter score (0–10)"),
        QuestionKind.CSAT: _l("Satisfaction (1–5)"),
        QuestionKind.SINGLE: _l("Single choice"),
        QuestionKind.MULTIPLE: _l("Multiple choice"),
        QuestionKind.TEXT: _l("Free text"),
    }
)
SCORED_KINDS = {QuestionKind.NPS: range(0, 11), QuestionKind.CSAT: range(1, 6)}
PROMOTER_FROM = 9  # an NPS answer of 9 or 10
DETRACTOR_UP_TO = 6  # 0 to 6


class Survey(TimestampMixin, Base):
    """A questionnaire of the brand's, in English and Chinese, and whom it asks. The partner filters (types,
    tiers, regions, product lines; empty means all) choose the partners whose users or customers are asked."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200))
    intro_en: Mapped[str] = mapped_column(Text, default="")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[SurveyAudience] = mapped_column(enum_column(SurveyAudience))
    status: Mapped[SurveyStatus] = mapped_column(enum_column(SurveyStatus), default=SurveyStatus.DRAFT, index=True)
    valid_days: Mapped[int] = mapped_column(default=14)  # how long a personal link may be answered
    partner_types: Mapped[list] = mapped_column(JSON, default=list)
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    region_ids: Mapped[list] = mapped_column(JSON, default=list)  # a region takes in the regions under it
    product_line_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position", cascade="all, delete-orphan"
    )

    AUDITED = (
        "status",
        "audience",
        "title_en",
        "title_zh",
        "intro_en",
        "intro_zh",
        "valid_days",
        "partner_types",
        "tiers",
        "region_ids",
        "product_line_ids",
    )


class SurveyQuestion(Base):
    """One question; a choice question lists its options as [{"en": …, "zh": …}, …] and stores answers by index."""

    __tablename__ = "survey_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    text_en: Mapped[str] = mapped_column(String(500))
    text_zh: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(default=True)
    choices: Mapped[list] = mapped_column(JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyInvitation(PartnerOwned, Base):
    """One person's personal link to a survey: a partner's user, one of its customers, or a case's requester. The
    link carries a signed token of the id and `nonce`; answering sets `answered_at`, once."""

    __tablename__ = "survey_invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_cases.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(254))  # where it was mailed; personal data of a customer
    locale: Mapped[str | None] = mapped_column(String(16))
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    survey: Mapped[Survey] = relationship()
    user: Mapped[User | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    case: Mapped[SupportCase | None] = relationship()

    PERSONAL_FIELDS = ("email",)


class SurveyResponse(PartnerOwned, Base):
    """The answers of one invitation (at most one: the unique key refuses a second). The survey's first NPS and
    CSAT answers are kept on the response too, so that results and scorecards add them up without the answers."""

    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the local month it was answered in
    nps: Mapped[int | None]
    csat: Mapped[int | None]

    invitation: Mapped[SurveyInvitation] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", order_by="SurveyAnswer.id", cascade="all, delete-orphan", passive_deletes=True
    )


class SurveyAnswer(PartnerOwned, Base):
    """The answer to one question: a score, the indexes of the chosen options, or a text."""

    __tablename__ = "survey_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    score: Mapped[int | None]
    choices: Mapped[list | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()


class SurveyTally(PartnerOwned, Base):
    """Running counts of one survey per partner and month, moved with every invitation (in the month it was sent)
    and every response (in the month it was given): results, breakdowns and scorecards add these rows up instead
    of the responses. survey_results.fresh_tallies() works them out again from the rows themselves."""

    __tablename__ = "survey_tallies"
    __table_args__ = (
        UniqueConstraint("survey_id", "month", "partner_id"),
        # Covering the sums, so that a survey's trend and breakdowns read the index alone (4 times quicker at
        # 2,000 partners: docs/benchmarks.md).
        Index(
            "ix_survey_tallies_sums",
            "survey_id",
            "month",
            "partner_id",
            "invited",
            "responses",
            "promoters",
            "detractors",
            "nps_answers",
            "csat_total",
            "csat_answers",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date, index=True)
    invited: Mapped[int] = mapped_column(default=0)
    responses: Mapped[int] = mapped_column(default=0)
    promoters: Mapped[int] = mapped_column(default=0)
    detractors: Mapped[int] = mapped_column(default=0)
    nps_answers: Mapped[int] = mapped_column(default=0)
    csat_total: Mapped[int] = mapped_column(default=0)
    csat_answers: Mapped[int] = mapped_column(default=0)

    COUNTS = ("invited", "responses", "promoters", "detractors", "nps_answers", "csat_total", "csat_answers")


class SurveyAnswerTally(PartnerOwned, Base):
    """How many of a partner's responses gave each score or option of a question (`value`; ANSWERED counts the
    responses that answered it at all)."""

    __tablename__ = "survey_answer_tallies"
    __table_args__ = (
        UniqueConstraint("question_id", "value", "partner_id"),
        Index("ix_survey_answer_tallies_sums", "question_id", "value", "partner_id", "count"),  # as above
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    value: Mapped[int]
    count: Mapped[int] = mapped_column(default=0)

    ANSWERED = -1
