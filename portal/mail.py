"""One outbox for every message: stored in the database, and delivered by SMTP when MAIL_SERVER is set."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import queue
from portal.database import Base, LabelledEnum, enum_column, enum_labels, utcnow
from portal.extensions import db

PENDING_DELIVERY = "qudao.mail_pending"


class MailStatus(LabelledEnum):
    STORED = "stored"  # no SMTP configured: the outbox page is the delivery
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


MAIL_STATUS_LABELS = enum_labels(
    {
        MailStatus.STORED: _l("In the outbox only (no mail server)"),
        MailStatus.QUEUED: _l("Waiting to be sent"),
        MailStatus.SENT: _l("Sent"),
        MailStatus.FAILED: _l("Could not be sent"),
    }
)


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus))
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a message: from the request when there is one, from PORTAL_URL otherwise (CLI)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config["PORTAL_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme, script_name=base.path or "/")
    return adapter.build(endpoint, values, force_external=True)


def outbox_page(*, recipient: str, page: int, per_page: int) -> list[OutboxMessage]:
    """A page of the outbox, newest first, of the messages to an address containing `recipient`."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if recipient:
        query = query.where(func.lower(OutboxMessage.recipient).contains(recipient.lower()))
    return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))


def send_mail(recipient: str, template: str, *, locale: str | None = None, **context: Any) -> OutboxMessage:
    """Render `template` (first line: subject) in the recipient's language and put it in the outbox.

    Delivery by SMTP happens after the caller's commit, so a rolled-back change sends nothing.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject, _, body = render_template(template, **context).strip().partition("\n")
    smtp = bool(current_app.config["MAIL_SERVER"])
    message = OutboxMessage(
        recipient=recipient,
        subject=subject.strip()[:200],
        body=body.strip(),
        status=MailStatus.QUEUED if smtp else MailStatus.STORED,
    )
    db.session.add(message)
    if smtp:
        db.session.info.setdefault(PENDING_DELIVERY, []).append(message)
    return message


def deliver(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="qudao")
    email.set_content(message.body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        message.status = MailStatus.FAILED
        message.error = str(error)[:500]
    else:
        message.status = MailStatus.SENT
        message.sent_at = utcnow()


def deliver_queued() -> int:
    """Retry what SMTP refused or never got (`flask outbox deliver`). The caller commits."""
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_([MailStatus.QUEUED, MailStatus.FAILED]))
    ).all()
    for message in messages:
        deliver(message)
    return len(messages)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    """Committed messages go to the worker: SMTP never runs inside a request, so a slow mail server slows no
    page, and whether a page sent mail does not show in how long it took."""
    pending = session.info.pop(PENDING_DELIVERY, None)
    if pending:
        queue.enqueue(deliver_messages, [message.id for message in pending])


def deliver_messages(ids: list[int]) -> None:
    """The task: deliver these outbox messages. A refused delivery is retried by the queue, then left for
    `flask outbox deliver`."""
    messages = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(ids), OutboxMessage.status.in_([MailStatus.QUEUED, MailStatus.FAILED])
        )
    ).all()
    for message in messages:
        deliver(message)
    db.session.commit()
    if any(message.status is MailStatus.FAILED for message in messages):
        raise MailNotDelivered([message.id for message in messages if message.status is MailStatus.FAILED])


deliver_messages.retries, deliver_messages.retry_delay = 3, 60  # type: ignore[attr-defined]


class MailNotDelivered(RuntimeError):
    """The mail server refused or could not be reached; the queue tries again."""


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_DELIVERY, None)
