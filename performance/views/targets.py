"""Sales targets: set one by one or imported from a file."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partners.services import partner_by_code
from performance import targets
from performance.forms import TargetForm, TargetImportForm
from performance.views import bp
from portal.calendar import add_months, local_today, parse_month
from portal.extensions import db
from portal.forms import add_error, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.imports import import_page
from portal.money import total_of
from portal.security import BRAND_ROLES, require_role


def _target_window() -> tuple[date, date]:
    return targets.open_target_months(local_today(), current_app.config["REPORTING_OPEN_MONTHS"])


@bp.route("/targets", methods=["GET", "POST"])
def targets_page():
    """Brand staff set targets; a partner reads its own (the drill-down of its scorecard's target)."""
    if request.method == "POST" and not targets.may_set_targets(current_user):
        abort(403)
    first = parse_month(request.args.get("first", "")) or add_months(local_today().replace(day=1), -3)
    last = parse_month(request.args.get("last", "")) or add_months(local_today().replace(day=1), 12)
    code = request.args.get("partner", "").strip().upper()
    form = TargetForm(partner_code=code or None)
    if form.validate_on_submit():
        partner = partner_by_code(form.partner_code.data or "")
        period = parse_month((form.period.data or "").strip())
        if partner is None:
            add_error(form.partner_code, _("Unknown partner code %(code)s.", code=form.partner_code.data))
        elif period is None:
            add_error(form.period, _("Write the month as YYYY-MM."))
        else:
            with refusals_shown(form, "amount") as outcome:
                targets.set_target(partner, period, form.amount.data, actor=current_user, window=_target_window())
            if not outcome.refused:
                db.session.commit()
                flash(
                    _("Target of %(code)s for %(month)s is saved.", code=partner.code, month=period.strftime("%Y-%m")),
                    "success",
                )
                return redirect_after_post(url_for("performance.targets_page", partner=partner.code))
    rows = targets.list_targets(first=first, last=last, partner_code=code)
    return render(
        "performance/targets.html",
        form=form,
        rows=rows,
        total=total_of(target.amount for target in rows),
        first=first,
        last=last,
        code=code,
        import_form=TargetImportForm(),
        may_set=targets.may_set_targets(current_user),
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/targets/import", methods=["GET", "POST"])
@require_role(*BRAND_ROLES)
def import_targets():
    return import_page(
        TargetImportForm(),
        lambda stream, filename: targets.import_targets(
            stream,
            filename,
            actor=current_user,
            max_bytes=current_app.config["SALES_UPLOAD_MAX_BYTES"],
            window=_target_window(),
        ),
        template="performance/import_targets.html",
        columns=targets.COLUMNS,
        landed=lambda result: _(
            "Imported %(rows)d rows: %(created)d targets created, %(updated)d changed, %(unchanged)d unchanged.",
            **result.figures(),
        ),
        then=url_for("performance.targets_page"),
    )
