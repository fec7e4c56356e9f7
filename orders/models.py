"""Catalog, sell-through reporting and end customers: products, sales lines, submissions, periods, customers, deals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint, and_, case, type_coerce
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.elements import ColumnElement

from partners.identity import normalise_company_name
from portal.database import (
    Base,
    ExactDecimal,
    LabelledEnum,
    OptionalPartnerOwned,
    PartnerOwned,
    TimestampMixin,
    enum_column,
    enum_labels,
    utcnow,
)
from portal.i18n import pick

if TYPE_CHECKING:
    from partners.models import ProductLine, Region
    from portal.auth.models import User

# Quantities and unit prices carry up to 4 decimals; their product up to 8. Amounts are kept exact and rounded to
# cents only for display and export.
# Units are free text; the usual ones are shown in the reader's language.
UNIT_LABELS = {
    "pcs": _l("pcs"),
    "pc": _l("pcs"),
    "pair": _l("pair"),
    "set": _l("set"),
    "box": _l("box"),
    "roll": _l("roll"),
    "m": _l("m"),
    "kg": _l("kg"),
}
QUANTITY = ExactDecimal(18, 4)
PRICE = ExactDecimal(18, 4)
AMOUNT = ExactDecimal(24, 8)


class Product(TimestampMixin, Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"), index=True)
    unit: Mapped[str] = mapped_column(String(16))
    list_price: Mapped[Decimal] = mapped_column(PRICE)
    is_active: Mapped[bool] = mapped_column(default=True)

    product_line: Mapped[ProductLine] = relationship()

    AUDITED = ("sku", "name_en", "name_zh", "product_line_id", "unit", "list_price", "is_active")

    @property
    def name(self) -> str:
        return pick(self.name_en, self.name_zh)

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS.get(self.unit.casefold(), self.unit))


class SubmissionSource(LabelledEnum):
    FORM = "form"
    UPLOAD = "upload"
    API = "api"


class SubmissionStatus(LabelledEnum):
    QUEUED = "queued"  # waiting for the background worker
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"  # some row was wrong: nothing written, the errors are kept
    REVERTED = "reverted"


SUBMISSION_SOURCE_LABELS = enum_labels(
    {
        SubmissionSource.FORM: _l("Web form"),
        SubmissionSource.UPLOAD: _l("File upload"),
        SubmissionSource.API: _l("API"),
    }
)
SUBMISSION_STATUS_LABELS = enum_labels(
    {
        SubmissionStatus.QUEUED: _l("Queued"),
        SubmissionStatus.PROCESSING: _l("Processing"),
        SubmissionStatus.COMPLETED: _l("Completed"),
        SubmissionStatus.REJECTED: _l("Rejected"),
        SubmissionStatus.REVERTED: _l("Reverted"),
    }
)


class Submission(PartnerOwned, Base):
    """One delivery of sales lines: who, when, how, which file, how many rows, what total. An upload for many
    partners at once is one submission per partner, grouped by batch_key."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[SubmissionSource] = mapped_column(enum_column(SubmissionSource))
    status: Mapped[SubmissionStatus] = mapped_column(enum_column(SubmissionStatus), default=SubmissionStatus.COMPLETED)
    filename: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # What it delivered; lines that a later delivery sent again (same order and line) moved to that one and are
    # counted as superseded here, so delivered − superseded is what it holds now.
    row_count: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    superseded_count: Mapped[int] = mapped_column(default=0, server_default="0")
    superseded_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0), server_default="0")
    errors: Mapped[list | None] = mapped_column(JSON)  # [{row, column, reason}] when rejected
    reverted_at: Mapped[datetime | None]
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reverted_by: Mapped[User | None] = relationship(foreign_keys=[reverted_by_id])

    @property
    def lines_not_superseded(self) -> int:
        """Its lines that no later delivery replaced: what it holds, or what its revert removed."""
        return self.row_count - self.superseded_count

    @property
    def held_count(self) -> int:
        return 0 if self.status is SubmissionStatus.REVERTED else self.lines_not_superseded

    @property
    def held_amount(self) -> Decimal:
        return Decimal(0) if self.status is SubmissionStatus.REVERTED else self.total_amount - self.superseded_amount


