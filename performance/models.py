"""Sales targets, versioned scoring rules and the scorecards computed with them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders.models import AMOUNT
from portal.calendar import months_between
from portal.database import Base, LabelledEnum, PartnerOwned, TimestampMixin, enum_column, enum_labels, utcnow

if TYPE_CHECKING:
    from partners.models import Partner
    from portal.auth.models import User


class SalesTarget(PartnerOwned, TimestampMixin, Base):
    """What a partner should sell in one month (net amount), set by the brand."""

    __tablename__ = "sales_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date)  # first day of the month
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    partner: Mapped[Partner] = relationship()
    set_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("partner_id", "period"),)

    AUDITED = ("period", "amount")


class ScoringRules(Base):
    """One version of the weights and tier thresholds. Never edited: a change is a new version, so a scorecard
    computed with an older version keeps saying which weights made it."""

    __tablename__ = "scoring_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    weights: Mapped[dict[str, int]] = mapped_column(JSON)  # KPI name → weight in percent; they add up to 100
    silver_min: Mapped[int]  # lowest average score for each tier
    gold_min: Mapped[int]
    platinum_min: Mapped[int]
    recommendation_months: Mapped[int]  # the tier recommendation averages the scores of this many months
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class Scorecard(PartnerOwned, Base):
    """A partner's month as scored with one version of the rules: the KPI values, the normalised values, the
    score and its ranks, kept as computed."""

    __tablename__ = "scorecards"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date)
    rules_id: Mapped[int] = mapped_column(ForeignKey("scoring_rules.id"), index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # None: no KPI had data
    kpis: Mapped[dict] = mapped_column(JSON)  # name → value as text (exact), or None for "no data"
    normalised: Mapped[dict] = mapped_column(JSON)  # name → 0…1 as text, or None
    rank_in_type: Mapped[int | None]
    peers_in_type: Mapped[int] = mapped_column(default=0)
    rank_in_region: Mapped[int | None]
    peers_in_region: Mapped[int] = mapped_column(default=0)
    peer_median: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # median score of the same type that month
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    rules: Mapped[ScoringRules] = relationship()
    partner: Mapped[Partner] = relationship()

    __table_args__ = (UniqueConstraint("partner_id", "period", "rules_id"), Index("ix_scorecards_period", "period"))


class RunStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"  # the worker stopped; the months scored so far stay scored, the run may go on


RUN_STATUS_LABELS = enum_labels(
    {
        RunStatus.QUEUED: _l("Queued"),
        RunStatus.RUNNING: _l("Running"),
        RunStatus.COMPLETED: _l("Completed"),
        RunStatus.FAILED: _l("Stopped"),
    }
)


class ScoringRun(Base):
    """Scoring a range of months (history: years of them) in the background, month by month. Each month is
    scored and committed on its own, with the run's progress, so the pages read it while it runs and a stopped
    run goes on from the month it reached."""

    __tablename__ = "scoring_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    rules_id: Mapped[int] = mapped_column(ForeignKey("scoring_rules.id"))
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.QUEUED)
    months_done: Mapped[int] = mapped_column(default=0)
    scorecards: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)  # a worker's claim: only the latest writes progress
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]  # the last month finished: a silent run has stopped
    finished_at: Mapped[datetime | None]

    rules: Mapped[ScoringRules] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def months(self) -> int:
        return months_between(self.first, self.last) + 1

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.COMPLETED, RunStatus.FAILED)
