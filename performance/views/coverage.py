"""Coverage pages: the region × type / product line matrix as of any day, a partner's assignments and their
adjustments."""

from __future__ import annotations

from datetime import date

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from partners import coverage as partner_coverage_services
from partners.models import CoverageAssignment, Partner, ProductLine
from partners.product_lines import product_lines
from partners.regions import fill_region_choices, picked_region, region_by_code
from performance import coverage
from performance.forms import CoverageEndForm, CoverageForm
from performance.views import bp
from portal.calendar import local_today
from portal.extensions import db
from portal.forms import add_error, given, options
from portal.htmx import redirect_after_post, render
from portal.security import BRAND_ROLES, Role, RuleViolation, require_role


@bp.get("/coverage")
@require_role(*BRAND_ROLES)
def coverage_page():
    parent = region_by_code(request.args.get("region", "")) if request.args.get("region") else None
    as_of = _day_arg("as_of") or local_today()
    by = "product_line" if request.args.get("by") == "product_line" else "type"
    within = list(current_user.regions) if current_user.role is Role.CHANNEL_MANAGER else None
    matrix = coverage.coverage_matrix(parent=parent, by=by, as_of=as_of, within=within)
    return render("performance/coverage.html", fragment="coverage_matrix", matrix=matrix)


def _day_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _coverage_form(partner: Partner) -> CoverageForm:
    form = (
        CoverageForm(version=partner.version_id, effective_from=local_today())
        if request.method == "GET"
        else CoverageForm()
    )
    fill_region_choices(form)
    form.product_line_id.choices = options(
        [("", _("Every product line"))] + [(str(line.id), line.name) for line in product_lines(active_only=True)]
    )
    return form


def _refusal(error: RuleViolation | StaleDataError) -> str:
    """Why a coverage change was not saved: the rule's own words, or another change that came first."""
    if isinstance(error, RuleViolation):
        return str(error.message)
    return _("Someone changed this partner's coverage or standing at the same moment. Look at it again and decide.")


@bp.route("/partners/<int:partner_id>/coverage", methods=["GET", "POST"])
@require_role(*BRAND_ROLES)
def partner_coverage(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)
    form = _coverage_form(partner)
    if form.validate_on_submit():
        region = picked_region(form)
        line = db.session.get(ProductLine, int(form.product_line_id.data)) if form.product_line_id.data else None
        try:
            _assignment, clashes = partner_coverage_services.assign_coverage(
                partner,
                region,
                line,
                exclusive=form.is_exclusive.data,
                effective_from=given(form.effective_from.data),
                reason=form.reason.data or "",
                actor=current_user,
                expected_version=int(form.version.data or 0),
            )
            db.session.commit()
        except (RuleViolation, StaleDataError) as error:
            db.session.rollback()
            add_error(form.reason, _refusal(error))
        else:
            flash(_("%(region)s is assigned to %(code)s.", region=region.full_name, code=partner.code), "success")
            for other in clashes:
                flash(
                    _(
                        "Overlap: %(code)s holds an exclusive assignment for %(region)s too.",
                        code=other.partner.code,
                        region=other.region.full_name,
                    ),
                    "warning",
                )
            return redirect_after_post(url_for("performance.partner_coverage", partner_id=partner.id))
    partner = db.get_or_404(Partner, partner_id)
    return render(
        "performance/partner_coverage.html",
        partner=partner,
        form=form,
        end_form=CoverageEndForm(),
        history=partner_coverage_services.assignment_history(partner),
        today=local_today(),
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/coverage/<int:assignment_id>/end")
@require_role(*BRAND_ROLES)
def end_coverage(assignment_id: int):
    assignment = db.get_or_404(CoverageAssignment, assignment_id)
    form = CoverageEndForm()
    if form.validate_on_submit():
        try:
            partner_coverage_services.end_coverage(
                assignment,
                effective_to=given(form.effective_to.data),
                reason=form.reason.data or "",
                actor=current_user,
                expected_version=int(form.version.data or 0),
            )
            db.session.commit()
        except (RuleViolation, StaleDataError) as error:
            db.session.rollback()
            flash(_refusal(error), "error")
        else:
            flash(_("The assignment ends on %(day)s.", day=given(form.effective_to.data).isoformat()), "success")
    else:
        flash(" ".join(str(message) for field in form for message in field.errors), "error")
    return redirect_after_post(url_for("performance.partner_coverage", partner_id=assignment.partner_id))
