"""Template filters and globals the orders pages (and others) use."""

from __future__ import annotations

from sqlalchemy import select

from orders.views import bp
from partners.models import Partner
from portal.extensions import db


@bp.app_template_global()
def partner_code(partner_id: int) -> str:
    """A partner's code for lists of its rows; one query per request."""
    from flask import g

    if "partner_codes" not in g:
        g.partner_codes = dict(db.session.execute(select(Partner.id, Partner.code)).all())
    return g.partner_codes.get(partner_id, "")
