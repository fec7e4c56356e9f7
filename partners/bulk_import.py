"""Onboarding partners from a spreadsheet: every row validated first, then all written or none; by partner code,
so the same file twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import BinaryIO, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from partners.models import Partner, PartnerStatus, PartnerTier, PartnerType, Region
from partners.region_lookup import RegionIndex
from partners.services import PARTNER_CODE, add_partner, set_partner_status
from portal import audit, tenancy
from portal.auth.models import User
from portal.auth.services import invite_user, normalise_email
from portal.calendar import local_today, parse_date
from portal.extensions import db
from portal.security import PermissionDenied, Role
from portal.tabular import Column, ImportCounts, RowChecker, RowError, read_table

COLUMNS = [
    Column("partner_code", ("partner_code", "伙伴编码", "code", "编码")),
    Column("name", ("name", "名称", "legal_name", "公司名称", "伙伴名称")),
    Column("type", ("type", "类型", "partner_type", "伙伴类型")),
    Column("tier", ("tier", "等级"), required=False),
    Column("country", ("country", "国家")),
    Column("province", ("province", "省份", "state", "省/州", "省"), required=False),
    Column("city", ("city", "城市"), required=False),
    Column("contact_email", ("contact_email", "联系人邮箱", "email", "邮箱"), required=False),
    # History: the day the partnership began, and the partner's present status with the day it began.
    Column("joined_on", ("joined_on", "合作开始日期", "partner_since"), required=False),
    Column("status", ("status", "状态"), required=False),
    Column("status_since", ("status_since", "状态开始日期"), required=False),
]

# Values accepted in the type and tier columns, in either language.
TYPE_WORDS = {
    PartnerType.WHOLESALER: ("wholesaler", "批发商", "批发"),
    PartnerType.DISTRIBUTOR: ("distributor", "分销商", "经销商", "分销"),
    PartnerType.RESELLER: ("reseller", "转售商", "零售商", "代理商"),
    PartnerType.AGENT: ("agent", "代理", "代理人"),
}
STATUS_WORDS = {
    PartnerStatus.ACTIVE: ("active", "合作中", "正常", "活跃"),
    PartnerStatus.SUSPENDED: ("suspended", "暂停", "已暂停"),
    PartnerStatus.TERMINATED: ("terminated", "终止", "已终止"),
}
TIER_WORDS = {
    PartnerTier.REGISTERED: ("registered", "注册", "注册级"),
    PartnerTier.SILVER: ("silver", "银牌", "银"),
    PartnerTier.GOLD: ("gold", "金牌", "金"),
    PartnerTier.PLATINUM: ("platinum", "白金", "铂金"),
}
_Member = TypeVar("_Member", bound=StrEnum)


def _word_map(words: Mapping[_Member, Sequence[str]]) -> dict[str, _Member]:
    return {word.casefold(): member for member, spellings in words.items() for word in (member.value, *spellings)}


@dataclass
class ImportedRow:
    row: int
    code: str
    name: str
    partner_type: PartnerType
    tier: PartnerTier | None
    region: Region
    city_text: str | None
    contact_email: str | None
    history: PartnerHistory


@dataclass(frozen=True)
class PartnerHistory:
    """A row's dates and status; None where the file leaves them out (a new partner then joins today and is
    active; a known one keeps what it has)."""

    joined_on: date | None = None
    status: PartnerStatus | None = None
    status_since: date | None = None


def _history(check: RowChecker, statuses: dict[str, PartnerStatus], today: date) -> PartnerHistory:
    values, wrong = check.values, check.wrong

    def day(key: str) -> date | None:
        text = values.get(key, "").strip()
        if not text:
            return None
        value = parse_date(text)
        if value is None:
            wrong(key, _l("%(text)s is not a date: write it as YYYY-MM-DD.", text=text[:30]))
        elif value > today:
            wrong(key, _l("The date is in the future."))
        else:
            return value
        return None

    joined_on, status_since = day("joined_on"), day("status_since")
    status_text = values.get("status", "").strip()
    status = statuses.get(status_text.casefold()) if status_text else None
    if status_text and status is None:
        wrong("status", _l("Use active, suspended or terminated."))
    elif status_since is not None and not status_text:
        wrong("status", _l("Say which status began on %(day)s.", day=status_since.isoformat()))
    if joined_on and status_since and status_since < joined_on:
        wrong("status_since", _l("The status cannot begin before the partner joined (%(day)s).", day=joined_on))
    return PartnerHistory(joined_on, status, status_since)


@dataclass
class ImportResult(ImportCounts):
    invited: int = 0


def _parse_row(
    number: int,
    values: dict[str, str],
    regions: RegionIndex,
    types: dict[str, PartnerType],
    tiers: dict[str, PartnerTier],
    statuses: dict[str, PartnerStatus],
    today: date,
) -> tuple[ImportedRow | None, list[RowError]]:
    check = RowChecker(number, values)
    errors, wrong = check.errors, check.wrong
    code = check.text("partner_code", 32).upper()
    if code and not PARTNER_CODE.match(code):
        wrong("partner_code", _l("Use 2–32 capital letters, digits or hyphens."))
    name = check.text("name", 200)
    partner_type = types.get(values["type"].strip().casefold())
    if partner_type is None:
        wrong("type", _l("Use wholesaler, distributor, reseller or agent."))
    tier_text = values.get("tier", "").strip()
    tier = tiers.get(tier_text.casefold()) if tier_text else None
    if tier_text and tier is None:
        wrong("tier", _l("Use registered, silver, gold or platinum."))
    place = regions.find(values["country"], values.get("province", ""), check.text("city", 120, required=False))
    if place.error:
        wrong(*place.error)
    region, city_text = place.region, place.city_text
    email = normalise_email(values.get("contact_email", "")) or None
    if email:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            wrong("contact_email", _l("Enter an email address such as name@example.com."))
    history = _history(check, statuses, today)
    if errors or partner_type is None or region is None:  # each None is among the errors
        return None, errors
    return ImportedRow(number, code, name, partner_type, tier, region, city_text, email, history), []


def import_partners(stream: BinaryIO, filename: str, *, actor: User, max_bytes: int) -> ImportResult:
    """Validate every row; if all pass, create or update partners by code and invite contacts who have no
    account yet. Raises TableRejected for a file that cannot be read. Writes nothing when any row is wrong;
    the caller commits only when result.ok."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    table = read_table(stream, filename, COLUMNS, max_bytes=max_bytes)
    regions, types, tiers = RegionIndex(), _word_map(TYPE_WORDS), _word_map(TIER_WORDS)
    statuses, today = _word_map(STATUS_WORDS), local_today()
    result = ImportResult(headers=table.headers)
    parsed: list[ImportedRow] = []
    first_row_of: dict[str, int] = {}
    for number, values in table:
        result.rows += 1
        row, errors = _parse_row(number, values, regions, types, tiers, statuses, today)
        result.errors += errors
        if row is None:
            continue
        if row.code in first_row_of:
            result.errors.append(
                RowError(
                    number,
                    "partner_code",
                    _l("Partner code %(code)s is in row %(row)d already.", code=row.code, row=first_row_of[row.code]),
                )
            )
            continue
        first_row_of[row.code] = number
        parsed.append(row)
    if result.rows == 0:
        result.errors.append(RowError(0, "", _l("The file has a header but no rows.")))
    with tenancy.every_partner(reason="an import matches partners and contacts across all partners"):
        existing = {p.code: p for p in db.session.scalars(select(Partner).where(Partner.code.in_(first_row_of)))}
        emails = {row.contact_email for row in parsed if row.contact_email}
        accounts = {u.email: u for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))}
        for row in parsed:
            account = accounts.get(row.contact_email) if row.contact_email else None
            partner = existing.get(row.code)
            if account is not None and account.partner_id != (partner.id if partner else -1):
                result.errors.append(
                    RowError(
                        row.row,
                        "contact_email",
                        _l("%(email)s already has an account with another organisation.", email=row.contact_email),
                    )
                )
            history = row.history  # a file's own joined_on is checked with its row; here the one already known
            known_since = partner.joined_on if partner is not None and history.joined_on is None else None
            if history.status_since and known_since and history.status_since < known_since:
                result.errors.append(
                    RowError(
                        row.row,
                        "status_since",
                        _l("The status cannot begin before the partner joined (%(day)s).", day=known_since),
                    )
                )
        if not result.ok:
            return result
        for row in parsed:
            _write_row(today, row, existing.get(row.code), accounts, actor, filename, result)
    return result


