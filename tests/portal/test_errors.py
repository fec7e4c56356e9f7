"""Friendly error pages, and the parts of the layout every page shares."""

from __future__ import annotations

from portal.security import Role
from tests.builders import make_partner, make_user


def test_unknown_page_is_a_friendly_404(client, login, db, every_partner):
    login(make_user(role=Role.ADMIN))
    response = client.get("/partners/999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not found" in page and "Back to the home page" in page and "Traceback" not in page


def test_role_outside_the_route_gets_a_friendly_403(client, login, db, every_partner):
    login(make_user(make_partner()))
    response = client.get("/admin/outbox")
    assert response.status_code == 403 and "Not allowed" in response.get_data(as_text=True)


def test_htmx_gets_just_the_error_block(client, login, db, every_partner):
    login(make_user(role=Role.ADMIN))
    response = client.get("/partners/999999", headers={"HX-Request": "true"})
    assert response.status_code == 404 and "<html" not in response.get_data(as_text=True)


def test_unexpected_error_is_a_friendly_500(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    from partners import regions

    monkeypatch.setattr(regions, "fill_region_choices", lambda form: 1 / 0)
    response = client.get("/partners/regions/picker")
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)


def test_pages_load_vendored_assets_not_a_cdn(client, db):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js" in page and "/static/vendor/pico-2.1.1.min.css" in page
    assert "cdn" not in page.lower() and "unpkg" not in page
    asset = client.get("/static/vendor/htmx-2.0.11.min.js")
    asset.close()
    assert asset.status_code == 200


def test_security_headers(client, db):
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_post_without_csrf_token_is_refused(app, client, db):
    assert app.config["WTF_CSRF_ENABLED"]  # the suite runs as a browser does, with CSRF on
    response = client.post("/login", data={"email": "a@example.com", "password": "x"}, csrf=False)
    assert response.status_code == 400
    forged = client.post(
        "/login", data={"email": "a@example.com", "password": "x"}, headers={"X-CSRFToken": "forged"}, csrf=False
    )
    assert forged.status_code == 400


def test_the_icon_is_there_for_browsers_that_ask_for_favicon_ico(client, db):
    """Every page once logged a 404 for /favicon.ico."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
