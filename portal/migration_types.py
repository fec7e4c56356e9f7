"""What the migrations use, frozen as it was when they were written: a migration replays history, so changing
the app's own types or helpers must not change what an old migration does. Never edit a definition here; when
the app's type changes, add a new one with a new name (and leave the old one for the migrations that use it).
New migrations name these (migrations/env.py renders the app's types as the ones here)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import DateTime, Numeric, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (as portal.database.UTCDateTime on 2026-11-23)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL, exact text on SQLite (as portal.database.ExactDecimal on 2026-11-23)."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(48))
        numeric = cast(Numeric[Decimal], self.impl_instance)  # impl = Numeric: the instance's impl is a Numeric
        return dialect.type_descriptor(Numeric(numeric.precision, numeric.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | float | str | None, dialect: Dialect) -> Decimal | str | None:
        if value is None:
            return None
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Decimal | str | None, dialect: Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)


_COMPANY_SUFFIXES_2026_11 = sorted(
    [
        "有限责任公司",
        "股份有限公司",
        "有限公司",
        "集团公司",
        "集团",
        "公司",
        "分公司",
        "company limited",
        "co ltd",
        "coltd",
        "limited",
        "ltd",
        "incorporated",
        "inc",
        "llc",
        "gmbh",
        "ag",
        "co kg",
        "corporation",
        "corp",
        "company",
        "co",
        "plc",
        "sarl",
        "sas",
        "srl",
        "bv",
        "pty",
        "sa",
    ],
    key=len,
    reverse=True,
)


def company_name_key_2026_11(name: str) -> str:
    """partners.identity.normalise_company_name as the onboarding migration first filled name_key with it."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"[()（）\[\]【】]", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    changed = True
    while changed and text:
        changed = False
        for suffix in _COMPANY_SUFFIXES_2026_11:
            if text.endswith(suffix) and (
                len(text) == len(suffix) or not suffix.isascii() or text[-len(suffix) - 1] == " "
            ):
                text = text[: -len(suffix)].rstrip()
                changed = True
                break
    return text.replace(" ", "")
