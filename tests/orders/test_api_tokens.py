"""API tokens as services: a partner_admin's for the partner, an admin's for the brand; who may create and revoke
them, whom each acts as, and when a brand token stops working."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orders import api_tokens
from orders.models import ApiToken
from portal import tenancy
from portal.audit import AuditEntry
from portal.security import PermissionDenied, Role
from tests.builders import make_partner, make_user


@pytest.fixture()
def people(db, every_partner):
    partner = make_partner(code="P-A")
    return {
        "admin": make_user(role=Role.ADMIN),
        "partner_admin": make_user(partner, role=Role.PARTNER_ADMIN),
        "other_partner_admin": make_user(make_partner(code="P-B"), role=Role.PARTNER_ADMIN),
    }


def _audit(db, token: ApiToken) -> list[tuple[str, int | None]]:
    with tenancy.every_partner(db.session(), reason="test check"):
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "api_tokens", AuditEntry.entity_id == token.id)
            .order_by(AuditEntry.id)
        )
        return [(entry.action, entry.partner_id) for entry in entries]


def test_an_admin_creates_a_brand_token_of_no_partner_and_it_acts_as_the_admin(db, people):
    token, plain = api_tokens.create_token(actor=people["admin"], name="History loader")
    assert token.partner_id is None and token.token_hash != plain
    assert api_tokens.user_for_token(plain, delivering=False) is people["admin"]
    assert _audit(db, token) == [("create", None)]


def test_a_partner_admin_still_creates_a_token_of_the_partner(people):
    token, plain = api_tokens.create_token(actor=people["partner_admin"], name="ERP")
    assert token.partner_id == people["partner_admin"].partner_id
    assert api_tokens.user_for_token(plain, delivering=False) is people["partner_admin"]


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.PARTNER_USER])
def test_other_roles_may_not_create_a_token(people, role):
    partner = people["partner_admin"].partner if role is Role.PARTNER_USER else None
    with pytest.raises(PermissionDenied):
        api_tokens.create_token(actor=make_user(partner, role=role), name="ERP")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda admin: setattr(admin, "role", Role.CHANNEL_MANAGER), id="demoted"),
        pytest.param(lambda admin: setattr(admin, "is_active", False), id="deactivated"),
        pytest.param(lambda admin: setattr(admin, "password_hash", None), id="may-not-log-in"),
    ],
)
def test_a_brand_token_stops_when_its_creator_is_no_longer_an_admin_who_may_log_in(db, people, change):
    _token, plain = api_tokens.create_token(actor=people["admin"], name="History loader")
    change(people["admin"])
    db.session.flush()
    assert api_tokens.user_for_token(plain, delivering=True) is None


def test_any_admin_revokes_a_brand_token_and_a_partner_admin_may_not(db, people):
    token, plain = api_tokens.create_token(actor=people["admin"], name="History loader")
    with pytest.raises(PermissionDenied):
        api_tokens.revoke_token(token, actor=people["partner_admin"])
    api_tokens.revoke_token(token, actor=make_user(role=Role.ADMIN))
    assert token.revoked_at is not None and api_tokens.user_for_token(plain, delivering=False) is None
    assert _audit(db, token) == [("create", None), ("revoke", None)]


def test_a_partners_token_is_revoked_by_its_own_partner_admins_only(people):
    token, _plain = api_tokens.create_token(actor=people["partner_admin"], name="ERP")
    for stranger in (people["other_partner_admin"], people["admin"]):
        with pytest.raises(PermissionDenied):
            api_tokens.revoke_token(token, actor=stranger)
    api_tokens.revoke_token(token, actor=people["partner_admin"])
    assert token.revoked_at is not None


def test_each_sees_only_the_tokens_it_manages(db, people, as_user):
    """A partner never sees a brand token nor another partner's; the admin's page lists the brand's only."""
    brand, _plain = api_tokens.create_token(actor=people["admin"], name="History loader")
    mine, _plain = api_tokens.create_token(actor=people["partner_admin"], name="ERP")
    theirs, _plain = api_tokens.create_token(actor=people["other_partner_admin"], name="ERP")
    as_user(people["admin"])
    assert [token.id for token in api_tokens.tokens(actor=people["admin"])] == [brand.id]
    as_user(people["partner_admin"])
    assert [token.id for token in api_tokens.tokens(actor=people["partner_admin"])] == [mine.id]
    assert db.session.scalars(select(ApiToken).where(ApiToken.id.in_([brand.id, theirs.id]))).all() == []
