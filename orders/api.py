"""The JSON API for partners' ERP systems and the brand's own: POST and GET /api/v1/sales-lines, authenticated by
an API token (a partner's, or a brand token that acts for every partner)."""

from __future__ import annotations

import json
from functools import partial, wraps

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from orders import api_tokens, intake
from orders.models import SalesLine, SubmissionSource
from partners.models import Partner
from portal import tenancy
from portal.calendar import parse_month
from portal.extensions import db
from portal.i18n import read_as
from portal.money import to_cents
from portal.security import public
from portal.tabular import RowError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
FIELDS = [column.key for column in intake.COLUMNS]
MAX_DEPTH = 16  # {"lines": [{…}]} nests three deep; a body far deeper is no delivery of sales lines

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("A valid API token is needed (Authorization: Bearer …)."),
    403: _l("This token may not do that."),
    404: _l("There is no such address in the API. Its lines are at /api/v1/sales-lines."),
    409: _l("Another request recorded this at the same moment. Nothing of this one was recorded."),
    500: _l("The portal hit an error. Nothing was recorded; try again in a moment."),
    503: _l("The portal is busy with other deliveries. Nothing was recorded: send it again after Retry-After seconds."),
}


def api_error(status: int, message: str, errors: list[RowError] | None = None) -> tuple[Response, int]:
    body: dict[str, object] = {"error": message}
    if errors is not None:
        body["errors"] = [error.as_dict() for error in errors]
    return jsonify(body), status