def _write_row(
    today: date,
    row: ImportedRow,
    partner: Partner | None,
    accounts: dict[str, User],
    actor: User,
    filename: str,
    result: ImportResult,
) -> None:
    reason = f"import {filename[:200]}"
    history = row.history
    if partner is None:
        joined_on = history.joined_on or today
        partner = add_partner(
            Partner(
                code=row.code,
                legal_name=row.name,
                partner_type=row.partner_type,
                tier=row.tier or PartnerTier.REGISTERED,
                status=history.status or PartnerStatus.ACTIVE,
                status_since=history.status_since
                or (joined_on if history.status in (None, PartnerStatus.ACTIVE) else today),
                joined_on=joined_on,
                region=row.region,
                city_text=row.city_text,
            ),
            actor=actor,
            reason=reason,
        )
        result.created += 1
    else:
        with audit.tracking(partner, Partner.AUDITED, actor=actor, partner_id=partner.id, reason=reason) as tracked:
            partner.legal_name, partner.partner_type = row.name, row.partner_type
            partner.region, partner.city_text = row.region, row.city_text
            if row.tier is not None:
                partner.tier = row.tier
            if history.joined_on is not None:
                partner.joined_on = history.joined_on
            if history.status is not None:
                set_partner_status(partner, history.status, since=history.status_since)
        if tracked.entry:
            result.updated += 1
        else:
            result.unchanged += 1
    if row.contact_email and row.contact_email not in accounts:
        accounts[row.contact_email] = invite_user(
            actor=actor,
            email=row.contact_email,
            name=row.contact_email.split("@")[0],
            role=Role.PARTNER_ADMIN,
            partner=partner,
        )
        result.invited += 1
