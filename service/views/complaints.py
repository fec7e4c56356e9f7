"""End customers' complaints: the list, logging one (from the customer's page too), resolving or escalating it."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.extensions import db
from portal.forms import refusals_shown
from portal.htmx import redirect_after_post, render
from portal.paging import page_number, paginate
from portal.security import PARTNER_ROLES, RuleViolation, require_role
from service import cases, complaints
from service.analysis import Drill
from service.forms import ComplaintForm, ResolveComplaintForm
from service.models import COMPLAINT_STATUS_LABELS, CaseCategory, CasePriority, ComplaintStatus, CustomerComplaint
from service.views import bp

CUSTOMER_LINKS = [("service.log_complaint", _l("Log a complaint"))]


@bp.get("/complaints")
def complaint_list() -> ResponseReturnValue:
    status = request.args.get("status", "")
    chosen = ComplaintStatus(status) if status in {s.value for s in ComplaintStatus} else None
    query = complaints.complaints_query(status=chosen, drill=Drill.from_args(request.args))
    page = paginate(query, page=page_number(request.args.get("page")), per_page=50)
    return render(
        "service/complaints.html",
        complaints=page.items,
        page=page,
        shown_status=status,
        statuses=COMPLAINT_STATUS_LABELS,
        repeats=complaints.repeats(page.items),
        contact=complaints.masked_contact,
        may_log=complaints.may_log(current_user),
    )


@bp.route("/complaints/new", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def log_complaint() -> ResponseReturnValue:
    form = ComplaintForm(customer_code=request.args.get("customer", "")[:64] or None)
    if form.validate_on_submit():
        with refusals_shown(form, "customer_words") as outcome:
            product, customer = cases.references(
                form.sku.data or "", form.customer_code.data or "", partner_id=current_user.partner_id
            )
            if customer is None:
                raise RuleViolation(_l("Fill in this field."), field="customer_code")
            row = complaints.log_complaint(
                complaints.ComplaintFields(
                    customer=customer,
                    product=product,
                    category=CaseCategory(form.category.data),
                    severity=CasePriority(form.severity.data),
                    customer_words=form.customer_words.data or "",
                    action_taken=form.action_taken.data or "",
                    contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "",
                ),
                actor=current_user,
            )
        if not outcome.refused:
            db.session.commit()
            flash(_("Complaint %(ref)s is logged.", ref=row.reference), "success")
            return redirect_after_post(url_for("service.complaint", complaint_id=row.id))
    return render("service/complaint_form.html", form=form, status=422 if form.is_submitted() else 200)


def _complaint_page(row: CustomerComplaint, form: ResolveComplaintForm | None = None) -> ResponseReturnValue:
    return render(
        "service/complaint.html",
        complaint=row,
        is_repeat=row.id in complaints.repeats([row]),
        may_act=complaints.may_act(current_user, row),
        resolve_form=form or ResolveComplaintForm(formdata=None, action_taken=row.action_taken),
        status=422 if form is not None else 200,
    )


@bp.get("/complaints/<int:complaint_id>")
def complaint(complaint_id: int) -> ResponseReturnValue:
    return _complaint_page(db.get_or_404(CustomerComplaint, complaint_id))


def _own_open(complaint_id: int) -> CustomerComplaint:
    row = db.get_or_404(CustomerComplaint, complaint_id)
    if not complaints.may_act(current_user, row):
        abort(403)
    return row


@bp.post("/complaints/<int:complaint_id>/resolve")
def resolve_complaint(complaint_id: int) -> ResponseReturnValue:
    row, form = _own_open(complaint_id), ResolveComplaintForm()
    if form.validate_on_submit():
        with refusals_shown(form, "action_taken") as outcome:
            complaints.resolve_complaint(row, form.action_taken.data or "", actor=current_user)
        if not outcome.refused:
            db.session.commit()
            flash(_("The complaint is resolved."), "success")
            return redirect_after_post(url_for("service.complaint", complaint_id=row.id))
    return _complaint_page(row, form)


@bp.post("/complaints/<int:complaint_id>/escalate")
def escalate_complaint(complaint_id: int) -> ResponseReturnValue:
    row = _own_open(complaint_id)
    case = complaints.escalate_complaint(row, actor=current_user)
    db.session.commit()
    flash(_("The complaint is with the brand now, as case %(ref)s.", ref=case.reference), "success")
    return redirect_after_post(url_for("service.case", case_id=case.id))
