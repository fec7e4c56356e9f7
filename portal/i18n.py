"""Bilingual data: rows that carry an English and a Chinese text show the one of the current language."""
from __future__ import annotations

from flask_babel import get_locale


def is_chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def pick(en: str, zh: str) -> str:
    """The Chinese text in a Chinese page, the English one otherwise (falling back when one is empty)."""
    return (zh or en) if is_chinese() else (en or zh)
