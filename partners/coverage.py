"""Coverage: which partner is assigned to sell in which region (and product line), exclusive or not, from when to
when; the overlaps of exclusive assignments; a partner's status and tier on a past day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from partners.models import (
    CoverageAssignment,
    Partner,
    PartnerFacts,
    PartnerStatus,
    PartnerTier,
    ProductLine,
    Region,
)
from portal import audit
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.calendar import day_begins, local_day
from portal.database import among, utcnow
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation


def may_assign_coverage(actor: User, region: Region | None = None) -> bool:
    """Brand staff assign coverage (by hand or from a file): an admin anywhere, a channel manager inside the
    regions they cover. Without a region: whether the actor may assign any at all."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.CHANNEL_MANAGER:
        return False
    return region is None or any(own.contains(region) for own in actor.regions)


def outside_regions(region: Region):
    """Why a channel manager may not assign `region`."""
    return _l("%(region)s is outside your regions.", region=region.full_name)


def _check_actor(actor: User, region: Region) -> None:
    if not may_assign_coverage(actor):
        raise PermissionDenied()
    if not may_assign_coverage(actor, region):
        raise RuleViolation(outside_regions(region), field="region")


def _touch(partner: Partner, expected_version: int | None) -> None:
    """Every adjustment moves the partner's version, so a second manager working from the same page is refused
    (here, or by the database when both arrive at once) instead of silently overwriting the first."""
    if expected_version is not None and expected_version != partner.version_id:
        raise RuleViolation(
            _l(
                "Someone changed this partner's coverage or standing while you were looking at it. "
                "Look at it again and decide."
            ),
            field="reason",
        )
    partner.updated_at = utcnow()


def claims_meet(region: Region, line_id: int | None, other_region: Region, other_line_id: int | None) -> bool:
    """Two assignments claim the same ground: one region lies within the other (or they are one), and they name
    the same product line or one of them every line."""
    return (region.contains(other_region) or other_region.contains(region)) and (
        line_id is None or other_line_id is None or line_id == other_line_id
    )


def assign_coverage(
    partner: Partner,
    region: Region,
    product_line: ProductLine | None,
    *,
    exclusive: bool,
    effective_from: date,
    reason: str,
    actor: User,
    expected_version: int | None = None,
) -> tuple[CoverageAssignment, list[CoverageAssignment]]:
    """Assign a region (and product line, or every line) to the partner from `effective_from`. Refused without a
    reason, when the same assignment already holds, or outside a manager's regions. Returns the assignment and the
    other partners' exclusive assignments it overlaps (allowed — a hand-over takes days — but shown). Audited;
    the caller commits."""
    _check_actor(actor, region)
    if not reason.strip():
        raise RuleViolation(_l("Say why the coverage changes."), field="reason")
    line_id = product_line.id if product_line else None
    for held in current_assignments(partner, effective_from):
        if held.region_id == region.id and held.product_line_id == line_id:
            raise RuleViolation(_l("%(partner)s holds this assignment already.", partner=partner.code), field="region")
    assignment = add_assignment(
        partner,
        region,
        product_line,
        exclusive=exclusive,
        effective_from=effective_from,
        reason=reason,
        actor=actor,
        expected_version=expected_version,
    )
    clashes = (
        [
            other
            for other in assignments_on(effective_from)
            if other.is_exclusive
            and other.partner_id != partner.id
            and claims_meet(other.region, other.product_line_id, region, line_id)
        ]
        if exclusive
        else []
    )
    return assignment, clashes


