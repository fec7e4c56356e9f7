"""A partner's scorecard: the page, the PDF, and the tier decision taken on it."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from partners.models import PARTNER_TIER_LABELS, Partner, PartnerTier
from partners.services import change_partner_tier
from performance import charts, scoring
from performance.forms import TierDecisionForm
from performance.kpis import (
    COUNT_KPIS,
    DISPLAY_KPIS,
    KPI_DEFINITIONS,
    KPI_LABELS,
    MONEY_KPIS,
    MonthRange,
    compute_kpis,
    monthly_figures,
)
from performance.views import bp
from performance.views.arguments import month_arg
from portal.calendar import add_months, local_today, parse_month
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.money import money
from portal.pdf import render_pdf
from portal.security import BRAND_ROLES, PARTNER_ROLES, RuleViolation, require_role


@bp.app_template_global("kpi_text")
def format_kpi(name: str, value) -> str:
    """A KPI as people read it: money to cents, counts whole, ratios as percentages; "no data" for None."""
    if value is None:
        return _("no data")
    if name in MONEY_KPIS:
        return money(value)
    if name in COUNT_KPIS:
        return f"{int(value):,}"
    return f"{value * 100:.1f} %"


def _drill_down(partner: Partner, name: str, months: MonthRange) -> str | None:
    """The page that lists the lines or records behind a KPI."""
    span = {"first": months.first.strftime("%Y-%m"), "last": months.last.strftime("%Y-%m")}
    if name in ("net_sales", "growth_yoy", "growth_prev", "active_customers", "new_customers"):
        return url_for("orders.lines", partner=partner.id, **span)  # the lines name their customers
    if name == "returns_ratio":
        return url_for("orders.lines", partner=partner.id, returns=1, **span)
    if name in ("target", "target_attainment"):
        return url_for("performance.targets_page", partner=partner.code, **span)
    if name == "deal_win_rate":
        return url_for("orders.deals_list", partner=partner.id, closed_first=span["first"], closed_last=span["last"])
    if name == "training_completion":
        return url_for("training.index")
    if name == "on_time_reporting":
        return url_for("orders.periods_page", partner=partner.id)
    return None


def _months_arg() -> MonthRange:
    """The KPI range asked for: ?first=YYYY-MM&last=YYYY-MM, or the month ?period= (the last complete one)."""
    first, last = parse_month(request.args.get("first", "")), parse_month(request.args.get("last", ""))
    if first and last and first <= last <= local_today():
        return MonthRange(first, last)
    return MonthRange.month(month_arg())


def scorecard_context(partner: Partner, months: MonthRange, *, for_pdf: bool = False) -> dict:
    """Everything the scorecard page and its PDF show: the same numbers in both. KPIs over `months` (against
    the range just before); the score, rank and recommendation of its last month. The PDF's charts carry their
    own CSS (see performance/charts.py)."""
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
    return {
        "partner": partner,
        "period": period,
        "months": months,
        "is_range": months.length > 1,
        "tiles": tiles,
        "kpi_definitions": KPI_DEFINITIONS,
        "card": card,
        "card_is_out_of_date": card is not None
        and scoring.is_out_of_date(card, scoring.lines_changed_at([partner.id], period)),
        "version": card.rules.version if card else None,
        "median": card.peer_median if card else None,
        "recommendation": scoring.recommend_tier(partner, period),
        "sales_chart": charts.sales_against_target(
            _("Net sales against target, 12 months"),
            labels,
            [f.net_sales for f in figures],
            [f.target for f in figures],
            _("Net sales"),
            _("Target"),
            with_style=for_pdf,
        ),
        "score_chart": charts.score_trend(
            _("Score, 12 months"),
            labels,
            [history[m].score if m in history else None for m in year.months()],
            _("Median of %(type)s partners", type=partner.partner_type.label),
            [history[m].peer_median if m in history else None for m in year.months()],
            _("Score"),
            with_style=for_pdf,
        ),
    }


@bp.get("/scorecard")
@require_role(*PARTNER_ROLES)
def my_scorecard():
    return redirect(url_for("performance.scorecard", partner_id=current_user.partner_id, **request.args))


@bp.get("/partners/<int:partner_id>/scorecard")
def scorecard(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)  # another partner's scorecard does not exist for a partner user
    context = scorecard_context(partner, _months_arg())
    decision = TierDecisionForm(
        tier=context["recommendation"].recommended.value
        if context["recommendation"].recommended
        else partner.tier.value,
        version=partner.version_id,
    )
    asked = parse_month(request.args.get("period", ""))
    following = add_months(context["period"], 1)
    return render(
        "performance/scorecard.html",
        decision=decision,
        tier_labels=PARTNER_TIER_LABELS,
        not_begun=asked if asked and asked > local_today() else None,  # said, not silently replaced
        next_month=following if following <= local_today() else None,
        **context,
    )


@bp.get("/partners/<int:partner_id>/scorecard.pdf")
def scorecard_pdf(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)
    context = scorecard_context(partner, _months_arg(), for_pdf=True)
    pdf = render_pdf("performance/scorecard_pdf.html", **context)
    filename = f"scorecard-{partner.code}-{context['months'].label().replace(' – ', '_')}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={filename}"})


@bp.post("/partners/<int:partner_id>/tier")
@require_role(*BRAND_ROLES)
def decide_tier(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)
    form = TierDecisionForm()
    period = month_arg()
    recommendation = scoring.recommend_tier(partner, period)
    if form.validate_on_submit():
        tier = PartnerTier(form.tier.data)
        accepted = recommendation.recommended is tier
        reason = form.reason.data or (
            _(
                "Scorecard recommendation accepted: average score %(score)s over %(months)d months.",
                score=recommendation.average,
                months=recommendation.months,
            )
            if accepted
            else ""
        )
        try:
            change_partner_tier(
                partner, tier, actor=current_user, reason=reason, expected_version=int(form.version.data or 0)
            )
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            getattr(form, error.field or "tier").errors.append(error.message)
        except StaleDataError:  # another manager's change reached the database first
            db.session.rollback()
            form.tier.errors.append(_("Someone changed this partner at the same moment. Look again and decide."))
        else:
            flash(_("%(code)s is now %(tier)s.", code=partner.code, tier=tier.label), "success")
            return redirect_after_post(
                url_for("performance.scorecard", partner_id=partner.id, period=period.strftime("%Y-%m"))
            )
    context = scorecard_context(db.get_or_404(Partner, partner_id), MonthRange.month(period))
    return render(
        "performance/scorecard.html",
        fragment="tier_decision",
        decision=form,
        tier_labels=PARTNER_TIER_LABELS,
        status=422,
        **context,
    )
