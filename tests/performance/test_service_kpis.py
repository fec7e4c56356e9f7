"""The service KPIs of a scorecard against figures worked out by hand (docs/kpis.md), their scoring and "no
data", and the at-risk list's service warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from performance.kpis import compute_kpis
from performance.scoring import normalise_ratio
from performance.segments import partners_at_risk
from portal.calendar import MonthRange
from portal.security import Role
from service import cases, complaints
from service.models import CaseStatus, SurveyAudience
from tests.builders import (
    answer_survey,
    make_case,
    make_complaint,
    make_customer,
    make_invitation,
    make_partner,
    make_sales_line,
    make_survey,
    make_user,
)

SEPTEMBER = MonthRange.month(date(2026, 9, 1))
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING).astimezone(UTC)


@pytest.fixture()
def partner_in_september(db, every_partner):
    """September 2026 of one distributor (business hours 09:00–18:00, Monday 7 to Wednesday 9 are workdays):
    - net sales 250,000.00 from four customers (62,500.00 each);
    - three support cases opened Monday 7th at 10:00: A answered 14:00 (4 h) and resolved Wednesday 12:00
      (8 + 9 + 3 = 20 h), B answered Tuesday 10:00 (8 + 1 = 9 h), C not answered;
    - three complaints: one resolved by the partner, one escalated whose case was resolved, one open;
    - its users answered 10, 9 and 6 to the partner survey; two of its customers gave 5 and 4."""
    partner = make_partner(region="CN-GD")
    clerk = make_user(partner, role=Role.PARTNER_USER)
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    for number in range(1, 5):
        make_sales_line(
            partner,
            actor=clerk,
            order_date=date(2026, 9, 10),
            quantity="1",
            unit_price="62500",
            customer_code=f"C-{number}",
        )
    opened = beijing(2026, 9, 7, 10, 0)
    case_a, case_b, _case_c = (make_case(clerk, subject=f"Case {n}", now=opened) for n in "ABC")
    cases.reply_to_case(case_a, "Looking into it.", actor=manager, now=beijing(2026, 9, 7, 14, 0))
    cases.change_status(case_a, CaseStatus.RESOLVED, actor=manager, now=beijing(2026, 9, 9, 12, 0))
    cases.reply_to_case(case_b, "Which batch?", actor=manager, now=beijing(2026, 9, 8, 10, 0))

    customer = make_customer(partner, code="C-5")  # a customer who bought nothing this month
    logged = beijing(2026, 9, 15, 11, 0)
    resolved, escalated, _open = (make_complaint(clerk, customer, now=logged) for _ in range(3))
    complaints.resolve_complaint(resolved, "Replaced on site.", actor=clerk)
    escalated_case = complaints.escalate_complaint(escalated, actor=clerk)
    cases.change_status(escalated_case, CaseStatus.RESOLVED, actor=manager)

    answered = beijing(2026, 9, 20, 10, 0)
    survey = make_survey(kinds=("nps",))
    for score in ("10", "9", "6"):
        invitation = make_invitation(survey, make_user(partner), now=answered)
        answer_survey(invitation, {f"q{survey.questions[0].id}": score}, now=answered)
    customer_survey = make_survey(audience=SurveyAudience.END_CUSTOMERS, kinds=("csat",))
    for score in ("5", "4"):
        invitation = make_invitation(customer_survey, customer=customer, now=answered)
        answer_survey(invitation, {f"q{customer_survey.questions[0].id}": score}, now=answered)
    return partner


def test_the_service_kpis_are_the_figures_worked_out_by_hand(partner_in_september):
    partner = partner_in_september
    kpis = compute_kpis([partner], SEPTEMBER)[partner.id]
    assert kpis.net_sales == Decimal("250000.0000") and kpis.active_customers == 4
    # 3 cases × 1,000,000 ÷ 250,000 = 12.00
    assert kpis.cases_per_million == Decimal("12.00")
    # median of 4 h and 9 h; the one resolution took 20 h
    assert (kpis.median_first_response, kpis.median_resolution) == (Decimal("6.5"), Decimal("20.0"))
    # 3 complaints × 100 ÷ 4 active customers = 75.00; 2 of 3 resolved
    assert kpis.complaints_per_100_customers == Decimal("75.00")
    assert kpis.complaint_resolution_rate == Decimal(2) / Decimal(3)
    # (2 promoters − 1 detractor) ÷ 3 = 33.3 points; (5 + 4) ÷ 2 = 4.50
    assert (kpis.partner_nps, kpis.customer_csat) == (Decimal("33.3"), Decimal("4.50"))


def test_a_month_without_service_data_is_no_data_and_no_cases_with_sales_is_zero(partner_in_september):
    partner = partner_in_september
    october = compute_kpis([partner], MonthRange.month(date(2026, 10, 1)))[partner.id]
    assert october.net_sales is None and october.cases_per_million is None  # no sales: nothing to divide by
    assert october.complaints_per_100_customers is None and october.complaint_resolution_rate is None
    assert (october.median_first_response, october.partner_nps, october.customer_csat) == (None, None, None)
    quiet = make_partner(region="CN-GD")
    make_sales_line(quiet, order_date=date(2026, 9, 3))
    quiet_kpis = compute_kpis([quiet], SEPTEMBER)[quiet.id]
    assert quiet_kpis.cases_per_million == Decimal("0.00") and quiet_kpis.complaints_per_100_customers == 0


@pytest.mark.parametrize(
    ("name", "value", "normalised"),
    [
        ("cases_per_million", "12", "0.4"),  # 1 − 12 ÷ 20
        ("median_first_response", "6.5", "0.8375"),  # 1 − 6.5 ÷ 40
        ("median_resolution", "200", "0"),  # beyond the ceiling of 160 h
        ("complaints_per_100_customers", "2.5", "0.75"),  # 1 − 2.5 ÷ 10
        ("complaint_resolution_rate", "0.5", "0.5"),
        ("partner_nps", "33.3", "0.6665"),  # (33.3 + 100) ÷ 200
        ("partner_nps", "-100", "0"),
        ("customer_csat", "4.50", "0.875"),  # (4.5 − 1) ÷ 4
    ],
)
def test_each_service_kpi_scores_on_the_zero_to_one_scale(name, value, normalised):
    assert normalise_ratio(name, Decimal(value)) == Decimal(normalised)


def test_complaints_rising_and_a_low_nps_put_a_partner_at_risk(db, every_partner):
    partner = make_partner(region="CN-GD")
    clerk = make_user(partner, role=Role.PARTNER_USER)
    customer = make_customer(partner)
    make_complaint(clerk, customer, now=beijing(2026, 6, 10, 10, 0))  # one in the three months before
    for day in (5, 12, 19):  # three in the last three
        make_complaint(clerk, customer, now=beijing(2026, 10, day, 10, 0))
    survey = make_survey(kinds=("nps",))
    for score in ("3", "5", "9"):  # (1 − 2) ÷ 3 = −33.3
        invitation = make_invitation(survey, make_user(partner), now=beijing(2026, 10, 20, 10, 0))
        answer_survey(invitation, {f"q{survey.questions[0].id}": score}, now=beijing(2026, 10, 20, 10, 0))
    (row,) = [r for r in partners_at_risk(date(2026, 10, 1)) if r.partner.id == partner.id]
    assert "Complaints rising: 3 in the last 3 months, 1 before" in row.reasons
    assert "NPS -33.3 over 6 months, below 0" in row.reasons
