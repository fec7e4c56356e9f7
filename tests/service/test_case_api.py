"""/api/v1/cases with the partner's API tokens: the sales-lines API's validation and JSON errors, and never a note."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orders import api_tokens
from portal.extensions import db
from portal.security import Role
from service.models import SupportCase
from tests.builders import make_case, make_customer, make_partner, make_product, make_user

URL = "/api/v1/cases"


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(code="P-A", region="CN-GD")
    admin = make_user(partner, role=Role.PARTNER_ADMIN)
    make_customer(partner, code="C-9")
    make_product("DRILL-18V")
    other = make_user(make_partner(code="P-B"), role=Role.PARTNER_ADMIN)
    return {
        "admin": admin,
        "token": api_tokens.create_token(actor=admin, name="Helpdesk")[1],
        "other_token": api_tokens.create_token(actor=other, name="Theirs")[1],
    }


def _call(app, method: str, token: str | None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().open(URL, method=method, headers=headers, **kwargs)


def test_a_helpdesk_opens_a_case_and_reads_it_back_without_the_notes(app, world):
    body = {"category": "product_quality", "priority": "urgent", "subject": "Cracked", "description": "3 of 10",
            "sku": "drill-18v", "customer_code": "C-9", "order_no": 4711}  # fmt: skip
    created = _call(app, "POST", world["token"], json=body)
    assert created.status_code == 201
    answer = created.get_json()
    assert (answer["reference"], answer["priority"], answer["sku"], answer["order_no"]) == (
        f"#{answer['id']}",
        "urgent",
        "DRILL-18V",
        "4711",
    )
    assert db.session.get(SupportCase, answer["id"]).subject == "Cracked"
    make_case(world["admin"], subject="Second", with_file=False)  # with an admin's internal note
    listed = _call(app, "GET", world["token"]).get_json()["cases"]
    assert [case["subject"] for case in listed] == ["Second", "Cracked"]
    assert "warehouse" not in str(listed)
    assert _call(app, "GET", world["other_token"]).get_json()["cases"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"category": "weather", "subject": "x", "description": "y"}, "category"),
        ({"category": "delivery", "subject": "", "description": "y"}, "subject"),
        ({"category": "delivery", "subject": "x", "description": "y", "customer_code": "C-THEIRS"}, "customer_code"),
        ({"category": "delivery", "subject": ["x"], "description": "y"}, "subject"),
    ],
)
def test_a_wrong_field_is_a_json_422_naming_it_and_nothing_is_recorded(app, world, body, field):
    response = _call(app, "POST", world["token"], json=body)
    assert response.status_code == 422 and response.get_json()["errors"][0]["column"] == field
    assert db.session.scalar(select(func.count(SupportCase.id))) == 0


def test_without_a_token_or_with_a_bad_body_the_answer_is_json(app, world):
    assert _call(app, "GET", None).status_code == 401 and "error" in _call(app, "GET", None).get_json()
    assert _call(app, "POST", world["token"], data="{", content_type="application/json").status_code == 400
    assert _call(app, "GET", world["token"], query_string={"status": "bogus"}).status_code == 400
