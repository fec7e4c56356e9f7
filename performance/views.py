"""Scorecards (partner and brand), the channel evaluation, targets and the scoring rules."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from orders.periods import add_months, local_today
from orders.services import money, parse_month
from partners.models import PARTNER_TIER_LABELS, Partner, PartnerTier, PartnerType, ProductLine
from partners.regions import region_by_code
from partners.services import change_partner_tier, regions_with_partners
from performance import charts, evaluation, scoring, segments, targets
from performance.forms import EvaluationFilterForm, RulesForm, TargetForm, TargetImportForm, TierDecisionForm
from performance.kpis import (
    COUNT_KPIS,
    KPI_DEFINITIONS,
    KPI_LABELS,
    MONEY_KPIS,
    SCORED_KPIS,
    MonthRange,
    compute_kpis,
    monthly_figures,
)
from performance.models import ScoringRules
from portal import tenancy
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.forms import options
from portal.home import HomePanel
from portal.htmx import local_path, redirect_after_post, render
from portal.imports import run_import
from portal.paging import page_number
from portal.pdf import render_pdf
from portal.security import BRAND_ROLES, PARTNER_ROLES, Role, RuleViolation, require_role

bp = Blueprint("performance", __name__, url_prefix="/performance", template_folder="templates")


def last_complete_month() -> date:
    return add_months(local_today().replace(day=1), -1)


def _month_arg(name: str = "period") -> date:
    month = parse_month(request.args.get(name, ""))
    return month if month and month <= local_today() else last_complete_month()


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
    return MonthRange.month(_month_arg())


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
        for name in ("net_sales", "target", *[n for n in SCORED_KPIS if n != "net_sales"])
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
    period = _month_arg()
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


# Channel evaluation ----------------------------------------------------------------------------------------


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
    lines = db.session.scalars(select(ProductLine).order_by(ProductLine.code)).all()
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
        )
    result = evaluation.evaluate_partners(criteria, page=page_number(request.args.get("page")))
    return render(
        "performance/evaluation.html",
        fragment="evaluation_rows",
        filters=filters,
        criteria=criteria,
        rows=result.items,
        total=result.total,
        page=result,
        kpi_labels=KPI_LABELS,
        is_scored=evaluation.has_scorecards(criteria.period),
        out_of_date=sum(row.is_out_of_date for row in result.items),
    )


@bp.post("/scorecards/compute")
@require_role(*BRAND_ROLES)
def compute_scorecards():
    """One month (`period`), for any brand staff: scoring is the same computation whoever asks. The last 12
    months at once stay with admins."""
    month = parse_month(request.form.get("period", ""))
    if month is None and current_user.role is not Role.ADMIN:
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


# Targets ---------------------------------------------------------------------------------------------------


def _target_window() -> tuple[date, date]:
    return targets.open_target_months(local_today(), current_app.config["REPORTING_OPEN_MONTHS"])


@bp.route("/targets", methods=["GET", "POST"])
def targets_page():
    """Brand staff set targets; a partner reads its own (the drill-down of its scorecard's target)."""
    if request.method == "POST" and current_user.role not in BRAND_ROLES:
        abort(403)
    first = parse_month(request.args.get("first", "")) or add_months(local_today().replace(day=1), -3)
    last = parse_month(request.args.get("last", "")) or add_months(local_today().replace(day=1), 12)
    code = request.args.get("partner", "").strip().upper()
    form = TargetForm(partner_code=code or None)
    if form.validate_on_submit():
        partner = db.session.scalar(select(Partner).where(Partner.code == form.partner_code.data.strip().upper()))
        period = parse_month(form.period.data.strip())
        if partner is None:
            form.partner_code.errors.append(_("Unknown partner code %(code)s.", code=form.partner_code.data))
        elif period is None:
            form.period.errors.append(_("Write the month as YYYY-MM."))
        else:
            try:
                targets.set_target(partner, period, form.amount.data, actor=current_user, window=_target_window())
            except RuleViolation as error:
                getattr(form, "period" if error.field == "period" else "amount").errors.append(error.message)
            else:
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
        first=first,
        last=last,
        code=code,
        import_form=TargetImportForm(),
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/targets/import", methods=["GET", "POST"])
@require_role(*BRAND_ROLES)
def import_targets():
    form = TargetImportForm()
    result = run_import(
        form,
        lambda stream, filename: targets.import_targets(
            stream,
            filename,
            actor=current_user,
            max_bytes=current_app.config["SALES_UPLOAD_MAX_BYTES"],
            window=_target_window(),
        ),
    )
    if result and result.ok:
        flash(
            _(
                "Imported %(rows)d rows: %(created)d targets created, %(updated)d changed, %(unchanged)d unchanged.",
                rows=result.rows,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            "success",
        )
        return redirect_after_post(url_for("performance.targets_page"))
    return render(
        "performance/import_targets.html",
        form=form,
        result=result,
        columns=targets.COLUMNS,
        status=422 if form.is_submitted() else 200,
    )


# Scoring rules ---------------------------------------------------------------------------------------------


@bp.route("/rules", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def rules_page():
    rules = scoring.current_rules()
    if request.method == "GET":
        form = RulesForm(obj=rules, based_on=rules.version, **rules.weights)
    else:
        form = RulesForm()
    if form.validate_on_submit():
        fields = scoring.RulesFields(
            weights={name: getattr(form, name).data for name in SCORED_KPIS},
            silver_min=form.silver_min.data,
            gold_min=form.gold_min.data,
            platinum_min=form.platinum_min.data,
            recommendation_months=form.recommendation_months.data,
            note=form.note.data or "",
        )
        try:
            saved = scoring.save_rules(fields, actor=current_user, based_on=int(form.based_on.data or 0))
        except RuleViolation as error:
            db.session.rollback()
            if error.field == "weights":
                form.form_errors.append(error.message)
            else:
                getattr(form, error.field if error.field in form else "silver_min").errors.append(error.message)
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
    versions = db.session.scalars(select(ScoringRules).order_by(ScoringRules.version.desc()).limit(20)).all()
    return render(
        "performance/rules.html",
        form=form,
        rules=rules,
        versions=versions,
        kpi_labels=KPI_LABELS,
        kpis=SCORED_KPIS,
        status=422 if form.is_submitted() else 200,
    )


def _scorecard_panel() -> dict:
    partner = current_user.partner
    period = last_complete_month()
    card = scoring.scorecard_history(partner, period, 1).get(period)
    return {"scorecard_period": period, "scorecard": card}


def _channel_panel() -> dict:
    """For brand staff: the partners at risk in their scope, as of the last complete month."""
    period = last_complete_month()
    return {"period": period, "at_risk": segments.partners_at_risk(period)}


HOME_PANELS = [
    HomePanel("performance/_home_scorecard.html", PARTNER_ROLES, _scorecard_panel),
    HomePanel("performance/_home_channel.html", BRAND_ROLES, _channel_panel),
]


# Segments, at risk, comparison -----------------------------------------------------------------------------


@bp.get("/segments")
def segments_page():
    """RFM of the end customers (a partner: its own), and for brand staff the partners' RFM and ABC classes."""
    period = _month_arg()
    region = region_by_code(request.args.get("region", "")) if request.args.get("region") else None
    is_brand = current_user.role in BRAND_ROLES
    partners = segments.partners_in(region) if is_brand else [current_user.partner]
    chosen = request.args.get("partner", type=int) if is_brand else current_user.partner_id
    customer_rfm = segments.customer_rfm(period, partner_ids=[chosen] if chosen else [p.id for p in partners])
    context = {
        "period": period,
        "region": region,
        "partners": partners,
        "chosen": chosen,
        "customer_summary": segments.summarise(customer_rfm),
        "classes": segments.RFM_CLASSES,
    }
    if is_brand:
        partner_rfm = segments.partner_rfm(partners, period)
        context |= {
            "partner_rfm": partner_rfm,
            "partner_summary": segments.summarise(partner_rfm),
            "abc": segments.abc_classes({p.id: partner_rfm[p.id].monetary for p in partners}),
            "regions": regions_with_partners(),
        }
    return render("performance/segments.html", **context)


@bp.get("/at-risk")
@require_role(*BRAND_ROLES)
def at_risk_page():
    period = _month_arg()
    return render("performance/at_risk.html", period=period, rows=segments.partners_at_risk(period))


@bp.get("/compare")
@require_role(*BRAND_ROLES)
def compare_page():
    """Chosen partners side by side: the KPIs of a month, score and rank, and their sales over 12 months."""
    period = _month_arg()
    ids = [int(value) for value in request.args.getlist("partner") if value.isdigit()][:6]
    partners = list(db.session.scalars(select(Partner).where(Partner.id.in_(ids)).order_by(Partner.code)))
    months = MonthRange.month(period)
    kpis = compute_kpis(partners, months)
    cards = scoring.latest_scorecards(period)
    year = MonthRange(add_months(period, -11), period)
    chart = charts.compared_sales(
        _("Net sales, 12 months"),
        [m.strftime("%Y-%m") for m in year.months()],
        {p.code: [f.net_sales for f in monthly_figures(p, year)] for p in partners},
    )
    names = ("net_sales", "target", *[n for n in SCORED_KPIS if n != "net_sales"])
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
