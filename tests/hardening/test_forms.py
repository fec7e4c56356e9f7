"""The form door: a form sent twice at once (a double click: same session, same CSRF token, same page) creates
one record and answers the second request in words, never with a 500; and no form stores a control character."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orders.models import ApiToken
from orders.models import DealRegistration as Deal
from partners.models import Partner
from portal import tenancy
from portal.auth.models import User
from portal.extensions import db
from portal.security import Role
from tests.builders import make_partner, make_user
from tests.conftest import session_of
from tests.hardening.conftest import at_once, csrf_token_of, submission_key_of

SENT_ALREADY = "This form was sent already"

# (path of the form, role that fills it in, what it sends, the model it creates, how to find the new row)
FORMS = {
    "deal": (
        "/orders/deals/new",
        Role.PARTNER_USER,
        {"customer_name": "宏达", "products": "drills", "estimated_value": "1000", "expected_close": "2099-01-01"},
        Deal,
        Deal.customer_name == "宏达",
    ),
    "api token": (
        "/orders/tokens",
        Role.PARTNER_ADMIN,
        {"name": "ERP export"},
        ApiToken,
        ApiToken.name == "ERP export",
    ),
    "invitation": (
        "/users/invite",
        Role.PARTNER_ADMIN,
        {"name": "New Colleague", "email": "new.colleague@example.com", "role": "partner_user"},
        User,
        User.email == "new.colleague@example.com",
    ),
    "partner": (
        "/partners/new",
        Role.ADMIN,
        {
            "code": "P-TWICE-1",
            "legal_name": "Twice Co",
            "partner_type": "wholesaler",
            "tier": "registered",
            "country": "US",
            "subdivision": "US-WA",
            "city": "",
            "city_text": "Tacoma",
        },
        Partner,
        Partner.code == "P-TWICE-1",
    ),
}


@pytest.mark.parametrize("name", FORMS)
def test_a_form_sent_twice_at_once_creates_one_record_and_says_so(committed, name):
    path, role, data, model, created = FORMS[name]
    with committed.app_context(), tenancy.every_partner(reason="test data, committed for the requests to see"):
        partner = make_partner()
        user = make_user(partner if role in (Role.PARTNER_USER, Role.PARTNER_ADMIN) else None, role=role)
        cookie = session_of(user)
        db.session.commit()
    client = committed.test_client()
    with client.session_transaction() as session:
        session.update(cookie)
    page = client.get(path).get_data(as_text=True)
    form = {**data, "csrf_token": csrf_token_of(page), "submission_key": submission_key_of(page)}

    first, second = at_once(*(lambda: client.post(path, data=form) for _ in range(2)))

    answers = [(response.status_code, response.get_data(as_text=True)) for response in (first, second)]
    refused = [status for status, page in answers if SENT_ALREADY in page or status == 409]
    assert len(refused) == 1 and all(status < 500 for status, _page in answers), [status for status, _ in answers]
    with committed.app_context(), tenancy.every_partner(reason="counting what was created"):
        assert db.session.scalar(select(func.count()).select_from(model).where(created)) == 1


def test_the_same_page_sent_again_later_is_refused_and_a_fresh_page_creates_again(client, db, login, every_partner):
    login(make_user(make_partner(), role=Role.PARTNER_ADMIN))
    page = client.get("/orders/tokens").get_data(as_text=True)
    form = {"name": "Nightly", "submission_key": submission_key_of(page)}
    assert client.post("/orders/tokens", data=form).status_code == 200
    again = client.post("/orders/tokens", data=form)
    assert SENT_ALREADY in again.get_data(as_text=True)
    fresh = client.get("/orders/tokens").get_data(as_text=True)
    assert client.post("/orders/tokens", data={**form, "submission_key": submission_key_of(fresh)}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.name == "Nightly")) == 2


def test_a_form_refused_for_its_input_may_be_corrected_and_sent_with_the_same_page(client, db, login, every_partner):
    login(make_user(make_partner(), role=Role.PARTNER_USER))
    page = client.get("/orders/deals/new").get_data(as_text=True)
    form = {"customer_name": "宏达", "products": "drills", "estimated_value": "-1", "expected_close": "2099-01-01"}
    form["submission_key"] = submission_key_of(page)
    assert client.post("/orders/deals/new", data=form).status_code == 422
    assert client.post("/orders/deals/new", data={**form, "estimated_value": "10"}).status_code == 303


def test_a_unique_key_taken_between_check_and_write_answers_409_not_500(
    app, client, db, login, every_partner, monkeypatch
):
    """Two admins creating the same partner code from two pages at once: the check passed for both, and the
    second insert breaks the unique key."""
    from partners import services

    make_partner(code="P-RACE")
    login(make_user(role=Role.ADMIN))
    monkeypatch.setattr(services, "_check_code_free", lambda code: None)
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    response = client.post("/partners/new", data={**FORMS["partner"][2], "code": "P-RACE"})
    assert response.status_code == 409
    assert "saved already" in response.get_data(as_text=True)


def test_control_characters_never_reach_a_form_field(client, db, login, every_partner):
    partner = make_partner()
    login(make_user(partner, role=Role.PARTNER_USER))
    form = {
        "customer_name": "Cust a\x00b\x1b",
        "products": "drills\r\nsaws",
        "estimated_value": "1",
        "expected_close": "2099-01-01",
    }
    assert client.post("/orders/deals/new", data=form).status_code == 303
    deal = db.session.scalars(select(Deal).order_by(Deal.id.desc())).first()
    assert deal.customer_name == "Cust ab" and deal.products == "drills saws"


def test_the_report_form_sent_twice_records_one_submission(client, db, login, every_partner):
    from datetime import date

    from orders.models import Submission
    from portal.calendar import add_months, month_start
    from tests.builders import make_product

    partner = make_partner()
    make_product("DRILL", price="10")
    login(make_user(partner, role=Role.PARTNER_USER))
    page = client.get("/orders/report").get_data(as_text=True)
    day = add_months(month_start(date.today()), -1).replace(day=10).isoformat()
    form = {
        "submission_key": submission_key_of(page),
        "order_no": "SO-9",
        "order_date": day,
        "customer_code": "C-1",
        "customer_name": "宏达",
        "sku-1": "DRILL",
        "quantity-1": "2",
        "unit_price-1": "10",
    }
    assert client.post("/orders/report", data=form).status_code == 303
    again = client.post("/orders/report", data=form, follow_redirects=True)
    assert SENT_ALREADY in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
