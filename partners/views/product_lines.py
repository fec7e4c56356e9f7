"""The brand's product lines, kept by admins."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partners.forms import ProductLineForm
from partners.models import ProductLine
from partners.product_lines import ProductLineFields, product_lines, save_product_line
from partners.views import bp
from portal.extensions import db
from portal.forms import refusals_shown
from portal.htmx import redirect_after_post, render
from portal.security import BRAND_ROLES, Role, require_role


@bp.get("/product-lines")
@require_role(*BRAND_ROLES)
def product_line_list():
    return render("partners/product_lines.html", lines=product_lines())


@bp.route("/product-lines/new", methods=["GET", "POST"], defaults={"product_line_id": None})
@bp.route("/product-lines/<int:product_line_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_product_line(product_line_id: int | None):
    line = db.get_or_404(ProductLine, product_line_id) if product_line_id else None
    form = ProductLineForm(obj=line) if request.method == "GET" else ProductLineForm()
    if form.validate_on_submit():
        fields = ProductLineFields(
            code=form.code.data or "",
            name_en=form.name_en.data or "",
            name_zh=form.name_zh.data or "",
            is_active=form.is_active.data,
        )
        with refusals_shown(form, "code") as outcome:
            save_product_line(fields, actor=current_user, line=line)
        if not outcome.refused:
            db.session.commit()
            flash(_("Product line %(code)s is saved.", code=fields.code.strip().upper()), "success")
            return redirect_after_post(url_for("partners.product_line_list"))
    return render("partners/product_line_form.html", form=form, line=line, status=422 if form.is_submitted() else 200)
