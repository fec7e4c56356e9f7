"""Business time and the service levels measured in it.

The brand's working day runs SERVICE_HOURS (09:00–18:00 by default) in its time zone, Monday to Friday, except
the public holidays of SERVICE_HOLIDAYS_COUNTRY and including the weekend days worked in their place (China's
调休), both from the `holidays` package; SERVICE_EXTRA_HOLIDAYS and SERVICE_EXTRA_WORKDAYS add days a newer notice
announces before the package has them. "1 business day" is one working day's hours, so a case opened at 16:00
with a day to answer is due at 16:00 on the next working day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation
from service.models import CasePriority, ServiceLevel, TimeUnit

# The defaults every new portal starts with; an admin changes them on the service levels page.
DEFAULT_LEVELS = {
    CasePriority.URGENT: (4, TimeUnit.HOURS, 2, TimeUnit.DAYS),
    CasePriority.HIGH: (1, TimeUnit.DAYS, 5, TimeUnit.DAYS),
    CasePriority.NORMAL: (2, TimeUnit.DAYS, 10, TimeUnit.DAYS),
    CasePriority.LOW: (5, TimeUnit.DAYS, 20, TimeUnit.DAYS),
}
WARN_SHARE = 0.75  # a case is about to breach once three quarters of its business time are used


@cache
def _public_holidays(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The country's public holidays of `year` and the weekend days worked in their place."""
    calendar = holidays.country_holidays(country, years=year)
    worked = frozenset(day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year)
    return frozenset(calendar), worked


def _parse_days(text: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(part.strip()) for part in text.split(",") if part.strip())


def _parse_hours(text: str) -> tuple[time, time]:
    opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
    if closes <= opens:
        raise ValueError(f"SERVICE_HOURS must run forwards within a day, not {text!r}")
    return opens, closes


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    opens: time
    closes: time
    country: str | None = None
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, config: Any = None) -> BusinessCalendar:
        config = config or current_app.config
        opens, closes = _parse_hours(config["SERVICE_HOURS"])
        return cls(
            zone=ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"]),
            opens=opens,
            closes=closes,
            country=config["SERVICE_HOLIDAYS_COUNTRY"] or None,
            extra_holidays=_parse_days(config["SERVICE_EXTRA_HOLIDAYS"]),
            extra_workdays=_parse_days(config["SERVICE_EXTRA_WORKDAYS"]),
        )

    @property
    def day_minutes(self) -> int:
        return (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if self.country:
            off, worked = _public_holidays(self.country, day.year)
            if day in worked:
                return True
            if day in off:
                return False
        return day.weekday() < 5

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def _next_workday(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` of business time after `start` (UTC)."""
        local = start.astimezone(self.zone)
        day = local.date()
        if not self.is_workday(day):
            day = self._next_workday(day)
            local = self._window(day)[0]
        remaining = minutes
        while True:
            opens, closes = self._window(day)
            cursor = max(local, opens)
            if cursor < closes:
                available = int((closes - cursor).total_seconds() // 60)
                if remaining <= available:
                    return (cursor + timedelta(minutes=remaining)).astimezone(UTC)
                remaining -= available
            day = self._next_workday(day)
            local = self._window(day)[0]

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Business minutes from `start` to `end` (0 when `end` is not later)."""
        if end <= start:
            return 0
        first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        total, day = 0.0, first.date()
        while day <= last.date():
            if self.is_workday(day):
                opens, closes = self._window(day)
                overlap = (min(closes, last) - max(opens, first)).total_seconds()
                total += max(overlap, 0)
            day += timedelta(days=1)
        return int(total // 60)

    def minutes_of(self, amount: int, unit: TimeUnit) -> int:
        return amount * (60 if unit is TimeUnit.HOURS else self.day_minutes)


@dataclass(frozen=True)
class Targets:
    """When a case opened at `opened` must have its first response and its resolution, and when to warn."""

    response_due: datetime
    response_warn: datetime
    resolution_due: datetime
    resolution_warn: datetime


def service_level(priority: CasePriority) -> ServiceLevel:
    """The stored level of the priority, or the default one (not stored) before an admin set any."""
    level = db.session.scalar(select(ServiceLevel).where(ServiceLevel.priority == priority))
    if level is None:
        response, response_unit, resolution, resolution_unit = DEFAULT_LEVELS[priority]
        level = ServiceLevel(
            priority=priority,
            response_amount=response,
            response_unit=response_unit,
            resolution_amount=resolution,
            resolution_unit=resolution_unit,
        )
    return level


def targets_for(priority: CasePriority, opened: datetime, calendar: BusinessCalendar | None = None) -> Targets:
    calendar = calendar or BusinessCalendar.from_config()
    level = service_level(priority)
    response = calendar.minutes_of(level.response_amount, level.response_unit)
    resolution = calendar.minutes_of(level.resolution_amount, level.resolution_unit)
    return Targets(
        response_due=calendar.add(opened, response),
        response_warn=calendar.add(opened, int(response * WARN_SHARE)),
        resolution_due=calendar.add(opened, resolution),
        resolution_warn=calendar.add(opened, int(resolution * WARN_SHARE)),
    )


def service_levels() -> list[ServiceLevel]:
    """Every priority's level, most urgent first."""
    return [service_level(priority) for priority in reversed(CasePriority)]


def save_service_level(
    priority: CasePriority,
    *,
    response: tuple[int, TimeUnit],
    resolution: tuple[int, TimeUnit],
    actor: Any,
) -> ServiceLevel:
    """An admin sets a priority's targets; cases opened from now on use them (open ones keep their due times).
    Raises RuleViolation; audited; the caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    calendar = BusinessCalendar.from_config()
    if calendar.minutes_of(*response) > calendar.minutes_of(*resolution):
        raise RuleViolation(_l("The first response cannot take longer than the resolution."), field="response_amount")
    stored = db.session.scalar(select(ServiceLevel).where(ServiceLevel.priority == priority))
    with audit.tracking(stored, ServiceLevel.AUDITED, actor=actor) as tracked:
        level = stored or ServiceLevel(priority=priority)
        if stored is None:
            tracked.row = level
            db.session.add(level)
        level.response_amount, level.response_unit = response
        level.resolution_amount, level.resolution_unit = resolution
        level.updated_by_id = actor.id
    return level
