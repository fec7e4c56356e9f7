"""The login door: sessions that end for good, accounts that may not log in, the throttle, what the reset page
gives away, the passwords accepted, and where a `next` may lead."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partners.models import PartnerStatus
from portal import queue
from portal.auth import services
from portal.auth.models import User
from portal.auth.passwords import DEMO_PASSWORD, check_password_rules
from portal.mail import OutboxMessage
from portal.security import Role, RuleViolation
from tests.builders import PASSWORD, make_partner, make_user

GENERIC_FAILURE = "The email or password is not right, or the account may not log in."


def _login(client, email, password=PASSWORD, **headers):
    return client.post("/login", data={"email": email, "password": password}, headers=headers)


def _copy_of_the_cookie(app, client):
    """Another browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


@pytest.fixture()
def clerk(db, every_partner):
    return make_user(make_partner(), email="clerk@example.com", role=Role.PARTNER_ADMIN)


# Sessions ---------------------------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_opens_nothing_afterwards(app, client, clerk):
    assert _login(client, clerk.email).status_code == 303
    thief = _copy_of_the_cookie(app, client)
    assert thief.get("/orders/lines").status_code == 200
    assert client.post("/logout").status_code == 303
    assert thief.get("/orders/lines").status_code == 302
    assert client.get("/orders/lines").status_code == 302


def test_log_out_everywhere_ends_every_session_of_the_account(app, clerk):
    phone, desktop = app.test_client(), app.test_client()
    for browser in (phone, desktop):
        assert _login(browser, clerk.email).status_code == 303
    stolen = _copy_of_the_cookie(app, desktop)
    assert phone.post("/logout/everywhere").status_code == 303
    for browser in (phone, desktop, stolen):
        assert browser.get("/orders/lines").status_code == 302


def test_a_password_change_keeps_this_session_and_ends_the_others(app, client, clerk):
    other = app.test_client()
    assert _login(client, clerk.email).status_code == 303 and _login(other, clerk.email).status_code == 303
    new = {"current_password": PASSWORD, "password": "lantern-harbour-7", "confirm": "lantern-harbour-7"}
    assert client.post("/account/password", data=new).status_code == 303
    assert client.get("/orders/lines").status_code == 200
    assert other.get("/orders/lines").status_code == 302


def test_a_session_ends_when_its_lifetime_is_over_whatever_the_cookie_says(app, client, clerk, monkeypatch):
    from datetime import timedelta

    assert _login(client, clerk.email).status_code == 303
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=0))
    assert client.get("/orders/lines").status_code == 302


