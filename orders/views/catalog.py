"""The catalog: products, their import and the SKU look-up."""

from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders import catalog, services
from orders.forms import ProductForm, ProductImportForm
from orders.models import Product
from orders.views import bp
from partners.models import ProductLine
from partners.product_lines import product_lines
from portal.extensions import db
from portal.forms import options, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.imports import import_page
from portal.paging import page_number, paginate
from portal.security import Role, require_role


@bp.get("/catalog")
def products():
    text = request.args.get("q", "")
    page = paginate(
        catalog.products_query(text, active_only=current_user.role is not Role.ADMIN),
        page=page_number(request.args.get("page")),
        per_page=services.LINES_PER_PAGE,
    )
    return render("orders/products.html", fragment="product_rows", products=page.items, page=page, q=text)


def _product_form(product: Product | None) -> ProductForm:
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    form.product_line_id.choices = options((line.id, f"{line.code} · {line.name}") for line in product_lines())
    return form


@bp.route("/catalog/new", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/catalog/<int:product_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_product(product_id: int | None):
    product = db.get_or_404(Product, product_id) if product_id else None
    form = _product_form(product)
    if form.validate_on_submit():
        fields = catalog.ProductFields(
            sku=form.sku.data or "",
            name_en=form.name_en.data or "",
            name_zh=form.name_zh.data or "",
            product_line=db.session.get_one(ProductLine, form.product_line_id.data),
            unit=form.unit.data or "",
            list_price=form.list_price.data,
            is_active=form.is_active.data,
        )
        with refusals_shown(form, "sku") as outcome:
            catalog.save_product(fields, actor=current_user, product=product)
        if not outcome.refused:
            db.session.commit()
            flash(_("Product %(sku)s is saved.", sku=fields.sku.upper()), "success")
            return redirect_after_post(url_for("orders.products"))
    return render("orders/product_form.html", form=form, product=product, status=422 if form.is_submitted() else 200)


@bp.route("/catalog/import", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def import_products():
    form = ProductImportForm()
    return import_page(
        form,
        lambda stream, filename: catalog.import_products(
            stream,
            filename,
            actor=current_user,
            max_bytes=current_app.config["SALES_UPLOAD_MAX_BYTES"],
            create_lines=form.create_lines.data,
        ),
        template="orders/import_products.html",
        columns=catalog.COLUMNS,
        landed=_products_landed,
        then=url_for("orders.products"),
    )


def _products_landed(result: catalog.CatalogImportResult) -> str:
    said = _(
        "Imported %(rows)d rows: %(created)d products created, %(updated)d updated, %(unchanged)d unchanged.",
        **result.figures(),
    )
    if result.new_lines:
        said += " " + _("Product lines created: %(codes)s.", codes=", ".join(result.new_lines))
    return said


@bp.get("/catalog/lookup")
def product_lookup():
    """SKU look-up as you type: options for the report form's datalist."""
    return render(
        "orders/_sku_options.html",
        products=catalog.list_products(request.args.get("q", ""), active_only=True, limit=20),
    )
