"""Every KPI of docs/kpis.md against figures worked out by hand in the test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.models import DealRegistration, DealStatus, PeriodReport, PeriodStatus
from performance.kpis import compute_kpis
from performance.models import SalesTarget
from portal.calendar import MonthRange
from portal.extensions import db
from portal.security import Role
from tests.builders import joined, make_course, make_partner, make_sales_line, make_user
from training.services import issue_certificate

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
OCTOBER = MonthRange.month(date(2026, 10, 1))


@pytest.fixture()
def partner(db, every_partner):
    return joined(make_partner())


def _sell(partner, when: date, quantity: str, price: str, *, customer: str = "C-1", discount: str = "0"):
    return make_sales_line(
        partner, order_date=when, quantity=quantity, unit_price=price, customer_code=customer, discount=discount
    )


def _kpis(partner, months=OCTOBER):
    return compute_kpis([partner], months, now=NOW)[partner.id]


def test_month_ranges_know_their_previous_and_last_year(db):
    months = MonthRange(date(2026, 1, 1), date(2026, 3, 1))
    assert months.length == 3
    assert months.previous() == MonthRange(date(2025, 10, 1), date(2025, 12, 1))
    assert months.last_year() == MonthRange(date(2025, 1, 1), date(2025, 3, 1))
    assert months.label() == "2026-01 – 2026-03"


def test_a_range_with_no_data_is_no_data_not_zero(partner):
    kpis = _kpis(partner)
    assert kpis.net_sales is None
    assert kpis.target_attainment is None
    assert kpis.growth_yoy is None and kpis.growth_prev is None
    assert kpis.active_customers is None and kpis.new_customers is None
    assert kpis.returns_ratio is None
    assert kpis.deal_win_rate is None
    assert kpis.training_completion is None  # no required course, no user


def test_net_sales_returns_and_customers_by_hand(partner):
    # October: C-1 buys 3 × 12.3456 − 0.0368 = 37.0000; C-2 buys 2 × 50 = 100; C-1 returns 1 × 12.3456.
    # September: C-3 bought 10 × 5 = 50 (so C-3 is not active in October, and C-1 is new in October).
    _sell(partner, date(2026, 9, 30), "10", "5", customer="C-3")
    _sell(partner, date(2026, 10, 1), "3", "12.3456", customer="C-1", discount="0.0368")
    _sell(partner, date(2026, 10, 31), "2", "50", customer="C-2")
    _sell(partner, date(2026, 10, 15), "-1", "12.3456", customer="C-1")
    kpis = _kpis(partner)
    # net = 37 + 100 − 12.3456 = 124.6544
    assert kpis.net_sales == Decimal("124.6544")
    assert kpis.active_customers == 2  # C-1 and C-2 bought; a return alone would not count
    assert kpis.new_customers == 2  # neither had bought before October
    # returned 12.3456 of 137 sold = 0.0901138…
    assert kpis.returns_ratio.quantize(Decimal("0.000001")) == Decimal("0.090114")
    # growth against September (50): (124.6544 − 50) / 50 = 1.493088
    assert kpis.growth_prev == Decimal("1.493088")
    assert kpis.growth_yoy is None  # nothing sold in October 2025


def test_a_customer_who_bought_before_is_active_but_not_new(partner):
    _sell(partner, date(2026, 8, 3), "1", "10", customer="C-1")
    _sell(partner, date(2026, 10, 3), "1", "10", customer="C-1")
    _sell(partner, date(2026, 10, 4), "1", "10", customer="C-2")
    kpis = _kpis(partner)
    assert (kpis.active_customers, kpis.new_customers) == (2, 1)


def test_target_attainment_counts_the_months_that_have_a_target(partner, every_partner):
    # Q3: July sells 100 (target 200), August sells 300 (no target), September sells 50 (target 100).
    # attainment = (100 + 50) / (200 + 100) = 0.5; August's sales count in net sales only.
    for day, price in ((date(2026, 7, 5), "100"), (date(2026, 8, 5), "300"), (date(2026, 9, 5), "50")):
        _sell(partner, day, "1", price)
    db.session.add_all(
        [
            SalesTarget(partner_id=partner.id, period=date(2026, 7, 1), amount=Decimal(200)),
            SalesTarget(partner_id=partner.id, period=date(2026, 9, 1), amount=Decimal(100)),
        ]
    )
    db.session.flush()
    kpis = _kpis(partner, MonthRange(date(2026, 7, 1), date(2026, 9, 1)))
    assert kpis.net_sales == Decimal(450)
    assert kpis.target == Decimal(300)
    assert kpis.target_attainment == Decimal("0.5")


def test_a_target_with_nothing_reported_is_no_data_and_a_declared_month_without_sales_is_zero(partner, every_partner):
    """Alpen (no lines, a target of 15,000) once showed 0.0 %: its sales are not known, so there is no data."""
    db.session.add(SalesTarget(partner_id=partner.id, period=date(2026, 10, 1), amount=Decimal(15_000)))
    db.session.flush()
    assert _kpis(partner).target_attainment is None
    db.session.add(PeriodReport(partner_id=partner.id, period=date(2026, 10, 1), status=PeriodStatus.NO_SALES))
    db.session.flush()
    assert _kpis(partner).target_attainment == Decimal(0)  # declared: it sold nothing against 15,000


def test_a_zero_target_is_no_data(partner, every_partner):
    _sell(partner, date(2026, 9, 9), "1", "80")
    db.session.add(SalesTarget(partner_id=partner.id, period=date(2026, 9, 1), amount=Decimal(0)))
    db.session.flush()
    assert _kpis(partner, MonthRange.month(date(2026, 9, 1))).target_attainment is None  # no division by zero


def test_growth_against_last_year_and_no_data_when_the_base_sold_nothing_net(partner):
    _sell(partner, date(2025, 10, 9), "1", "80")
    _sell(partner, date(2026, 10, 9), "1", "100")
    assert _kpis(partner).growth_yoy == Decimal("0.25")  # (100 − 80) / 80
    _sell(partner, date(2026, 9, 9), "-1", "40")  # September only returned goods: net −40
    assert _kpis(partner).growth_prev is None


def test_deal_win_rate_over_deals_closed_in_the_range(partner, every_partner):
    def deal(status, decided):
        db.session.add(
            DealRegistration(
                partner_id=partner.id,
                customer_name="X",
                products="P",
                estimated_value=Decimal(1),
                expected_close=date(2026, 12, 1),
                status=status,
                decided_at=decided,
            )
        )

    deal(DealStatus.WON, datetime(2026, 10, 5, tzinfo=UTC))
    deal(DealStatus.WON, datetime(2026, 10, 20, tzinfo=UTC))
    deal(DealStatus.LOST, datetime(2026, 10, 25, tzinfo=UTC))
    deal(DealStatus.LOST, datetime(2026, 9, 25, tzinfo=UTC))  # closed in September
    deal(DealStatus.APPROVED, datetime(2026, 10, 2, tzinfo=UTC))  # still open
    # Shanghai time: 31 Oct 17:00 UTC is 1 Nov 01:00, so this one closed in November.
    deal(DealStatus.LOST, datetime(2026, 10, 31, 17, 0, tzinfo=UTC))
    db.session.flush()
    assert _kpis(partner).deal_win_rate == Decimal(2) / Decimal(3)


def test_on_time_reporting_counts_due_months_and_missing_ones_as_not_on_time(partner, every_partner):
    # July–October: October's deadline (10 November) has passed on 23 November, so all four are due.
    # July on time, August late, September missing, October declared "no sales" on time: 2 of 4.
    for period, late in ((date(2026, 7, 1), False), (date(2026, 8, 1), True), (date(2026, 10, 1), False)):
        db.session.add(PeriodReport(partner_id=partner.id, period=period, status=PeriodStatus.NO_SALES, is_late=late))
    db.session.flush()
    kpis = _kpis(partner, MonthRange(date(2026, 7, 1), date(2026, 10, 1)))
    assert kpis.on_time_reporting == Decimal("0.5")
    # November is not due until 10 December: a range of November alone has nothing due.
    assert _kpis(partner, MonthRange.month(date(2026, 11, 1))).on_time_reporting is None


def test_training_completion_is_required_pairs_with_a_valid_certificate(partner, every_partner):
    course_a, course_b = make_course(types=("distributor",)), make_course(types=("distributor",))
    make_course(types=("reseller",))  # not required of a distributor
    first, second = make_user(partner, role=Role.PARTNER_USER), make_user(partner, role=Role.PARTNER_USER)
    make_user(partner, role=Role.PARTNER_USER, is_active=False)  # left the company: not counted
    issue_certificate(first, course_a, None, at=datetime(2026, 3, 1, tzinfo=UTC))
    issue_certificate(second, course_b, None, at=datetime(2025, 3, 1, tzinfo=UTC))  # expired March 2026
    issue_certificate(second, course_a, None, at=datetime(2026, 11, 5, tzinfo=UTC))  # after October
    # At the end of October: of 2 users × 2 courses, only first × A holds: 1 / 4.
    assert _kpis(partner).training_completion == Decimal("0.25")


def test_no_report_is_owed_for_months_before_the_partner_joined(db, every_partner):
    partner = joined(make_partner(), datetime(2026, 9, 15, tzinfo=UTC))
    db.session.add(PeriodReport(partner_id=partner.id, period=date(2026, 10, 1), status=PeriodStatus.NO_SALES))
    db.session.flush()
    # July and August are before it joined; September missing, October on time: 1 of 2.
    assert _kpis(partner, MonthRange(date(2026, 7, 1), date(2026, 10, 1))).on_time_reporting == Decimal("0.5")


def test_training_is_no_data_before_any_required_course_existed(partner, every_partner):
    user = make_user(partner, role=Role.PARTNER_USER)
    course = make_course(types=("distributor",), created_at=datetime(2026, 11, 10, tzinfo=UTC))
    assert _kpis(partner).training_completion is None  # the course came after October
    issue_certificate(user, course, None, at=datetime(2026, 11, 12, tzinfo=UTC))
    assert _kpis(partner, MonthRange.month(date(2026, 11, 1))).training_completion == Decimal(1)


def test_training_is_no_data_when_the_only_user_never_set_a_password(partner, every_partner):
    make_course(types=("distributor",))
    make_user(partner, role=Role.PARTNER_ADMIN, password=None)  # invited, never came
    assert _kpis(partner).training_completion is None
