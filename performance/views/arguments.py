"""The months a performance page is asked about, read from its query string."""

from __future__ import annotations

from datetime import date

from flask import request

from portal.calendar import add_months, local_today, parse_month


def last_complete_month() -> date:
    return add_months(local_today().replace(day=1), -1)


def month_arg(name: str = "period") -> date:
    month = parse_month(request.args.get(name, ""))
    return month if month and month <= local_today() else last_complete_month()
