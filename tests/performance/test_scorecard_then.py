"""A scorecard of a past month or range shows the figures of that time (performance/scorecards.py and scoring.py):
the tier then (and its changes within the range), the targets then, the coverage then and the status then, for a
partner that has since moved up twice and been terminated."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_login import login_user
from pypdf import PdfReader
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from partners import coverage
from partners.models import PartnerStatus, PartnerTier
from partners.regions import region_by_code
from partners.services import change_partner_standing, change_partner_tier
from performance import scoring
from performance.models import SalesTarget, Scorecard
from performance.scorecards import build_scorecard
from portal import tenancy
from portal.audit import AuditEntry
from portal.calendar import MonthRange
from portal.extensions import db
from portal.security import Role
from tests.builders import joined, make_course, make_partner, make_sales_line, make_user

MAY, JUNE = date(2012, 5, 1), date(2012, 6, 1)


def _backdated(at: datetime) -> None:
    """The audit entry just written, as if it had been written at `at`."""
    db.session.flush()
    db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one().at = at
    db.session.flush()


@pytest.fixture()
def history(db, every_partner):
    """A distributor of 2011: Silver, Gold from 2012-05-14, Platinum from 2013-03-01, terminated on 2013-06-30;
    Guangdong (exclusive) until 2013, Fujian since; targets for May and June 2012; a course required of Gold."""
    admin = make_user(role=Role.ADMIN)
    partner = joined(make_partner(region="CN-GD", tier=PartnerTier.SILVER), datetime(2011, 1, 10, tzinfo=UTC))
    for order_date, price in ((date(2012, 5, 20), "300"), (date(2012, 6, 10), "500")):
        make_sales_line(partner, order_date=order_date, quantity="2", unit_price=price)
    for period, amount in ((MAY, 1000), (JUNE, 2000), (date(2026, 10, 1), 99_000)):
        db.session.add(SalesTarget(partner_id=partner.id, period=period, amount=Decimal(amount)))
    guangdong, _ = coverage.assign_coverage(
        partner,
        region_by_code("CN-GD"),
        None,
        exclusive=True,
        effective_from=date(2011, 1, 10),
        reason="launch",
        actor=admin,
    )
    coverage.end_coverage(guangdong, effective_to=date(2013, 1, 1), reason="handed over", actor=admin)
    coverage.assign_coverage(
        partner,
        region_by_code("CN-FJ"),
        None,
        exclusive=False,
        effective_from=date(2013, 1, 1),
        reason="moved",
        actor=admin,
    )
    make_course(types=("distributor",), created_at=datetime(2010, 1, 1, tzinfo=UTC)).required_tiers = ["gold"]
    change_partner_tier(partner, PartnerTier.GOLD, actor=admin, reason="strong 2011")
    _backdated(datetime(2012, 5, 14, 4, tzinfo=UTC))
    change_partner_tier(partner, PartnerTier.PLATINUM, actor=admin, reason="strong 2012")
    _backdated(datetime(2013, 3, 1, 4, tzinfo=UTC))
    change_partner_standing(
        partner, actor=admin, status=PartnerStatus.TERMINATED, tier=PartnerTier.PLATINUM, reason="closed"
    )
    _backdated(datetime(2013, 6, 30, 4, tzinfo=UTC))
    partner.status_since = date(2013, 6, 30)
    db.session.flush()
    return partner


@contextmanager
def as_admin(app) -> Iterator[None]:
    """A request of an admin: the tiles link where the reader may go."""
    with app.test_request_context(), tenancy.every_partner(reason="a brand user's view of the partner"):
        login_user(make_user(role=Role.ADMIN))
        yield


def _tile(view, name: str):
    return next(tile for tile in view.tiles if tile["name"] == name)


def test_a_past_month_shows_the_tier_targets_coverage_and_status_of_that_time(app, history):
    with as_admin(app):
        june = build_scorecard(history, MonthRange.month(JUNE))
        later = build_scorecard(history, MonthRange.month(date(2013, 7, 1)))
        june_regions = [assignment.region.code for assignment in june.coverage_then]
        later_regions = [assignment.region.code for assignment in later.coverage_then]
    assert june.as_of == date(2012, 6, 30)
    assert june.tier_then == "Gold" and history.tier is PartnerTier.PLATINUM
    assert june.status_then is PartnerStatus.ACTIVE and history.status is PartnerStatus.TERMINATED
    assert june_regions == ["CN-GD"]
    assert june.coverage_then[0].is_exclusive
    assert _tile(june, "target")["value"] == Decimal(2000) and _tile(june, "target")["before"] == Decimal(1000)
    assert _tile(june, "target_attainment")["value"] == Decimal("0.5")  # 2 × 500 against June's 2,000
    assert _tile(june, "training_completion")["value"] == Decimal(0)  # Gold then: the Gold course was required

    assert later.tier_then == "Platinum" and later.status_then is PartnerStatus.TERMINATED
    assert later_regions == ["CN-FJ"]
    assert _tile(later, "training_completion")["value"] is None  # Platinum: nothing required of it


def test_a_range_names_the_tier_change_inside_it_and_sums_its_own_targets(app, history):
    with as_admin(app):
        spring = build_scorecard(history, MonthRange(MAY, JUNE))
    assert spring.tier_then == "Silver until 2012-05-14, Gold since"
    assert _tile(spring, "target")["value"] == Decimal(3000)
    assert _tile(spring, "target_attainment")["value"] == Decimal(1600) / Decimal(3000)


def test_scoring_a_past_month_reads_the_tier_of_that_month_with_one_audit_query(history, every_partner):
    for _ in range(3):
        joined(make_partner(tier=PartnerTier.GOLD), datetime(2011, 1, 1, tzinfo=UTC))
    audit_reads: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "audit_entries" in statement:
            audit_reads.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        scoring.compute_scorecards(JUNE)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert len(audit_reads) == 1  # once for the month, not once per partner
    scoring.compute_scorecards(date(2013, 4, 1))
    cards = {
        card.period: card.kpis["training_completion"]
        for card in db.session.scalars(select(Scorecard).where(Scorecard.partner_id == history.id))
    }
    assert cards == {JUNE: "0.0", date(2013, 4, 1): None}  # Gold in June 2012 (course required), Platinum in April 2013


def test_the_scorecard_page_of_a_past_month_of_a_partner_terminated_since(client, login, history):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN",))
    login(manager)
    page = client.get(f"/performance/partners/{history.id}/scorecard?period=2012-06")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "As of 2012-06-30" in html and "Gold" in html and "(now Platinum)" in html
    assert "Status: Active" in html and "Terminated since 2013-06-30" in html
    assert "Guangdong" in html and "Fujian" not in html
    ranged = client.get(f"/performance/partners/{history.id}/scorecard?first=2012-05&last=2012-06").get_data(
        as_text=True
    )
    assert "Silver until 2012-05-14, Gold since" in ranged and "3,000.00" in ranged  # the targets of May and June
    # A decision taken now, from the past month's page (CSRF token sent as a browser does), moves the present tier
    # only: the past month still shows the tier of its time.
    decided = client.post(
        f"/performance/partners/{history.id}/tier?period=2012-06",
        data={"tier": "registered", "version": history.version_id, "reason": "terminated partners start over"},
    )
    assert decided.status_code == 303
    html = client.get(f"/performance/partners/{history.id}/scorecard?period=2012-06").get_data(as_text=True)
    assert "Gold" in html and "(now Registered)" in html


def test_the_pdf_of_a_past_range_carries_the_tier_then(client, login, history):
    login(make_user(role=Role.ADMIN))
    response = client.get(f"/performance/partners/{history.id}/scorecard.pdf?first=2012-05&last=2012-06")
    assert response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Tier: Silver until 2012-05-14, Gold since (now Platinum)" in text
    assert "Terminated since 2013-06-30" in text and "China › Guangdong every line yes 2011-01-10 2013-01-01" in text
