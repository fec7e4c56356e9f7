"""Declarative base with stable constraint names, and the mixins every model picks from."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, MetaData, TypeDecorator, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on both databases: SQLite hands back naive values, which are UTC here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantRoot:
    """Marks the partner table itself: a user sees only the partner rows in their scope."""

    @declared_attr
    def id(cls) -> Mapped[int]:
        return mapped_column(primary_key=True)


class PartnerOwned:
    """A row that belongs to one partner; tenancy.py limits every query of it to the visible partners."""

    @declared_attr
    def partner_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)


class OptionalPartnerOwned:
    """Like PartnerOwned, for rows that may also belong to the brand (partner_id NULL): only admins see those."""

    @declared_attr
    def partner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on and WAL for the embedded database; other drivers are left alone."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


_ENUM_LABELS: dict[StrEnum, object] = {}


class LabelledEnum(StrEnum):
    """A StrEnum whose members have a translated label, registered with enum_labels()."""

    @property
    def label(self) -> str:
        return str(_ENUM_LABELS[self])


def enum_labels(labels: dict) -> dict:
    """Register the (lazily translated) labels of enum members; returns them for choice lists."""
    _ENUM_LABELS.update(labels)
    return labels


def enum_column(enum_cls: type[StrEnum]) -> SAEnum:
    """Store a StrEnum by its value as plain text on every database (no native ENUM to migrate)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
