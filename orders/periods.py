"""Monthly reporting periods: which months a partner still owes, declaring one reported or without sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from orders.models import MonthlySales, PeriodReport, PeriodStatus, SalesLine, Submission
from partners.models import OnboardingStep, Partner
from partners.onboarding import record_milestone
from portal.auth.models import User
from portal.calendar import add_months, local_today, month_start
from portal.database import utcnow
from portal.extensions import db
from portal.security import PARTNER_ROLES, PermissionDenied, RuleViolation


def deadline(period: date) -> datetime:
    """The end of the REPORTING_DEADLINE_DAY of the following month, in the brand's time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    day = add_months(period, 1).replace(day=current_app.config["REPORTING_DEADLINE_DAY"])
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class PeriodState:
    period: date
    report: PeriodReport | None
    line_count: int
    deadline: datetime

    @property
    def deadline_day(self) -> date:
        """The last day to report, in the brand's time zone."""
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        return (self.deadline.astimezone(zone) - timedelta(seconds=1)).date()

    @property
    def is_due(self) -> bool:
        return self.report is None

    @property
    def is_overdue(self) -> bool:
        return self.report is None and utcnow() > self.deadline


def period_states(partner: Partner, *, months: int = 6, today: date | None = None) -> list[PeriodState]:
    """The last `months` complete months, newest first, with what the partner declared and how many lines it
    reported for each. Months before the partner joined are left out."""
    today = today or local_today()
    joined = month_start(partner.joined_on)
    periods = [p for p in (add_months(month_start(today), -n) for n in range(1, months + 1)) if p >= joined]
    if not periods:
        return []
    reports = {
        r.period: r
        for r in db.session.scalars(
            select(PeriodReport).where(PeriodReport.partner_id == partner.id, PeriodReport.period.in_(periods))
        )
    }
    counts = dict(
        db.session.execute(
            select(MonthlySales.period, MonthlySales.line_count).where(
                MonthlySales.partner_id == partner.id, MonthlySales.period.in_(periods)
            )
        ).all()
    )
    return [PeriodState(p, reports.get(p), counts.get(p, 0), deadline(p)) for p in periods]


def periods_for_home(partner: Partner, *, today: date | None = None) -> list[PeriodState]:
    """What a partner's home page lists: the last three months, and every older month of the year still owed
    (overdue ones are the most urgent, so they never drop out of sight)."""
    states = period_states(partner, months=12, today=today)
    return states[:3] + [state for state in states[3:] if state.is_due]


def months_to_declare(submission: Submission, *, today: date | None = None) -> list[date]:
    """The months a submission's lines fall in that are over and not declared yet: after reporting, the partner
    is asked to declare them complete."""
    today = today or local_today()
    months = set(
        db.session.scalars(select(SalesLine.period).where(SalesLine.submission_id == submission.id).distinct())
    )
    months = {month for month in months if month < month_start(today)}
    if not months:
        return []
    declared = set(
        db.session.scalars(
            select(PeriodReport.period).where(
                PeriodReport.partner_id == submission.partner_id, PeriodReport.period.in_(months)
            )
        )
    )
    return sorted(months - declared, reverse=True)


def declare_period(partner: Partner, period: date, *, actor: User, no_sales: bool) -> PeriodReport:
    """The partner says a month is complete: reported, or without any sale. After the deadline it is marked late.
    A month with lines cannot be declared without sales; a current or future month cannot be declared.
    Raises RuleViolation; the caller commits."""
    if actor.role not in PARTNER_ROLES or actor.partner_id != partner.id:
        raise PermissionDenied()
    period = month_start(period)
    if period >= month_start(local_today()):
        raise RuleViolation(_l("A month can be declared once it is over."))
    has_lines = (
        db.session.scalar(
            select(SalesLine.id).where(SalesLine.partner_id == partner.id, SalesLine.period == period).limit(1)
        )
        is not None
    )
    if no_sales and has_lines:
        raise RuleViolation(_l("This month has sales lines: it cannot be declared without sales."))
    if not no_sales and not has_lines:
        raise RuleViolation(_l("No sales lines are reported for this month yet."))
    existing = db.session.scalars(
        select(PeriodReport).where(PeriodReport.partner_id == partner.id, PeriodReport.period == period)
    ).first()
    if existing is not None:
        return existing
    now = utcnow()
    report = PeriodReport(
        partner_id=partner.id,
        period=period,
        submitted_by_id=actor.id,
        submitted_at=now,
        status=PeriodStatus.NO_SALES if no_sales else PeriodStatus.SUBMITTED,
        is_late=now > deadline(period),
    )
    try:
        with db.session.begin_nested():  # two clicks at once: the unique constraint keeps one
            db.session.add(report)
    except IntegrityError:
        return db.session.scalars(
            select(PeriodReport).where(PeriodReport.partner_id == partner.id, PeriodReport.period == period)
        ).one()
    record_milestone(partner.id, OnboardingStep.SALES_REPORT)
    return report
