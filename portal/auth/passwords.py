"""What a new password must be (OWASP ASVS 4.0 §2.1): 10 to 128 characters, of any kind, and not guessable.
"Guessable" is zxcvbn's estimate, offline (its lists of common passwords, names and words, and patterns such
as keyboard rows, repeats and dates), plus two rules of ours: nothing made from the account's email address,
and, in production, not the demo's published password."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from portal.security import RuleViolation

MIN_PASSWORD = 10
MAX_PASSWORD = 128
DEMO_PASSWORD = "qudao-demo-2026"  # printed in README for the demo logins
_ESTIMATED_CHARACTERS = 64  # zxcvbn slows down on long input; beyond this a password is not weak anyway


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def made_from_email(password: str, email: str) -> bool:
    """The password is the address, its name part, or a piece of it ("clerk.example", "Clerk2026" for
    clerk@…), ignoring case and punctuation."""
    plain, address = _letters_and_digits(password), _letters_and_digits(email)
    name = _letters_and_digits(email.partition("@")[0])
    return bool(plain) and (plain in address or (len(name) >= 4 and name in plain))


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """Raise RuleViolation(field="password") with the reason when `password` may not be used."""
    if len(password) < MIN_PASSWORD:
        raise RuleViolation(_l("Use at least %(n)d characters.", n=MIN_PASSWORD), field="password")
    if len(password) > MAX_PASSWORD:
        raise RuleViolation(_l("Use at most %(n)d characters.", n=MAX_PASSWORD), field="password")
    if current_app.config["REFUSE_DEMO_PASSWORD"] and password == DEMO_PASSWORD:
        raise RuleViolation(_l("This is the demo's published password. Choose one of your own."), field="password")
    if email and made_from_email(password, email):
        raise RuleViolation(_l("Do not make the password from your email address."), field="password")
    hints = [hint for hint in (email, email.partition("@")[0], name) if hint]
    estimate = zxcvbn(password[:_ESTIMATED_CHARACTERS], user_inputs=hints)
    if estimate["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        raise RuleViolation(
            _l(
                "This password is too easy to guess: it is a common one or follows a simple pattern. "
                "A few unrelated words make a strong one."
            ),
            field="password",
        )