# Accounts that may not log in -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED])
def test_a_suspended_or_terminated_partners_user_is_refused_with_no_cookie_stamp_or_mail(db, client, status):
    from portal import tenancy

    with tenancy.every_partner(db.session(), reason="test setup"):
        user = make_user(make_partner(status=status), email="stopped@example.com")
    response = _login(client, "stopped@example.com")
    assert response.status_code == 401 and GENERIC_FAILURE in response.get_data(as_text=True)
    assert client.get_cookie("session") is None or "_user_id" not in _session_of(client)
    with tenancy.every_partner(db.session(), reason="checking the stamp"):
        assert db.session.get(User, user.id).last_login_at is None
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert client.post("/password/forgot", data={"email": "stopped@example.com"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def _session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


# The throttle -----------------------------------------------------------------------------------------------


def test_one_mistyping_colleague_does_not_lock_the_office_out(db, every_partner):
    from flask import current_app

    partner = make_partner()
    colleagues = [make_user(partner, email=f"colleague{n}@example.com") for n in range(3)]
    office = current_app.test_client()  # one public address for the whole office
    for n in range(25):
        _login(office, f"someone{n}@example.com", "wrong-password-1")
    assert _login(office, "nobody@example.com", "wrong-password-1").status_code == 429
    for colleague in colleagues:
        assert _login(office, colleague.email).status_code == 303
        office.post("/logout")


class _Clock:
    """The rate-limit store's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


def test_the_address_limit_is_a_moving_window(client, db, monkeypatch):
    """Fixed windows let 12 failures just before a window's end and 13 just after through (20 per 15 minutes)."""
    import limits.storage.memory

    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    _login(client, "first@example.com", "wrong-password-1")
    clock.now += 14 * 60 + 50
    before_the_edge = [_login(client, f"a{n}@example.com", "wrong-password-1").status_code for n in range(11)]
    clock.now += 20
    after_the_edge = [_login(client, f"b{n}@example.com", "wrong-password-1").status_code for n in range(13)]
    assert set(before_the_edge) == {401}
    assert after_the_edge == [401] * 9 + [429] * 4  # the first failure left the window; the other 11 count


def test_a_locked_account_says_how_long_the_wait_is_and_refuses_its_right_password(client, clerk):
    for _ in range(5):
        assert _login(client, clerk.email, "wrong-password-1").status_code == 401
    response = _login(client, clerk.email)
    assert response.status_code == 429
    assert "It is locked: try again in 15 minutes." in response.get_data(as_text=True)


# What the reset page gives away -----------------------------------------------------------------------------


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(client, db, clerk, monkeypatch):
    """The page only queues the request: no mail is rendered, stored or sent inside it, so both take the same
    time (and SMTP, when configured, runs in the worker)."""
    queued = []
    monkeypatch.setattr(queue, "enqueue", lambda task, *args: queued.append((task, args)))
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    answers = [client.post("/password/forgot", data={"email": email}) for email in (clerk.email, "ghost@example.com")]
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert queued == [
        (services.send_password_reset, ("clerk@example.com",)),
        (services.send_password_reset, ("ghost@example.com",)),
    ]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_mail_is_delivered_by_the_worker_never_inside_the_request(app, db, every_partner, monkeypatch):
    from portal.mail import deliver_messages, send_mail

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    queued = []
    monkeypatch.setattr(queue, "enqueue", lambda task, *args: queued.append((task, args)))
    message = send_mail("someone@example.com", "auth/mail/reset_password.txt", user=None, link="x", hours=2)
    db.session.commit()
    assert queued == [(deliver_messages, ([message.id],))]


# Passwords --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "1234567890", "password12", "qwertyuiop", "clerk@example.com", "Clerk.Example"]
)
def test_common_passwords_and_ones_made_from_the_address_are_refused(app, db, password):
    with pytest.raises(RuleViolation):
        check_password_rules(password, email="clerk@example.com", name="Clerk")


def test_the_demo_password_is_refused_in_production_only(app, db, monkeypatch):
    check_password_rules(DEMO_PASSWORD, email="clerk@example.com")
    monkeypatch.setitem(app.config, "REFUSE_DEMO_PASSWORD", True)
    with pytest.raises(RuleViolation, match="demo"):
        check_password_rules(DEMO_PASSWORD, email="clerk@example.com")


def test_production_configuration_refuses_the_demo_password():
    from portal.config import ProductionConfig

    settings = ProductionConfig.load(
        {"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://x/y", "RATELIMIT_STORAGE_URI": "redis://localhost"}
    )
    assert settings["REFUSE_DEMO_PASSWORD"] is True


def test_a_weak_new_password_is_refused_next_to_the_field_with_the_input_kept(client, login, clerk):
    login(clerk)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": "password12", "confirm": "password12"}
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["correct-horse-battery", "lantern-harbour-7", "Tr0ub4dor&3x-plus"])
def test_strong_passwords_pass(app, db, password):
    check_password_rules(password, email="clerk@example.com", name="Clerk")


# Where a `next` may lead ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/phish",
        "/\n/x",
        "/\r/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/ /evil.example",
        "/\x00/evil.example",
    ],
)
def test_changing_language_never_redirects_off_the_site(client, db, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == "/" or location.startswith("/") and not location.startswith("//")
    assert "evil" not in location


def test_login_next_takes_the_same_rule(client, clerk):
    response = client.post("/login", data={"email": clerk.email, "password": PASSWORD, "next": "/\t/evil.example"})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_the_login_page_after_logout_keeps_the_persons_language(client, db, every_partner):
    user = make_user(make_partner(), email="zhao@example.com", locale="zh_Hans_CN")
    assert _login(client, user.email).status_code == 303
    client.post("/logout")
    assert 'lang="zh' in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
