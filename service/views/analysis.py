"""The brand's complaint analysis: cases and complaints by category, product line, product, region and partner."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import charts
from portal.calendar import MonthRange, add_months, local_today, month_start, parse_month
from portal.htmx import render
from portal.security import BRAND_ROLES, require_role
from service import analysis
from service.views import bp


@bp.get("/analysis")
@require_role(*BRAND_ROLES)
def analysis_page() -> ResponseReturnValue:
    this_month = month_start(local_today())
    first = parse_month(request.args.get("first", "")) or add_months(this_month, -11)
    last = parse_month(request.args.get("last", "")) or this_month
    months = MonthRange(first, last) if first <= last else MonthRange(last, first)
    by = request.args.get("by", "category") if request.args.get("by") in analysis.BREAKDOWNS else "category"
    rows = analysis.breakdown(by, months)
    labels, case_counts, complaint_counts = analysis.monthly_trend(months)
    return render(
        "service/analysis.html",
        months=months,
        by=by,
        breakdowns=analysis.BREAKDOWNS,
        rows=rows,
        top=rows[:5],
        drill=analysis.Drill(months=months),
        repeats=analysis.repeat_complaints(months),
        chart=charts.line_chart(
            _("Cases and complaints per month"),
            labels,
            {_("Support cases"): case_counts, _("Customer complaints"): complaint_counts},
        ),
        totals=(sum(case_counts), sum(complaint_counts)),
    )
