"""Money as the portal shows it: amounts stay exact Decimals; only display and exports round, half up to cents.
A total is the exact sum of the stored amounts, rounded once, never a sum of rounded cells."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, func, select

from portal.database import exact_sum
from portal.extensions import db
from portal.text import FULL_WIDTH

CENT = Decimal("0.01")
EXACT_PLACES = 4  # an exact export cell shows at least these; a net amount may hold up to 8 (quantity × price)
# A number as every door takes it (README, "Numbers and dates"): digits with an optional sign and decimal point, the
# whole part either plain or grouped in threes by commas.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")


def parse_number(text: str) -> Decimal | None:
    """A decimal written "1234.5", "-3" or "1,234.5" (spaces around it set aside), or None for anything else:
    "1e3", "1 000", "1,23", "NaN" are refused, not guessed at."""
    text = text.strip().translate(FULL_WIDTH)
    return Decimal(text.replace(",", "")) if _NUMBER.fullmatch(text) else None


def number_problem(text: str) -> LazyString:
    """What to tell someone whose text parse_number() refused: the forms it accepts."""
    text = text.strip()
    if not text:
        return _l("Fill in this field.")
    return _l(
        "%(text)s is not a number: write it as 1234.5, -3 or 1,234.5 "
        "(commas only between groups of three digits; no spaces, no exponent).",
        text=text[:20],
    )


def to_cents(amount: Decimal | None) -> Decimal | None:
    """Half-up to cents: for display and export only; the stored amount stays exact."""
    return None if amount is None else Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


class ExactAmount(Decimal):
    """An amount as stored, in an export's exact column beside the cents one: written with at least 4 decimal
    places and every place the stored value has, never in exponent form (a CSV cell is its str())."""

    def __str__(self) -> str:
        return format(self, "f")


def exact(amount: Decimal | None) -> ExactAmount | None:
    """The stored amount for export: 12.5 as 12.5000, 0.00012345 as it is; the same text on SQLite and PostgreSQL
    (which pads to the column's 8 places)."""
    if amount is None:
        return None
    value = Decimal(amount)
    places = min(int(value.normalize().as_tuple().exponent), -EXACT_PLACES)
    return ExactAmount(value.quantize(Decimal(1).scaleb(places)))


@dataclass(frozen=True)
class Total:
    """What a total row shows: how many rows the list holds (every page of it) and the exact sum of their stored
    amounts, rounded once when shown."""

    count: int
    amount: Decimal


def total_of(amounts: Iterable[Decimal | None]) -> Total:
    """The total of amounts in hand (a list that is not paged, an export's rows); a row without an amount (None)
    is counted and adds nothing."""
    count, amount = 0, Decimal(0)
    for value in amounts:
        count += 1
        amount += value or 0
    return Total(count, amount)


def query_total(query: Select[Any], amount: str) -> Total:
    """The total of column `amount` over every row `query` finds, not one page of them: one SQL sum, exact."""
    listed = query.order_by(None).subquery()
    count, total = db.session.execute(select(func.count(), exact_sum(listed.c[amount]))).one()
    return Total(count, total or Decimal(0))


def money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{to_cents(amount):,.2f}"


def plain_decimal(value: Decimal | float | str | None) -> str:
    """10, 12.5, 3.1416 — never 1E+1 or 12.5000."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


def install(app: Flask) -> None:
    """The templates' `money` and `plain_decimal` filters."""
    app.add_template_filter(money, "money")
    app.add_template_filter(plain_decimal, "plain_decimal")
