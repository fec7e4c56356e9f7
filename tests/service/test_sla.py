"""Business time worked out by hand on the calendar of the People's Republic of China, 09:00–18:00 Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.models import CasePriority, TimeUnit
from service.sla import BusinessCalendar, targets_for

BEIJING = ZoneInfo("Asia/Shanghai")
CONFIG = {
    "SERVICE_HOURS": "09:00-18:00",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "SERVICE_HOLIDAYS_COUNTRY": "CN",
    "SERVICE_EXTRA_HOLIDAYS": "",
    "SERVICE_EXTRA_WORKDAYS": "",
}
CHINA = BusinessCalendar.from_config(CONFIG)


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING).astimezone(UTC)


# The weekend days worked in place of holidays, as the State Council's notices list them:
# 2025: 国办发明电〔2024〕12号; 2026: 国办发明电〔2025〕7号.
ADJUSTED_WORKING_DAYS = {
    2025: [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)],
    2026: [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
}
# The weekdays off: New Year, Spring Festival, Qingming, Labour Day, Dragon Boat, Mid-Autumn and National Day.
WEEKDAYS_OFF = {
    2025: [(1, 1), (1, 28), (1, 29), (1, 30), (1, 31), (2, 3), (2, 4), (4, 4), (5, 1), (5, 2), (5, 5), (6, 2),
           (10, 1), (10, 2), (10, 3), (10, 6), (10, 7), (10, 8)],
    2026: [(1, 1), (1, 2), (2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (2, 23), (4, 6), (5, 1), (5, 4), (5, 5),
           (6, 19), (9, 25), (10, 1), (10, 2), (10, 5), (10, 6), (10, 7)],
}  # fmt: skip


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_working_days_are_the_state_councils(year):
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    worked_weekends = [day for day in days if day.weekday() >= 5 and CHINA.is_workday(day)]
    weekdays_off = [(day.month, day.day) for day in days if day.weekday() < 5 and not CHINA.is_workday(day)]
    assert worked_weekends == ADJUSTED_WORKING_DAYS[year]
    assert weekdays_off == WEEKDAYS_OFF[year]


@pytest.mark.parametrize(
    "start, minutes, due",
    [
        # Friday 16:00 + 4 hours: 2 on Friday; Saturday 19 September is off, Sunday 20 September is worked (调休).
        (beijing(2026, 9, 18, 16, 0), 4 * 60, beijing(2026, 9, 20, 11, 0)),
        # + 2 business days (18 hours): 2 on Friday, 9 on Sunday, 7 on Monday.
        (beijing(2026, 9, 18, 16, 0), 18 * 60, beijing(2026, 9, 21, 16, 0)),
        # The eve of the Spring Festival: Friday 13 February 17:00 + 1 day: 1 hour, then Saturday 14 is worked.
        (beijing(2026, 2, 13, 17, 0), 9 * 60, beijing(2026, 2, 14, 17, 0)),
        # Before the National Day week: 30 September 17:30 + 2 days: half an hour, 1–7 October off, 9 hours on
        # Thursday 8 October, 8.5 on Friday 9.
        (beijing(2026, 9, 30, 17, 30), 18 * 60, beijing(2026, 10, 9, 17, 30)),
        # Opened on a holiday: the clock starts when the office opens again.
        (beijing(2026, 10, 1, 10, 0), 4 * 60, beijing(2026, 10, 8, 13, 0)),
        # Opened before the office opens, and after it closes.
        (beijing(2026, 9, 21, 7, 0), 4 * 60, beijing(2026, 9, 21, 13, 0)),
        (beijing(2026, 9, 21, 20, 0), 60, beijing(2026, 9, 22, 10, 0)),
        # Exactly at closing time.
        (beijing(2026, 9, 21, 9, 0), 9 * 60, beijing(2026, 9, 21, 18, 0)),
    ],
)
def test_business_time_added_worked_by_hand(start, minutes, due):
    assert CHINA.add(start, minutes) == due
    assert CHINA.minutes_between(start, due) == minutes


def test_minutes_between_counts_only_working_hours():
    assert CHINA.minutes_between(beijing(2026, 9, 18, 17, 0), beijing(2026, 9, 20, 10, 0)) == 120
    assert CHINA.minutes_between(beijing(2026, 10, 1, 9, 0), beijing(2026, 10, 7, 18, 0)) == 0
    assert CHINA.minutes_between(beijing(2026, 9, 21, 12, 0), beijing(2026, 9, 21, 11, 0)) == 0


def test_days_a_newer_notice_announces_can_be_added_by_configuration():
    calendar = BusinessCalendar.from_config(
        {**CONFIG, "SERVICE_EXTRA_HOLIDAYS": "2027-03-15", "SERVICE_EXTRA_WORKDAYS": "2027-03-13"}
    )
    assert calendar.is_workday(date(2027, 3, 13)) and not CHINA.is_workday(date(2027, 3, 13))  # a Saturday
    assert not calendar.is_workday(date(2027, 3, 15)) and CHINA.is_workday(date(2027, 3, 15))  # a Monday


def test_without_a_country_only_weekends_are_off():
    calendar = BusinessCalendar.from_config({**CONFIG, "SERVICE_HOLIDAYS_COUNTRY": ""})
    assert calendar.is_workday(date(2026, 10, 1)) and not calendar.is_workday(date(2026, 9, 20))


def test_a_day_is_one_working_days_hours():
    assert CHINA.minutes_of(2, TimeUnit.DAYS) == 18 * 60 and CHINA.minutes_of(4, TimeUnit.HOURS) == 240
    with pytest.raises(ValueError):
        BusinessCalendar.from_config({**CONFIG, "SERVICE_HOURS": "18:00-09:00"})


def test_the_default_targets_of_an_urgent_case(app, db):
    opened = beijing(2026, 9, 18, 16, 0)
    with app.test_request_context():
        targets = targets_for(CasePriority.URGENT, opened, CHINA)
    assert targets.response_due == beijing(2026, 9, 20, 11, 0)  # 4 business hours
    assert targets.response_warn == beijing(2026, 9, 20, 10, 0)  # after 3 of them
    assert targets.resolution_due == beijing(2026, 9, 21, 16, 0)  # 2 business days
    assert targets.resolution_warn == CHINA.add(opened, int(18 * 60 * 0.75))
