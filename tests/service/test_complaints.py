"""End customers' complaints: logged by the partner, resolved or escalated into a case, repeats flagged, and the
contact's personal data masked, exported and erased with the customer's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from orders.customers import erase_personal_data, personal_data
from portal.database import utcnow
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation
from service import complaints
from service.models import CaseStatus, ComplaintStatus, CustomerComplaint
from tests.builders import make_complaint, make_customer, make_partner, make_product, make_user


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(region="CN-GD")
    clerk = make_user(partner, role=Role.PARTNER_USER)
    return {
        "partner": partner,
        "clerk": clerk,
        "partner_admin": make_user(partner, role=Role.PARTNER_ADMIN),
        "customer": make_customer(partner),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
        "other": make_user(make_partner(region="CN-GX"), role=Role.PARTNER_USER),
    }


def test_a_complaint_is_logged_for_ones_own_customer_only(world):
    complaint = make_complaint(world["clerk"], world["customer"])
    assert (complaint.status, complaint.partner_id) == (ComplaintStatus.OPEN, world["partner"].id)
    with pytest.raises(RuleViolation) as refused:
        make_complaint(world["other"], world["customer"])
    assert refused.value.field == "customer_code"
    with pytest.raises(PermissionDenied):
        make_complaint(world["manager"], world["customer"])
    with pytest.raises(RuleViolation) as refused:
        make_complaint(world["clerk"], world["customer"], words="  ")
    assert refused.value.field == "customer_words"


def test_the_partner_resolves_a_complaint_itself_saying_what_it_did(world):
    complaint = make_complaint(world["clerk"], world["customer"])
    with pytest.raises(RuleViolation):
        complaints.resolve_complaint(complaint, " ", actor=world["clerk"])
    complaints.resolve_complaint(complaint, "Exchanged both drills on site.", actor=world["partner_admin"])
    assert complaint.status is ComplaintStatus.RESOLVED and complaint.resolved_at is not None
    with pytest.raises(PermissionDenied):  # done: nothing more to do on it
        complaints.escalate_complaint(complaint, actor=world["clerk"])


def test_an_escalated_complaint_becomes_a_case_without_the_contacts_personal_data(world):
    complaint = make_complaint(world["clerk"], world["customer"], product=make_product("DRILL-X"))
    with pytest.raises(PermissionDenied):
        complaints.escalate_complaint(complaint, actor=world["manager"])  # the partner decides to escalate
    case = complaints.escalate_complaint(complaint, actor=world["clerk"])
    assert complaint.status is ComplaintStatus.ESCALATED and complaint.case_id == case.id
    assert case.status is CaseStatus.NEW and case.customer_id == world["customer"].id and case.product.sku == "DRILL-X"
    assert complaint.reference in case.subject and "两台电钻开关失灵" in case.description
    assert "李娜" not in case.description + case.subject and "13912345678" not in case.description


def test_the_same_customer_and_product_again_within_90_days_is_a_repeat(world):
    drill, saw = make_product("DRILL-R"), make_product("SAW-R")
    now = utcnow()
    first = make_complaint(world["clerk"], world["customer"], product=drill, now=now - timedelta(days=200))
    second = make_complaint(world["clerk"], world["customer"], product=drill, now=now - timedelta(days=100))
    third = make_complaint(world["clerk"], world["customer"], product=drill, now=now - timedelta(days=20))
    other_product = make_complaint(world["clerk"], world["customer"], product=saw, now=now)
    # 100 days after the first is no repeat; 80 days after the second is.
    assert complaints.repeats([first, second, third, other_product]) == {third.id}


def test_lists_mask_the_contact_and_the_customers_export_and_erasure_reach_the_complaints(world):
    complaint = make_complaint(world["clerk"], world["customer"])
    assert complaints.masked_contact(complaint) != "李娜 13912345678" and "5678" in complaints.masked_contact(complaint)
    exported = personal_data(world["customer"])
    assert exported["complaints"][0]["contact_name"] == "李娜"
    erase_personal_data(world["customer"], actor=world["partner_admin"], reason="The customer asked on 1 December")
    row = db.session.scalars(select(CustomerComplaint)).one()
    assert (row.contact_name, row.contact_phone) == (None, None)
    assert row.customer_words == "两台电钻开关失灵，要求换货。" and complaints.awaiting_action() == 1
