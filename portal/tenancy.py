"""The one place that limits partner-owned rows to the partners the current user may see."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.database import OptionalPartnerOwned, PartnerOwned, TenantRoot

if TYPE_CHECKING:
    from portal.auth.models import User

VISIBLE_PARTNERS = "qudao.visible_partners"


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNDECIDED = _Marker("UNDECIDED")
EVERY_PARTNER = _Marker("EVERY_PARTNER")
_TENANT_CLASSES = (PartnerOwned, OptionalPartnerOwned, TenantRoot)


class ScopeNotSet(RuntimeError):
    """Partner data was queried before anyone decided whose."""


# Set by create_app(): the partners domain knows who covers what.
_visible_partner_ids: Callable[[User], Sequence[int] | _Marker] | None = None


def configure(visible_partner_ids: Callable[[User], Sequence[int] | _Marker]) -> None:
    global _visible_partner_ids
    _visible_partner_ids = visible_partner_ids


def set_scope(session: Session, user: User | None) -> None:
    """Decide once per request (or per command) whose rows this session may touch."""
    if user is None or not getattr(user, "is_authenticated", False):
        session.info[VISIBLE_PARTNERS] = ()
        return
    assert _visible_partner_ids is not None, "tenancy.configure() was not called"
    with every_partner(session, reason="computing the scope itself"):
        visible = _visible_partner_ids(user)
    session.info[VISIBLE_PARTNERS] = visible if visible is EVERY_PARTNER else tuple(visible)


def current_scope(session: Session) -> object:
    return session.info.get(VISIBLE_PARTNERS, UNDECIDED)


@contextmanager
def every_partner(session: Session | None = None, *, reason: str) -> Iterator[None]:
    """A deliberate, named bypass of the scope (login loader, duplicate checks, CLI)."""
    assert reason, "say why the scope is bypassed"
    if session is None:
        from portal.extensions import db

        session = db.session()
    previous = session.info.get(VISIBLE_PARTNERS, UNDECIDED)
    session.info[VISIBLE_PARTNERS] = EVERY_PARTNER
    try:
        yield
    finally:
        if previous is UNDECIDED:
            session.info.pop(VISIBLE_PARTNERS, None)
        else:
            session.info[VISIBLE_PARTNERS] = previous


def _touches_partner_data(state: ORMExecuteState) -> bool:
    return any(
        isinstance(mapper.class_, type) and issubclass(mapper.class_, _TENANT_CLASSES) for mapper in state.all_mappers
    )


@event.listens_for(Session, "do_orm_execute")
def _limit_to_visible_partners(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    visible = state.session.info.get(VISIBLE_PARTNERS, UNDECIDED)
    if visible is UNDECIDED:
        if _touches_partner_data(state) and not state.is_relationship_load:
            raise ScopeNotSet("partner data queried before anyone decided whose")
        return
    if visible is EVERY_PARTNER:
        return
    state.statement = state.statement.options(
        with_loader_criteria(PartnerOwned, lambda cls: cls.partner_id.in_(visible), include_aliases=True),
        with_loader_criteria(OptionalPartnerOwned, lambda cls: cls.partner_id.in_(visible), include_aliases=True),
        with_loader_criteria(TenantRoot, lambda cls: cls.id.in_(visible), include_aliases=True),
    )
