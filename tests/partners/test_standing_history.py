"""A partner as it was on a past day (partners/coverage.py): its tier and status worked back from the audit log,
and the coverage assignments that held."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from partners import coverage
from partners.bulk_import import import_partners
from partners.coverage import TierSpell, status_on, tier_on, tiers_during
from partners.models import CoverageAssignment, Partner, PartnerStatus, PartnerTier
from partners.regions import region_by_code
from partners.services import change_partner_standing, change_partner_tier
from portal.audit import AuditEntry
from portal.extensions import db as database
from portal.security import Role
from tests.builders import joined, make_partner, make_user


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def backdated(at: datetime) -> None:
    """The audit entry just written, as if it had been written at `at` (history is older than the test)."""
    database.session.flush()
    entry = database.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    entry.at = at
    database.session.flush()


def retiered(partner: Partner, tier: PartnerTier, at: datetime, admin) -> None:
    change_partner_tier(partner, tier, actor=admin, reason="annual review")
    backdated(at)


def imported(admin, row: str) -> Partner:
    data = ("partner_code,name,type,tier,country,province,joined_on,status,status_since\n" + row).encode()
    result = import_partners(io.BytesIO(data), "partners.csv", actor=admin, max_bytes=len(data))
    assert result.ok, result.errors
    code = row.split(",")[0]
    return database.session.scalars(select(Partner).where(Partner.code == code)).one()


def test_an_imported_partner_holds_its_imported_tier_from_the_day_it_joined_until_each_change(db, admin):
    # Loaded today with the tier it has held since 2010; two changes recorded since (backdated for the test).
    partner = imported(admin, "AW-010,Two Changes Ltd,reseller,silver,US,WA,2010-03-01,,\n")
    retiered(partner, PartnerTier.GOLD, datetime(2012, 5, 14, 4, tzinfo=UTC), admin)
    retiered(partner, PartnerTier.PLATINUM, datetime(2013, 3, 1, 4, tzinfo=UTC), admin)
    steady = imported(admin, "AW-011,Never Changed Ltd,reseller,gold,US,OR,2010-03-01,,\n")
    before = tier_on([partner, steady], date(2011, 12, 31))
    assert before == {partner.id: PartnerTier.SILVER, steady.id: PartnerTier.GOLD}
    assert tier_on([partner], date(2012, 5, 13)) == {partner.id: PartnerTier.SILVER}
    assert tier_on([partner], date(2012, 5, 14)) == {partner.id: PartnerTier.GOLD}  # the day's end counts
    assert tier_on([partner], date(2012, 12, 31)) == {partner.id: PartnerTier.GOLD}
    assert tier_on([partner], date(2013, 3, 1)) == {partner.id: PartnerTier.PLATINUM}
    assert partner.tier is PartnerTier.PLATINUM


def test_a_change_is_on_the_brands_day_not_on_utc(db, admin):
    partner = joined(make_partner(tier=PartnerTier.SILVER), datetime(2011, 1, 1, tzinfo=UTC))
    retiered(partner, PartnerTier.GOLD, datetime(2012, 5, 14, 16, 30, tzinfo=UTC), admin)  # 00:30 on the 15th
    assert tier_on([partner], date(2012, 5, 14)) == {partner.id: PartnerTier.SILVER}
    assert tier_on([partner], date(2012, 5, 15)) == {partner.id: PartnerTier.GOLD}
    assert tiers_during(partner, date(2012, 5, 1), date(2012, 5, 31)) == [
        TierSpell(PartnerTier.SILVER, date(2012, 5, 15)),
        TierSpell(PartnerTier.GOLD, None),
    ]


def test_the_tiers_during_a_range_name_each_change_inside_it_and_only_those(db, admin):
    partner = joined(make_partner(tier=PartnerTier.SILVER), datetime(2011, 1, 1, tzinfo=UTC))
    retiered(partner, PartnerTier.GOLD, datetime(2012, 5, 14, 4, tzinfo=UTC), admin)
    retiered(partner, PartnerTier.PLATINUM, datetime(2012, 9, 1, 4, tzinfo=UTC), admin)
    retiered(partner, PartnerTier.REGISTERED, datetime(2014, 1, 1, 4, tzinfo=UTC), admin)
    assert tiers_during(partner, date(2012, 1, 1), date(2012, 12, 31)) == [
        TierSpell(PartnerTier.SILVER, date(2012, 5, 14)),
        TierSpell(PartnerTier.GOLD, date(2012, 9, 1)),
        TierSpell(PartnerTier.PLATINUM, None),
    ]
    assert tiers_during(partner, date(2013, 1, 1), date(2013, 12, 31)) == [TierSpell(PartnerTier.PLATINUM, None)]
    assert tiers_during(partner, date(2011, 1, 1), date(2011, 12, 31)) == [TierSpell(PartnerTier.SILVER, None)]


def test_a_partner_without_a_change_has_its_present_tier_every_day(db, every_partner):
    partner = joined(make_partner(tier=PartnerTier.GOLD), datetime(2011, 1, 1, tzinfo=UTC))
    assert tier_on([partner], date(2011, 6, 30)) == {partner.id: PartnerTier.GOLD}
    assert tier_on([], date(2011, 6, 30)) == {}


def test_standing_changes_other_than_the_tier_do_not_move_it(db, admin):
    partner = joined(make_partner(tier=PartnerTier.SILVER), datetime(2011, 1, 1, tzinfo=UTC))
    change_partner_standing(
        partner, actor=admin, status=PartnerStatus.SUSPENDED, tier=PartnerTier.SILVER, reason="unpaid invoices"
    )
    backdated(datetime(2012, 2, 1, 4, tzinfo=UTC))
    change_partner_standing(
        partner, actor=admin, status=PartnerStatus.TERMINATED, tier=PartnerTier.GOLD, reason="closed, final tier"
    )
    backdated(datetime(2012, 8, 1, 4, tzinfo=UTC))
    partner.status_since = date(2012, 8, 1)  # as the change would have set it that day
    assert tier_on([partner], date(2012, 7, 31)) == {partner.id: PartnerTier.SILVER}
    assert status_on([partner], date(2012, 1, 31)) == {partner.id: PartnerStatus.ACTIVE}
    assert status_on([partner], date(2012, 7, 31)) == {partner.id: PartnerStatus.SUSPENDED}
    assert status_on([partner], date(2012, 8, 1)) == {partner.id: PartnerStatus.TERMINATED}


def test_coverage_on_a_past_day_is_what_held_that_day_for_that_partner(db, admin):
    partner, other = (joined(make_partner(), datetime(2011, 1, 1, tzinfo=UTC)) for _ in range(2))
    guangdong, _ = coverage.assign_coverage(
        partner,
        region_by_code("CN-GD"),
        None,
        exclusive=True,
        effective_from=date(2011, 1, 1),
        reason="launch",
        actor=admin,
    )
    coverage.end_coverage(guangdong, effective_to=date(2012, 7, 1), reason="handed over", actor=admin)
    fujian, _ = coverage.assign_coverage(
        partner,
        region_by_code("CN-FJ"),
        None,
        exclusive=False,
        effective_from=date(2012, 7, 1),
        reason="moved",
        actor=admin,
    )
    coverage.assign_coverage(
        other, region_by_code("CN-GD"), None, exclusive=True, effective_from=date(2012, 7, 1), reason="x", actor=admin
    )
    assert coverage.current_assignments(partner, date(2012, 6, 30)) == [guangdong]
    assert coverage.current_assignments(partner, date(2012, 7, 1)) == [fujian]  # effective_to: the first day without
    assert len(coverage.assignments_on(date(2012, 7, 1))) == 2
    # The rule is stated once for Python and SQL alike.
    for day in (date(2010, 12, 31), date(2011, 1, 1), date(2012, 6, 30), date(2012, 7, 1)):
        held = database.session.scalars(
            select(CoverageAssignment.id).where(CoverageAssignment.holds_on(day), CoverageAssignment.id == guangdong.id)
        ).all()
        assert bool(held) is guangdong.holds_on(day)
