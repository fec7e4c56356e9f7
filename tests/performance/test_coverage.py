"""Coverage: assignments with effective dates, exclusive overlaps, the matrix as of any day, white space."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from partners import coverage
from partners.models import PartnerStatus, PartnerType
from partners.regions import region_by_code
from partners.services import change_partner_standing
from performance.coverage import coverage_matrix
from portal.calendar import local_today
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import joined, make_partner, make_product_line, make_sales_line, make_user

START = date(2026, 1, 1)


@pytest.fixture()
def admin(db):
    return make_user(role=Role.ADMIN)


def _assign(partner, region_code, actor, *, line=None, exclusive=False, start=START):
    return coverage.assign_coverage(
        partner,
        region_by_code(region_code),
        line,
        exclusive=exclusive,
        effective_from=start,
        reason="plan 2026",
        actor=actor,
    )


def test_an_assignment_holds_from_its_start_until_it_is_ended(db, every_partner, admin):
    partner = joined(make_partner())
    assignment, _ = _assign(partner, "CN-GD", admin)
    coverage.end_coverage(assignment, effective_to=date(2026, 7, 1), reason="moved to Fujian", actor=admin)
    assert coverage.current_assignments(partner, date(2025, 12, 31)) == []
    assert coverage.current_assignments(partner, date(2026, 6, 30)) == [assignment]
    assert coverage.current_assignments(partner, date(2026, 7, 1)) == []


def test_assignments_need_a_reason_stay_unique_and_end_after_they_start(db, every_partner, admin):
    partner = joined(make_partner())
    with pytest.raises(RuleViolation):
        coverage.assign_coverage(
            partner, region_by_code("CN-GD"), None, exclusive=False, effective_from=START, reason=" ", actor=admin
        )
    assignment, _ = _assign(partner, "CN-GD", admin)
    with pytest.raises(RuleViolation, match="already"):
        _assign(partner, "CN-GD", admin, start=date(2026, 3, 1))
    with pytest.raises(RuleViolation, match="after the start"):
        coverage.end_coverage(assignment, effective_to=START, reason="x", actor=admin)


def test_a_manager_assigns_only_inside_their_regions_and_partners_not_at_all(db, every_partner):
    partner = joined(make_partner(region="CN-GD"))
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    _assign(partner, "CN-440300", manager)  # Shenzhen lies in Guangdong
    with pytest.raises(RuleViolation, match="outside your regions"):
        _assign(partner, "CN-GX", manager)
    with pytest.raises(PermissionDenied):
        _assign(partner, "CN-GD", make_user(partner, role=Role.PARTNER_ADMIN))


def test_a_second_manager_working_from_a_stale_page_is_refused(db, every_partner, admin):
    partner = joined(make_partner())
    seen = partner.version_id
    coverage.assign_coverage(
        partner,
        region_by_code("CN-GD"),
        None,
        exclusive=False,
        effective_from=START,
        reason="first",
        actor=admin,
        expected_version=seen,
    )
    db.session.flush()
    with pytest.raises(RuleViolation, match="while you were looking"):
        coverage.assign_coverage(
            partner,
            region_by_code("CN-GX"),
            None,
            exclusive=False,
            effective_from=START,
            reason="second",
            actor=admin,
            expected_version=seen,
        )


def test_exclusive_assignments_overlap_within_a_region_and_product_line(db, every_partner, admin):
    tools, safety = make_product_line(), make_product_line()
    guangdong, shenzhen, elsewhere = (joined(make_partner()) for _ in range(3))
    _assign(guangdong, "CN-GD", admin, line=tools, exclusive=True)
    _, clashes = _assign(shenzhen, "CN-440300", admin, line=None, exclusive=True)  # every line, inside Guangdong
    assert [c.partner_id for c in clashes] == [guangdong.id]
    _assign(elsewhere, "CN-GD", admin, line=safety, exclusive=False)  # not exclusive: no overlap
    overlaps = coverage.exclusive_overlaps(date(2026, 2, 1))
    assert [(o.first.partner_id, o.second.partner_id) for o in overlaps] == [(guangdong.id, shenzhen.id)]
    assert coverage.exclusive_overlaps(date(2025, 12, 1)) == []  # before either began


def test_the_matrix_counts_covering_partners_sales_and_white_space_as_of_a_day(db, every_partner, admin):
    distributor = joined(make_partner(region="CN-440300", partner_type=PartnerType.DISTRIBUTOR))
    national = joined(make_partner(region="CN-BJ", partner_type=PartnerType.AGENT))
    _assign(distributor, "CN-GD", admin)
    _assign(national, "CN", admin)  # an agent for all of China covers every province
    make_sales_line(distributor, order_date=date(2026, 5, 9), quantity="3", unit_price="100.5")
    make_sales_line(distributor, order_date=date(2025, 5, 9), quantity="1", unit_price="999")  # > 12 months before
    matrix = coverage_matrix(parent=region_by_code("CN"), by="type", as_of=date(2026, 6, 30))
    guangdong, guangxi = region_by_code("CN-GD"), region_by_code("CN-GX")
    assert matrix.cell(guangdong, "distributor").partners == [distributor]
    assert matrix.cell(guangdong, "distributor").net_sales == Decimal("301.5")
    assert matrix.cell(guangxi, "agent").partners == [national]
    assert matrix.cell(guangxi, "distributor").partners == []
    assert guangdong not in matrix.white_space and guangxi not in matrix.white_space
    before = coverage_matrix(parent=region_by_code("CN"), by="type", as_of=date(2025, 12, 31))
    assert guangxi in before.white_space  # no assignment held yet, and the agent's home is Beijing


def test_a_partner_suspended_later_still_counts_on_an_earlier_day(db, every_partner, admin):
    partner = joined(make_partner(region="CN-GD"), datetime(2025, 1, 1, tzinfo=UTC))
    change_partner_standing(
        partner, actor=admin, status=PartnerStatus.SUSPENDED, tier=partner.tier, reason="unpaid invoices"
    )
    today = coverage_matrix(parent=region_by_code("CN"), by="type", as_of=local_today())
    assert today.cell(region_by_code("CN-GD"), "distributor").partners == []
    earlier = coverage_matrix(parent=region_by_code("CN"), by="type", as_of=date(2025, 6, 1))
    assert earlier.cell(region_by_code("CN-GD"), "distributor").partners == [partner]


def test_each_row_stands_as_white_space_one_partner_several_or_an_exclusive_overlap(db, every_partner, admin):
    """What the coverage map colours a region by, and its sales: of the partners based in it."""
    shenzhen, guangxi, nanning = (joined(make_partner(region=code)) for code in ("CN-440300", "CN-GX", "CN-GX"))
    beijing = joined(make_partner(region="CN-BJ"))
    joined(make_partner(region="CN-YN"))  # in Kunming, with no assignment
    _assign(shenzhen, "CN-GD", admin, exclusive=True)
    _assign(beijing, "CN-440300", admin, exclusive=True)  # inside Shenzhen's Guangdong: an overlap
    make_sales_line(guangxi, order_date=date(2026, 5, 9), quantity="1", unit_price="20")
    make_sales_line(nanning, order_date=date(2026, 5, 9), quantity="2", unit_price="20")
    make_sales_line(beijing, order_date=date(2026, 5, 9), quantity="1", unit_price="7")  # booked in Beijing
    matrix = coverage_matrix(parent=region_by_code("CN"), by="type", as_of=date(2026, 6, 30))
    standing = {code: matrix.standing(region_by_code(code)) for code in ("CN-GD", "CN-GX", "CN-YN", "CN-BJ")}
    assert standing == {
        "CN-GD": "exclusive_overlap",
        "CN-GX": "shared",
        "CN-YN": "one_partner",  # Kunming's partner holds no assignment: its home counts
        "CN-BJ": "white_space",  # Beijing's partner covers Shenzhen only
    }
    assert matrix.row_sales(region_by_code("CN-GX")) == Decimal(60)
    assert matrix.row_sales(region_by_code("CN-GD")) == Decimal(0)
    top = coverage_matrix(parent=None, by="type", as_of=date(2026, 6, 30))
    assert top.standing(region_by_code("CN")) == "exclusive_overlap"  # the overlap lies in China
