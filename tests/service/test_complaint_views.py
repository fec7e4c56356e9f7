"""Complaints through the test client, CSRF on: logged from the customer's page, escalated into a case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.security import Role
from service.models import ComplaintStatus, CustomerComplaint, SupportCase
from tests.builders import make_complaint, make_customer, make_partner, make_user
from tests.hardening.conftest import submission_key_of


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(region="CN-GD")
    return {
        "clerk": make_user(partner, role=Role.PARTNER_USER),
        "customer": make_customer(partner, code="C-77"),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
    }


def test_a_complaint_is_logged_from_the_customers_page_and_keeps_what_was_typed_when_refused(client, login, world):
    login(world["clerk"])
    customer_page = client.get(f"/orders/customers/{world['customer'].id}").get_data(as_text=True)
    assert "/service/complaints/new?customer=C-77" in customer_page
    page = client.get("/service/complaints/new?customer=C-77").get_data(as_text=True)
    assert 'value="C-77"' in page
    form = {
        "submission_key": submission_key_of(page),
        "customer_code": "C-77",
        "sku": "NO-SUCH",
        "category": "product_quality",
        "severity": "high",
        "customer_words": "开关失灵",
        "contact_name": "李娜",
    }
    refused = client.post("/service/complaints/new", data=form)
    assert refused.status_code == 422 and "Unknown SKU NO-SUCH" in refused.get_data(as_text=True)
    assert "开关失灵" in refused.get_data(as_text=True)
    saved = client.post("/service/complaints/new", data={**form, "sku": ""})
    assert saved.status_code == 303
    listing = client.get("/service/complaints").get_data(as_text=True)
    assert "开关失灵" not in listing and "李娜" not in listing and "李*" in listing  # the contact masked


def test_the_partner_escalates_and_the_brand_sees_the_case_but_cannot_act_on_the_complaint(client, login, world):
    complaint = make_complaint(world["clerk"], world["customer"])
    login(world["manager"])
    assert client.post(f"/service/complaints/{complaint.id}/escalate").status_code == 403
    login(world["clerk"])
    response = client.post(f"/service/complaints/{complaint.id}/escalate")
    db.session.expire_all()  # the request changed the rows in its own session
    case = db.session.scalars(select(SupportCase)).one()
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/service/cases/{case.id}")
    assert db.session.get(CustomerComplaint, complaint.id).status is ComplaintStatus.ESCALATED
    login(world["manager"])
    assert complaint.reference in client.get(f"/service/cases/{case.id}").get_data(as_text=True)
    assert client.post(f"/service/complaints/{complaint.id}/escalate").status_code == 403
