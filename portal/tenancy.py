"""The one place that limits partner-owned rows to the partners the current user may see."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Delete, Table, TableClause, Update, event, false, literal_column
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement, ColumnClause
from sqlalchemy.sql.util import find_tables

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
Visible = Sequence[int] | _Marker  # the ids of the partners a user may see, or EVERY_PARTNER


class ScopeNotSet(RuntimeError):
    """Partner data was queried before anyone decided whose."""


# Set by create_app(): the partners domain knows who covers what.
_visible_partner_ids: Callable[[User], Visible] | None = None


def configure(visible_partner_ids: Callable[[User], Visible]) -> None:
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
    session.info[VISIBLE_PARTNERS] = visible if isinstance(visible, _Marker) else tuple(visible)


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


@functools.cache
def _partner_tables() -> dict[str, str]:
    """Name of each table of partner data → the column that names its partner (every model is imported by
    create_app() before the first query)."""
    from portal.database import Base

    tables = {}
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, (PartnerOwned, OptionalPartnerOwned)):
            tables[_table_name(mapper)] = "partner_id"
        elif issubclass(mapper.class_, TenantRoot):
            tables[_table_name(mapper)] = "id"
    return tables


def _table_name(mapper: Mapper[Any]) -> str:
    return cast(Table, mapper.local_table).name  # a declarative model maps one Table


def _tables_touched(state: ORMExecuteState) -> tuple[set[str], bool]:
    """The partner tables the statement reads or writes (subqueries, joins and column references count), and
    whether it is plain Core, naming no ORM entity at all: with_loader_criteria() cannot reach such a
    statement, while it limits every entity of an ORM one, joined ones too."""
    partner_tables = _partner_tables()
    tables = find_tables(
        cast(ClauseElement, state.statement),  # a Select, Update or Delete: each a ClauseElement
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
        include_crud=True,
    )
    touched = {table.name for table in tables if getattr(table, "name", None) in partner_tables}
    mapped = {_table_name(mapper) for mapper in state.all_mappers}
    orm = bool(mapped) or any("parententity" in getattr(table, "_annotations", {}) for table in tables)
    return touched | (mapped & set(partner_tables)), not orm


@event.listens_for(Session, "do_orm_execute")
def _limit_to_visible_partners(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    visible = state.session.info.get(VISIBLE_PARTNERS, UNDECIDED)
    if visible is EVERY_PARTNER:
        return
    if visible is not UNDECIDED and state.all_mappers:  # an ORM statement under a scope: the criteria do it all
        state.statement = _with_scope(state.statement, visible)
        return
    if visible is UNDECIDED and state.is_relationship_load:  # of a row loaded under a scope decided before
        return
    touched, core = _tables_touched(state)
    if not touched:
        return
    if visible is UNDECIDED:
        raise ScopeNotSet("partner data queried before anyone decided whose")
    statement = state.statement
    if core:
        if (
            isinstance(statement, Update | Delete)
            and isinstance(statement.table, TableClause)
            and statement.table.name in touched
        ):
            # A Core UPDATE or DELETE of a partner table: limited to the visible partners' rows here. The ids
            # are written into the SQL, as an executemany (the roll-ups) may not carry an expanding IN.
            table = statement.table
            ids: list[ColumnClause[Any]] = [literal_column(str(int(partner_id))) for partner_id in visible]
            statement = statement.where(table.c[_partner_tables()[table.name]].in_(ids) if ids else false())
        else:
            raise ScopeNotSet(
                f"Core statement on partner data ({', '.join(sorted(touched))}) under a limited scope: select ORM "
                "entities or columns, so that the scope applies, or name the bypass with every_partner()"
            )
    state.statement = _with_scope(statement, visible)


def _with_scope(statement: Executable, visible: tuple[int, ...]) -> Executable:
    return statement.options(
        with_loader_criteria(PartnerOwned, lambda cls: cls.partner_id.in_(visible), include_aliases=True),
        with_loader_criteria(OptionalPartnerOwned, lambda cls: cls.partner_id.in_(visible), include_aliases=True),
        with_loader_criteria(TenantRoot, lambda cls: cls.id.in_(visible), include_aliases=True),
    )
