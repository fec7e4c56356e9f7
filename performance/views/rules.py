"""The scoring rules: their versions, and a new one."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from performance import scoring
from performance.forms import RulesForm
from performance.kpis import (
    KPI_LABELS,
    SCORED_KPIS,
)
from performance.views import bp
from portal.extensions import db
from portal.forms import add_error, given
from portal.htmx import redirect_after_post, render
from portal.security import Role, RuleViolation, require_role


@bp.route("/rules", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def rules_page():
    rules = scoring.current_rules()
    if request.method == "GET":
        form = RulesForm(
            obj=rules, based_on=rules.version, **{name: rules.weights.get(name, 0) for name in SCORED_KPIS}
        )
    else:
        form = RulesForm()
    if form.validate_on_submit():
        fields = scoring.RulesFields(
            weights={name: getattr(form, name).data for name in SCORED_KPIS},
            silver_min=given(form.silver_min.data),
            gold_min=given(form.gold_min.data),
            platinum_min=given(form.platinum_min.data),
            recommendation_months=given(form.recommendation_months.data),
            note=form.note.data or "",
        )
        try:
            saved = scoring.save_rules(fields, actor=current_user, based_on=int(form.based_on.data or 0))
        except RuleViolation as error:
            db.session.rollback()
            if error.field == "weights":
                form.form_errors.append(error.message)
            else:
                add_error(
                    getattr(form, error.field if error.field and error.field in form else "silver_min"), error.message
                )
        else:
            db.session.commit()
            flash(
                _(
                    "Version %(version)d of the scoring rules is saved. Compute the scorecards to use it.",
                    version=saved.version,
                ),
                "success",
            )
            return redirect_after_post(url_for("performance.rules_page"))
    versions = scoring.rules_versions()
    return render(
        "performance/rules.html",
        form=form,
        rules=rules,
        versions=versions,
        kpi_labels=KPI_LABELS,
        kpis=SCORED_KPIS,
        status=422 if form.is_submitted() else 200,
    )
