"""The audit log: who changed which partner, user or role, when, from what to what."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, OptionalPartnerOwned, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


class AuditEntry(OptionalPartnerOwned, Base):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field -> [before, after]
    reason: Mapped[str | None] = mapped_column(String(500))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 10.5 and 10.5000 are the same price
    return value


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


def record(
    *,
    actor: Any,
    row: Any,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    partner_id: int | None = None,
    reason: str | None = None,
) -> AuditEntry | None:
    """Add one audit entry with the fields that changed; nothing when nothing changed. Caller commits."""
    before = before or {}
    after = after or {}
    changes = {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
    if not changes and action == "update":
        return None
    db.session.flush()  # the row needs its id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        entity_type=inspect(row).mapper.class_.__tablename__,
        entity_id=row.id,
        action=action,
        changes=changes,
        partner_id=partner_id,
        reason=reason,
    )
    db.session.add(entry)
    return entry


def created(
    row: Any,
    fields: tuple[str, ...],
    *,
    actor: Any,
    action: str = "create",
    partner_id: int | None = None,
    reason: str | None = None,
) -> AuditEntry | None:
    """Audit a new row: the values of `fields` it starts with (`action` names how it came, "assign" say)."""
    return record(
        actor=actor,
        row=row,
        action=action,
        after=snapshot(row, fields),
        partner_id=partner_id,
        reason=reason,
    )


@dataclass
class Tracked:
    """The row a `tracking` block changes (the block names it when it creates one) and its fields before."""

    row: Any
    before: dict[str, Any]
    entry: AuditEntry | None = None


@contextmanager
def tracking(
    row: Any,
    fields: tuple[str, ...],
    *,
    actor: Any,
    action: str | None = None,
    partner_id: int | None = None,
    reason: str | None = None,
) -> Iterator[Tracked]:
    """Audit what the block changes in `fields` of `row`: one entry when the block ends without an error (none for
    an update that changed nothing, see `record`). Given no row, the block creates one and sets `tracked.row`;
    the entry says "create". Afterwards `tracked.entry` is the entry written, if any."""
    tracked = Tracked(row, snapshot(row, fields) if row is not None else {})
    yield tracked
    tracked.entry = record(
        actor=actor,
        row=tracked.row,
        action=action or ("update" if row is not None else "create"),
        before=tracked.before,
        after=snapshot(tracked.row, fields),
        partner_id=partner_id,
        reason=reason,
    )


def recent_entries(*, page: int, per_page: int) -> list[AuditEntry]:
    """A page of the audit log, newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
        )
    )
