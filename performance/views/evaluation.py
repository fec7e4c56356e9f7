"""The channel evaluation: every partner's scores for a month, and scoring months again."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partners.models import PartnerTier, PartnerType
from partners.product_lines import product_lines
from partners.regions import region_by_code
from partners.services import regions_with_partners
from performance import evaluation, scoring, tasks
from performance.forms import EvaluationFilterForm, ScoringRunForm
from performance.kpis import (
    KPI_LABELS,
)
from performance.models import ScoringRun
from performance.views import bp
from performance.views.arguments import last_complete_month
from portal import tenancy
from portal.calendar import add_months, local_today, parse_month
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.forms import options, refusals_shown
from portal.htmx import local_path, redirect_after_post, render
from portal.paging import page_number
from portal.security import BRAND_ROLES, Role, RuleViolation, require_role


def _evaluation_filters(scored: list[date]) -> tuple[EvaluationFilterForm, evaluation.EvaluationCriteria]:
    """The filters as asked. The month list offers every month with sales or scorecards and the last complete
    one; a month asked for by link that has no scorecards is shown as such (the page says so and offers to score
    it), never silently swapped for another."""
    asked = parse_month(request.args.get("period", ""))
    default = scored[0] if scored else last_complete_month()
    months = {*evaluation.months_with_data(), last_complete_month()}
    if asked and asked <= local_today():
        months.add(asked)
    filters = EvaluationFilterForm(request.args, period=default.strftime("%Y-%m"))
    filters.period.choices = options((m.strftime("%Y-%m"), m.strftime("%Y-%m")) for m in sorted(months, reverse=True))
    filters.region.choices = options(
        [("", _("All regions"))]
        + [(region.code, " " * (region.path.count("/") - 2) + region.name) for region in regions_with_partners()]
    )
    lines = product_lines()
    filters.product_line.choices = options([("", _("All product lines"))] + [(line.code, line.name) for line in lines])
    filters.validate()

    def valid(field):
        return field.data if field.data and not field.errors else None

    criteria = evaluation.EvaluationCriteria(
        period=parse_month(valid(filters.period) or "") or default,
        partner_type=PartnerType(valid(filters.partner_type)) if valid(filters.partner_type) else None,
        tier=PartnerTier(valid(filters.tier)) if valid(filters.tier) else None,
        region=region_by_code(valid(filters.region)) if valid(filters.region) else None,
        product_line=next((line for line in lines if line.code == valid(filters.product_line)), None),
        sort=valid(filters.sort) or "score",
    )
    return filters, criteria


@bp.get("/evaluation")
@require_role(*BRAND_ROLES)
def evaluation_page():
    scored = evaluation.scored_months(limit=1)
    filters, criteria = _evaluation_filters(scored)
    if export := requested_export():
        rows = evaluation.evaluate_partners(criteria, page=None).items
        return table_response(
            export,
            f"evaluation-{criteria.period.strftime('%Y-%m')}",
            evaluation.export_headers(),
            evaluation.export_rows(rows),
            total_row=True,
        )
    result = evaluation.evaluate_partners(criteria, page=page_number(request.args.get("page")))
    return render(
        "performance/evaluation.html",
        fragment="evaluation_rows",
        filters=filters,
        criteria=criteria,
        rows=result.items,
        total=result.total,
        net_sales=evaluation.net_sales_total(criteria),
        page=result,
        kpi_labels=KPI_LABELS,
        is_scored=evaluation.has_scorecards(criteria.period),
        out_of_date=sum(row.is_out_of_date for row in result.items),
        run_form=_run_form() if scoring.may_score_many_months(current_user) else None,
        runs=scoring.scoring_runs(limit=3) if scoring.may_score_many_months(current_user) else [],
    )


def _run_form() -> ScoringRunForm:
    """Scoring a range of months; shown with the last twelve complete ones."""
    last = last_complete_month()
    return ScoringRunForm(first=add_months(last, -11), last=last) if request.method == "GET" else ScoringRunForm()


@bp.post("/scorecards/compute")
@require_role(*BRAND_ROLES)
def compute_scorecards():
    """One month (`period`), for any brand staff: scoring is the same computation whoever asks. Ranges of months
    are runs in the background, for admins (start_run)."""
    month = parse_month(request.form.get("period", "")) or abort(400)
    if month > local_today():
        flash(_("A month that has not begun cannot be scored."), "error")
        return redirect_after_post(url_for("performance.evaluation_page"))
    with tenancy.every_partner(reason="scorecards rank every partner against its peers"):
        count = len(scoring.compute_scorecards(month))
    db.session.commit()
    version = scoring.current_rules().version
    if count:
        flash(
            _(
                "%(count)d scorecards of %(month)s computed with version %(version)d of the rules.",
                count=count,
                month=month.strftime("%Y-%m"),
                version=version,
            ),
            "success",
        )
    else:
        flash(
            _("No active partner had joined by %(month)s: there is nothing to score.", month=month.strftime("%Y-%m")),
            "warning",
        )
    return redirect_after_post(
        local_path(request.form.get("next", ""), url_for("performance.evaluation_page", period=month.strftime("%Y-%m")))
    )


@bp.post("/scoring-runs")
@require_role(Role.ADMIN)
def start_run():
    form = ScoringRunForm()
    if form.validate_on_submit():
        with refusals_shown(form, "first") as outcome:
            run_id = scoring.start_scoring_run(
                form.first.data, form.last.data, actor=current_user, today=local_today()
            ).id
        if not outcome.refused:
            db.session.commit()
            tasks.queue_run(run_id)
            return redirect_after_post(url_for("performance.scoring_run", run_id=run_id))
    for field in (form.first, form.last):
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")
    return redirect_after_post(url_for("performance.evaluation_page"))


def _stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["UPLOAD_STALE_AFTER_SECONDS"])


@bp.get("/scoring-runs/<int:run_id>")
@require_role(*BRAND_ROLES)
def scoring_run(run_id: int):
    run = db.get_or_404(ScoringRun, run_id)
    return render(
        "performance/scoring_run.html",
        fragment="run_state",
        run=run,
        may_resume=scoring.may_resume(run, stale_after=_stale_after()) and scoring.may_score_many_months(current_user),
    )


@bp.post("/scoring-runs/<int:run_id>/resume")
@require_role(Role.ADMIN)
def resume_run(run_id: int):
    run = db.get_or_404(ScoringRun, run_id)
    try:
        scoring.resume_run(run, actor=current_user, stale_after=_stale_after())
    except RuleViolation as refused:
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        tasks.queue_run(run_id)
    return redirect_after_post(url_for("performance.scoring_run", run_id=run_id))
