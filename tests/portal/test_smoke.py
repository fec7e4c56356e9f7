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
