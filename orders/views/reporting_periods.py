"""Reporting periods: what is due, and declaring a month without sales."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders import periods
from orders.views import bp
from partners.models import Partner
from portal.calendar import parse_month
from portal.extensions import db
from portal.htmx import local_path, redirect_after_post, render
from portal.security import PARTNER_ROLES, RuleViolation, require_role


@bp.get("/periods")
def periods_page():
    """A partner's own months; brand staff see any partner in their scope (?partner=<id>), read-only."""
    if current_user.role in PARTNER_ROLES:
        partner = current_user.partner
    else:
        partner = db.get_or_404(Partner, request.args.get("partner", type=int) or 0)
    return render(
        "orders/periods.html",
        partner=partner,
        states=periods.period_states(partner, months=12),
        may_declare=current_user.role in PARTNER_ROLES,
    )


@bp.post("/periods/<period>/declare")
@require_role(*PARTNER_ROLES)
def declare_period(period: str):
    month = parse_month(period)
    if month is None:
        abort(404)
    try:
        periods.declare_period(
            current_user.partner, month, actor=current_user, no_sales=request.form.get("no_sales") == "1"
        )
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(month)s is declared.", month=month.strftime("%Y-%m")), "success")
    return redirect_after_post(local_path(request.form.get("next"), url_for("orders.periods_page")))
