"""Wrong passwords, counted per account and per address (portal/throttle.py).

An account that reached its limit is locked, its right password too, until its oldest counted failure leaves
the window; the person is told how long that is. An address over its limit gets "too many" for wrong passwords
only: partners' offices share one public address, and a colleague's typing must not lock the others out."""

from __future__ import annotations

from flask import current_app

from portal import throttle


def account_locked_for(email: str) -> int | None:
    """Minutes this account stays locked, or None."""
    return throttle.minutes_to_wait(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], "login-account", email)


def address_throttled_for(address: str) -> int | None:
    """Minutes until this address may fail again, or None."""
    return throttle.minutes_to_wait(current_app.config["LOGIN_LIMIT_PER_ADDRESS"], "login-address", address)


def count_failure(email: str, address: str) -> None:
    throttle.count(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], "login-account", email)
    throttle.count(current_app.config["LOGIN_LIMIT_PER_ADDRESS"], "login-address", address)
