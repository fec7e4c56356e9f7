"""Support cases a partner raises with the brand, the replies, internal notes and files on them, and the service
levels (first response and resolution targets) per priority."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, LargeBinary, String, Text
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
