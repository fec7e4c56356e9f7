"""Deal registration: conflicts flagged on both sides, approval with protection, reasons, wins linked to sales."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from orders import deals
from orders.models import DealStatus
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import make_partner, make_sales_line, make_user

TODAY = date(2026, 11, 23)


@pytest.fixture()
def world(db, every_partner):
    a, b = make_partner(code="P-A", region="CN-GD"), make_partner(code="P-B", region="CN-GD")
    return {
        "a": a,
        "b": b,
        "clerk_a": make_user(a),
        "clerk_b": make_user(b),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
    }


def fields(name="深圳宏达机电有限公司", close=TODAY + timedelta(days=30)):
    return deals.DealFields(
        customer_name=name,
        customer_region="深圳",
        products="PWR-DRILL-18V × 200",
        estimated_value=Decimal("180000"),
        expected_close=close,
    )


def test_two_partners_chasing_the_same_customer_are_both_flagged(world):
    first = deals.register_deal(fields(), actor=world["clerk_a"], today=TODAY)
    assert first.conflict_note is None
    second = deals.register_deal(fields("深圳宏达机电股份有限公司"), actor=world["clerk_b"], today=TODAY)
    assert f"#{first.id} P-A" in second.conflict_note and f"#{second.id} P-B" in first.conflict_note


def test_approval_protects_for_the_configured_days(app, world):
    deal = deals.register_deal(fields(), actor=world["clerk_a"], today=TODAY)
    deals.approve_deal(deal, actor=world["manager"], today=TODAY)
    assert deal.status is DealStatus.APPROVED
    assert deal.protected_until == TODAY + timedelta(days=app.config["DEAL_PROTECTION_DAYS"])


def test_rejection_needs_a_reason(world):
    deal = deals.register_deal(fields(), actor=world["clerk_a"], today=TODAY)
    with pytest.raises(RuleViolation):
        deals.reject_deal(deal, actor=world["manager"], reason="", today=TODAY)
    deals.reject_deal(deal, actor=world["manager"], reason="客户已由直销覆盖", today=TODAY)
    assert deal.status is DealStatus.REJECTED and deal.decision_note == "客户已由直销覆盖"


def test_partners_do_not_approve_their_own_deals(world):
    deal = deals.register_deal(fields(), actor=world["clerk_a"], today=TODAY)
    with pytest.raises(PermissionDenied):
        deals.approve_deal(deal, actor=world["clerk_a"], today=TODAY)


def test_a_win_links_to_its_reported_sales(world):
    deal = deals.register_deal(fields(), actor=world["clerk_a"], today=TODAY)
    deals.approve_deal(deal, actor=world["manager"], today=TODAY)
    with pytest.raises(RuleViolation):
        deals.close_deal(deal, actor=world["clerk_a"], won=True, today=TODAY, order_no="SO-NOT-REPORTED")
    make_sales_line(world["a"], order_no="SO-WIN", actor=world["clerk_a"])
    deals.close_deal(deal, actor=world["clerk_a"], won=True, today=TODAY, order_no="SO-WIN")
    assert deal.status is DealStatus.WON and [line.order_no for line in deals.won_lines(deal)] == ["SO-WIN"]


def test_deals_expire_after_protection_or_expected_close(world):
    waiting = deals.register_deal(fields(close=TODAY), actor=world["clerk_a"], today=TODAY)
    approved = deals.register_deal(fields("Other Co"), actor=world["clerk_b"], today=TODAY)
    deals.approve_deal(approved, actor=world["manager"], today=TODAY - timedelta(days=100))
    assert deals.expire_deals(TODAY) == 1 and approved.status is DealStatus.EXPIRED
    assert deals.expire_deals(TODAY + timedelta(days=1)) == 1 and waiting.status is DealStatus.EXPIRED


def test_bad_values_are_refused(world):
    with pytest.raises(RuleViolation):
        deals.register_deal(fields(close=TODAY - timedelta(days=1)), actor=world["clerk_a"], today=TODAY)
    with pytest.raises(RuleViolation):
        deals.register_deal(deals.DealFields("X", "", "p", Decimal("-5"), TODAY), actor=world["clerk_a"], today=TODAY)


def test_deal_pages(client, login, db, world):
    login(world["clerk_a"])
    response = client.post(
        "/orders/deals/new",
        data={"customer_name": "宏达", "products": "drills", "estimated_value": "1000", "expected_close": "2099-01-01"},
    )
    assert response.status_code == 303
    deal_url = response.headers["Location"]
    login(world["manager"])
    assert "宏达" in client.get("/orders/deals").get_data(as_text=True)
    deal_id = int(deal_url.rsplit("/", 1)[1])
    assert client.post(f"/orders/deals/{deal_id}/approve").status_code == 303
    assert "Approved" in client.get(deal_url).get_data(as_text=True)


def test_who_may_decide_or_close_a_deal_is_what_the_service_enforces(app, world):
    deal = deals.register_deal(fields(), actor=world["clerk_a"], today=TODAY)
    manager, own, other = world["manager"], world["clerk_a"], world["clerk_b"]
    assert deals.may_decide(deal, manager, TODAY) and not deals.may_decide(deal, own, TODAY)
    assert not deals.may_close(deal, own, TODAY)  # waiting for approval
    deals.approve_deal(deal, actor=manager, today=TODAY)
    assert not deals.may_decide(deal, manager, TODAY)
    assert deals.may_close(deal, own, TODAY) and not deals.may_close(deal, other, TODAY)
    after_protection = deal.protected_until + timedelta(days=1)
    assert not deals.may_close(deal, own, after_protection)  # expired, recorded or not
    with pytest.raises(RuleViolation):
        deals.close_deal(deal, actor=own, won=False, today=after_protection)
