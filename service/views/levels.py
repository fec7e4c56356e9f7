"""The service levels: an admin sets each priority's first-response and resolution targets."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.forms import given, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.security import Role, require_role
from service import sla
from service.forms import ServiceLevelForm
from service.models import CasePriority, TimeUnit
from service.views import bp


def _forms(posted: CasePriority | None = None) -> dict[CasePriority, ServiceLevelForm]:
    """One small form per priority, filled from the stored levels; the posted one keeps what was typed."""
    forms = {}
    for level in sla.service_levels():
        if level.priority is posted:
            forms[level.priority] = ServiceLevelForm(prefix=level.priority.value)
        else:
            forms[level.priority] = ServiceLevelForm(formdata=None, prefix=level.priority.value, obj=level)
            forms[level.priority].response_unit.data = level.response_unit.value
            forms[level.priority].resolution_unit.data = level.resolution_unit.value
    return forms


@bp.get("/levels")
@require_role(Role.ADMIN)
def levels() -> ResponseReturnValue:
    return render("service/levels.html", level_forms=_forms(), calendar=sla.BusinessCalendar.from_config())


@bp.post("/levels/<priority>")
@require_role(Role.ADMIN)
def save_level(priority: str) -> ResponseReturnValue:
    if priority not in {member.value for member in CasePriority}:
        abort(404)
    chosen = CasePriority(priority)
    forms = _forms(posted=chosen)
    form = forms[chosen]
    if form.validate_on_submit():
        with refusals_shown(form, "response_amount") as outcome:
            sla.save_service_level(
                chosen,
                response=(given(form.response_amount.data), TimeUnit(form.response_unit.data)),
                resolution=(given(form.resolution_amount.data), TimeUnit(form.resolution_unit.data)),
                actor=current_user,
            )
        if not outcome.refused:
            db.session.commit()
            flash(_("The service level of %(priority)s cases is saved.", priority=chosen.label), "success")
            return redirect_after_post(url_for("service.levels"))
    return render("service/levels.html", level_forms=forms, calendar=sla.BusinessCalendar.from_config(), status=422)
