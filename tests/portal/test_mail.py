"""The outbox: stored for the admin without SMTP, delivered to a real SMTP server when one is configured."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from portal.mail import MailStatus, OutboxMessage, send_mail
from portal.security import Role
from tests.builders import just_now, make_partner, make_user


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture()
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield inbox
    controller.stop()


def _mail(user) -> None:
    """A message in the outbox, not yet committed: a reset link, as a request for one puts there."""
    link = "http://localhost/password/reset/t"
    send_mail(user.email, "auth/mail/reset_password.txt", locale=user.locale, user=user, link=link, hours=2)


def test_without_smtp_the_message_waits_in_the_outbox_for_the_admin(client, login, db, every_partner):
    user = make_user(make_partner(), email="clerk@example.com", locale="zh_Hans_CN")
    _mail(user)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status is MailStatus.STORED and "/password/reset/" in message.body
    login(make_user(role=Role.ADMIN))
    listing = client.get("/admin/outbox?to=clerk").get_data(as_text=True)
    assert "clerk@example.com" in listing
    assert "/password/reset/" in client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)


def test_with_smtp_the_message_is_delivered_after_commit(db, every_partner, smtp_server):
    user = make_user(make_partner(), email="clerk@example.com")
    _mail(user)
    assert smtp_server.messages == []  # nothing leaves before the change is committed
    db.session.commit()
    assert len(smtp_server.messages) == 1
    delivered = smtp_server.messages[0]
    assert delivered["To"] == "clerk@example.com" and "/password/reset/" in delivered.get_payload()
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert message.status is MailStatus.SENT and just_now(message.sent_at)


def test_a_rolled_back_change_sends_nothing(db, every_partner, smtp_server):
    user = make_user(make_partner(), email="clerk@example.com")
    _mail(user)
    db.session.rollback()
    assert smtp_server.messages == []


def test_refused_delivery_is_kept_as_failed_for_a_retry(app, db, every_partner, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens on the discard port here
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    user = make_user(make_partner(), email="clerk@example.com")
    _mail(user)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert message.status is MailStatus.FAILED and message.error


def test_mail_is_written_in_the_recipients_language(db, every_partner):
    user = make_user(make_partner(), email="clerk@example.com", locale="zh_Hans_CN")
    _mail(user)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.subject != "Set a new Qudao password"  # translated, whatever the words
