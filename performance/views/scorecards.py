"""A partner's scorecard: the page, the PDF, and the tier decision taken on it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from partners.models import PARTNER_TIER_LABELS, Partner, PartnerTier
from partners.services import change_partner_tier
from performance import scoring
from performance.forms import TierDecisionForm
from performance.kpis import COUNT_KPIS, KPI_UNITS, MONEY_KPIS, MonthRange
from performance.scorecards import build_scorecard
from performance.views import bp
from performance.views.arguments import month_arg
from portal.calendar import add_months, local_today, parse_month
from portal.extensions import db
from portal.forms import add_error
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
    unit = KPI_UNITS.get(name)
    if unit == "rate":
        return f"{Decimal(value):,.2f}"
    if unit == "hours":
        return _("%(hours)s h", hours=f"{Decimal(value):.1f}")
    if unit == "points":
        return f"{Decimal(value):+.1f}"
    if unit == "out_of_5":
        return f"{Decimal(value):.2f} / 5"
    return f"{value * 100:.1f} %"


def _months_arg() -> MonthRange:
    """The KPI range asked for: ?first=YYYY-MM&last=YYYY-MM, or the month ?period= (the last complete one)."""
    first, last = parse_month(request.args.get("first", "")), parse_month(request.args.get("last", ""))
    if first and last and first <= last <= local_today():
        return MonthRange(first, last)
    return MonthRange.month(month_arg())


@bp.get("/scorecard")
@require_role(*PARTNER_ROLES)
def my_scorecard():
    arguments: dict[str, Any] = {**request.args.to_dict(), "partner_id": current_user.partner_id}
    return redirect(url_for("performance.scorecard", **arguments))


@bp.get("/partners/<int:partner_id>/scorecard")
def scorecard(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)  # another partner's scorecard does not exist for a partner user
    context = build_scorecard(partner, _months_arg()).context()
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
    context = build_scorecard(partner, _months_arg(), for_pdf=True).context()
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
            add_error(getattr(form, error.field or "tier"), error.message)
        except StaleDataError:  # another manager's change reached the database first
            db.session.rollback()
            add_error(form.tier, _("Someone changed this partner at the same moment. Look again and decide."))
        else:
            flash(_("%(code)s is now %(tier)s.", code=partner.code, tier=tier.label), "success")
            return redirect_after_post(
                url_for("performance.scorecard", partner_id=partner.id, period=period.strftime("%Y-%m"))
            )
    context = build_scorecard(db.get_or_404(Partner, partner_id), MonthRange.month(period)).context()
    return render(
        "performance/scorecard.html",
        fragment="tier_decision",
        decision=form,
        tier_labels=PARTNER_TIER_LABELS,
        status=422,
        **context,
    )
