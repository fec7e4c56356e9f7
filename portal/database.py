"""Declarative base with stable constraint names, and the mixins every model picks from."""

from __future__ import annotations

import contextvars
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from sqlalchemy import DateTime, ForeignKey, MetaData, Numeric, String, Table, TypeDecorator, event, inspect, true
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, QueryableAttribute, declared_attr, mapped_column, registry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases: SQLite hands back naive values, which are UTC here."""

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
    """Money and quantities, exact on both databases. PostgreSQL keeps NUMERIC; SQLite has no decimal type (its
    NUMERIC is a float), so there the value is kept as text and summed with exact_sum(), never as a float."""

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


MANY_IDS = 500


def among(column: QueryableAttribute[Any] | ColumnElement[Any], ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN ids`, or no condition when the ids are many: skipping the other rows in the user's scope costs
    less than binding thousands of ids (PostgreSQL plans each one). Callers look their rows up by id."""
    return column.in_(list(ids)) if len(ids) <= MANY_IDS else true()


class exact_sum(FunctionElement[Decimal]):
    """SUM of an ExactDecimal column without passing through a float: SQLite uses the decimal_sum() aggregate
    registered on every connection; PostgreSQL its own sum over NUMERIC."""

    type = ExactDecimal(38, 8)
    name = "exact_sum"
    inherit_cache = True


@compiles(exact_sum)
def _exact_sum(element: exact_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(exact_sum, "sqlite")
def _exact_sum_sqlite(element: exact_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"decimal_sum({compiler.process(element.clauses, **kw)})"


class _DecimalSum:
    """SQLite calls `step` once a row: a list's own append, so no Python code runs per row (pages sum hundreds of
    thousands of roll-up rows); the values are added up once, at the end."""

    def __init__(self) -> None:
        self.values: list[object] = []
        self.step = self.values.append

    def finalize(self) -> str | None:
        values = [Decimal(str(value)) for value in self.values if value is not None]
        return format(sum(values, Decimal(0)), "f") if values else None


class Base(DeclarativeBase):
    """The declarative base every model subclasses, so that mypy sees the models' Mapped[...] attributes.
    Flask-SQLAlchemy's db.Model is not this class but a sibling built from its namespace: it shares this
    registry and metadata, so db.metadata, Flask-Migrate and db.session see the same tables."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model here maps a Table (DeclarativeBase allows any FromClause)

    def __repr__(self) -> str:
        """As Flask-SQLAlchemy's db.Model has it: the class and the primary key (models may override)."""
        state = inspect(self)
        if state.transient:
            key = f"(transient {id(self)})"
        elif state.pending:
            key = f"(pending {id(self)})"
        else:
            key = ", ".join(map(str, state.identity or ()))
        return f"<{type(self).__name__} {key}>"


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


# Seconds a SQLite writer waits for the write lock before the request is answered "busy, try again" (503).
SQLITE_BUSY_SECONDS = 20
_WRITES = contextvars.ContextVar("qudao.writes", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Outside a request, the transactions begun here will write (a worker's task): on SQLite they take the
    write lock when they begin."""
    token = _WRITES.set(True)
    try:
        yield
    finally:
        _WRITES.reset(token)


def _will_write() -> bool:
    from flask import has_request_context, request

    if _WRITES.get():
        return True
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on and WAL for the embedded database; other drivers are left alone. pysqlite's own
    transaction handling is switched off, so that _sqlite_begin() decides how each transaction begins."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()
        dbapi_connection.create_aggregate("decimal_sum", 1, _DecimalSum)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """A transaction that will write takes SQLite's write lock up front (BEGIN IMMEDIATE), waiting its turn
    for up to SQLITE_BUSY_SECONDS. Begun deferred, it would read first and then fail at once with "database is
    locked" when another writer got in between: SQLite cannot wait there, as the snapshot it read is stale.
    Reads (GET requests, commands) stay deferred and never wait: WAL lets them run beside a writer."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _will_write() else "BEGIN")


_ENUM_LABELS: dict[tuple[type, str], object] = {}
_Member = TypeVar("_Member", bound=Enum)
_Label = TypeVar("_Label")


class LabelledEnum(StrEnum):
    """A StrEnum whose members have a translated label, registered with enum_labels()."""

    @property
    def label(self) -> str:
        return str(_ENUM_LABELS[(type(self), self.value)])


def enum_labels(labels: dict[_Member, _Label]) -> dict[_Member, _Label]:
    """Register the (lazily translated) labels of enum members; returns them for choice lists. Keyed by class
    too: members of two enums with the same value (a StrEnum hashes as its string) keep their own labels."""
    _ENUM_LABELS.update({(type(member), member.value): label for member, label in labels.items()})
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
