"""Onboarding pages: the public application, the admin review queue, the agreement, the company profile."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from partners import bulk_import, onboarding, regions
from partners.forms import (
    AgreementPublishForm,
    PartnerApplicationForm,
    PartnerImportForm,
    PartnerProfileForm,
    ReviewForm,
)
from partners.models import ApplicationStatus, PartnerApplication, PartnerType
from partners.product_lines import product_lines, product_lines_by_id
from partners.views import bp
from portal import throttle
from portal.auth.services import normalise_email
from portal.extensions import db
from portal.forms import given, options, refusals_shown
from portal.htmx import partial_or_redirect, redirect_after_post, render
from portal.i18n import is_chinese
from portal.imports import import_page
from portal.paging import page_number, paginate
from portal.security import PARTNER_ROLES, Role, RuleViolation, public, require_role
from portal.tabular import XLSX_MIMETYPE, write_xlsx


def _product_line_choices(form_field) -> None:
    form_field.choices = options((line.id, line.name) for line in product_lines(active_only=True))


def _application_fields(form: PartnerApplicationForm) -> onboarding.ApplicationFields:
    return onboarding.ApplicationFields(
        legal_name=form.legal_name.data or "",
        partner_type=PartnerType(form.partner_type.data),
        registration_number=form.registration_number.data or "",
        region=regions.picked_region(form),
        city_text=form.city_text.data or "",
        product_lines=product_lines_by_id(form.product_lines.data or []),
        regions_applied=[given(regions.region_by_code(code)) for code in form.regions_applied.data or []],
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
        locale=str(get_locale()),
        consent_ip=request.remote_addr,
    )


def _application_form(**kwargs) -> PartnerApplicationForm:
    form = PartnerApplicationForm(**kwargs)
    regions.fill_region_choices(form)
    _product_line_choices(form.product_lines)
    return form


def _applications_wait(form) -> int | None:
    """Minutes to wait when this address or this contact email has sent its share of applications; counts
    this one otherwise."""
    config, address = current_app.config, get_remote_address()
    email = normalise_email(form.contact_email.data or "")
    for limit, key in ((config["APPLY_LIMIT_PER_ADDRESS"], address), (config["APPLY_LIMIT_PER_EMAIL"], email)):
        if wait := throttle.minutes_to_wait(limit, "apply", key):
            return wait
    throttle.count(config["APPLY_LIMIT_PER_ADDRESS"], "apply", address)
    throttle.count(config["APPLY_LIMIT_PER_EMAIL"], "apply", email)
    return None


@bp.route("/apply", methods=["GET", "POST"])
@public
def apply():
    form = _application_form()
    if form.is_submitted() and (wait := _applications_wait(form)):
        flash(
            ngettext(
                "Too many applications from here. Your form is kept: send it again in %(num)d minute.",
                "Too many applications from here. Your form is kept: send it again in %(num)d minutes.",
                wait,
            ),
            "error",
        )
        return render("partners/apply.html", form=form, action_url=url_for("partners.apply"), status=429)
    if form.validate_on_submit():
        with refusals_shown(form, "legal_name") as outcome:
            result = onboarding.submit_application(_application_fields(form))
        if not outcome.refused:
            db.session.commit()
            if result.already_received:
                flash(
                    _(
                        "We have this application already (received %(date)s). We will write to you.",
                        date=result.application.created_at.date().isoformat(),
                    ),
                    "warning",
                )
            else:
                flash(
                    _(
                        "Thank you. Your application is received; we will write to %(email)s.",
                        email=result.application.contact_email,
                    ),
                    "success",
                )
            return redirect_after_post(url_for("partners.application_received"))
    return render(
        "partners/apply.html",
        form=form,
        action_url=url_for("partners.apply"),
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/apply/received")
@public
def application_received():
    return render("partners/application_received.html")


@bp.get("/privacy")
@public
def privacy_notice():
    return render("partners/privacy.html", version=onboarding.PRIVACY_NOTICE_VERSION)


@bp.route("/apply/<token>", methods=["GET", "POST"])
@public
def update_application(token: str):
    try:
        application = onboarding.application_for_token(token)
    except RuleViolation as error:
        return render("auth/link_invalid.html", error=error, status=400)
    if request.method == "GET":
        form = _application_form(
            obj=application,
            partner_type=application.partner_type.value,
            product_lines=[line.id for line in application.product_lines],
            regions_applied=[region.code for region in application.regions_applied],
        )
        regions.preset_region_picker(form, application.region)
        regions.fill_region_choices(form)
    else:
        form = _application_form()
    if form.validate_on_submit():
        with refusals_shown(form, "legal_name") as outcome:
            onboarding.resubmit_application(application, _application_fields(form))
        if not outcome.refused:
            db.session.commit()
            flash(_("Thank you. Your application is updated and waits for review again."), "success")
            return redirect_after_post(url_for("partners.application_received"))
    return render(
        "partners/apply.html",
        form=form,
        application=application,
        action_url=url_for("partners.update_application", token=token),
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/applications")
@require_role(Role.ADMIN)
def applications():
    tabs = [("open", _("Open"))] + [(s.value, s.label) for s in ApplicationStatus]
    tab = request.args.get("status", "open")
    if tab not in dict(tabs):  # an unknown tab in a hand-typed or stale link: the open ones
        tab = "open"
    page = paginate(onboarding.applications_query(tab), page=page_number(request.args.get("page")), per_page=50)
    return render(
        "partners/applications.html",
        fragment="application_rows",
        applications=page.items,
        page=page,
        tab=tab,
        review_form=ReviewForm(),
        status_tabs=tabs,
    )


@bp.get("/applications/<int:application_id>")
@require_role(Role.ADMIN)
def application(application_id: int):
    row = db.get_or_404(PartnerApplication, application_id)
    return render("partners/application.html", application=row, review_form=ReviewForm())


def _review(application_id: int, decide) -> object:
    row = db.get_or_404(PartnerApplication, application_id)
    form = ReviewForm()
    error = None
    if form.validate_on_submit():
        try:
            decide(row, form.note.data or "")
        except RuleViolation as violation:
            db.session.rollback()
            error = violation.message
            row = db.get_or_404(PartnerApplication, application_id)
        else:
            db.session.commit()
    else:
        error = " ".join(form.note.errors)
    if error:
        flash(str(error), "error")
    return partial_or_redirect(
        "partners/_application_row.html",
        url_for("partners.applications"),
        application=row,
        review_form=ReviewForm(),
        error=error,
    )


@bp.post("/applications/<int:application_id>/approve")
@require_role(Role.ADMIN)
def approve_application(application_id: int):
    return _review(application_id, lambda row, _note: onboarding.approve_application(row, actor=current_user))


@bp.post("/applications/<int:application_id>/reject")
@require_role(Role.ADMIN)
def reject_application(application_id: int):
    return _review(
        application_id, lambda row, note: onboarding.reject_application(row, actor=current_user, reason=note)
    )


@bp.post("/applications/<int:application_id>/request-info")
@require_role(Role.ADMIN)
def request_information(application_id: int):
    return _review(
        application_id, lambda row, note: onboarding.request_information(row, actor=current_user, question=note)
    )


@bp.route("/agreement", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def agreement():
    partner = current_user.partner
    current = onboarding.current_agreement()
    if current is None:
        abort(404)
    if request.method == "POST":
        if not onboarding.may_accept_agreement(current_user, partner):
            abort(403)
        if request.form.get("agreement_version") != current.version:
            flash(_("The agreement changed while you were reading it. Read the new version."), "warning")
        else:
            onboarding.accept_agreement(partner, current, user=current_user, ip_address=request.remote_addr)
            db.session.commit()
            flash(_("Thank you. The partner agreement is accepted."), "success")
        return redirect_after_post(url_for("partners.agreement"))
    return render(
        "partners/agreement.html",
        agreement=current,
        acceptance=onboarding.acceptance_of(partner, current),
        may_accept=onboarding.may_accept_agreement(current_user, partner),
    )


@bp.route("/agreements", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def agreements():
    form = AgreementPublishForm()
    if form.validate_on_submit():
        with refusals_shown(form, "version") as outcome:
            onboarding.publish_agreement(
                actor=current_user,
                version=form.version.data or "",
                title_en=form.title_en.data or "",
                title_zh=form.title_zh.data or "",
                body_en=form.body_en.data or "",
                body_zh=form.body_zh.data or "",
            )
        if not outcome.refused:
            db.session.commit()
            flash(_("The new agreement is published; partners are asked to accept it."), "success")
            return redirect_after_post(url_for("partners.agreements"))
    return render(
        "partners/agreements.html",
        form=form,
        versions=onboarding.agreement_versions(),
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/profile", methods=["GET", "POST"])
@require_role(Role.PARTNER_ADMIN)
def profile():
    partner = current_user.partner
    form = PartnerProfileForm(obj=partner) if request.method == "GET" else PartnerProfileForm()
    _product_line_choices(form.product_lines)
    if request.method == "GET":
        form.product_lines.data = [line.id for line in partner.product_lines]
    if form.validate_on_submit():
        fields = onboarding.ProfileFields(
            registration_number=form.registration_number.data or "",
            address=form.address.data or "",
            phone=form.phone.data or "",
            website=form.website.data or "",
            description=form.description.data or "",
            product_lines=product_lines_by_id(form.product_lines.data or []),
        )
        with refusals_shown(form, "registration_number") as outcome:
            onboarding.update_profile(partner, fields, actor=current_user)
        if not outcome.refused:
            db.session.commit()
            flash(_("The company profile is saved."), "success")
            return redirect_after_post(url_for("home.index"))
    return render("partners/profile.html", form=form, partner=partner, status=422 if form.is_submitted() else 200)


@bp.route("/import", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def import_partners():
    return import_page(
        PartnerImportForm(),
        lambda stream, filename: bulk_import.import_partners(
            stream, filename, actor=current_user, max_bytes=current_app.config["PARTNER_IMPORT_MAX_BYTES"]
        ),
        template="partners/import.html",
        columns=bulk_import.COLUMNS,
        landed=lambda result: _(
            "Imported %(rows)d rows: %(created)d partners created, %(updated)d updated, %(unchanged)d "
            "unchanged, %(invited)d contacts invited.",
            **result.figures(),
        ),
        then=url_for("partners.import_partners"),
        rejected_as=bulk_import.ImportResult,
    )


@bp.get("/import/template.xlsx")
@require_role(Role.ADMIN)
def import_template():
    chinese = is_chinese()
    headers = [column.headers[1] if chinese else column.headers[0] for column in bulk_import.COLUMNS]
    example = (
        ["P-CN-0101", "广州南方贸易有限公司", "分销商", "银牌", "中国", "广东省", "广州市", "li.ming@example.com"]
        if chinese
        else [
            "P-US-0101",
            "Evergreen Supply LLC",
            "wholesaler",
            "silver",
            "US",
            "Washington",
            "Seattle",
            "jane@evergreen.example",
        ]
    )
    return Response(
        write_xlsx(headers, [example]),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=partners-template.xlsx"},
    )
