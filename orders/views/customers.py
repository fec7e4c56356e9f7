"""End customers: the list, one customer, and their personal data."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders import customers, services
from orders.forms import CustomerForm, ErasureForm
from orders.models import Customer
from orders.views import bp
from partners.services import partner_labels
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.money import Total
from portal.paging import Page, page_number
from portal.security import BRAND_ROLES, Role, RuleViolation, require_role

# What other domains offer on a customer's page, as (endpoint, label): create_app() registers them (service offers
# "log a complaint"); each link goes to its endpoint with ?customer=<code> and shows to whoever may open it.
CUSTOMER_LINKS: list[tuple[str, object]] = []


def register_customer_links(links: list[tuple[str, object]]) -> None:
    CUSTOMER_LINKS.extend(link for link in links if link not in CUSTOMER_LINKS)


@bp.get("/customers")
def customer_list():
    """The customers in scope; `q` matches a customer's code or name, `partner` (an id: a partner's page links
    here) keeps one partner's customers. A partner the reader may not see is said so, with no customers."""
    text = request.args.get("q", "")
    asked = request.args.get("partner", "").strip()
    partner_id = int(asked) if asked.isdigit() else None
    partner = partner_labels([partner_id]).get(partner_id) if partner_id else None
    unknown = bool(asked) and partner is None  # a partner the reader may not see, or no partner at all
    if (export := requested_export()) and not unknown:
        return table_response(
            export,
            "customers",
            services.CUSTOMER_EXPORT_HEADERS,
            services.customer_export_rows(customers.list_customers(text, partner_id=partner_id)),
            total_row=True,
        )
    if unknown:
        page: Page[customers.CustomerRow] = Page([], 1, customers.CUSTOMERS_PER_PAGE, 0)
        total = Total(0, Decimal(0))
    else:
        page = customers.customers_page(text, partner_id=partner_id, page=page_number(request.args.get("page")))
        total = customers.customers_total(text, partner_id=partner_id)
    shared = customers.shared_customers() if current_user.role in BRAND_ROLES and not asked else []
    return render(
        "orders/customers.html",
        fragment="customer_table",
        rows=page.items,
        page=page,
        total=total,
        q=text,
        partner_asked=asked,
        partner=partner,
        shared=shared,
        mask=customers.mask,
        status=422 if unknown else 200,
    )


@bp.route("/customers/<int:customer_id>", methods=["GET", "POST"])
def customer(customer_id: int):
    row = db.get_or_404(Customer, customer_id)
    form = CustomerForm(obj=row) if request.method == "GET" else CustomerForm()
    if form.validate_on_submit():
        try:
            customers.update_customer(row, form.data, actor=current_user)
        except RuleViolation as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Customer saved."), "success")
            return redirect_after_post(url_for("orders.customer", customer_id=row.id))
    return render(
        "orders/customer.html",
        customer=row,
        form=form,
        erasure=ErasureForm(),
        links=CUSTOMER_LINKS,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/customers/<int:customer_id>/personal-data")
@require_role(Role.ADMIN, Role.PARTNER_ADMIN)
def customer_personal_data(customer_id: int):
    row = db.get_or_404(Customer, customer_id)
    response = jsonify(customers.personal_data(row))
    response.headers["Content-Disposition"] = f"attachment; filename=customer-{row.code}.json"
    return response


@bp.post("/customers/<int:customer_id>/erase")
@require_role(Role.ADMIN, Role.PARTNER_ADMIN)
def erase_customer(customer_id: int):
    row = db.get_or_404(Customer, customer_id)
    form = ErasureForm()
    if not form.validate_on_submit():
        flash(_("Say whose request this is."), "error")
        return redirect_after_post(url_for("orders.customer", customer_id=row.id))
    customers.erase_personal_data(row, actor=current_user, reason=form.reason.data or "")
    db.session.commit()
    flash(_("The personal data is erased; the sales stay."), "success")
    return redirect_after_post(url_for("orders.customer", customer_id=row.id))
