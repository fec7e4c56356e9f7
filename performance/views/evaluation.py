"""The channel evaluation: every partner's scores for a month, and scoring months again."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partners.models import PartnerTier, PartnerType
from partners.product_lines import product_lines
from partners.regions import region_by_code
from partners.services import regions_with_partners
from performance import evaluation, scoring
from performance.forms import EvaluationFilterForm
from performance.kpis import (
    KPI_LABELS,
)
from performance.views import bp
from performance.views.arguments import last_complete_month
from portal import tenancy
from portal.calendar import local_today, parse_month
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.forms import options
from portal.htmx import local_path, redirect_after_post, render
from portal.paging import page_number
from portal.security import BRAND_ROLES, require_role


def _evaluation_filters(scored: list[date]) -> tuple[EvaluationFilterForm, evaluation.EvaluationCriteria]:
    """The filters as asked. The month list offers the scored months and the last complete one; a month asked
    for by link that has no scorecards is shown as such (the page says so and offers to score it), never
    silently swapped for another."""
    asked = parse_month(request.args.get("period", ""))
    default = scored[0] if scored else last_complete_month()
    months = {*scored, last_complete_month()}
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
    scored = evaluation.scored_months()
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
        may_score_recent_months=scoring.may_score_recent_months(current_user),
    )


@bp.post("/scorecards/compute")
@require_role(*BRAND_ROLES)
def compute_scorecards():
    """One month (`period`), for any brand staff: scoring is the same computation whoever asks. The last 12
    months at once stay with admins."""
    month = parse_month(request.form.get("period", ""))
    if month is None and not scoring.may_score_recent_months(current_user):
        abort(403)
    if month is not None and month > local_today():
        flash(_("A month that has not begun cannot be scored."), "error")
        return redirect_after_post(url_for("performance.evaluation_page"))
    with tenancy.every_partner(reason="scorecards rank every partner against its peers"):
        if month is None:
            count = scoring.compute_recent_scorecards(last_complete_month())
        else:
            count = len(scoring.compute_scorecards(month))
    db.session.commit()
    version = scoring.current_rules().version
    if month is None:
        flash(
            _("%(count)d scorecards computed with version %(version)d of the rules.", count=count, version=version),
            "success",
        )
    elif count:
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
    period = (month or last_complete_month()).strftime("%Y-%m")
    return redirect_after_post(
        local_path(request.form.get("next", ""), url_for("performance.evaluation_page", period=period))
    )
