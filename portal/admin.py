"""Brand admin pages that belong to no domain: the mail outbox and the audit log."""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.extensions import db
from portal.htmx import render
from portal.mail import OutboxMessage
from portal.security import Role, require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/outbox")
@require_role(Role.ADMIN)
def outbox():
    page = _page()
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    recipient = request.args.get("to", "").strip()
    if recipient:
        query = query.where(func.lower(OutboxMessage.recipient).contains(recipient.lower()))
    messages = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render(
        "admin/outbox.html",
        fragment="outbox_rows",
        messages=messages,
        page=page,
        recipient=recipient,
        has_more=len(messages) == PAGE_SIZE,
    )


@bp.get("/outbox/<int:message_id>")
@require_role(Role.ADMIN)
def outbox_message(message_id: int):
    return render("admin/outbox_message.html", message=db.get_or_404(OutboxMessage, message_id))


@bp.get("/audit")
@require_role(Role.ADMIN)
def audit_log():
    page = _page()
    entries = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render("admin/audit.html", entries=entries, page=page, has_more=len(entries) == PAGE_SIZE)
