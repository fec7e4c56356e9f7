from tests.builders import make_partner, make_user


def test_home_redirects_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_partner_user_sees_own_partner_on_home(client, login, every_partner):
    partner = make_partner(name="华南电子有限公司")
    user = make_user(partner)
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "华南电子有限公司" in response.get_data(as_text=True)


def test_a_page_varies_by_htmx_and_by_the_session_cookie(client, db):
    response = client.get("/login")
    assert {"HX-Request", "Cookie"} <= set(response.vary)


def test_partial_or_redirect_swaps_one_item_for_htmx_and_redirects_a_plain_form(app):
    from portal.htmx import partial_or_redirect

    with app.test_request_context("/", headers={"HX-Request": "true"}):
        swapped = partial_or_redirect("errors/error.html", "/elsewhere", code=404, title="t", message="m")
        assert swapped.status_code == 200 and "HX-Request" in swapped.vary
    with app.test_request_context("/"):
        assert partial_or_redirect("errors/error.html", "/elsewhere").headers["Location"] == "/elsewhere"


def test_months_count_across_years_and_ranges_know_their_length():
    from datetime import date

    from portal.calendar import MonthRange, add_months, months_between, parse_month

    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1) and add_months(date(2026, 1, 1), -1) == date(
        2025, 12, 1
    )
    assert months_between(date(2025, 12, 1), date(2027, 2, 1)) == 14
    assert MonthRange(date(2025, 12, 1), date(2026, 2, 1)).length == 3
    assert parse_month("2026-13") is None and parse_month("2026-02") == date(2026, 2, 1)


def test_money_rounds_half_up_to_cents_for_display_only():
    from decimal import Decimal

    from portal.money import money, plain_decimal, to_cents

    assert to_cents(Decimal("0.005")) == Decimal("0.01") and money(Decimal("1234.565")) == "1,234.57"
    assert money(None) == "—" and plain_decimal(Decimal("12.5000")) == "12.5"
