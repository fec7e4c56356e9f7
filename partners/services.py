"""Partner rules: who sees which partners, creating and changing partners, manager coverage."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from partners.identity import normalise_company_name
from partners.models import Partner, PartnerApplication, PartnerStatus, PartnerTier, PartnerType, Region
from portal import audit, tenancy
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.auth.services import end_sessions
from portal.calendar import local_today
from portal.database import among
from portal.extensions import db
from portal.paging import Page, paginate
from portal.security import PermissionDenied, Role, RuleViolation, sees_many_partners

PARTNER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


def visible_partner_ids(user: User) -> tenancy.Visible:
    """Admins see every partner; a channel manager the partners in (and under) their regions; a partner's
    users their own partner only."""
    if user.role is Role.ADMIN:
        return tenancy.EVERY_PARTNER
    if user.role is Role.CHANNEL_MANAGER:
        paths = [region.path for region in user.regions]
        if not paths:
            return ()
        query = (
            select(Partner.id)
            .join(Region, Partner.region_id == Region.id)
            .where(or_(*(Region.path.startswith(path) for path in paths)))
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
    return add_partner(partner, actor=actor)


def add_partner(partner: Partner, *, actor: User, reason: str | None = None) -> Partner:
    """A new partner into the session, its creation audited: by hand, from an application, from a file."""
    db.session.add(partner)
    db.session.flush()
    audit.created(partner, Partner.AUDITED, actor=actor, partner_id=partner.id, reason=reason)
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
    with audit.tracking(partner, Partner.AUDITED, actor=actor, partner_id=partner.id, reason=reason.strip()):
        set_partner_status(partner, status)
        partner.tier = tier
    db.session.flush()
    return partner


def set_partner_status(partner: Partner, status: PartnerStatus, *, since: date | None = None) -> None:
    """The partner's status, and the day it began (today unless history says otherwise); a partner that is no
    longer active has its users' sessions ended (User.may_log_in locks them out)."""
    if status is not partner.status or since is not None:
        partner.status_since = since or local_today()
    partner.status = status
    if status is not PartnerStatus.ACTIVE:
        for user in partner.users:
            end_sessions(user)


def change_partner_tier(
    partner: Partner, tier: PartnerTier, *, actor: User, reason: str, expected_version: int | None = None
) -> Partner:
    """Brand staff move a partner's tier (accepting or overriding a scorecard's recommendation), with a reason. A
    channel manager finds only the partners of their regions. When `expected_version` (the partner as the actor
    saw it) is stale, someone else changed the partner meanwhile: RuleViolation, nothing written. Audited; the
    caller commits."""
    if actor.role not in (Role.ADMIN, Role.CHANNEL_MANAGER):
        raise PermissionDenied()
    if expected_version is not None and expected_version != partner.version_id:
        raise RuleViolation(
            _l(
                "Someone changed this partner while you were looking at it; it is now %(tier)s. Look again and decide.",
                tier=partner.tier.label,
            ),
            field="tier",
        )
    if not reason.strip():
        raise RuleViolation(_l("Say why the partner's standing changes."), field="reason")
    with audit.tracking(partner, Partner.AUDITED, actor=actor, partner_id=partner.id, reason=reason.strip()):
        partner.tier = tier
    return partner


def set_manager_regions(manager: User, regions: Sequence[Region], *, actor: User) -> None:
    """Admins assign the regions a channel manager covers. The caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    if manager.role is not Role.CHANNEL_MANAGER:
        raise RuleViolation(_l("Only channel managers cover regions."))
    before = {"regions": [region.code for region in manager.regions]}
    manager.regions = sorted(set(regions), key=lambda region: region.code)
    audit.record(
        actor=actor, row=manager, action="update", before=before, after={"regions": [r.code for r in manager.regions]}
    )
    db.session.flush()


SORTS = {
    "code": Partner.code,
    "name": Partner.name_key,
    "type": Partner.partner_type,
    "tier": Partner.tier,
    "status": Partner.status,
    "newest": Partner.created_at.desc(),
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class PartnerCriteria:
    text: str = ""
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    status: PartnerStatus | None = None
    region: Region | None = None  # the region or any region under it
    sort: str = "code"
    page: int = 1


def list_partners(*, criteria: PartnerCriteria = PartnerCriteria(), limit: int = PAGE_SIZE) -> Page[Partner]:
    """One page of the partners the current scope shows; `text` matches code or name (in any case, spaces and
    company suffixes ignored)."""
    query = select(Partner)
    if criteria.text.strip():
        query = query.where(_code_or_name_holds(criteria.text))
    for column, value in (
        (Partner.partner_type, criteria.partner_type),
        (Partner.tier, criteria.tier),
        (Partner.status, criteria.status),
    ):
        if value is not None:
            query = query.where(column == value)
    if criteria.region is not None:
        query = query.join(Region, Partner.region_id == Region.id).where(Region.path.startswith(criteria.region.path))
    return paginate(
        query.order_by(SORTS.get(criteria.sort, Partner.code), Partner.id), page=criteria.page, per_page=limit
    )


def _code_or_name_holds(text: str) -> ColumnElement[bool]:
    """The partner's code holds `text` (in any case), or its name does (spaces and company suffixes ignored)."""
    pattern = f"%{text.strip().lower()}%"
    key = f"%{normalise_company_name(text)}%"
    return or_(func.lower(Partner.code).like(pattern), Partner.name_key.like(key))


