"""Brand staff load history through the API: an admin's brand token names each line's partner, may write into
closed months, and reads every partner's lines; a partner's token stays its partner's. Rows are numbered as
README states: a file's by the spreadsheet (the header is row 1), the API's by the line's place in `lines`."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from orders import api_tokens
from orders.models import ApiToken, SalesLine, Submission
from partners.models import PartnerStatus
from portal import tenancy
from portal.calendar import add_months, month_start
from portal.security import Role
from tests.builders import make_partner, make_product, make_sales_line, make_user
from tests.hardening.test_api import DAY, api_line

LAST_MONTH = add_months(month_start(date.today()), -1)
CLOSED_DAY = add_months(month_start(date.today()), -12).replace(day=15).isoformat()  # before REPORTING_OPEN_MONTHS
URL = "/api/v1/sales-lines"


@pytest.fixture()
def world(db, every_partner):
    partner_a, partner_b = make_partner(code="P-A"), make_partner(code="P-B")
    make_product("DRILL-18V", price="899.5")
    admin = make_user(role=Role.ADMIN)
    partner_admin = make_user(partner_a, role=Role.PARTNER_ADMIN)
    return {
        "a": partner_a,
        "b": partner_b,
        "admin": admin,
        "partner_admin": partner_admin,
        "brand": api_tokens.create_token(actor=admin, name="History loader")[1],
        "partner": api_tokens.create_token(actor=partner_admin, name="ERP")[1],
    }


def _post(app, token, lines):
    return app.test_client().post(URL, json={"lines": lines}, headers={"Authorization": f"Bearer {token}"})


def _get(app, token, **query):
    return app.test_client().get(URL, query_string=query, headers={"Authorization": f"Bearer {token}"})


def _stored(db):
    with tenancy.every_partner(db.session(), reason="test check"):
        return sorted(
            (line.partner_id, line.order_no, line.order_date.isoformat())
            for line in db.session.scalars(select(SalesLine))
        )


def test_a_brand_token_delivers_lines_of_two_partners_in_one_call(app, db, world):
    response = _post(app, world["brand"], [api_line(partner_code="P-A"), api_line(partner_code="p-b", order_no="SO-2")])
    assert response.status_code == 201, response.json
    assert _stored(db) == [(world["a"].id, "SO-1", DAY), (world["b"].id, "SO-2", DAY)]
    with tenancy.every_partner(db.session(), reason="test check"):
        submissions = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert response.json["submission_ids"] == [submission.id for submission in submissions]
    assert {submission.partner_id for submission in submissions} == {world["a"].id, world["b"].id}
    assert {submission.created_by_id for submission in submissions} == {world["admin"].id}


def test_a_closed_month_is_accepted_for_a_brand_token_and_refused_for_a_partner_token(app, db, world):
    refused = _post(app, world["partner"], [api_line(order_date=CLOSED_DAY)])
    assert refused.status_code == 422
    assert refused.json["errors"] == [
        {"row": 1, "column": "order_date", "reason": f"{CLOSED_DAY[:7]} is closed for reporting."}
    ]
    assert _post(app, world["brand"], [api_line(partner_code="P-A", order_date=CLOSED_DAY)]).status_code == 201
    assert _stored(db) == [(world["a"].id, "SO-1", CLOSED_DAY)]


@pytest.mark.parametrize(
    "line, reason",
    [
        ({"partner_code": "NOPE"}, "Unknown partner code NOPE."),
        ({}, "Say which partner sold this line (partner_code)."),
        ({"partner_code": "P-S"}, "Partner P-S is not active."),
    ],
)
def test_a_brand_tokens_line_must_name_an_active_partner(app, db, world, line, reason):
    make_partner(code="P-S", status=PartnerStatus.SUSPENDED)
    response = _post(app, world["brand"], [api_line(partner_code="P-A"), api_line(line_no=2, **line)])
    assert response.status_code == 422 and response.json["error"] == "Nothing was recorded: some lines are wrong."
    assert response.json["errors"] == [{"row": 2, "column": "partner_code", "reason": reason}]
    assert _stored(db) == []


def test_a_partner_token_still_cannot_name_another_partner(app, db, world):
    response = _post(app, world["partner"], [api_line(partner_code="P-B")])
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"row": 1, "column": "partner_code", "reason": "You report for your own organisation only."}
    ]
    assert _post(app, world["partner"], [api_line(partner_code="P-A")]).status_code == 201


def test_a_brand_token_reads_every_partners_lines_with_their_code(app, db, world):
    make_sales_line(world["a"], order_no="A-1", order_date=LAST_MONTH)
    make_sales_line(world["b"], order_no="B-1", order_date=LAST_MONTH)
    month = LAST_MONTH.strftime("%Y-%m")
    every = _get(app, world["brand"], period=month).json["lines"]
    assert [(line["partner_code"], line["order_no"]) for line in every] == [("P-A", "A-1"), ("P-B", "B-1")]
    one = _get(app, world["brand"], period=month, partner_code="p-b").json["lines"]
    assert [(line["partner_code"], line["order_no"]) for line in one] == [("P-B", "B-1")]
    unknown = _get(app, world["brand"], period=month, partner_code="NOPE")
    assert unknown.status_code == 400 and unknown.json == {"error": "Unknown partner code NOPE."}


def test_a_partner_token_reads_its_own_lines_and_another_partners_code_is_unknown(app, db, world):
    make_sales_line(world["a"], order_no="A-1", order_date=LAST_MONTH)
    make_sales_line(world["b"], order_no="B-1", order_date=LAST_MONTH)
    month = LAST_MONTH.strftime("%Y-%m")
    own = _get(app, world["partner"], period=month).json["lines"]
    assert [(line["partner_code"], line["order_no"]) for line in own] == [("P-A", "A-1")]
    assert _get(app, world["partner"], period=month, partner_code="P-A").json["lines"] == own
    other = _get(app, world["partner"], period=month, partner_code="P-B")
    assert other.status_code == 400 and other.json == {"error": "Unknown partner code P-B."}


def test_a_brand_token_stops_when_its_creator_is_demoted_or_it_is_revoked(app, db, world):
    world["admin"].role = Role.CHANNEL_MANAGER
    db.session.flush()
    assert _post(app, world["brand"], [api_line(partner_code="P-A")]).status_code == 401
    world["admin"].role = Role.ADMIN
    db.session.flush()
    assert _get(app, world["brand"], period="2026-10").status_code == 200
    with tenancy.every_partner(db.session(), reason="test check"):
        token = db.session.scalars(select(ApiToken).where(ApiToken.partner_id.is_(None))).one()
    api_tokens.revoke_token(token, actor=world["admin"])
    assert _get(app, world["brand"], period="2026-10").status_code == 401


def test_a_brand_token_opens_no_support_cases(app, db, world):
    """The cases API is a partner's helpdesk: a brand token is refused there, whatever the admin may see."""
    headers = {"Authorization": f"Bearer {world['brand']}"}
    for response in (
        app.test_client().get("/api/v1/cases", headers=headers),
        app.test_client().post("/api/v1/cases", json={"subject": "S", "description": "D"}, headers=headers),
    ):
        assert response.status_code == 403 and response.json == {"error": "This token may not do that."}


