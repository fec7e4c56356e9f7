"""Service figures per partner over a range of months, for the scorecards, the evaluation and the at-risk list
(performance reads them): support cases opened, their first response and resolution in business time, end
customers' complaints and how many were resolved, and what partners' users and end customers answered to surveys.
docs/kpis.md defines the KPIs made of them. A fixed number of queries whatever the number of partners; counts
stay within the caller's tenancy scope."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from portal.calendar import MonthRange, add_months, month_begins
from portal.database import among
from portal.extensions import db
from service.models import (
    CaseStatus,
    ComplaintStatus,
    CustomerComplaint,
    SupportCase,
    Survey,
    SurveyAudience,
    SurveyTally,
)
from service.sla import BusinessCalendar
from service.survey_results import Satisfaction, satisfaction_columns, satisfaction_from


@dataclass(frozen=True)
class ServiceFigures:
    cases: int = 0  # support cases the partner opened in the months
    median_first_response_hours: Decimal | None = None  # of those answered, in business hours
    median_resolution_hours: Decimal | None = None  # of those resolved, opened → resolved, in business hours
    complaints: int = 0  # end-customer complaints logged in the months
    complaints_resolved: int = 0  # of those: resolved by the partner, or escalated and the case resolved
    partner_answers: Satisfaction = field(default_factory=Satisfaction)  # its users, to partner surveys
    customer_answers: Satisfaction = field(default_factory=Satisfaction)  # its customers, to customer surveys


def _median_hours(minutes: list[int]) -> Decimal | None:
    if not minutes:
        return None
    return (Decimal(median(minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def service_figures(partner_ids: Sequence[int], months: MonthRange) -> dict[int, ServiceFigures]:
    """Every partner of `partner_ids` (absent ones had nothing) with its service figures over `months`."""
    ids = list(partner_ids)
    if not ids:
        return {}
    first, after = month_begins(months.first), month_begins(add_months(months.last, 1))
    calendar = BusinessCalendar.from_config()
    cases: Counter[int] = Counter()
    responses: dict[int, list[int]] = defaultdict(list)
    resolutions: dict[int, list[int]] = defaultdict(list)
    for partner_id, opened, answered, resolved in db.session.execute(
        select(
            SupportCase.partner_id, SupportCase.created_at, SupportCase.first_response_at, SupportCase.resolved_at
        ).where(among(SupportCase.partner_id, ids), SupportCase.created_at >= first, SupportCase.created_at < after)
    ):
        cases[partner_id] += 1
        if answered is not None:
            responses[partner_id].append(calendar.minutes_between(opened, answered))
        if resolved is not None:
            resolutions[partner_id].append(calendar.minutes_between(opened, resolved))

    complaints: Counter[int] = Counter()
    resolved_complaints: Counter[int] = Counter()
    for partner_id, status, case_status in db.session.execute(
        select(CustomerComplaint.partner_id, CustomerComplaint.status, SupportCase.status)
        .outerjoin(SupportCase, CustomerComplaint.case_id == SupportCase.id)
        .where(
            among(CustomerComplaint.partner_id, ids),
            CustomerComplaint.created_at >= first,
            CustomerComplaint.created_at < after,
        )
    ):
        complaints[partner_id] += 1
        if status is ComplaintStatus.RESOLVED or (
            status is ComplaintStatus.ESCALATED and case_status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        ):
            resolved_complaints[partner_id] += 1

    answers: dict[tuple[int, SurveyAudience], Satisfaction] = {}
    for partner_id, audience, *counts in db.session.execute(
        select(SurveyTally.partner_id, Survey.audience, *satisfaction_columns())
        .join(Survey, SurveyTally.survey_id == Survey.id)
        .where(
            among(SurveyTally.partner_id, ids),
            SurveyTally.month.between(months.first, months.last),
            Survey.audience.in_([SurveyAudience.PARTNER_USERS, SurveyAudience.END_CUSTOMERS]),
        )
        .group_by(SurveyTally.partner_id, Survey.audience)
    ):
        answers[(partner_id, audience)] = satisfaction_from(counts)

    empty = Satisfaction()
    return {
        partner_id: ServiceFigures(
            cases=cases[partner_id],
            median_first_response_hours=_median_hours(responses[partner_id]),
            median_resolution_hours=_median_hours(resolutions[partner_id]),
            complaints=complaints[partner_id],
            complaints_resolved=resolved_complaints[partner_id],
            partner_answers=answers.get((partner_id, SurveyAudience.PARTNER_USERS), empty),
            customer_answers=answers.get((partner_id, SurveyAudience.END_CUSTOMERS), empty),
        )
        for partner_id in ids
    }


def complaints_by_month(partner_ids: Sequence[int], months: MonthRange) -> dict[int, Counter[date]]:
    """How many complaints each partner logged in each month (the brand's months), for "complaints rising"."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    first, after = month_begins(months.first), month_begins(add_months(months.last, 1))
    counts: dict[int, Counter[date]] = defaultdict(Counter)
    for partner_id, logged in db.session.execute(
        select(CustomerComplaint.partner_id, CustomerComplaint.created_at).where(
            among(CustomerComplaint.partner_id, list(partner_ids)),
            CustomerComplaint.created_at >= first,
            CustomerComplaint.created_at < after,
        )
    ):
        counts[partner_id][logged.astimezone(zone).date().replace(day=1)] += 1
    return counts
