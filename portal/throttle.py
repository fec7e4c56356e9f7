"""Counting attempts in a moving window, in the rate-limit store every app instance shares
(RATELIMIT_STORAGE_URI): for the rules that must answer in the page itself, with the form kept and the wait
said, rather than with Flask-Limiter's bare 429."""

from __future__ import annotations

import math
import time

from limits import parse

from portal.extensions import limiter


def minutes_to_wait(limit: str, *identifiers: str) -> int | None:
    """Whole minutes (at least one) until `limit` ("5 per 15 minutes") allows another attempt by
    `identifiers`; None while it allows one now."""
    item = parse(limit)
    if limiter.limiter.test(item, *identifiers):
        return None
    reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, math.ceil((reset_at - time.time()) / 60))


def count(limit: str, *identifiers: str) -> bool:
    """Count one attempt; False when `limit` had been reached already (the attempt is not counted then)."""
    return limiter.limiter.hit(parse(limit), *identifiers)
