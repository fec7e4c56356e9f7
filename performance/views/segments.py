"""Segments, partners at risk, and partners compared."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from partners.regions import region_by_code
from partners.services import partners_by_id, regions_with_partners
from performance import scoring, segments
from performance.kpis import (
    DISPLAY_KPIS,
    KPI_LABELS,
    MonthRange,
    compute_kpis,
    monthly_figures,
)
from performance.views import bp
from performance.views.arguments import month_arg
from portal import charts
from portal.calendar import add_months
from portal.htmx import render
from portal.money import total_of
from portal.security import BRAND_ROLES, require_role


@bp.get("/segments")
def segments_page():
    """RFM of the end customers (a partner: its own), and for brand staff the partners' RFM and ABC classes."""
    period = month_arg()
    region = region_by_code(request.args.get("region", "")) if request.args.get("region") else None
    is_brand = current_user.role in BRAND_ROLES
    partners = segments.partners_in(region) if is_brand else [current_user.partner]
    chosen = request.args.get("partner", type=int) if is_brand else current_user.partner_id
    customer_rfm = segments.customer_rfm(period, partner_ids=[chosen] if chosen else [p.id for p in partners])
    context: dict[str, Any] = {
        "period": period,
        "region": region,
        "partners": partners,
        "chosen": chosen,
        "customer_summary": segments.summarise(customer_rfm),
        "customer_total": total_of(r.monetary for r in customer_rfm.values()),
        "classes": segments.RFM_CLASSES,
    }
    if is_brand:
        partner_rfm = segments.partner_rfm(partners, period)
        context |= {
            "partner_rfm": partner_rfm,
            "partner_summary": segments.summarise(partner_rfm),
            "partner_total": total_of(partner_rfm[p.id].monetary for p in partners),
            "abc": segments.abc_classes({p.id: partner_rfm[p.id].monetary for p in partners}),
            "regions": regions_with_partners(),
        }
    return render("performance/segments.html", **context)


@bp.get("/at-risk")
@require_role(*BRAND_ROLES)
def at_risk_page():
    period = month_arg()
    return render("performance/at_risk.html", period=period, rows=segments.partners_at_risk(period))


@bp.get("/compare")
@require_role(*BRAND_ROLES)
def compare_page():
    """Chosen partners side by side: the KPIs of a month, score and rank, and their sales over 12 months."""
    period = month_arg()
    ids = [int(value) for value in request.args.getlist("partner") if value.isdigit()][:6]
    partners = partners_by_id(ids)
    months = MonthRange.month(period)
    kpis = compute_kpis(partners, months)
    cards = scoring.latest_scorecards(period)
    year = MonthRange(add_months(period, -11), period)
    chart = charts.line_chart(
        _("Net sales, 12 months"),
        [m.strftime("%Y-%m") for m in year.months()],
        {p.code: [f.net_sales for f in monthly_figures(p, year)] for p in partners},
    )
    names = DISPLAY_KPIS
    return render(
        "performance/compare.html",
        period=period,
        partners=partners,
        kpis=kpis,
        cards=cards,
        names=names,
        kpi_labels=KPI_LABELS,
        chart=chart,
    )