class Customer(PartnerOwned, TimestampMixin, Base):
    """An end customer a partner sold to. Personal fields (contact person, phone, email) are masked in lists and
    blanked on an erasure request; the sales stay."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    region_text: Mapped[str | None] = mapped_column(String(120))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    industry: Mapped[str | None] = mapped_column(String(120))
    registration_number: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_person: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    survey_consent: Mapped[bool] = mapped_column(default=False)  # agreed to be asked about satisfaction by mail
    erased_at: Mapped[datetime | None]

    region: Mapped[Region | None] = relationship()

    __table_args__ = (UniqueConstraint("partner_id", "code"),)
    PERSONAL_FIELDS = ("contact_person", "phone", "email")

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = normalise_company_name(name)
        return name


class SalesLine(PartnerOwned, TimestampMixin, Base):
    """One line of a partner's sale to an end customer. Net amount = quantity × unit price − discount, exact.
    A negative quantity is a return."""

    __tablename__ = "sales_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int]
    order_date: Mapped[date] = mapped_column(Date)
    period: Mapped[date] = mapped_column(Date)  # first day of the order date's month
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    discount: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))
    net_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    is_return: Mapped[bool] = mapped_column(default=False)  # negative quantity; a column so SQL can filter it

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product] = relationship()
    submission: Mapped[Submission] = relationship()

    __table_args__ = (
        UniqueConstraint("partner_id", "order_no", "line_no"),
        Index("ix_sales_lines_partner_id_period", "partner_id", "period"),
    )


# The lines list's order (orders/lines.py, newest first) followed by the columns its filters read: a page's ids come
# from this index alone, however deep the page and whatever the filter.
Index(
    "ix_sales_lines_newest_first",
    SalesLine.order_date.desc(),
    SalesLine.order_no,
    SalesLine.line_no,
    SalesLine.id,
    SalesLine.partner_id,
    SalesLine.product_id,
    SalesLine.is_return,
)


class PeriodStatus(LabelledEnum):
    SUBMITTED = "submitted"
    NO_SALES = "no_sales"


PERIOD_STATUS_LABELS = enum_labels(
    {
        PeriodStatus.SUBMITTED: _l("Submitted"),
        PeriodStatus.NO_SALES: _l("No sales this month"),
    }
)


class PeriodReport(PartnerOwned, Base):
    """A partner's declaration that a month is reported (or had no sales); late when after the deadline."""

    __tablename__ = "period_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date)
    status: Mapped[PeriodStatus] = mapped_column(enum_column(PeriodStatus))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_late: Mapped[bool] = mapped_column(default=False)

    submitted_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("partner_id", "period"),)  # a second click declares nothing new


class ApiToken(OptionalPartnerOwned, Base):
    """A key for a system to call the API: a partner's, for its ERP, or the brand's (partner_id NULL, created by an
    admin) for loading many partners' history. Only a hash is kept; the token is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    # CASCADE, not OptionalPartnerOwned's SET NULL: a partner's token must never become a brand token.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DealStatus(LabelledEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WON = "won"
    LOST = "lost"
    EXPIRED = "expired"


DEAL_STATUS_LABELS = enum_labels(
    {
        DealStatus.SUBMITTED: _l("Waiting for approval"),
        DealStatus.APPROVED: _l("Approved"),
        DealStatus.REJECTED: _l("Rejected"),
        DealStatus.WON: _l("Won"),
        DealStatus.LOST: _l("Lost"),
        DealStatus.EXPIRED: _l("Expired"),
    }
)
ACTIVE_DEAL_STATUSES = (DealStatus.SUBMITTED, DealStatus.APPROVED)


class DealRegistration(PartnerOwned, TimestampMixin, Base):
    """A partner registers an opportunity to be protected from other partners while it works on it."""

    __tablename__ = "deal_registrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_key: Mapped[str] = mapped_column(String(200), index=True, default="")  # normalised name
    customer_region: Mapped[str | None] = mapped_column(String(120))
    products: Mapped[str] = mapped_column(String(500))  # SKUs or product lines, as the partner writes them
    estimated_value: Mapped[Decimal] = mapped_column(AMOUNT)
    expected_close: Mapped[date] = mapped_column(Date)
    status: Mapped[DealStatus] = mapped_column(enum_column(DealStatus), default=DealStatus.SUBMITTED, index=True)
    protected_until: Mapped[date | None] = mapped_column(Date)
    conflict_note: Mapped[str | None] = mapped_column(String(500))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    won_order_no: Mapped[str | None] = mapped_column(String(64))  # links the win to its reported sales lines
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(default=1)

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version_id}

    @validates("customer_name")
    def _keep_customer_key(self, _key: str, name: str) -> str:
        self.customer_key = normalise_company_name(name)
        return name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_DEAL_STATUSES

    @hybrid_method
    def status_on(self, today: date) -> DealStatus:
        """The state on `today`: a registration still waiting past its expected close, or approved past its
        protection, is expired, whether or not `flask deals expire` has recorded that yet."""
        if self.status is DealStatus.APPROVED and self.protected_until is not None and self.protected_until < today:
            return DealStatus.EXPIRED
        if self.status is DealStatus.SUBMITTED and self.expected_close < today:
            return DealStatus.EXPIRED
        return self.status

    @status_on.expression  # sets status_on's SQL side; a name of its own, so that mypy sees no redefinition
    @classmethod
    def _status_on_expression(cls, today: date) -> ColumnElement[DealStatus]:
        """The same in SQL, for lists filtered by state."""
        return type_coerce(
            case(
                (and_(cls.status == DealStatus.APPROVED, cls.protected_until < today), DealStatus.EXPIRED.value),
                (and_(cls.status == DealStatus.SUBMITTED, cls.expected_close < today), DealStatus.EXPIRED.value),
                else_=cls.status,
            ),
            cls.status.type,
        )


class UploadStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    REJECTED = "rejected"  # some row was wrong: nothing written, the errors are kept
    FAILED = "failed"  # the worker stopped; nothing written; may be retried


UPLOAD_STATUS_LABELS = enum_labels(
    {
        UploadStatus.QUEUED: _l("Queued"),
        UploadStatus.RUNNING: _l("Running"),
        UploadStatus.COMPLETED: _l("Completed"),
        UploadStatus.REJECTED: _l("Rejected"),
        UploadStatus.FAILED: _l("Stopped"),
    }
)


class SalesUpload(OptionalPartnerOwned, Base):
    """A large file kept in the database for the background worker (any app instance may have received it).
    partner_id is the uploader's partner; NULL for brand staff uploading for many partners."""

    __tablename__ = "sales_uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[UploadStatus] = mapped_column(enum_column(UploadStatus), default=UploadStatus.QUEUED)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    rows: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    errors: Mapped[list | None] = mapped_column(JSON)
    submission_ids: Mapped[list | None] = mapped_column(JSON)

    created_by: Mapped[User] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (UploadStatus.COMPLETED, UploadStatus.REJECTED, UploadStatus.FAILED)


