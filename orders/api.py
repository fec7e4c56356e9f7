"""The JSON API for partners' ERP systems: POST and GET /api/v1/sales-lines, authenticated by an API token."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from orders import api_tokens, intake, periods, services
from orders.models import SalesLine, SubmissionSource
from portal import tenancy
from portal.extensions import db
from portal.i18n import read_as
from portal.security import public
from portal.tabular import RowError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
FIELDS = [column.key for column in intake.COLUMNS]


def _error(status: int, message: str, errors: list[RowError] | None = None):
    body = {"error": message}
    if errors is not None:
        body["errors"] = [error.as_dict() for error in errors]
    return jsonify(body), status


def token_required(view):
    """Public to the login gate; the bearer token decides who is calling and whose rows they see."""

    @public
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        user = api_tokens.user_for_token(header[7:].strip()) if header.startswith("Bearer ") else None
        if user is None:
            return _error(401, _("A valid API token is needed (Authorization: Bearer …)."))
        g.api_user = user
        read_as(user.locale)  # answers in the account's language, as its pages are
        tenancy.set_scope(db.session(), user)
        return view(*args, **kwargs)

    return wrapped


@bp.post("/sales-lines")
@token_required
def post_sales_lines():
    """Body: {"lines": [{order_no, line_no, order_date, customer_code, customer_name, customer_region?, sku,
    quantity, unit_price, discount?}, …]}. All or nothing, like an upload."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list):
        return _error(400, _('The body must be JSON: {"lines": [ … ]}.'))
    lines = body["lines"]
    limit = current_app.config["API_MAX_LINES"]
    if len(lines) > limit:
        return _error(413, _("At most %(n)d lines per request; send a file upload or several requests.", n=limit))
    rows = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            return _error(422, _("Every line must be an object."), [RowError(number, "", _("Not an object."))])
        rows.append((number, {key: "" if line.get(key) is None else str(line.get(key)) for key in FIELDS}))
    user = g.api_user
    rules = intake.ReportingRules(
        today=periods.local_today(),
        open_months=current_app.config["REPORTING_OPEN_MONTHS"],
        may_report_closed_periods=False,
    )
    result = intake.record_sales_lines(
        lambda: iter(rows), actor=user, source=SubmissionSource.API, filename=None, rules=rules
    )
    if not result.ok:
        db.session.rollback()
        return _error(422, _("Nothing was recorded: some lines are wrong."), result.errors)
    db.session.commit()
    submission = result.submissions[0]
    return jsonify(
        {
            "submission_id": submission.id,
            "lines": result.rows,
            "returns": result.returns,
            "net_amount": str(services.to_cents(result.total)),
        }
    ), 201


@bp.get("/sales-lines")
@token_required
def get_sales_lines():
    """The partner's lines of one month (?period=YYYY-MM), or of one order (?order_no=…)."""
    query = select(SalesLine).order_by(SalesLine.order_no, SalesLine.line_no).limit(10_000)
    period = services.parse_month(request.args.get("period", ""))
    if request.args.get("order_no"):
        query = query.where(SalesLine.order_no == request.args["order_no"])
    elif period is not None:
        query = query.where(SalesLine.period == period)
    else:
        return _error(400, _("Ask for ?period=YYYY-MM or ?order_no=…"))
    lines = db.session.scalars(query).all()
    return jsonify(
        {
            "lines": [
                {
                    "order_no": line.order_no,
                    "line_no": line.line_no,
                    "order_date": line.order_date.isoformat(),
                    "customer_code": line.customer.code,
                    "customer_name": line.customer.name,
                    "sku": line.product.sku,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "discount": str(line.discount),
                    "net_amount": str(line.net_amount),
                    "is_return": line.is_return,
                    "submission_id": line.submission_id,
                }
                for line in lines
            ]
        }
    )