def test_a_wrong_third_line_is_row_4_of_a_file_and_row_3_of_an_api_call(app, client, login, db, world):
    """README: a file's rows are the spreadsheet's (the header is row 1); the API's are places in `lines`."""
    lines = [api_line(), api_line(line_no=2), api_line(line_no=3, sku="NOPE")]
    header = ["order_no", "line_no", "order_date", "customer_code", "customer_name", "sku", "quantity", "unit_price"]
    csv = "\n".join([",".join(header), *(",".join(str(line[key]) for key in header) for line in lines)]) + "\n"
    login(world["partner_admin"])
    upload = client.post(
        "/orders/upload", data={"file": (io.BytesIO(csv.encode()), "sales.csv")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 422
    problem = '<td>4</td><td translate="no">sku</td><td class="long-text">Unknown SKU NOPE.</td>'
    assert problem in upload.get_data(as_text=True)
    response = _post(app, world["partner"], lines)
    assert response.status_code == 422
    assert response.json["errors"] == [{"row": 3, "column": "sku", "reason": "Unknown SKU NOPE."}]
    assert _stored(db) == []


def test_an_admin_reaches_the_brand_tokens_from_the_menu_and_creates_one_shown_once(client, login, db, world):
    login(world["admin"])
    assert 'href="/orders/tokens">API tokens</a>' in client.get("/").get_data(as_text=True)
    page = client.post("/orders/tokens", data={"name": "History loader 2"}).get_data(as_text=True)
    shown = page.split("<pre><code>")[1].split("</code>")[0]
    assert shown.startswith("qd_") and "A brand token loads sales lines of any partner" in page
    listed = client.get("/orders/tokens").get_data(as_text=True)
    assert shown not in listed and listed.count("History loader") == 2 and ">ERP<" not in listed  # not a partner's
    with tenancy.every_partner(db.session(), reason="test check"):
        assert api_tokens.user_for_token(shown, delivering=False).id == world["admin"].id


def test_a_partner_admin_neither_sees_nor_revokes_a_brand_token(client, login, db, world):
    with tenancy.every_partner(db.session(), reason="test check"):
        brand = db.session.scalars(select(ApiToken).where(ApiToken.partner_id.is_(None))).one()
    login(world["partner_admin"])
    page = client.get("/orders/tokens").get_data(as_text=True)
    assert ">ERP<" in page and "History loader" not in page and "brand token" not in page
    assert client.get("/").get_data(as_text=True).count('href="/orders/tokens"') == 0  # under Sales, not the menu
    assert client.post(f"/orders/tokens/{brand.id}/revoke").status_code == 404
    login(world["admin"])
    assert client.post(f"/orders/tokens/{brand.id}/revoke").status_code == 303
    db.session.refresh(brand)
    assert brand.revoked_at is not None
