"""The tenancy guard (portal/tenancy.py) looks at the tables a statement touches: any statement on a
partner-owned table, ORM or Core, fails closed while nobody has decided whose rows the session may touch, and
a Core UPDATE or DELETE under a partner's scope reaches that partner's rows only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from orders.models import Customer, MonthlySales
from partners.models import Partner
from portal import tenancy
from portal.tenancy import ScopeNotSet
from tests.builders import make_partner, make_user

CUSTOMERS = Customer.__table__


def _unscoped(db):
    db.session.info.pop(tenancy.VISIBLE_PARTNERS, None)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(lambda: select(func.count()).select_from(Customer), id="orm count"),
        pytest.param(lambda: select(func.count()).select_from(CUSTOMERS), id="core count"),
        pytest.param(lambda: select(CUSTOMERS.c.name), id="core select"),
        pytest.param(lambda: select(func.count(CUSTOMERS.c.id)), id="core count of a column"),
        pytest.param(lambda: CUSTOMERS.update().values(name="x"), id="core update"),
        pytest.param(lambda: CUSTOMERS.delete(), id="core delete"),
        pytest.param(lambda: update(Customer).values(name="x"), id="orm update"),
        pytest.param(lambda: delete(MonthlySales), id="orm delete"),
        pytest.param(lambda: select(Partner.__table__.c.code), id="core select of the partner table"),
        pytest.param(lambda: select(func.count()).select_from(select(CUSTOMERS.c.id).subquery()), id="core subquery"),
    ],
)
def test_any_statement_on_partner_data_fails_closed_without_a_scope(db, statement):
    _unscoped(db)
    with pytest.raises(ScopeNotSet):
        db.session.execute(statement())


def _two_partners_with_customers(db):
    with tenancy.every_partner(db.session(), reason="test setup"):
        mine, theirs = make_partner(), make_partner()
        for partner in (mine, theirs):
            db.session.add(Customer(partner_id=partner.id, code="C-1", name="Old name"))
        user = make_user(mine)
        db.session.flush()
    return mine, theirs, user


def test_a_core_update_or_delete_under_a_partners_scope_reaches_that_partners_rows_only(db, as_user):
    mine, theirs, user = _two_partners_with_customers(db)
    as_user(user)
    db.session.execute(CUSTOMERS.update().values(name="New name"))
    db.session.execute(CUSTOMERS.delete().where(CUSTOMERS.c.code == "C-1"))
    with tenancy.every_partner(db.session(), reason="checking both partners"):
        left = db.session.execute(select(Customer.partner_id, Customer.name)).all()
    assert left == [(theirs.id, "Old name")]


def test_an_orm_count_under_a_partners_scope_counts_that_partners_rows_and_a_core_select_fails_closed(db, as_user):
    _mine, _theirs, user = _two_partners_with_customers(db)
    as_user(user)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
    assert db.session.scalar(select(func.count(Customer.id))) == 1
    for statement in (select(func.count()).select_from(CUSTOMERS), select(CUSTOMERS.c.name)):
        with pytest.raises(ScopeNotSet):
            db.session.execute(statement)


def test_statements_on_other_tables_need_no_scope(db):
    from portal.mail import OutboxMessage

    _unscoped(db)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_relationship_loaded_under_a_partners_scope_is_limited_to_it_too(db, as_user):
    """A stranger's row reached through a relationship (here: a user of another partner) loads as nothing."""
    from sqlalchemy.orm import Session

    from portal.auth.models import User

    mine, theirs, user = _two_partners_with_customers(db)
    with tenancy.every_partner(db.session(), reason="test setup"):
        stranger_id = make_user(theirs).id
    db.session.expunge_all()
    as_user(user)
    with Session(bind=db.session.get_bind()) as other:  # the stranger's row, loaded without its partner
        other.info[tenancy.VISIBLE_PARTNERS] = tenancy.EVERY_PARTNER
        stranger = other.get(User, stranger_id)
        other.info[tenancy.VISIBLE_PARTNERS] = (mine.id,)
        assert stranger.partner is None
