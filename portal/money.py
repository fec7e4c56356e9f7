"""Money as the portal shows it: amounts stay exact Decimals; only display and exports round, half up to cents."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.text import FULL_WIDTH

CENT = Decimal("0.01")
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


def money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{to_cents(amount):,.2f}"


def plain_decimal(value: Decimal | float | str | None) -> str:
    """10, 12.5, 3.1416 — never 1E+1 or 12.5000."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


def install(app: Flask) -> None:
    """The templates' `money` and `plain_decimal` filters."""
    app.add_template_filter(money, "money")
    app.add_template_filter(plain_decimal, "plain_decimal")
