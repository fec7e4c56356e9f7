"""Plain builders with good defaults: each argument is something a test cares about."""
from __future__ import annotations

import itertools

from partners.models import Partner, PartnerStatus, PartnerTier, PartnerType
from partners.regions import region_by_code
from portal import tenancy
from portal.auth.models import User
from portal.auth.services import hash_password
from portal.extensions import db
from portal.security import Role

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = None
_sequence = itertools.count(1)


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
    return _PASSWORD_HASH


def make_partner(*, region: str = "CN-GD", code: str | None = None, name: str | None = None,
                 partner_type: PartnerType = PartnerType.DISTRIBUTOR, status: PartnerStatus = PartnerStatus.ACTIVE,
                 tier: PartnerTier = PartnerTier.REGISTERED) -> Partner:
    n = next(_sequence)
    partner = Partner(code=code or f"T-{n:05d}", legal_name=name or f"Test Partner {n} Co., Ltd.",
                      partner_type=partner_type, tier=tier, status=status, region=region_by_code(region))
    with tenancy.every_partner(reason="test builder"):
        db.session.add(partner)
        db.session.flush()
    return partner


def make_user(partner: Partner | None = None, *, role: Role | None = None, email: str | None = None,
              name: str | None = None, regions: tuple[str, ...] = (), password: str | None = PASSWORD,
              is_active: bool = True, locale: str | None = "en") -> User:
    n = next(_sequence)
    role = role or (Role.PARTNER_USER if partner else Role.ADMIN)
    user = User(
        email=email or f"user{n}@example.com", name=name or f"User {n}", role=role, partner=partner,
        password_hash=(_password_hash() if password == PASSWORD else hash_password(password)) if password else None,
        is_active=is_active, locale=locale, regions=[region_by_code(code) for code in regions],
    )
    with tenancy.every_partner(reason="test builder"):
        db.session.add(user)
        db.session.flush()
    return user


# One row of every partner-owned model, for the route walk in tests/portal/test_tenant_isolation.py.
# A new PartnerOwned model must add its maker here, or that test fails and says so.
def partner_owned_rows(partner: Partner) -> dict[type, object]:
    from portal.audit import AuditEntry

    user = make_user(partner, role=Role.PARTNER_USER)
    entry = AuditEntry(entity_type="partners", entity_id=partner.id, action="update", changes={}, partner_id=partner.id)
    with tenancy.every_partner(reason="test builder"):
        db.session.add(entry)
        db.session.flush()
    return {Partner: partner, User: user, AuditEntry: entry}