def partners_named(text: str) -> Select[int]:
    """The ids of the partners in scope that `text` names, for a list filtered by partner: the one partner whose
    code it is (in any case), or, when it is nobody's code, every partner whose code or name holds it."""
    exact = select(Partner.id).where(Partner.code == text.strip().upper())
    if db.session.scalar(exact.limit(1)) is not None:
        return exact
    return select(Partner.id).where(_code_or_name_holds(text))


def names_a_partner(text: str) -> bool:
    """Some partner in scope goes by `text` (partners_named): a channel manager's filter for a partner outside
    their regions names nobody."""
    return db.session.scalar(partners_named(text).limit(1)) is not None


@dataclass(frozen=True)
class PartnerLabel:
    """What a list of many partners' rows shows of each row's partner."""

    code: str
    name: str
    region: str  # the full name, country › province › city


def partner_labels(ids: Collection[int]) -> dict[int, PartnerLabel]:
    """Code, legal name and region of each partner asked for that the actor may see, by id: a query for the
    partners and one for each level of regions above them, however many partners."""
    regions = selectinload(Partner.region).selectinload(Region.parent, recursion_depth=-1)  # for full_name
    partners = db.session.scalars(select(Partner).where(among(Partner.id, ids)).options(regions))
    return {
        partner.id: PartnerLabel(partner.code, partner.legal_name, partner.region.full_name) for partner in partners
    }


def regions_with_partners() -> list[Region]:
    """The regions that hold a visible partner, with every region above them, in tree order."""
    paths = db.session.scalars(select(Region.path).join(Partner, Partner.region_id == Region.id).distinct()).all()
    codes = {code for path in paths for code in path.strip("/").split("/")}
    if not codes:
        return []
    return sorted(db.session.scalars(select(Region).where(Region.code.in_(codes))), key=lambda region: region.path)


def count_partners_by_status() -> list[tuple[PartnerStatus, int]]:
    counts = dict(db.session.execute(select(Partner.status, func.count()).group_by(Partner.status)).all())
    return [(status, counts.get(status, 0)) for status in PartnerStatus]


def standing_history(partner: Partner, *, actor: User, limit: int = 50) -> list[AuditEntry] | None:
    """The audit entries that changed the partner's status or tier, newest first, among its last `limit`; for brand
    staff only (None for the partner's own users)."""
    if not sees_many_partners(actor):
        return None
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.partner_id == partner.id).order_by(AuditEntry.id.desc()).limit(limit)
    )
    return [
        entry
        for entry in entries
        if entry.entity_type == "partners" and ({"status", "tier"} & set(entry.changes) or entry.action == "create")
    ]


def application_of(partner: Partner) -> PartnerApplication | None:
    return db.session.scalars(select(PartnerApplication).where(PartnerApplication.partner_id == partner.id)).first()


def partner_codes() -> dict[int, str]:
    """Every partner's code by id (those in the actor's scope), for lists that name the partner of each row."""
    return {partner_id: code for partner_id, code in db.session.execute(select(Partner.id, Partner.code))}


def partners_by_id(ids: list[int]) -> list[Partner]:
    """The partners asked for that the actor may see, in code order."""
    if not ids:
        return []
    return list(db.session.scalars(select(Partner).where(Partner.id.in_(ids)).order_by(Partner.code)))


def partner_by_code(code: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.code == code.strip().upper()))


def staff_responsible_for(partner: Partner) -> list[User]:
    """The brand staff who answer for a partner: the active channel managers whose regions hold it, or, where no
    region of a manager does, the active admins. Read whoever asks (a partner's user opening a case, too)."""
    with tenancy.every_partner(reason="a partner's own users reach the brand staff who answer for it"):
        managers = [
            user
            for user in db.session.scalars(
                select(User)
                .where(User.role == Role.CHANNEL_MANAGER, User.is_active)
                .options(selectinload(User.regions))  # every manager's regions in one query, not one each
                .order_by(User.name)
            )
            if partner.region is not None and any(region.contains(partner.region) for region in user.regions)
        ]
        if managers:
            return managers
        return list(db.session.scalars(select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.name)))
