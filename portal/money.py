"""Money as the portal shows it: amounts stay exact Decimals; only display and exports round, half up to cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Flask

CENT = Decimal("0.01")


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
