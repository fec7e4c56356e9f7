"""The partner directory: lists, a partner's page and standing, creating partners, and who covers which region."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partners import onboarding, regions, services
from partners.forms import ApplicationRegionsForm, PartnerFilterForm, PartnerForm, PartnerStandingForm, RegionPickerForm
from partners.models import Partner, PartnerStatus, PartnerTier, PartnerType, Region
from partners.views import bp
from portal.auth.models import User
from portal.auth.views import invitation_page
from portal.extensions import db
from portal.forms import options, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.security import PARTNER_ROLES, Role, public, require_role


@bp.get("/")
@require_role(Role.CHANNEL_MANAGER, Role.ADMIN)
def index():
    filters = PartnerFilterForm(request.args)
    filters.region.choices = options(
        [("", _("All regions"))]
        + [
            (region.code, " " * (region.path.count("/") - 2) + region.name)
            for region in services.regions_with_partners()
        ]
    )
    filters.validate()
    page = services.list_partners(criteria=filters.criteria(page=request.args.get("page", 1, type=int) or 1))
    return render("partners/index.html", fragment="partner_rows", filters=filters, page=page)


@bp.get("/mine")
@require_role(*PARTNER_ROLES)
def mine():
    return detail(current_user.partner_id)


@bp.get("/<int:partner_id>")
def detail(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)
    standing = PartnerStandingForm(status=partner.status.value, tier=partner.tier.value)
    return render(
        "partners/detail.html",
        partner=partner,
        standing=standing,
        standing_history=services.standing_history(partner, actor=current_user),
        checklist=onboarding.checklist(partner),
        application=services.application_of(partner),
    )


@bp.post("/<int:partner_id>/standing")
@require_role(Role.ADMIN)
def change_standing(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)
    form = PartnerStandingForm()
    if form.validate_on_submit():
        with refusals_shown(form, "reason") as outcome:
            services.change_partner_standing(
                partner,
                actor=current_user,
                status=PartnerStatus(form.status.data),
                tier=PartnerTier(form.tier.data),
                reason=form.reason.data or "",
            )
        if not outcome.refused:
            db.session.commit()
            flash(_("The partner's standing is saved."), "success")
            return redirect_after_post(url_for("partners.detail", partner_id=partner.id))
    return render("partners/detail.html", fragment="standing_form", partner=partner, standing=form, status=422)


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def create():
    form = PartnerForm()
    regions.fill_region_choices(form)
    if form.validate_on_submit():
        fields = services.PartnerFields(
            code=form.code.data or "",
            legal_name=form.legal_name.data or "",
            partner_type=PartnerType(form.partner_type.data),
            tier=PartnerTier(form.tier.data),
            region=regions.picked_region(form),
            city_text=form.city_text.data,
        )
        with refusals_shown(form, "code") as outcome:
            partner = services.create_partner(fields, actor=current_user)
        if not outcome.refused:
            db.session.commit()
            flash(_("Partner %(code)s is created.", code=partner.code), "success")
            return redirect_after_post(url_for("partners.detail", partner_id=partner.id))
    return render("partners/create.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/<int:partner_id>/invite", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def invite(partner_id: int):
    partner = db.get_or_404(Partner, partner_id)
    return invitation_page(
        partner=partner,
        action_url=url_for("partners.invite", partner_id=partner.id),
        done_url=url_for("partners.detail", partner_id=partner.id),
    )


@bp.get("/lookup")
@require_role(Role.CHANNEL_MANAGER, Role.ADMIN)
def partner_lookup():
    """Partner look-up as you type: options (code, with the name) for a partner filter's datalist, from the
    partners the reader may see."""
    text = request.args.get("q", "")[:100]
    found = services.list_partners(criteria=services.PartnerCriteria(text=text), limit=20) if text.strip() else None
    return render("partners/_partner_options.html", partners=found.items if found else [])


@bp.get("/regions/picker")
@public
def region_picker():
    """The region picker's lists, refreshed by htmx when a country or subdivision is chosen."""
    form_class = ApplicationRegionsForm if request.args.get("with_regions_applied") else RegionPickerForm
    form = form_class(request.args, meta={"csrf": False})
    regions.fill_region_choices(form)
    return render("partners/_region_picker.html", form=form)


@bp.route("/managers/<int:user_id>/regions", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def manager_regions(user_id: int):
    manager = _manager_or_404(user_id)
    form = RegionPickerForm()
    regions.fill_region_choices(form)
    if form.validate_on_submit():
        services.set_manager_regions(manager, [*manager.regions, regions.picked_region(form)], actor=current_user)
        db.session.commit()
        flash(_("Region added."), "success")
        return redirect_after_post(url_for("partners.manager_regions", user_id=manager.id))
    return render(
        "partners/manager_regions.html", manager=manager, form=form, status=422 if form.is_submitted() else 200
    )


@bp.post("/managers/<int:user_id>/regions/<int:region_id>/remove")
@require_role(Role.ADMIN)
def remove_manager_region(user_id: int, region_id: int):
    manager = _manager_or_404(user_id)
    region = db.get_or_404(Region, region_id)
    services.set_manager_regions(manager, [r for r in manager.regions if r.id != region.id], actor=current_user)
    db.session.commit()
    flash(_("Region removed."), "success")
    return redirect_after_post(url_for("partners.manager_regions", user_id=manager.id))


def _manager_or_404(user_id: int) -> User:
    manager = db.get_or_404(User, user_id)
    if manager.role is not Role.CHANNEL_MANAGER:
        abort(404)
    return manager
