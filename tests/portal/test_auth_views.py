"""Logging in, passwords and invitations through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.auth.models import User
from portal.mail import OutboxMessage
from portal.security import Role
from tests.builders import PASSWORD, make_partner, make_user
from tests.conftest import session_of

GENERIC_FAILURE = "The email or password is not right"


@pytest.fixture()
def clerk(db, every_partner):
    return make_user(make_partner(), email="clerk@example.com", role=Role.PARTNER_ADMIN)


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_login_and_logout(client, clerk):
    response = _login(client, "clerk@example.com", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 302


def test_login_follows_only_local_next(client, clerk):
    response = client.post("/login", data={"email": "clerk@example.com", "password": PASSWORD, "next": "/users"})
    assert response.headers["Location"] == "/users"
    client.post("/logout")
    response = client.post(
        "/login", data={"email": "clerk@example.com", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("email", ["clerk@example.com", "nobody@example.com"])
def test_failed_login_says_the_same_whether_or_not_the_account_exists(client, clerk, email):
    response = _login(client, email, "wrong-password-1")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert GENERIC_FAILURE in page
    assert f'value="{email}"' in page  # what was typed is kept


def test_empty_login_form_says_what_is_missing(client, db):
    response = _login(client, "", "")
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("Fill in this field.") == 2


def test_login_storm_against_one_account_is_throttled(client, clerk):
    for _ in range(5):
        assert _login(client, "clerk@example.com", "wrong-password-1").status_code == 401
    response = _login(client, "clerk@example.com", PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    assert "It is locked: try again in 15 minutes." in response.get_data(as_text=True)


def test_storm_against_an_unknown_account_looks_the_same(client, db):
    statuses = [_login(client, "ghost@example.com", "wrong-password-1").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_storm_from_one_address_is_throttled_across_accounts(client, db):
    statuses = [_login(client, f"user{n}@example.com", "wrong-password-1").status_code for n in range(21)]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429


def test_successful_logins_do_not_count_against_the_limit(client, clerk):
    for _ in range(8):
        assert _login(client, "clerk@example.com", PASSWORD).status_code == 303
        client.post("/logout")


def _last_link(db, recipient: str) -> str:
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"https?://[^/]+(/\S+)", message.body).group(1)


def test_forgotten_password_journey(client, db, clerk):
    response = client.post("/password/forgot", data={"email": "clerk@example.com"})
    assert response.status_code == 303
    link = _last_link(db, "clerk@example.com")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "my-new-password-1", "confirm": "my-new-password-1"})
    assert response.status_code == 303
    client.post("/logout")
    assert _login(client, "clerk@example.com", "my-new-password-1").status_code == 303
    client.post("/logout")
    reused = client.post(link, data={"password": "another-password-1", "confirm": "another-password-1"})
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_forgotten_password_for_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post("/password/forgot", data={"email": "ghost@example.com"}, follow_redirects=True)
    assert "If an account with that address may log in" in response.get_data(as_text=True)
    assert db.session.scalars(select(OutboxMessage)).first() is None


def test_mismatched_new_passwords_keep_the_page(client, db, clerk, app):
    token = services.make_link_token(clerk, services.LinkPurpose.RESET)
    response = client.post(f"/password/reset/{token}", data={"password": "my-new-password-1", "confirm": "other"})
    assert response.status_code == 422
    assert "The two passwords differ." in response.get_data(as_text=True)


def test_invited_colleague_sets_a_password_and_is_logged_in(client, db, login, clerk):
    login(clerk)
    response = client.post("/users/invite", data={"name": "王芳", "email": "wang@example.com", "role": "partner_user"})
    assert response.status_code == 303
    link = _last_link(db, "wang@example.com")
    client.post("/logout")
    response = client.post(link, data={"password": "harbour-lantern-7", "confirm": "harbour-lantern-7"})
    assert response.status_code == 303
    assert "王芳" in client.get("/").get_data(as_text=True)


def test_second_click_on_invite_creates_one_account(client, db, login, clerk):
    login(clerk)
    form = {"name": "Li", "email": "li@example.com", "role": "partner_user"}
    assert client.post("/users/invite", data=form).status_code == 303
    again = client.post("/users/invite", data=form)
    assert again.status_code == 422
    assert "An account with this address exists already." in again.get_data(as_text=True)
    with services.tenancy.every_partner(reason="test check"):
        assert len(db.session.scalars(select(User).where(User.email == "li@example.com")).all()) == 1


def test_huge_and_html_input_is_refused_with_input_kept_and_shown_as_text(client, db, login, clerk):
    login(clerk)
    name = "<script>alert(1)</script>" + "x" * 10_000
    response = client.post("/users/invite", data={"name": name, "email": "x@example.com", "role": "partner_user"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at most 120 characters." in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_in_a_name_is_shown_as_text(client, db, login, clerk):
    login(clerk)
    client.post("/users/invite", data={"name": "<b>Bold</b>", "email": "b@example.com", "role": "partner_user"})
    page = client.get("/users").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page


def test_change_password_keeps_this_session_and_ends_others(app, client, db, login, clerk):
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session.update(session_of(clerk))
    assert other_device.get("/").status_code == 200
    login(clerk)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "fresh-password-1", "confirm": "fresh-password-1"},
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302


def test_wrong_current_password_is_said_next_to_the_field(client, db, login, clerk):
    login(clerk)
    response = client.post(
        "/account/password",
        data={"current_password": "nope-nope-nope", "password": "fresh-password-1", "confirm": "fresh-password-1"},
    )
    assert response.status_code == 422
    assert "The current password is not right." in response.get_data(as_text=True)


def test_partner_admin_deactivates_a_colleague_who_is_logged_out(app, client, db, login, clerk):
    colleague = make_user(clerk.partner)
    their_browser = app.test_client()
    with their_browser.session_transaction() as session:
        session.update(session_of(colleague))
    assert their_browser.get("/").status_code == 200
    login(clerk)
    assert client.post(f"/users/{colleague.id}/deactivate").status_code == 303
    assert their_browser.get("/").status_code == 302


def test_partner_user_may_not_manage_users(client, db, login, clerk):
    login(make_user(clerk.partner, role=Role.PARTNER_USER))
    assert client.get("/users").status_code == 403
    assert client.get("/users/invite").status_code == 403


def test_session_cookie_is_httponly_and_lax_and_secure_over_https(app, client, clerk):
    cookie = _login(client, "clerk@example.com", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https_client = app.test_client()
    response = https_client.post(
        "/login", data={"email": "clerk@example.com", "password": PASSWORD}, base_url="https://portal.example"
    )
    assert response.status_code == 303
    assert "; Secure" in response.headers["Set-Cookie"]
