"""Monthly sales targets per partner: set one by one or imported from a spreadsheet, all rows or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from orders.intake import FOUR_PLACES, MAX_MAGNITUDE
from partners.models import Partner
from performance.models import SalesTarget
from portal import audit
from portal.auth.models import User
from portal.calendar import add_months, parse_date, parse_month
from portal.extensions import db
from portal.money import number_problem, parse_number
from portal.security import BRAND_ROLES, PermissionDenied, RuleViolation
from portal.tabular import Column, ImportCounts, RowChecker, RowError, read_table

COLUMNS = [
    Column("partner_code", ("partner_code", "伙伴编码")),
    Column("period", ("period", "月份")),
    Column("target", ("target", "目标金额", "目标")),
]
MONTHS_AHEAD = 24  # targets are planned up to two years ahead


def open_target_months(today: date, open_months: int) -> tuple[date, date]:
    """The months that take targets: those still open for reporting, up to MONTHS_AHEAD ahead. A closed month's
    target stays as it was, like its sales."""
    current = today.replace(day=1)
    return add_months(current, -open_months), add_months(current, MONTHS_AHEAD)


def _amount_problem(amount: Decimal | None):
    if amount is None:
        return _l("Write the target as a number.")
    if amount < 0 or amount >= MAX_MAGNITUDE or amount != amount.quantize(FOUR_PLACES):
        return _l("Use an amount of 0 or more with at most 4 decimal places.")
    return None


def _period_problem(period: date | None, window: tuple[date, date]):
    if period is None:
        return _l("Write the month as YYYY-MM.")
    if period < window[0]:
        return _l("%(month)s is closed: its target can no longer change.", month=period.strftime("%Y-%m"))
    if period > window[1]:
        return _l("Plan targets at most %(months)d months ahead.", months=MONTHS_AHEAD)
    return None


def may_set_targets(actor: User) -> bool:
    """Brand staff set targets; partners read their own."""
    return actor.role in BRAND_ROLES


def set_target(
    partner: Partner, period: date, amount: Decimal, *, actor: User, window: tuple[date, date]
) -> tuple[SalesTarget, bool]:
    """Create or change the partner's target for the month. Brand staff only (a channel manager finds only the
    partners of their regions). Raises RuleViolation; audited; returns (target, changed). The caller commits."""
    if not may_set_targets(actor):
        raise PermissionDenied()
    problem = _period_problem(period, window)
    if problem:
        raise RuleViolation(problem, field="period")
    problem = _amount_problem(amount)
    if problem:
        raise RuleViolation(problem, field="amount")
    target = db.session.scalar(
        select(SalesTarget).where(SalesTarget.partner_id == partner.id, SalesTarget.period == period)
    )
    if target is not None and target.amount == amount:
        return target, False
    with audit.tracking(target, SalesTarget.AUDITED, actor=actor) as tracked:
        if target is None:
            target = tracked.row = SalesTarget(partner_id=partner.id, period=period, amount=amount, set_by_id=actor.id)
            db.session.add(target)
        target.amount, target.set_by_id = amount, actor.id
    return target, True


def list_targets(*, first: date, last: date, partner_code: str = "") -> list[SalesTarget]:
    """Targets in scope for the months, of one partner when a code is given, each with its partner loaded."""
    query = (
        select(SalesTarget)
        .join(SalesTarget.partner)
        .options(contains_eager(SalesTarget.partner))
        .where(SalesTarget.period.between(first, last))
        .order_by(Partner.code, SalesTarget.period)
    )
    if partner_code:
        query = query.where(Partner.code == partner_code)
    return list(db.session.scalars(query))


def import_targets(
    stream: BinaryIO, filename: str, *, actor: User, max_bytes: int, window: tuple[date, date]
) -> ImportCounts:
    """Targets by (partner code, month) from CSV or XLSX: every row is checked first and nothing is written unless
    all are right; the same file twice changes nothing. Raises TableRejected for an unreadable file. The caller
    commits only when result.ok."""
    if actor.role not in BRAND_ROLES:
        raise PermissionDenied()
    table = read_table(stream, filename, COLUMNS, max_bytes=max_bytes)
    partners = {partner.code.upper(): partner for partner in db.session.scalars(select(Partner))}  # in scope
    result = ImportCounts(headers=table.headers)
    parsed: list[tuple[Partner, date, Decimal]] = []
    first_row_of: dict[tuple[str, date | None], int] = {}
    for number, values in table:
        result.rows += 1
        check = RowChecker(number, values)
        code = values["partner_code"].strip().upper()
        partner = partners.get(code)
        if partner is None:
            check.wrong(
                "partner_code", _l("Unknown partner code %(code)s.", code=code) if code else _l("Fill in this field.")
            )
        period_text = values["period"].strip()  # a month, or a day of it (a date cell)
        day = parse_date(period_text) if len(period_text) > 7 else None
        period = day.replace(day=1) if day else parse_month(period_text)
        problem = _period_problem(period, window)
        if problem:
            check.wrong("period", problem)
        amount = parse_number(values["target"])
        problem = number_problem(values["target"]) if amount is None else _amount_problem(amount)
        if problem:
            check.wrong("target", problem)
        key = (code, period)
        if not check.errors and period is not None and key in first_row_of:
            check.wrong(
                "period",
                _l(
                    "%(code)s %(month)s is in row %(row)d already.",
                    code=code,
                    month=period.strftime("%Y-%m"),
                    row=first_row_of[key],
                ),
            )
        if check.errors or partner is None or period is None or amount is None:  # each None is among the errors
            result.errors += check.errors
            continue
        first_row_of[key] = number
        parsed.append((partner, period, amount))
    if result.rows == 0:
        result.errors.append(RowError(0, "", _l("The file has a header but no rows.")))
    if not result.ok:
        return result
    known = {
        (t.partner_id, t.period)
        for t in db.session.scalars(
            select(SalesTarget).where(SalesTarget.partner_id.in_({partner.id for partner, _, _ in parsed}))
        )
    }
    for partner, period, amount in parsed:
        _, changed = set_target(partner, period, amount, actor=actor, window=window)
        if not changed:
            result.unchanged += 1
        elif (partner.id, period) in known:
            result.updated += 1
        else:
            result.created += 1
    return result
