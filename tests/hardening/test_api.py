"""The API door: every error is JSON in the documented shape ({"error": …}, with "errors" for rows), whatever
the body, the address or the method; its lines meet the intake's rules for text, numbers and dates."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from orders import api_tokens
from orders.models import Customer, SalesLine
from portal import tenancy
from portal.calendar import add_months, month_start
from portal.security import Role
from tests.builders import make_partner, make_product, make_user

LAST_MONTH = add_months(month_start(date.today()), -1)
DAY = LAST_MONTH.replace(day=15).isoformat()
URL = "/api/v1/sales-lines"


@pytest.fixture()
def token(db, every_partner):
    partner = make_partner(code="P-A")
    make_product("DRILL-18V", price="899.5")
    _token, plain = api_tokens.create_token(actor=make_user(partner, role=Role.PARTNER_ADMIN), name="ERP")
    return plain


def api_line(**values) -> dict:
    line = {
        "order_no": "SO-1",
        "line_no": 1,
        "order_date": DAY,
        "customer_code": "C-1",
        "customer_name": "Hongda",
        "sku": "DRILL-18V",
        "quantity": 2,
        "unit_price": "899.5",
    }
    return {**line, **values}


def _post(app, token, body, *, content_type="application/json", **kwargs):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().post(URL, data=data, content_type=content_type, headers=headers, **kwargs)


def _is_api_error(response, status: int) -> str:
    """The documented shape: JSON with a message under "error"."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json" and isinstance(response.json["error"], str)
    return response.json["error"]


def _stored(db, column):
    with tenancy.every_partner(db.session(), reason="test check"):
        return db.session.scalars(select(column)).all()


# Control characters ------------------------------------------------------------------------------------------


def test_an_api_line_with_a_nul_in_its_customer_name_stores_it_without(app, db, token):
    response = _post(app, token, {"lines": [api_line(customer_name="Cust a\x00b", order_no="SO-1\ud800")]})
    assert response.status_code == 201, response.json
    assert _stored(db, Customer.name) == ["Cust ab"] and _stored(db, SalesLine.order_no) == ["SO-1"]


# Numbers and dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, raw, text",
    [
        ("quantity", "1e3", "1e3"),  # a JSON number in exponent notation: was read as 1000
        ("quantity", '"1e3"', "1e3"),
        ("quantity", '"1 000"', "1 000"),  # spaces were dropped
        ("unit_price", '"1,23"', "1,23"),
        ("unit_price", "8.995E2", "8.995E2"),
    ],
)
def test_a_number_in_another_form_is_refused_naming_the_forms_accepted(app, db, token, field, raw, text):
    body = json.dumps({"lines": [api_line(**{field: "PLACEHOLDER"})]}).replace('"PLACEHOLDER"', raw)
    response = _post(app, token, body)
    _is_api_error(response, 422)
    [error] = response.json["errors"]
    assert (error["row"], error["column"]) == (1, field)
    assert error["reason"].startswith(f"{text} is not a number: write it as 1234.5, -3 or 1,234.5")
    assert _stored(db, SalesLine.id) == []


def test_an_impossible_time_is_refused_and_a_real_one_is_read_as_its_day(app, db, token):
    response = _post(app, token, {"lines": [api_line(order_date=f"{DAY}T99:99:99")]})
    _is_api_error(response, 422)
    assert response.json["errors"] == [
        {
            "row": 1,
            "column": "order_date",
            "reason": f"{DAY}T99:99:99 is not a date: write it as YYYY-MM-DD, alone or with a time of day as "
            "Excel writes it (2026-11-15 08:30:00).",
        }
    ]
    lines = [api_line(order_date=f"{DAY}T08:30:00"), api_line(line_no=2, order_date=f"{DAY} 00:00:00")]
    assert _post(app, token, {"lines": lines}).status_code == 201
    assert _stored(db, SalesLine.order_date) == [LAST_MONTH.replace(day=15)] * 2


def test_an_array_or_object_where_a_value_belongs_is_refused_by_row(app, db, token):
    """It was stored as its Python repr ("['Hongda']") for a customer's name."""
    response = _post(app, token, {"lines": [api_line(customer_name=["Hongda"]), api_line(line_no=2, sku={"a": 1})]})
    _is_api_error(response, 422)
    assert [(e["row"], e["column"]) for e in response.json["errors"]] == [(1, "customer_name"), (2, "sku")]
    assert _stored(db, SalesLine.id) == []


# Every error is JSON -----------------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_json_400_not_an_html_500(app, db, token):
    """100,000 [ then 100,000 ] ran the JSON parser out of stack: RecursionError, an HTML error page."""
    assert "JSON" in _is_api_error(_post(app, token, "[" * 100_000 + "]" * 100_000), 400)
    moderately_deep = {"lines": [api_line(meta=json.loads("[" * 40 + "]" * 40))]}  # parses, but no line is that deep
    assert "deep" in _is_api_error(_post(app, token, moderately_deep), 400)


def test_malformed_json_is_a_json_400(app, db, token):
    """NaN and Infinity are not JSON: they were read, and reached the intake as "nan"."""
    for body in (b"not json", b'{"lines": [', b'{"lines": [{"quantity": NaN}]}', b"[-Infinity]", b"\xff\xfe{"):
        _is_api_error(_post(app, token, body), 400)


def test_a_body_over_the_api_limit_or_the_request_limit_is_a_json_413(app, db, token, monkeypatch):
    body = json.dumps({"lines": [api_line()] * 20})
    monkeypatch.setitem(app.config, "API_MAX_BYTES", 1000)
    assert "1000 bytes" in _is_api_error(_post(app, token, body), 413)
    monkeypatch.setitem(app.config, "API_MAX_BYTES", 10_000_000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 500)
    assert "500 bytes" in _is_api_error(_post(app, token, body), 413)


def test_without_a_token_401_then_a_body_not_declared_json_415(app, db, token):
    body = json.dumps({"lines": [api_line()]})
    _is_api_error(_post(app, None, body), 401)
    _is_api_error(_post(app, "qd_forged", body), 401)
    _is_api_error(_post(app, None, body, content_type="text/plain"), 401)  # who asks comes first
    assert "application/json" in _is_api_error(_post(app, token, body, content_type="text/plain"), 415)
    form = app.test_client().post(URL, data={"lines": "x"}, headers={"Authorization": f"Bearer {token}"})
    _is_api_error(form, 415)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_wrong_method_is_a_json_405_naming_the_methods_allowed(app, db, token, method):
    response = getattr(app.test_client(), method)(URL, headers={"Authorization": f"Bearer {token}"})
    assert method.upper() in _is_api_error(response, 405)
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/sales-lines/12", "/api/v2/sales-lines", "/api/"])
def test_an_unknown_address_under_api_is_a_json_404(app, db, path):
    """Also without a token and with a POST (no login redirect, no CSRF refusal, no HTML)."""
    _is_api_error(app.test_client().get(path), 404)
    _is_api_error(app.test_client().post(path, json={}), 404)
    page = app.test_client().get("/orders/nothing-here")  # pages keep their HTML error page
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_an_unexpected_failure_in_the_api_is_a_json_500(app, db, token, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    from orders import intake

    def fail(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(intake, "record_sales_lines", fail)
    assert "Nothing was recorded" in _is_api_error(_post(app, token, {"lines": [api_line()]}), 500)
