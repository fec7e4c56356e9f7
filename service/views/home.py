"""What the home page shows of service: a partner's open cases, complaints and surveys to answer; the brand's
queue, its breaches and the partners' NPS this quarter."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from portal.calendar import add_months, local_today, month_start
from portal.home import HomePanel
from portal.security import BRAND_ROLES, PARTNER_ROLES
from service import cases, complaints, survey_results, surveys


def _summary() -> dict[str, Any]:
    return {"summary": cases.home_summary(actor=current_user), "complaints_open": complaints.awaiting_action()}


def _partner_summary() -> dict[str, Any]:
    return _summary() | {"surveys_waiting": surveys.my_invitations(current_user), "answer_url": surveys.answer_url}


def _brand_summary() -> dict[str, Any]:
    this_month = month_start(local_today())
    quarter_start = add_months(this_month, -((this_month.month - 1) % 3))
    return _summary() | {"quarter_nps": survey_results.partner_satisfaction(quarter_start, this_month)}


HOME_PANELS = [
    HomePanel("service/_home_partner.html", PARTNER_ROLES, _partner_summary),
    HomePanel("service/_home_brand.html", BRAND_ROLES, _brand_summary),
]
