"""Bilingual data: rows that carry an English and a Chinese text show the one of the current language."""

from __future__ import annotations

from flask_babel import get_locale

READER_LOCALE = "qudao_reader_locale"


def read_as(locale: str | None) -> None:
    """This request answers someone who is not logged in through a session (an API token's owner): their
    language decides, as a logged-in user's does."""
    from flask import g
    from flask_babel import refresh

    g.setdefault(READER_LOCALE, locale)
    refresh()


def is_chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def pick(en: str, zh: str) -> str:
    """The Chinese text in a Chinese page, the English one otherwise (falling back when one is empty)."""
    return (zh or en) if is_chinese() else (en or zh)


def sort_key(text: str) -> str:
    """Order names as a reader of the current language expects: Chinese by pinyin (安徽 before 北京, as
    dictionaries do), English alphabetically with accents ignored (Åland with the A's)."""
    import unicodedata

    if is_chinese():
        from pypinyin import Style, lazy_pinyin

        return " ".join(lazy_pinyin(text, style=Style.TONE3)).casefold()
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
