"""How well onboarding goes, per month: the figures a channel programme is judged on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from sqlalchemy import select

from partners.models import ApplicationStatus, OnboardingMilestone, OnboardingStep, PartnerApplication
from portal.extensions import db

DAY = 86400


@dataclass(frozen=True)
class OnboardingMonth:
    """One calendar month (UTC). `received` counts applications sent that month; the medians are in days and
    count the applications approved that month: from sending to approval, from approval to the partner's
    first login and to its first sales report. None where nothing is measured yet."""

    month: str
    received: int
    approved: int
    days_to_approval: float | None
    days_to_first_login: float | None
    days_to_first_report: float | None


def _median_days(durations: list[float]) -> float | None:
    return round(median(durations) / DAY, 1) if durations else None


def onboarding_by_month(limit: int = 12) -> list[OnboardingMonth]:
    """The last `limit` months with any application or approval, newest first. Reads every application and
    milestone once (thousands of rows, not millions)."""
    applications = db.session.execute(
        select(
            PartnerApplication.created_at,
            PartnerApplication.approved_at,
            PartnerApplication.partner_id,
            PartnerApplication.status,
        )
    ).all()
    reached = {
        (partner_id, step): at
        for partner_id, step, at in db.session.execute(
            select(OnboardingMilestone.partner_id, OnboardingMilestone.step, OnboardingMilestone.reached_at).where(
                OnboardingMilestone.step.in_([OnboardingStep.FIRST_LOGIN, OnboardingStep.SALES_REPORT])
            )
        )
    }
    received: dict[str, int] = defaultdict(int)
    approvals: dict[str, list] = defaultdict(list)
    for created_at, approved_at, partner_id, status in applications:
        received[created_at.strftime("%Y-%m")] += 1
        if status is ApplicationStatus.APPROVED and approved_at is not None:
            approvals[approved_at.strftime("%Y-%m")].append((created_at, approved_at, partner_id))
    months = sorted(set(received) | set(approvals), reverse=True)[:limit]
    result = []
    for month in months:
        rows = approvals.get(month, [])

        def after_approval(step, rows=rows):
            # A step dated before the approval (history loaded for a partner that traded before Qudao) says
            # nothing about onboarding: it is left out rather than counted as a negative wait.
            waits = [
                (reached[(p, step)] - approved).total_seconds() for _c, approved, p in rows if (p, step) in reached
            ]
            return [wait for wait in waits if wait >= 0]

        result.append(
            OnboardingMonth(
                month=month,
                received=received.get(month, 0),
                approved=len(rows),
                days_to_approval=_median_days([(approved - created).total_seconds() for created, approved, _p in rows]),
                days_to_first_login=_median_days(after_approval(OnboardingStep.FIRST_LOGIN)),
                days_to_first_report=_median_days(after_approval(OnboardingStep.SALES_REPORT)),
            )
        )
    return result