def add_assignment(
    partner: Partner,
    region: Region,
    product_line: ProductLine | None,
    *,
    exclusive: bool,
    effective_from: date,
    effective_to: date | None = None,
    reason: str,
    actor: User,
    expected_version: int | None = None,
) -> CoverageAssignment:
    """Write an assignment that its caller has checked against the rules (assign_coverage, the coverage import).
    Audited as "assign"; the partner's version moves. The caller commits."""
    _touch(partner, expected_version)
    assignment = CoverageAssignment(
        partner=partner,
        region=region,
        product_line=product_line,
        is_exclusive=exclusive,
        effective_from=effective_from,
        effective_to=effective_to,
        reason=reason.strip()[:300],
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.created(
        assignment,
        CoverageAssignment.AUDITED,
        actor=actor,
        action="assign",
        partner_id=partner.id,
        reason=reason.strip(),
    )
    return assignment


def revise_assignment(
    assignment: CoverageAssignment,
    *,
    exclusive: bool,
    effective_to: date | None,
    reason: str | None,
    actor: User,
    why: str,
) -> bool:
    """Rewrite an assignment's exclusivity, end and reason (None keeps the reason), as its caller has checked
    them (the coverage import, loading history). A new end is said to come from `why`. Audited; the partner's
    version moves; False when nothing changed. The caller commits."""
    with audit.tracking(
        assignment,
        (*CoverageAssignment.AUDITED, "reason"),
        actor=actor,
        partner_id=assignment.partner_id,
        reason=why,
    ) as tracked:
        if effective_to != assignment.effective_to:
            assignment.end_reason = why[:300] if effective_to is not None else None
        assignment.is_exclusive, assignment.effective_to = exclusive, effective_to
        if reason is not None:
            assignment.reason = reason.strip()[:300]
    if tracked.entry is None:
        return False
    _touch(assignment.partner, None)
    return True


def end_coverage(
    assignment: CoverageAssignment, *, effective_to: date, reason: str, actor: User, expected_version: int | None = None
) -> CoverageAssignment:
    """End an assignment: from `effective_to` on, it no longer holds. Audited; the caller commits."""
    _check_actor(actor, assignment.region)
    if not reason.strip():
        raise RuleViolation(_l("Say why the coverage changes."), field="reason")
    if assignment.effective_to is not None:
        raise RuleViolation(_l("This assignment has ended already."), field="reason")
    if effective_to <= assignment.effective_from:
        raise RuleViolation(
            _l("The end must come after the start (%(day)s).", day=assignment.effective_from.isoformat()),
            field="effective_to",
        )
    _touch(assignment.partner, expected_version)
    with audit.tracking(
        assignment,
        CoverageAssignment.AUDITED,
        actor=actor,
        action="end",
        partner_id=assignment.partner_id,
        reason=reason.strip(),
    ):
        assignment.effective_to, assignment.end_reason = effective_to, reason.strip()[:300]
    return assignment


def assignments_on(day: date, partner: Partner | None = None) -> list[CoverageAssignment]:
    """Every assignment in scope (or only the partner's) that holds on `day` (CoverageAssignment.holds_on)."""
    query = select(CoverageAssignment).where(CoverageAssignment.holds_on(day))
    if partner is not None:
        query = query.where(CoverageAssignment.partner_id == partner.id)
    return list(db.session.scalars(query.order_by(CoverageAssignment.effective_from, CoverageAssignment.id)))


def current_assignments(partner: Partner, day: date) -> list[CoverageAssignment]:
    return assignments_on(day, partner)


def assignment_history(partner: Partner) -> list[CoverageAssignment]:
    return list(
        db.session.scalars(
            select(CoverageAssignment)
            .where(CoverageAssignment.partner_id == partner.id)
            .order_by(CoverageAssignment.effective_from.desc(), CoverageAssignment.id.desc())
        )
    )


@dataclass(frozen=True)
class Overlap:
    first: CoverageAssignment
    second: CoverageAssignment


def exclusive_overlaps(day: date) -> list[Overlap]:
    """Pairs of different partners' exclusive assignments that hold on `day` for the same place (one region
    within the other) and the same product line (or every line)."""
    exclusive = [a for a in assignments_on(day) if a.is_exclusive]
    return [
        Overlap(a, b)
        for i, a in enumerate(exclusive)
        for b in exclusive[i + 1 :]
        if a.partner_id != b.partner_id and claims_meet(a.region, a.product_line_id, b.region, b.product_line_id)
    ]


@dataclass(frozen=True)
class StandingChange:
    """One audited change of a partner's status or tier: when, from what, to what (the enums' values)."""

    at: datetime
    before: str
    after: str


def _changes_since(partners: Sequence[PartnerFacts], field: str, moment: datetime) -> dict[int, list[StandingChange]]:
    """Each partner's audited changes of `field` ("status" or "tier") from `moment` on, oldest first: one query
    however many partners. A partner's creation is no change: it holds the values it was created with from the day
    it joined (a partner loaded with its history, from its joined_on, not from the day of the load)."""
    changes: dict[int, list[StandingChange]] = defaultdict(list)
    entries = db.session.execute(
        select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.changes)
        .where(
            AuditEntry.entity_type == "partners",
            among(AuditEntry.entity_id, [partner.id for partner in partners]),
            AuditEntry.at >= moment,
            AuditEntry.action != "create",
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    for partner_id, at, fields in entries:
        if field in fields:
            before, after = fields[field]
            changes[partner_id].append(StandingChange(at, before, after))
    return changes


def status_on(partners: Sequence[Partner], day: date) -> dict[int, PartnerStatus | None]:
    """Each partner's status at the end of `day`, worked back from the audit log (what the first later change
    changed from); None before it existed."""
    statuses: dict[int, PartnerStatus | None] = {}
    later_changes = _changes_since(partners, "status", _end_of(day))
    for partner in partners:
        if partner.joined_on > day:
            statuses[partner.id] = None
        elif later := later_changes.get(partner.id):
            statuses[partner.id] = PartnerStatus(later[0].before)
        elif partner.status_since > day:  # loaded with its history: active until it took its present status
            statuses[partner.id] = PartnerStatus.ACTIVE
        else:
            statuses[partner.id] = partner.status
    return statuses


def tier_on(partners: Sequence[PartnerFacts], day: date) -> dict[int, PartnerTier]:
    """Each partner's tier at the end of `day`, worked back from the audit log: the tier the first later change
    changed from, else its present one. Before a partner joined, the tier it joined with (whether it was a
    partner then is status_on's answer). One query: the scoring of a month asks it for every partner."""
    later_changes = _changes_since(partners, "tier", _end_of(day))
    return {partner.id: _tier_then(partner, later_changes.get(partner.id, [])) for partner in partners}


def _tier_then(partner: PartnerFacts, later_changes: list[StandingChange]) -> PartnerTier:
    return PartnerTier(later_changes[0].before) if later_changes else partner.tier


@dataclass(frozen=True)
class TierSpell:
    """A tier the partner held during a period, up to the day it changed (None: it held it to the period's end)."""

    tier: PartnerTier
    until: date | None


def tiers_during(partner: PartnerFacts, first: date, last: date) -> list[TierSpell]:
    """The tiers the partner held from `first` to the end of `last`, oldest first (tier_on's rule): one spell when
    its tier did not change, one more for each change in the days between."""
    changes = _changes_since([partner], "tier", day_begins(first)).get(partner.id, [])
    within = [change for change in changes if change.at < _end_of(last)]
    spells = [TierSpell(PartnerTier(change.before), local_day(change.at)) for change in within]
    return [*spells, TierSpell(_tier_then(partner, changes[len(within) :]), None)]


def _end_of(day: date) -> datetime:
    """The end of a day in the brand's time zone, as every "as of" day is meant."""
    return day_begins(day + timedelta(days=1))
