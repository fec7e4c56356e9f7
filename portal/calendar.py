"""Months as the portal counts them: the first day of each month stands for the month, and "today" is the
brand's day (BABEL_DEFAULT_TIMEZONE), not the server's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from portal.database import utcnow
from portal.text import FULL_WIDTH

# Dates as every door takes them, and as README's "Numbers and dates" states it (numbers: portal/money.py): a date
# is YYYY-MM-DD, alone or with the time of day Excel writes after it.
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]([0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?))?")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    """How many months `later`'s month is after `earlier`'s (0 for the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def local_day(moment: datetime) -> date:
    """The brand's day that a UTC moment falls on."""
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def local_today() -> date:
    return local_day(utcnow())


def day_begins(day: date) -> datetime:
    """The UTC moment a day begins in the brand's time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def month_begins(period: date) -> datetime:
    """The UTC moment a month begins in the brand's time zone."""
    return day_begins(month_start(period))


def month_end(period: date) -> date:
    """The last day of the month `period` is in."""
    return add_months(month_start(period), 1) - timedelta(days=1)


def parse_month(text: str) -> date | None:
    """ "2026-11" as the first day of that month; None for anything else."""
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class MonthRange:
    """The months from `first` to `last`, both included (first days of months)."""

    first: date
    last: date

    @classmethod
    def month(cls, period: date) -> MonthRange:
        return cls(month_start(period), month_start(period))

    @property
    def length(self) -> int:
        return months_between(self.first, self.last) + 1

    def months(self) -> list[date]:
        return [add_months(self.first, n) for n in range(self.length)]

    def previous(self) -> MonthRange:
        """The range of the same length just before this one."""
        return MonthRange(add_months(self.first, -self.length), add_months(self.first, -1))

    def last_year(self) -> MonthRange:
        return MonthRange(add_months(self.first, -12), add_months(self.last, -12))

    def label(self) -> str:
        first, last = self.first.strftime("%Y-%m"), self.last.strftime("%Y-%m")
        return first if first == last else f"{first} – {last}"


def parse_date(text: str) -> date | None:
    """A day written YYYY-MM-DD, alone or followed by a time of day as Excel writes a date cell
    ("2026-11-15 00:00:00", "2026-11-15T08:30:00"): the time must be a real one, and then only the day counts.
    None for anything else."""
    match = _DATE.fullmatch(text.strip().translate(FULL_WIDTH))
    if match is None:
        return None
    try:
        if match[2]:
            time.fromisoformat(match[2])
        return date.fromisoformat(match[1])
    except ValueError:
        return None
