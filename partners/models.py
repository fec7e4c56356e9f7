"""Partner (the unit of tenancy), Region (country > subdivision > city) and manager coverage."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ColumnElement, Date, ForeignKey, String, Table, Text, UniqueConstraint, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from partners.identity import normalise_company_name
from portal.calendar import local_today
from portal.database import (
    Base,
    LabelledEnum,
    OptionalPartnerOwned,
    PartnerOwned,
    TenantRoot,
    TimestampMixin,
    enum_column,
    enum_labels,
    utcnow,
)
from portal.i18n import pick

if TYPE_CHECKING:
    from portal.auth.models import User


class PartnerType(LabelledEnum):
    WHOLESALER = "wholesaler"
    DISTRIBUTOR = "distributor"
    RESELLER = "reseller"
    AGENT = "agent"


class PartnerTier(LabelledEnum):
    REGISTERED = "registered"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class PartnerStatus(LabelledEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class RegionLevel(StrEnum):
    COUNTRY = "country"
    SUBDIVISION = "subdivision"
    CITY = "city"


PARTNER_TYPE_LABELS = enum_labels(
    {
        PartnerType.WHOLESALER: _l("Wholesaler"),
        PartnerType.DISTRIBUTOR: _l("Distributor"),
        PartnerType.RESELLER: _l("Reseller"),
        PartnerType.AGENT: _l("Agent"),
    }
)
PARTNER_TIER_LABELS = enum_labels(
    {
        PartnerTier.REGISTERED: _l("Registered"),
        PartnerTier.SILVER: _l("Silver"),
        PartnerTier.GOLD: _l("Gold"),
        PartnerTier.PLATINUM: _l("Platinum"),
    }
)
PARTNER_STATUS_LABELS = enum_labels(
    {
        PartnerStatus.ACTIVE: _l("Active"),
        PartnerStatus.SUSPENDED: _l("Suspended"),
        PartnerStatus.TERMINATED: _l("Terminated"),
    }
)


class Region(Base):
    """One node of the region tree. `path` ("/CN/CN-GD/CN-GD-440300/") makes "in this region" a prefix match."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(120), index=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    @property
    def name(self) -> str:
        """The name in the current language."""
        return pick(self.name_en, self.name_zh)

    @property
    def full_name(self) -> str:
        """Country › subdivision › city, in the current language."""
        parts: list[str] = []
        node: Region | None = self
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return " › ".join(reversed(parts))

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class ProductLine(Base):
    """A line of the brand's products (catalog, coverage and applications refer to it)."""

    __tablename__ = "product_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def name(self) -> str:
        return pick(self.name_en, self.name_zh)


partner_product_lines = Table(
    "partner_product_lines",
    Base.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("product_line_id", ForeignKey("product_lines.id", ondelete="CASCADE"), primary_key=True),
)

manager_regions = Table(
    "manager_regions",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class Partner(TenantRoot, TimestampMixin, Base):
    __tablename__ = "partners"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")  # identity.normalise_company_name
    partner_type: Mapped[PartnerType] = mapped_column(enum_column(PartnerType))
    tier: Mapped[PartnerTier] = mapped_column(enum_column(PartnerTier), default=PartnerTier.REGISTERED)
    status: Mapped[PartnerStatus] = mapped_column(enum_column(PartnerStatus), default=PartnerStatus.ACTIVE)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    city_text: Mapped[str | None] = mapped_column(String(120))  # a city outside the tree, e.g. Seattle
    registration_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    # History has dates of its own: a partner loaded from years of records joined then, not on the day of the
    # load. Coverage, reporting and scoring as of a past day read these two, never created_at.
    joined_on: Mapped[date] = mapped_column(Date, default=local_today)
    status_since: Mapped[date] = mapped_column(Date, default=local_today)  # the day it took its present status
    version_id: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()
    users: Mapped[list[User]] = relationship(back_populates="partner", order_by="User.name")
    product_lines: Mapped[list[ProductLine]] = relationship(secondary=partner_product_lines, order_by=ProductLine.code)

    __mapper_args__ = {"version_id_col": version_id}

    AUDITED = (
        "code",
        "legal_name",
        "partner_type",
        "tier",
        "status",
        "region_id",
        "city_text",
        "registration_number",
        "address",
        "phone",
        "website",
        "description",
        "joined_on",
        "status_since",
    )
    PROFILE_FIELDS = ("registration_number", "address", "phone")

    @validates("legal_name")
    def _keep_name_key(self, _key: str, legal_name: str) -> str:
        self.name_key = normalise_company_name(legal_name)
        return legal_name

    @property
    def has_complete_profile(self) -> bool:
        """The company profile the onboarding checklist asks for: registration number, address, phone and at
        least one product line."""
        return all(getattr(self, name) for name in self.PROFILE_FIELDS) and bool(self.product_lines)

    @property
    def is_active(self) -> bool:
        return self.status is PartnerStatus.ACTIVE

    # One status change is known, the present one: a partner suspended or terminated since a day was active
    # before it (from the day it joined); an active partner has been active since it joined.
    @classmethod
    def active_during(cls, first: date, last: date) -> ColumnElement[bool]:
        """SQL: the partner was active on at least one day from `first` to `last`."""
        return and_(cls.joined_on <= last, or_(cls.status == PartnerStatus.ACTIVE, cls.status_since > first))

    @property
    def location(self) -> str:
        return f"{self.region.full_name} › {self.city_text}" if self.city_text else self.region.full_name

    def __repr__(self) -> str:
        return f"<Partner {self.code}>"


class PartnerFacts(Protocol):
    """What the KPIs and the required courses read of a partner: a Partner, or a row of these columns (the
    nightly scorecards read thousands of rows, not Partner objects)."""

    @property
    def id(self) -> int: ...
    @property
    def partner_type(self) -> PartnerType: ...
    @property
    def tier(self) -> PartnerTier: ...
    @property
    def joined_on(self) -> date: ...


class ApplicationStatus(LabelledEnum):
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


APPLICATION_STATUS_LABELS = enum_labels(
    {
        ApplicationStatus.SUBMITTED: _l("Waiting for review"),
        ApplicationStatus.INFO_REQUESTED: _l("More information asked"),
        ApplicationStatus.APPROVED: _l("Approved"),
        ApplicationStatus.REJECTED: _l("Rejected"),
    }
)

application_product_lines = Table(
    "application_product_lines",
    Base.metadata,
    Column("application_id", ForeignKey("partner_applications.id", ondelete="CASCADE"), primary_key=True),
    Column("product_line_id", ForeignKey("product_lines.id", ondelete="CASCADE"), primary_key=True),
)

application_regions = Table(
    "application_regions",
    Base.metadata,
    Column("application_id", ForeignKey("partner_applications.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class PartnerApplication(OptionalPartnerOwned, TimestampMixin, Base):
    """A company asking to become a partner. partner_id is set when it is approved, so the partner's own
    people can see their application afterwards; until then only admins do."""

    __tablename__ = "partner_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)  # identity.normalise_company_name
    partner_type: Mapped[PartnerType] = mapped_column(enum_column(PartnerType))
    registration_number: Mapped[str | None] = mapped_column(String(64), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    city_text: Mapped[str | None] = mapped_column(String(120))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40))
    privacy_notice_version: Mapped[str] = mapped_column(String(20))
    consent_ip: Mapped[str | None] = mapped_column(String(45))
    locale: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.SUBMITTED, index=True
    )
    duplicate_note: Mapped[str | None] = mapped_column(String(500))  # why it looks like a known company
    review_note: Mapped[str | None] = mapped_column(String(2000))  # reason for rejection, or what is asked
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None] = mapped_column(index=True)
    version_id: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()
    product_lines: Mapped[list[ProductLine]] = relationship(
        secondary=application_product_lines, order_by=ProductLine.code
    )
    regions_applied: Mapped[list[Region]] = relationship(secondary=application_regions, order_by=Region.code)
    partner: Mapped[Partner | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}

    @validates("legal_name")
    def _keep_name_key(self, _key: str, legal_name: str) -> str:
        self.name_key = normalise_company_name(legal_name)
        return legal_name

    @property
    def is_open(self) -> bool:
        return self.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED)

    @property
    def location(self) -> str:
        return f"{self.region.full_name} › {self.city_text}" if self.city_text else self.region.full_name


