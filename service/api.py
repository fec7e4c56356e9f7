"""POST and GET /api/v1/cases: a partner's helpdesk system opens cases and reads them back, with the API tokens,
the validation and the JSON error shape of the sales-lines API. Internal notes are never part of an answer."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from orders.api import api_error, json_body, token_required
from portal.extensions import db
from portal.security import RuleViolation
from portal.tabular import RowError
from service import cases
from service.models import CaseCategory, CasePriority, CaseStatus, SupportCase

bp: Blueprint = Blueprint("service_api", __name__, url_prefix="/api/v1")
FIELDS = ("category", "priority", "subject", "description", "sku", "order_no", "customer_code")
LIST_LIMIT = 500


def _case_json(row: SupportCase) -> dict[str, object]:
    return {
        "id": row.id,
        "reference": row.reference,
        "status": row.status.value,
        "category": row.category.value,
        "priority": row.priority.value,
        "subject": row.subject,
        "description": row.description,
        "order_no": row.order_no,
        "sku": row.product.sku if row.product else None,
        "customer_code": row.customer.code if row.customer else None,
        "opened_at": row.created_at.isoformat(),
        "response_due_at": row.response_due_at.isoformat(),
        "resolution_due_at": row.resolution_due_at.isoformat(),
        "first_response_at": row.first_response_at.isoformat() if row.first_response_at else None,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "replies": [
            {"at": entry.created_at.isoformat(), "by": entry.author.name if entry.author else None, "text": entry.body}
            for entry in cases.visible_entries(row, g.api_user)
            if entry.kind.value == "reply"
        ],
    }


_Choice = TypeVar("_Choice", bound=StrEnum)


def _choice(value: object, enum: type[_Choice], field: str, default: str | None = None) -> _Choice:
    text = default if value in (None, "") else str(value)
    if text not in {member.value for member in enum}:
        raise RuleViolation(_("Use one of: %(values)s.", values=", ".join(m.value for m in enum)), field=field)
    return enum(text)


@bp.post("/cases")
@token_required
def post_case() -> ResponseReturnValue:
    """Body: {category, priority?, subject, description, sku?, order_no?, customer_code?}. Files go through the
    case's page."""
    body, refused = json_body()
    if refused is not None:
        return refused
    if not isinstance(body, dict):
        return api_error(400, _('The body must be a JSON object: {"subject": …, "description": …}.'))
    wrong = [RowError(1, key, _("Write a string.")) for key in FIELDS if isinstance(body.get(key), dict | list)]
    if wrong:
        return api_error(422, _("Nothing was recorded: some fields are wrong."), wrong)
    text = {key: "" if body.get(key) is None else str(body[key]) for key in FIELDS}
    user = g.api_user
    try:
        product, customer = cases.references(text["sku"], text["customer_code"], partner_id=user.partner_id)
        row = cases.open_case(
            cases.CaseFields(
                category=_choice(body.get("category"), CaseCategory, "category"),
                priority=_choice(body.get("priority"), CasePriority, "priority", "normal"),
                subject=text["subject"],
                description=text["description"],
                product=product,
                order_no=text["order_no"],
                customer=customer,
            ),
            actor=user,
        )
    except RuleViolation as error:
        db.session.rollback()
        return api_error(
            422, _("Nothing was recorded: some fields are wrong."), [RowError(1, error.field or "", error.message)]
        )
    db.session.commit()
    return jsonify(_case_json(row)), 201


@bp.get("/cases")
@token_required
def get_cases() -> ResponseReturnValue:
    """The partner's cases, newest first: ?status=open (the default), all, or one status."""
    status = request.args.get("status", "open")
    query = select(SupportCase).order_by(SupportCase.id.desc()).limit(LIST_LIMIT)
    if status == "open":
        query = query.where(SupportCase.status.in_(cases.OPEN_STATUSES))
    elif status in {member.value for member in CaseStatus}:
        query = query.where(SupportCase.status == CaseStatus(status))
    elif status != "all":
        return api_error(
            400, _("Ask for ?status=open, all or one of: %(values)s.", values=", ".join(s.value for s in CaseStatus))
        )
    return jsonify({"cases": [_case_json(row) for row in db.session.scalars(query)]})
