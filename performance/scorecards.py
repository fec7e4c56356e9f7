"""A partner's scorecard as its page and its PDF show it: the same numbers in both, built once here."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from partners.coverage import TierSpell, current_assignments, status_on, tiers_during
from partners.models import CoverageAssignment, Partner, PartnerStatus
from performance import scoring
from performance.kpis import DISPLAY_KPIS, KPI_DEFINITIONS, KPI_LABELS, compute_kpis, monthly_figures
from performance.models import Scorecard
from performance.scoring import TierRecommendation
from portal import charts
from portal.calendar import MonthRange, add_months, local_today, month_end
from portal.i18n import pick
from portal.security import may_open


@dataclass(frozen=True)
class ScorecardView:
    """KPIs over `months` (against the range just before), the score, rank and recommendation of its last
    month, the two 12-month charts, and the partner as it was then: its tiers during the months, its status and
    coverage on their last day (`as_of`, today for months not over yet)."""

    partner: Partner
    period: date
    months: MonthRange
    is_range: bool
    as_of: date
    tiers: list[TierSpell]
    tier_then: str
    status_then: PartnerStatus | None
    coverage_then: list[CoverageAssignment]
    tiles: list[dict]
    kpi_definitions: dict
    card: Scorecard | None
    card_is_out_of_date: bool
    version: int | None
    median: Decimal | None
    recommendation: TierRecommendation
    sales_chart: Markup
    score_chart: Markup

    def context(self) -> dict:
        """The template's variables, one per field."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def build_scorecard(partner: Partner, months: MonthRange, *, for_pdf: bool = False) -> ScorecardView:
    """The PDF's charts carry their own CSS (see performance/charts.py)."""
    period = months.last
    now_kpis = compute_kpis([partner], months)[partner.id]
    before_kpis = compute_kpis([partner], months.previous())[partner.id]
    year = MonthRange(add_months(period, -11), period)
    figures = monthly_figures(partner, year)
    history = scoring.scorecard_history(partner, period)
    labels = [m.strftime("%Y-%m") for m in year.months()]
    card = history.get(period)
    tiles = [
        {
            "name": name,
            "label": KPI_LABELS[name],
            "value": getattr(now_kpis, name),
            "before": getattr(before_kpis, name),
            "link": _drill_down(partner, name, months),
        }
        for name in DISPLAY_KPIS
    ]
    median_label = _("Median of %(type)s partners", type=partner.partner_type.label)
    as_of = min(month_end(period), local_today())
    tiers = tiers_during(partner, months.first, as_of)
    return ScorecardView(
        partner=partner,
        period=period,
        months=months,
        is_range=months.length > 1,
        as_of=as_of,
        tiers=tiers,
        tier_then=describe_tiers(tiers),
        status_then=status_on([partner], as_of)[partner.id],
        coverage_then=current_assignments(partner, as_of),
        tiles=tiles,
        kpi_definitions=KPI_DEFINITIONS,
        card=card,
        card_is_out_of_date=card is not None
        and scoring.is_out_of_date(card, scoring.lines_changed_at([partner.id], period)),
        version=card.rules.version if card else None,
        median=card.peer_median if card else None,
        recommendation=scoring.recommend_tier(partner, period),
        sales_chart=charts.line_chart(
            _("Net sales against target, 12 months"),
            labels,
            {_("Net sales"): [f.net_sales for f in figures], _("Target"): [f.target for f in figures]},
            dashed={_("Target"): "6,4"},
            with_style=for_pdf,
        ),
        score_chart=charts.line_chart(
            _("Score, 12 months"),
            labels,
            {
                _("Score"): [history[m].score if m in history else None for m in year.months()],
                median_label: [history[m].peer_median if m in history else None for m in year.months()],
            },
            dashed={median_label: "3,3"},
            value_range=(0, 100),
            with_style=for_pdf,
        ),
    )


def describe_tiers(spells: list[TierSpell]) -> str:
    """ "Gold"; with changes during the months, each tier up to its change: "Silver until 2012-05-14, Gold since"."""
    held = [
        _("%(tier)s until %(day)s", tier=spell.tier.label, day=spell.until.isoformat())
        for spell in spells
        if spell.until
    ]
    if not held:
        return spells[-1].tier.label
    return pick(", ", "，").join([*held, _("%(tier)s since", tier=spells[-1].tier.label)])


def _drill_down(partner: Partner, name: str, months: MonthRange) -> str | None:
    """The page that lists the lines or records behind a KPI, if the reader may open it."""
    endpoint, arguments = _behind(partner, name, months)
    return url_for(endpoint, **arguments) if endpoint and may_open(endpoint) else None


def _behind(partner: Partner, name: str, months: MonthRange) -> tuple[str | None, dict[str, Any]]:
    span: dict[str, Any] = {"first": months.first.strftime("%Y-%m"), "last": months.last.strftime("%Y-%m")}
    if name in ("net_sales", "growth_yoy", "growth_prev", "active_customers", "new_customers"):
        return "orders.lines", {"partner": partner.id, **span}  # the lines name their customers
    if name == "returns_ratio":
        return "orders.lines", {"partner": partner.id, "returns": 1, **span}
    if name in ("target", "target_attainment"):
        return "performance.targets_page", {"partner": partner.code, **span}
    if name == "deal_win_rate":
        return "orders.deals_list", {"partner": partner.id, "closed_first": span["first"], "closed_last": span["last"]}
    if name == "training_completion":
        return "training.index", {}
    if name == "on_time_reporting":
        return "orders.periods_page", {"partner": partner.id}
    if name in ("cases_per_million", "median_first_response", "median_resolution"):
        return "service.case_list", {"status": "all", "partner_code": partner.code, **span}
    if name in ("complaints_per_100_customers", "complaint_resolution_rate"):
        return "service.complaint_list", {"partner_code": partner.code, **span}
    if name in ("partner_nps", "customer_csat"):
        audience = "partner_users" if name == "partner_nps" else "end_customers"
        return "service.survey_responses", {"partner_code": partner.code, "audience": audience, **span}
    return None, {}
