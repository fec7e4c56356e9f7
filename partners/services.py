"""Partner rules: who sees which partners, creating and changing partners, manager coverage."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from partners.models import Partner, PartnerStatus, PartnerTier, PartnerType, Region
from portal import audit, tenancy
from portal.auth.models import User
from portal.auth.services import end_sessions
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation

PARTNER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


def visible_partner_ids(user: User) -> Sequence[int] | object:
    """Admins see every partner; a channel manager the partners in (and under) their regions; a partner's
    users their own partner only."""
    if user.role is Role.ADMIN:
        return tenancy.EVERY_PARTNER
    if user.role is Role.CHANNEL_MANAGER:
        paths = [region.path for region in user.regions]
        if not paths:
            return ()
        query = select(Partner.id).join(Region, Partner.region_id == Region.id).where(
            or_(*(Region.path.startswith(path) for path in paths))
        )
        return list(db.session.scalars(query))
    return (user.partner_id,) if user.partner_id else ()


@dataclass(frozen=True)
class PartnerFields:
    code: str
    legal_name: str
    partner_type: PartnerType
    tier: PartnerTier
    region: Region
    city_text: str | None = None


def _check_code_free(code: str, partner: Partner | None = None) -> None:
    with tenancy.every_partner(reason="partner codes are unique across all partners"):
        holder = db.session.scalar(select(Partner).where(func.upper(Partner.code) == code.upper()))
    if holder is not None and holder is not partner:
        raise RuleViolation(_l("Partner code %(code)s is already taken.", code=code), field="code")


def create_partner(fields: PartnerFields, *, actor: User) -> Partner:
    """Create an active partner. Raises RuleViolation for a taken or malformed code; the caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    code = fields.code.strip().upper()
    if not PARTNER_CODE.match(code):
        raise RuleViolation(_l("Use 2–32 capital letters, digits or hyphens."), field="code")
    _check_code_free(code)
    partner = Partner(
        code=code,
        legal_name=fields.legal_name.strip(),
        partner_type=fields.partner_type,
        tier=fields.tier,
        status=PartnerStatus.ACTIVE,
        region=fields.region,
        city_text=(fields.city_text or "").strip() or None,
    )
    db.session.add(partner)
    db.session.flush()
    audit.record(actor=actor, row=partner, action="create", after=audit.snapshot(partner, Partner.AUDITED), partner_id=partner.id)
    return partner


def change_partner_standing(
    partner: Partner, *, actor: User, status: PartnerStatus, tier: PartnerTier, reason: str
) -> Partner:
    """Admins change a partner's status and tier, always with a reason. Suspending or terminating a
    partner locks out its users (User.may_log_in) and ends their sessions. The caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    if not reason.strip():
        raise RuleViolation(_l("Say why the partner's standing changes."), field="reason")
    before = audit.snapshot(partner, Partner.AUDITED)
    partner.status, partner.tier = status, tier
    if status is not PartnerStatus.ACTIVE:
        for user in partner.users:
            end_sessions(user)
    audit.record(
        actor=actor, row=partner, action="update", before=before,
        after=audit.snapshot(partner, Partner.AUDITED), partner_id=partner.id, reason=reason.strip(),
    )
    db.session.flush()
    return partner


def set_manager_regions(manager: User, regions: Sequence[Region], *, actor: User) -> None:
    """Admins assign the regions a channel manager covers. The caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    if manager.role is not Role.CHANNEL_MANAGER:
        raise RuleViolation(_l("Only channel managers cover regions."))
    before = {"regions": [region.code for region in manager.regions]}
    manager.regions = sorted(set(regions), key=lambda region: region.code)
    audit.record(actor=actor, row=manager, action="update", before=before, after={"regions": [r.code for r in manager.regions]})
    db.session.flush()


@dataclass(frozen=True)
class PartnerCriteria:
    text: str = ""
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    status: PartnerStatus | None = None


def list_partners(*, criteria: PartnerCriteria = PartnerCriteria(), limit: int = 200) -> list[Partner]:
    """Partners the current scope shows, by code; `criteria.text` matches code or name."""
    query = select(Partner).order_by(Partner.code).limit(limit)
    if criteria.text.strip():
        pattern = f"%{criteria.text.strip().lower()}%"
        query = query.where(or_(func.lower(Partner.code).like(pattern), func.lower(Partner.legal_name).like(pattern)))
    for column, value in ((Partner.partner_type, criteria.partner_type), (Partner.tier, criteria.tier),
                          (Partner.status, criteria.status)):
        if value is not None:
            query = query.where(column == value)
    return list(db.session.scalars(query))


def count_partners_by_status() -> list[tuple[PartnerStatus, int]]:
    counts = dict(db.session.execute(select(Partner.status, func.count()).group_by(Partner.status)).all())
    return [(status, counts.get(status, 0)) for status in PartnerStatus]
