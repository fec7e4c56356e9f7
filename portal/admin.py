"""Brand admin pages that belong to no domain: the mail outbox and the audit log."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from portal import audit, mail
from portal.extensions import db
from portal.htmx import render
from portal.mail import OutboxMessage
from portal.paging import page_number
from portal.security import Role, require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/outbox")
@require_role(Role.ADMIN)
def outbox() -> ResponseReturnValue:
    page = page_number(request.args.get("page"))
    recipient = request.args.get("to", "").strip()
    messages = mail.outbox_page(recipient=recipient, page=page, per_page=PAGE_SIZE)
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
def outbox_message(message_id: int) -> ResponseReturnValue:
    return render("admin/outbox_message.html", message=db.get_or_404(OutboxMessage, message_id))


@bp.get("/audit")
@require_role(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    page = page_number(request.args.get("page"))
    entries = audit.recent_entries(page=page, per_page=PAGE_SIZE)
    return render("admin/audit.html", entries=entries, page=page, has_more=len(entries) == PAGE_SIZE)