class MonthlySales(PartnerOwned, Base):
    """A partner's month, summed: kept in the same transaction as every write of its sales lines, so pages and
    scorecards read these instead of millions of lines."""

    __tablename__ = "monthly_sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date)
    net_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    returns_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))  # net of returned lines (≤ 0)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0), server_default="0")  # net of returns
    line_count: Mapped[int] = mapped_column(default=0)
    # When lines of the month last arrived, moved or went: a scorecard computed before is out of date.
    # None for months rolled up before this was kept.
    updated_at: Mapped[datetime | None]

    # By month for the sales analysis, which reads a range of months of every partner in scope.
    __table_args__ = (UniqueConstraint("partner_id", "period"), Index("ix_monthly_sales_period", "period"))


class CustomerMonthlySales(PartnerOwned, Base):
    """An end customer's month, summed like MonthlySales and kept with it: active and new customers and the
    customers' RFM classes read these rows, not the lines."""

    __tablename__ = "customer_monthly_sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)
    net_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    sale_lines: Mapped[int] = mapped_column(default=0)  # lines that are not returns: the customer bought
    line_count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("customer_id", "period"),
        Index("ix_customer_monthly_sales_partner_id_period", "partner_id", "period"),
        Index("ix_customer_monthly_sales_period", "period"),
    )


class _ItemMonthSums:
    """The sums of a partner's month of one product or product line, as orders.rollup moves them."""

    period: Mapped[date] = mapped_column(Date)
    net_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    returns_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0))
    line_count: Mapped[int] = mapped_column(default=0)


class ProductMonthlySales(_ItemMonthSums, PartnerOwned, Base):
    """A partner's month of one product, summed and kept like MonthlySales: the sales analysis by product."""

    __tablename__ = "product_monthly_sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))

    __table_args__ = (
        UniqueConstraint("product_id", "partner_id", "period"),
        Index("ix_product_monthly_sales_period", "period"),
    )


class LineMonthlySales(_ItemMonthSums, PartnerOwned, Base):
    """A partner's month of one product line, summed and kept like MonthlySales: the sales analysis by product
    line reads these (a few rows per partner and month), not the rows per product. A product moved to another
    line moves its sums here too (rollup.move_product)."""

    __tablename__ = "line_monthly_sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))

    __table_args__ = (
        UniqueConstraint("product_line_id", "partner_id", "period"),
        Index("ix_line_monthly_sales_period", "period"),
    )
