"""Deal registration: registering, deciding and closing deals."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders import deals, services
from orders.forms import DealDecisionForm, DealForm
from orders.models import DEAL_STATUS_LABELS, DealRegistration, DealStatus
from orders.views import PER_PAGE, bp
from orders.views.filters import partner_code
from portal.calendar import local_today, parse_month
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.forms import given, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.money import query_total, total_of
from portal.paging import page_number, paginate
from portal.security import BRAND_ROLES, PARTNER_ROLES, RuleViolation, require_role


@bp.get("/deals")
def deals_list():
    today = local_today()  # a deal past its date shows as expired before the daily command records it
    status = request.args.get("status", "")
    query = deals.deals_query(
        today=today,
        partner_id=request.args.get("partner", type=int),
        status=DealStatus(status) if status in DEAL_STATUS_LABELS else None,
        closed_in=(
            parse_month(request.args.get("closed_first", "")),
            parse_month(request.args.get("closed_last", "")),
        ),
    )
    if export := requested_export():
        return table_response(
            export,
            "deal-registrations",
            services.DEAL_EXPORT_HEADERS,
            services.deal_export_rows(query, partner_code, today=today),
            total_row=True,
        )
    page = paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render(
        "orders/deals.html",
        deals=page.items,
        page=page,
        total=query_total(query, "estimated_value"),
        today=today,
        state=status,
        states=DEAL_STATUS_LABELS,
    )


@bp.route("/deals/new", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def register_deal():
    form = DealForm()
    if form.validate_on_submit():
        fields = deals.DealFields(
            customer_name=form.customer_name.data or "",
            customer_region=form.customer_region.data or "",
            products=form.products.data or "",
            estimated_value=form.estimated_value.data,
            expected_close=given(form.expected_close.data),
        )
        with refusals_shown(form, "customer_name") as outcome:
            deal = deals.register_deal(fields, actor=current_user, today=local_today())
        if not outcome.refused:
            db.session.commit()
            flash(_("The deal is registered and waits for approval."), "success")
            return redirect_after_post(url_for("orders.deal", deal_id=deal.id))
    return render("orders/deal_form.html", form=form, status=422 if form.is_submitted() else 200)


@bp.get("/deals/<int:deal_id>")
def deal(deal_id: int):
    row, today = db.get_or_404(DealRegistration, deal_id), local_today()
    won_lines = deals.won_lines(row)
    return render(
        "orders/deal.html",
        deal=row,
        state=row.status_on(today),
        may_decide=deals.may_decide(row, current_user, today),
        may_close=deals.may_close(row, current_user, today),
        form=DealDecisionForm(),
        won_lines=won_lines,
        won_total=total_of(line.net_amount for line in won_lines),
    )


def _deal_action(deal_id: int, act):
    row = db.get_or_404(DealRegistration, deal_id)
    form = DealDecisionForm()
    form.validate_on_submit()
    try:
        act(row, form)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect_after_post(url_for("orders.deal", deal_id=deal_id))


@bp.post("/deals/<int:deal_id>/approve")
@require_role(*BRAND_ROLES)
def approve_deal(deal_id: int):
    return _deal_action(deal_id, lambda row, form: deals.approve_deal(row, actor=current_user, today=local_today()))


@bp.post("/deals/<int:deal_id>/reject")
@require_role(*BRAND_ROLES)
def reject_deal(deal_id: int):
    return _deal_action(
        deal_id,
        lambda row, form: deals.reject_deal(row, actor=current_user, reason=form.note.data or "", today=local_today()),
    )


@bp.post("/deals/<int:deal_id>/won")
@require_role(*PARTNER_ROLES)
def deal_won(deal_id: int):
    return _deal_action(
        deal_id,
        lambda row, form: deals.close_deal(
            row, actor=current_user, won=True, today=local_today(), order_no=form.order_no.data or ""
        ),
    )


@bp.post("/deals/<int:deal_id>/lost")
@require_role(*PARTNER_ROLES)
def deal_lost(deal_id: int):
    return _deal_action(
        deal_id, lambda row, form: deals.close_deal(row, actor=current_user, won=False, today=local_today())
    )