class AgreementVersion(Base):
    """One published text of the partner agreement; a partner accepts the newest."""

    __tablename__ = "agreement_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200))
    body_en: Mapped[str] = mapped_column(Text)
    body_zh: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def title(self) -> str:
        return pick(self.title_en, self.title_zh)

    @property
    def body(self) -> str:
        return pick(self.body_en, self.body_zh)


class AgreementAcceptance(PartnerOwned, Base):
    __tablename__ = "agreement_acceptances"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_version_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    agreement: Mapped[AgreementVersion] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("partner_id", "agreement_version_id"),)  # a second click accepts nothing new


class OnboardingStep(LabelledEnum):
    AGREEMENT = "agreement"
    PROFILE = "profile"
    COLLEAGUE = "colleague"
    TRAINING = "training"
    SALES_REPORT = "sales_report"
    FIRST_LOGIN = "first_login"  # measured, not a checklist item


ONBOARDING_STEP_LABELS = enum_labels(
    {
        OnboardingStep.AGREEMENT: _l("Accept the partner agreement"),
        OnboardingStep.PROFILE: _l("Complete the company profile"),
        OnboardingStep.COLLEAGUE: _l("Invite a colleague"),
        OnboardingStep.TRAINING: _l("Complete a first training"),
        OnboardingStep.SALES_REPORT: _l("Submit a first sales report"),
        OnboardingStep.FIRST_LOGIN: _l("First login"),
    }
)
CHECKLIST = (
    OnboardingStep.AGREEMENT,
    OnboardingStep.PROFILE,
    OnboardingStep.COLLEAGUE,
    OnboardingStep.TRAINING,
    OnboardingStep.SALES_REPORT,
)


class OnboardingMilestone(PartnerOwned, Base):
    """When a partner first reached a step: the checklist ticks from these, and onboarding is measured by them."""

    __tablename__ = "onboarding_milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    step: Mapped[OnboardingStep] = mapped_column(enum_column(OnboardingStep))
    reached_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("partner_id", "step"),)


class CoverageAssignment(PartnerOwned, Base):
    """A region (and optionally one product line) a partner is assigned to sell in, from one day to another. Never
    deleted: removing an assignment ends it, so coverage can be seen as of any past date."""

    __tablename__ = "coverage_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_lines.id"))  # None: every line
    is_exclusive: Mapped[bool] = mapped_column(default=False)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)  # the first day it no longer holds
    reason: Mapped[str] = mapped_column(String(300))
    end_reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()
    region: Mapped[Region] = relationship()
    product_line: Mapped[ProductLine | None] = relationship()

    AUDITED = ("region_id", "product_line_id", "is_exclusive", "effective_from", "effective_to")

    @hybrid_method
    def holds_on(self, day: date) -> bool:
        """An assignment holds from its first day up to the day before effective_to (the first day it no longer
        holds), or for good."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    @holds_on.expression  # its SQL side, beside it; a name of its own, so that mypy sees no redefinition
    @classmethod
    def _holds_on_expression(cls, day: date) -> ColumnElement[bool]:
        return and_(cls.effective_from <= day, or_(cls.effective_to.is_(None), cls.effective_to > day))