def error_response(status: int, error: HTTPException | None) -> Response:
    """Any error under /api/ (portal/errors.py asks here) in the API's shape, {"error": message}, as a program
    reads it: unknown addresses and wrong methods too, and what failed unexpectedly."""
    if status == 405:
        message = _("This address does not take %(method)s requests.", method=request.method)
    elif status == 413:
        limit = request.max_content_length
        message = _("The body is larger than %(limit)d bytes: send fewer lines per request.", limit=limit or 0)
    elif status == 415:
        message = _("Send the body as JSON, with Content-Type: application/json.")
    else:
        message = str(MESSAGES.get(status) or _("The request was refused (HTTP %(status)d).", status=status))
    response, _status = api_error(status, message)
    response.status_code = status
    for name, value in error.get_headers() if error is not None else ():
        if name.lower() != "content-type":  # Allow for a 405
            response.headers[name] = value
    return response


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in `value`, up to MAX_DEPTH + 1; a loop, not recursion."""
    deepest, stack = 0, [(value, 1)] if isinstance(value, dict | list) else []
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def json_body():
    """The request body as JSON, or an error answer. Parsed here rather than by request.get_json(): a body
    nested too deep for the parser's stack is malformed (400), not a RecursionError; numbers keep the text the
    client wrote, so that 1e3 meets the rule a file's cell meets; NaN and Infinity are not JSON."""
    if not request.is_json:
        return None, error_response(415, None)
    limits = (current_app.config["MAX_CONTENT_LENGTH"], current_app.config["API_MAX_BYTES"])
    request.max_content_length = min((limit for limit in limits if limit), default=None)
    raw = request.get_data(cache=False)  # 413 past the limit
    try:
        body = json.loads(raw, parse_int=str, parse_float=str, parse_constant=_not_json)
    except (RecursionError, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None, api_error(400, _('The body must be JSON: {"lines": [ … ]}.'))
    if _depth(body) > MAX_DEPTH:
        return None, api_error(400, _("The body nests arrays and objects more than %(n)d deep.", n=MAX_DEPTH))
    return body, None


def token_required(view=None, *, brand_tokens: bool = False):
    """Public to the login gate; the bearer token decides who is calling and whose rows they see. A brand token
    (its creator, an admin, belongs to no partner) is refused with 403 unless the view says `brand_tokens=True`:
    it acts for every partner, so each view that takes it is chosen."""
    if view is None:
        return partial(token_required, brand_tokens=brand_tokens)

    @public
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        user = api_tokens.user_for_token(token, delivering=request.method == "POST") if token else None
        if user is None:
            return api_error(401, str(MESSAGES[401]))
        g.api_user = user
        read_as(user.locale)  # answers in the account's language, as its pages are
        if user.partner_id is None and not brand_tokens:
            return api_error(403, str(MESSAGES[403]))
        tenancy.set_scope(db.session(), user)
        return view(*args, **kwargs)

    return wrapped


@bp.post("/sales-lines")
@token_required(brand_tokens=True)
def post_sales_lines():
    """Body: {"lines": [{partner_code?, order_no, line_no, order_date, customer_code, customer_name,
    customer_region?, sku, quantity, unit_price, discount?}, …]}. All or nothing, like an upload, and by the same
    rules for the token's creator: a brand token names each line's partner and may load closed months. A
    problem's row is the line's place in `lines`, from 1 (a file's rows count its header)."""
    body, refused = json_body()
    if refused is not None:
        return refused
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list):
        return api_error(400, _('The body must be JSON: {"lines": [ … ]}.'))
    lines = body["lines"]
    limit = current_app.config["API_MAX_LINES"]
    if len(lines) > limit:
        return api_error(413, _("At most %(n)d lines per request; send a file upload or several requests.", n=limit))
    rows, nested = [], []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            return api_error(422, _("Every line must be an object."), [RowError(number, "", _("Not an object."))])
        nested += [
            RowError(number, key, _("Write a string or a number."))
            for key in FIELDS
            if isinstance(line.get(key), dict | list)
        ]
        # Text as the intake takes every door's: it removes control characters and reads numbers and dates.
        rows.append((number, {key: "" if line.get(key) is None else str(line.get(key)) for key in FIELDS}))
    if nested:
        return api_error(422, _("Nothing was recorded: some lines are wrong."), nested)
    user = g.api_user
    rules = intake.ReportingRules.for_actor(user)
    result = intake.record_sales_lines(
        lambda: iter(rows), actor=user, source=SubmissionSource.API, filename=None, rules=rules
    )
    if not result.ok:
        db.session.rollback()
        return api_error(422, _("Nothing was recorded: some lines are wrong."), result.errors)
    db.session.commit()
    return jsonify(
        {
            "submission_id": result.submissions[0].id,
            "submission_ids": [submission.id for submission in result.submissions],  # one per partner
            "lines": result.rows,
            "returns": result.returns,
            "net_amount": str(to_cents(result.total)),
        }
    ), 201


@bp.get("/sales-lines")
@token_required(brand_tokens=True)
def get_sales_lines():
    """The lines the token sees (a partner's own; a brand token's, every partner's) of one month
    (?period=YYYY-MM), or of one order (?order_no=…); ?partner_code=… keeps one partner's."""
    query = select(SalesLine).order_by(SalesLine.order_no, SalesLine.line_no).limit(10_000)
    period = parse_month(request.args.get("period", ""))
    if request.args.get("order_no"):
        query = query.where(SalesLine.order_no == request.args["order_no"])
    elif period is not None:
        query = query.where(SalesLine.period == period)
    else:
        return api_error(400, _("Ask for ?period=YYYY-MM or ?order_no=…"))
    code = request.args.get("partner_code", "").strip().upper()
    if code:
        # Another partner's code is unknown to a partner's token, as its rows are.
        partner_id = db.session.scalar(select(Partner.id).where(func.upper(Partner.code) == code))
        if partner_id is None:
            return api_error(400, _("Unknown partner code %(code)s.", code=code[:32]))
        query = query.where(SalesLine.partner_id == partner_id)
    lines = db.session.scalars(query).all()
    codes = dict(db.session.execute(select(Partner.id, Partner.code)).all())
    return jsonify(
        {
            "lines": [
                {
                    "partner_code": codes[line.partner_id],
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
