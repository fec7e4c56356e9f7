"""Partner rules without HTTP: who sees which partners, creating partners, their standing, coverage."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partners import services
from partners.models import Partner, PartnerStatus, PartnerTier, PartnerType
from partners.regions import region_by_code
from portal.audit import AuditEntry
from portal.auth.services import authenticate, load_user_for_session
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import PASSWORD, make_partner, make_user


@pytest.fixture()
def world(db, every_partner):
    return {
        "shenzhen": make_partner(region="CN-440300"),
        "guangdong": make_partner(region="CN-GD"),
        "guangxi": make_partner(region="CN-GX"),
        "seattle": make_partner(region="US-WA"),
    }


def test_manager_sees_partners_in_and_under_their_regions(world):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    visible = set(services.visible_partner_ids(manager))
    assert visible == {world["shenzhen"].id, world["guangdong"].id}


def test_manager_without_regions_sees_no_partner(world):
    assert services.visible_partner_ids(make_user(role=Role.CHANNEL_MANAGER)) == ()


def test_partner_users_see_their_own_partner_and_admins_everyone(world):
    from portal import tenancy

    assert services.visible_partner_ids(make_user(world["seattle"])) == (world["seattle"].id,)
    assert services.visible_partner_ids(make_user(role=Role.ADMIN)) is tenancy.EVERY_PARTNER


def test_scope_limits_queries_to_visible_partners(db, world, as_user):
    as_user(make_user(role=Role.CHANNEL_MANAGER, regions=("US",)))
    assert db.session.scalars(select(Partner)).all() == [world["seattle"]]


def test_query_before_the_scope_is_decided_raises(app, world):
    from portal import tenancy
    from portal.extensions import db as _db

    with app.app_context():  # a fresh app context: a new session with no scope
        with pytest.raises(tenancy.ScopeNotSet):
            _db.session.scalars(select(Partner)).all()


def _fields(**overrides):
    values = dict(
        code="p-new-01",
        legal_name=" 新伙伴有限公司 ",
        partner_type=PartnerType.AGENT,
        tier=PartnerTier.REGISTERED,
        region=region_by_code("US-WA"),
        city_text=" Seattle ",
    )
    values.update(overrides)
    return services.PartnerFields(**values)


def test_admin_creates_a_partner_with_an_audit_entry(db, world):
    admin = make_user(role=Role.ADMIN)
    partner = services.create_partner(_fields(), actor=admin)
    assert (partner.code, partner.legal_name, partner.city_text) == ("P-NEW-01", "新伙伴有限公司", "Seattle")
    assert partner.status is PartnerStatus.ACTIVE
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "partners", AuditEntry.entity_id == partner.id)
    ).one()
    assert entry.actor_id == admin.id and entry.changes["code"] == [None, "P-NEW-01"]


def test_partner_code_must_be_unique_and_well_formed(world):
    admin = make_user(role=Role.ADMIN)
    services.create_partner(_fields(), actor=admin)
    with pytest.raises(RuleViolation) as taken:
        services.create_partner(_fields(code="P-NEW-01"), actor=admin)
    assert taken.value.field == "code"
    with pytest.raises(RuleViolation):
        services.create_partner(_fields(code="bad code!"), actor=admin)


def test_only_admins_create_partners(world):
    with pytest.raises(PermissionDenied):
        services.create_partner(_fields(), actor=make_user(role=Role.CHANNEL_MANAGER, regions=("US",)))


def test_suspending_a_partner_locks_out_its_users_with_the_reason_audited(db, world):
    admin = make_user(role=Role.ADMIN)
    partner = world["shenzhen"]
    user = make_user(partner)
    session_id = user.get_id()
    services.change_partner_standing(
        partner, actor=admin, status=PartnerStatus.SUSPENDED, tier=PartnerTier.SILVER, reason="逾期未报 three months"
    )
    assert authenticate(user.email, PASSWORD) is None
    assert load_user_for_session(session_id) is None
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == partner.id, AuditEntry.entity_type == "partners")
    ).one()
    assert entry.changes == {"status": ["active", "suspended"], "tier": ["registered", "silver"]}
    assert entry.reason == "逾期未报 three months"


def test_a_standing_change_needs_a_reason(world):
    with pytest.raises(RuleViolation):
        services.change_partner_standing(
            world["seattle"],
            actor=make_user(role=Role.ADMIN),
            status=PartnerStatus.TERMINATED,
            tier=PartnerTier.REGISTERED,
            reason="  ",
        )


def test_manager_regions_are_set_by_admins_and_audited(db, world):
    admin = make_user(role=Role.ADMIN)
    manager = make_user(role=Role.CHANNEL_MANAGER)
    services.set_manager_regions(manager, [region_by_code("CN-GX"), region_by_code("US")], actor=admin)
    assert [r.code for r in manager.regions] == ["CN-GX", "US"]
    assert set(services.visible_partner_ids(manager)) == {world["guangxi"].id, world["seattle"].id}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "users")).one()
    assert entry.changes == {"regions": [[], ["CN-GX", "US"]]}
    with pytest.raises(RuleViolation):
        services.set_manager_regions(make_user(world["seattle"]), [], actor=admin)
