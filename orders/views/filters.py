"""Template filters and globals the orders pages (and others) use."""

from __future__ import annotations

from orders.views import bp
from partners.services import partner_codes


@bp.app_template_global()
def partner_code(partner_id: int) -> str:
    """A partner's code for lists of its rows; one query per request."""
    from flask import g

    if "partner_codes" not in g:
        g.partner_codes = partner_codes()
    return g.partner_codes.get(partner_id, "")
