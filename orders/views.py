"""Reporting pages: the catalog, reporting sales by form and by file, submissions, periods, customers, tokens."""

from __future__ import annotations

import io
from decimal import Decimal

from flask import Blueprint, Response, abort, current_app, flash, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from orders import api_tokens, catalog, customers, deals, intake, periods, services, tasks, uploads
from orders.forms import CustomerForm, DealDecisionForm, DealForm, ErasureForm, ProductForm, TokenForm, UploadForm
from orders.models import (
    DEAL_STATUS_LABELS,
    ApiToken,
    Customer,
    DealRegistration,
    DealStatus,
    Product,
    SalesLine,
    Submission,
    SubmissionSource,
)
from partners.models import OnboardingStep, Partner, ProductLine
from partners.services import regions_with_partners
from partners.views import StepPage
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.forms import claim_submission, new_submission_key, options
from portal.home import HomePanel
from portal.htmx import local_path, redirect_after_post, render
from portal.i18n import is_chinese
from portal.imports import run_import
from portal.paging import page_number, paginate
from portal.security import BRAND_ROLES, PARTNER_ROLES, Role, RuleViolation, require_role, sees_many_partners
from portal.tabular import XLSX_MIMETYPE, TableRejected, read_table, write_xlsx

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")
FORM_LINES = 3  # empty line rows a new web report starts with
PER_PAGE = 50


# The catalog -----------------------------------------------------------------------------------------------


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
    lines = db.session.scalars(select(ProductLine).order_by(ProductLine.code)).all()
    form.product_line_id.choices = options((line.id, f"{line.code} · {line.name}") for line in lines)
    return form


@bp.route("/catalog/new", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/catalog/<int:product_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_product(product_id: int | None):
    product = db.get_or_404(Product, product_id) if product_id else None
    form = _product_form(product)
    if form.validate_on_submit():
        fields = catalog.ProductFields(
            sku=form.sku.data,
            name_en=form.name_en.data,
            name_zh=form.name_zh.data,
            product_line=db.session.get(ProductLine, form.product_line_id.data),
            unit=form.unit.data,
            list_price=form.list_price.data,
            is_active=form.is_active.data,
        )
        try:
            catalog.save_product(fields, actor=current_user, product=product)
        except RuleViolation as error:
            getattr(form, error.field or "sku").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Product %(sku)s is saved.", sku=fields.sku.upper()), "success")
            return redirect_after_post(url_for("orders.products"))
    return render("orders/product_form.html", form=form, product=product, status=422 if form.is_submitted() else 200)


@bp.route("/catalog/import", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def import_products():
    form = UploadForm()
    result = run_import(
        form,
        lambda stream, filename: catalog.import_products(
            stream, filename, actor=current_user, max_bytes=current_app.config["SALES_UPLOAD_MAX_BYTES"]
        ),
    )
    if result and result.ok:
        flash(
            _(
                "Imported %(rows)d rows: %(created)d products created, %(updated)d updated, %(unchanged)d unchanged.",
                rows=result.rows,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            "success",
        )
        return redirect_after_post(url_for("orders.products"))
    return render(
        "orders/import_products.html",
        form=form,
        result=result,
        columns=catalog.COLUMNS,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/catalog/lookup")
def product_lookup():
    """SKU look-up as you type: options for the report form's datalist."""
    return render(
        "orders/_sku_options.html",
        products=catalog.list_products(request.args.get("q", ""), active_only=True, limit=20),
    )


# Reporting sales -------------------------------------------------------------------------------------------


def _rules() -> intake.ReportingRules:
    return intake.ReportingRules(
        today=periods.local_today(),
        open_months=current_app.config["REPORTING_OPEN_MONTHS"],
        may_report_closed_periods=current_user.role in BRAND_ROLES,
    )


ORDER_FIELDS = ("order_no", "order_date", "customer_code", "customer_name", "customer_region")
# The report form's fields by the column names intake uses, so that a problem names the field the user sees.
REPORT_FIELD_LABELS = {
    "order_no": _l("Order number"),
    "order_date": _l("Order date"),
    "customer_code": _l("Customer code"),
    "customer_name": _l("Customer name"),
    "customer_region": _l("Customer region"),
    "line_no": _l("Line"),
    "sku": _l("SKU"),
    "quantity": _l("Quantity"),
    "unit_price": _l("Unit price"),
    "discount": _l("Discount"),
}


def _form_rows() -> list[tuple[int, dict[str, str]]]:
    """The web form's lines as rows: the order's fields in each, numbered by the form's line (so a problem shows
    under its line even when a line above was left blank); blank lines are left out."""
    header = {key: request.form.get(key, "") for key in ORDER_FIELDS}
    rows = []
    for index in sorted({int(k.split("-")[1]) for k in request.form if k.startswith("sku-") and k[4:].isdigit()}):
        line = {key: request.form.get(f"{key}-{index}", "") for key in ("sku", "quantity", "unit_price", "discount")}
        if any(value.strip() for value in line.values()):
            rows.append((index, {**header, **line, "line_no": str(len(rows) + 1)}))
    return rows


def _form_total(rows) -> Decimal | None:
    total = Decimal(0)
    for _n, row in rows:
        quantity, price = intake.parse_number(row["quantity"]), intake.parse_number(row["unit_price"])
        discount = intake.parse_number(row["discount"]) if row["discount"].strip() else Decimal(0)
        if quantity is None or price is None or discount is None:
            return None
        total += quantity * price - discount
    return total


@bp.route("/report", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def report_form():
    errors, indexes = [], list(range(1, FORM_LINES + 1))
    submission_key = request.form.get("submission_key") or new_submission_key()
    if request.method == "POST" and not claim_submission(submission_key):  # a second click on "Record"
        return redirect_after_post(url_for("orders.submissions"))
    if request.method == "POST":
        rows = _form_rows()
        indexes = [int(k.split("-")[1]) for k in request.form if k.startswith("sku-") and k[4:].isdigit()] or indexes
        result = intake.record_sales_lines(
            lambda: iter(rows), actor=current_user, source=SubmissionSource.FORM, filename=None, rules=_rules()
        )
        if result.ok:
            db.session.commit()
            flash(
                _("%(rows)d lines recorded, net %(total)s.", rows=result.rows, total=services.money(result.total)),
                "success",
            )
            return redirect_after_post(url_for("orders.submission", submission_id=result.submissions[0].id))
        db.session.rollback()
        errors = result.errors
    return render(
        "orders/report_form.html",
        fragment="report_form",
        errors=errors,
        order_fields=ORDER_FIELDS,
        labels=REPORT_FIELD_LABELS,
        indexes=indexes,
        values=request.form,
        submission_key=submission_key,
        today=periods.local_today().isoformat(),
        status=422 if request.method == "POST" else 200,
    )


@bp.get("/report/line")
@require_role(*PARTNER_ROLES)
def report_line():
    """One more empty line row for the web form (htmx appends it)."""
    return render("orders/_report_line.html", index=request.args.get("index", 1, type=int), values={}, errors=[])


@bp.get("/report/line/<int:index>/product")
@require_role(*PARTNER_ROLES)
def report_line_product(index: int):
    """Beside a line once its SKU is chosen: the product's name, its list price filled in while the price is
    empty, and a warning when the price typed is far from the list price (a warning only, never a refusal)."""
    sku = request.args.get(f"sku-{index}", "").strip()
    product = catalog.active_product(sku)
    price_text = request.args.get(f"unit_price-{index}", "")
    price = intake.parse_number(price_text) if price_text.strip() else None
    far = product is not None and price is not None and catalog.is_far_from_list_price(product, price)
    return render(
        "orders/_line_product.html",
        index=index,
        sku=sku,
        product=product,
        far=far,
        fill_price=product is not None and not price_text.strip(),
    )


@bp.post("/report/total")
@require_role(*PARTNER_ROLES)
def report_total():
    total = _form_total(_form_rows())
    return render("orders/_report_total.html", fragment="running_total", total=total)


@bp.route("/upload", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES, *BRAND_ROLES)
def upload():
    """Small files are checked and written at once; large ones go to the background worker, kept in the
    database (any instance may have received them), and the page follows their progress."""
    form = UploadForm()
    result = None
    if form.validate_on_submit():
        upload_file = form.file.data
        filename = (upload_file.filename or "upload")[:255]
        max_bytes = current_app.config["SALES_UPLOAD_MAX_BYTES"]
        content = upload_file.stream.read(max_bytes + 1)
        if len(content) > current_app.config["SALES_BACKGROUND_BYTES"] and len(content) <= max_bytes:
            upload_id = uploads.store_upload(content, filename, actor=current_user).id
            db.session.commit()
            tasks.process_upload(upload_id)
            return redirect_after_post(url_for("orders.upload_progress", upload_id=upload_id))

        def read_rows():
            return read_table(io.BytesIO(content), filename, intake.COLUMNS, max_bytes=max_bytes)

        try:
            result = intake.record_sales_lines(
                read_rows, actor=current_user, source=SubmissionSource.UPLOAD, filename=filename, rules=_rules()
            )
        except TableRejected as rejected:
            result = intake.IntakeResult(errors=rejected.errors)
        if result.ok:
            db.session.commit()
            flash(
                _(
                    "%(rows)d lines recorded (%(returns)d returns), net %(total)s.",
                    rows=result.rows,
                    returns=result.returns,
                    total=services.money(result.total),
                ),
                "success",
            )
            if len(result.submissions) == 1:  # one partner's file: its submission, and the months to declare
                return redirect_after_post(url_for("orders.submission", submission_id=result.submissions[0].id))
            return redirect_after_post(url_for("orders.submissions"))
        db.session.rollback()
    return render(
        "orders/upload.html",
        form=form,
        result=result,
        columns=intake.columns_for(current_user),
        uploads=uploads.recent_uploads(actor=current_user),
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/uploads/<int:upload_id>")
@require_role(*PARTNER_ROLES, *BRAND_ROLES)
def upload_progress(upload_id: int):
    row = uploads.find_upload(upload_id, actor=current_user) or abort(404)
    return render(
        "orders/upload_progress.html",
        fragment="upload_state",
        upload=row,
        progress=tasks.read_progress(row.id),
        may_retry=uploads.may_retry(row),
    )


@bp.post("/uploads/<int:upload_id>/retry")
@require_role(*PARTNER_ROLES, *BRAND_ROLES)
def retry_upload(upload_id: int):
    row = uploads.find_upload(upload_id, actor=current_user) or abort(404)
    try:
        uploads.retry_upload(row, actor=current_user)
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        tasks.process_upload(upload_id)
    return redirect_after_post(url_for("orders.upload_progress", upload_id=upload_id))


@bp.get("/upload/template.xlsx")
def upload_template():
    chinese = is_chinese()
    headers = [column.headers[1] if chinese else column.headers[0] for column in intake.columns_for(current_user)]
    example = [
        "SO-2026-0001",
        1,
        periods.local_today().replace(day=1).isoformat(),
        "C-900",  # a code no demo customer has: trying the template changes no one's name
        "深圳市宏达机电有限公司" if chinese else "Hongda Machinery Co., Ltd.",
        "广东省深圳市" if chinese else "Shenzhen",
        "PWR-DRILL-18V",
        2,
        "899.5000",
        0,
    ]
    if current_user.role in BRAND_ROLES:
        example = ["P-CN-0001", *example]
    return Response(
        write_xlsx(headers, [example]),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=sales-lines-template.xlsx"},
    )


# Submissions and lines -------------------------------------------------------------------------------------


@bp.get("/submissions")
def submissions():
    query = select(Submission).order_by(Submission.id.desc())
    if export := requested_export():
        return table_response(
            export,
            "submissions",
            services.SUBMISSION_EXPORT_HEADERS,
            services.submission_export_rows(db.session.scalars(query).all(), partner_code),
        )
    page = paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render("orders/submissions.html", submissions=page.items, page=page)


@bp.get("/submissions/<int:submission_id>")
def submission(submission_id: int):
    row = db.get_or_404(Submission, submission_id)
    page = paginate(
        select(SalesLine).where(SalesLine.submission_id == row.id).order_by(SalesLine.order_no, SalesLine.line_no),
        page=page_number(request.args.get("page")),
        per_page=services.LINES_PER_PAGE,
        total=row.held_count,
    )
    to_declare = periods.months_to_declare(row) if current_user.role in PARTNER_ROLES else []
    return render("orders/submission.html", submission=row, lines=page.items, page=page, to_declare=to_declare)


@bp.post("/submissions/<int:submission_id>/revert")
@require_role(Role.ADMIN)
def revert_submission(submission_id: int):
    row = db.get_or_404(Submission, submission_id)
    try:
        removed = services.revert_submission(row, actor=current_user)
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Submission reverted: %(count)d lines removed.", count=removed), "success")
    return redirect_after_post(url_for("orders.submission", submission_id=row.id))


@bp.get("/lines")
def lines():
    """Every line in scope, a page at a time, with their count and exact total; brand staff filter by partner
    and region. Drill-downs from a scorecard name the partner and the months."""
    is_brand = sees_many_partners(current_user)
    regions = regions_with_partners() if is_brand else []
    region_code = request.args.get("region", "") if is_brand else ""
    criteria = services.LineCriteria(
        period=services.parse_month(request.args.get("period", "")),
        first=services.parse_month(request.args.get("first", "")),
        last=services.parse_month(request.args.get("last", "")),
        partner_id=request.args.get("partner", type=int),
        partner_text=request.args.get("q", "")[:100] if is_brand else "",
        region=next((region for region in regions if region.code == region_code), None),
        returns_only=request.args.get("returns") == "1",
    )
    if export := requested_export():
        return table_response(
            export,
            "sales-lines",
            services.LINE_EXPORT_HEADERS,
            services.line_export_rows(services.list_lines(criteria)),
        )
    summary = services.summarise_lines(criteria)
    page = services.lines_page(criteria, page=page_number(request.args.get("page")), total=summary[0])
    return render(
        "orders/lines.html",
        page=page,
        lines=page.items,
        criteria=criteria,
        months=services.reported_months(),
        regions=regions,
        summary=summary,
        show_partner=is_brand,
    )


# Periods ---------------------------------------------------------------------------------------------------


@bp.get("/periods")
def periods_page():
    """A partner's own months; brand staff see any partner in their scope (?partner=<id>), read-only."""
    if current_user.role in PARTNER_ROLES:
        partner = current_user.partner
    else:
        partner = db.get_or_404(Partner, request.args.get("partner", type=int) or 0)
    return render(
        "orders/periods.html",
        partner=partner,
        states=periods.period_states(partner, months=12),
        may_declare=current_user.role in PARTNER_ROLES,
    )


@bp.post("/periods/<period>/declare")
@require_role(*PARTNER_ROLES)
def declare_period(period: str):
    month = services.parse_month(period)
    if month is None:
        abort(404)
    try:
        periods.declare_period(
            current_user.partner, month, actor=current_user, no_sales=request.form.get("no_sales") == "1"
        )
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(month)s is declared.", month=month.strftime("%Y-%m")), "success")
    return redirect_after_post(local_path(request.form.get("next"), url_for("orders.periods_page")))


# Customers -------------------------------------------------------------------------------------------------


@bp.get("/customers")
def customer_list():
    text = request.args.get("q", "")
    if export := requested_export():
        return table_response(
            export,
            "customers",
            services.CUSTOMER_EXPORT_HEADERS,
            services.customer_export_rows(customers.list_customers(text)),
        )
    page = customers.customers_page(text, page=page_number(request.args.get("page")))
    shared = customers.shared_customers() if current_user.role in BRAND_ROLES else []
    return render(
        "orders/customers.html",
        fragment="customer_rows",
        rows=page.items,
        page=page,
        q=text,
        shared=shared,
        mask=customers.mask,
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
    customers.erase_personal_data(row, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash(_("The personal data is erased; the sales stay."), "success")
    return redirect_after_post(url_for("orders.customer", customer_id=row.id))


# API tokens ------------------------------------------------------------------------------------------------


@bp.route("/tokens", methods=["GET", "POST"])
@require_role(Role.PARTNER_ADMIN)
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = api_tokens.create_token(actor=current_user, name=form.name.data)
        db.session.commit()
        form = TokenForm(formdata=None)
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render("orders/tokens.html", form=form, tokens=rows, new_token=new_token, status=422 if form.errors else 200)


@bp.post("/tokens/<int:token_id>/revoke")
@require_role(Role.PARTNER_ADMIN)
def revoke_token(token_id: int):
    api_tokens.revoke_token(db.get_or_404(ApiToken, token_id), actor=current_user)
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect_after_post(url_for("orders.tokens"))


# Deal registration ----------------------------------------------------------------------------------------


@bp.get("/deals")
def deals_list():
    today = periods.local_today()  # a deal past its date shows as expired before the daily command records it
    status = request.args.get("status", "")
    query = deals.deals_query(
        today=today,
        partner_id=request.args.get("partner", type=int),
        status=DealStatus(status) if status in DEAL_STATUS_LABELS else None,
        closed_in=(
            services.parse_month(request.args.get("closed_first", "")),
            services.parse_month(request.args.get("closed_last", "")),
        ),
    )
    if export := requested_export():
        return table_response(
            export,
            "deal-registrations",
            services.DEAL_EXPORT_HEADERS,
            services.deal_export_rows(db.session.scalars(query).all(), partner_code, today=today),
        )
    page = paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render(
        "orders/deals.html", deals=page.items, page=page, today=today, state=status, states=DEAL_STATUS_LABELS
    )


@bp.route("/deals/new", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def register_deal():
    form = DealForm()
    if form.validate_on_submit():
        fields = deals.DealFields(
            customer_name=form.customer_name.data,
            customer_region=form.customer_region.data or "",
            products=form.products.data,
            estimated_value=form.estimated_value.data,
            expected_close=form.expected_close.data,
        )
        try:
            deal = deals.register_deal(fields, actor=current_user, today=periods.local_today())
        except RuleViolation as error:
            getattr(form, error.field or "customer_name").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The deal is registered and waits for approval."), "success")
            return redirect_after_post(url_for("orders.deal", deal_id=deal.id))
    return render("orders/deal_form.html", form=form, status=422 if form.is_submitted() else 200)


@bp.get("/deals/<int:deal_id>")
def deal(deal_id: int):
    row = db.get_or_404(DealRegistration, deal_id)
    return render(
        "orders/deal.html",
        deal=row,
        state=row.status_on(periods.local_today()),
        form=DealDecisionForm(),
        won_lines=deals.won_lines(row),
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
    return _deal_action(
        deal_id, lambda row, form: deals.approve_deal(row, actor=current_user, today=periods.local_today())
    )


@bp.post("/deals/<int:deal_id>/reject")
@require_role(*BRAND_ROLES)
def reject_deal(deal_id: int):
    return _deal_action(
        deal_id,
        lambda row, form: deals.reject_deal(
            row, actor=current_user, reason=form.note.data or "", today=periods.local_today()
        ),
    )


@bp.post("/deals/<int:deal_id>/won")
@require_role(*PARTNER_ROLES)
def deal_won(deal_id: int):
    return _deal_action(
        deal_id,
        lambda row, form: deals.close_deal(
            row, actor=current_user, won=True, today=periods.local_today(), order_no=form.order_no.data or ""
        ),
    )


@bp.post("/deals/<int:deal_id>/lost")
@require_role(*PARTNER_ROLES)
def deal_lost(deal_id: int):
    return _deal_action(
        deal_id, lambda row, form: deals.close_deal(row, actor=current_user, won=False, today=periods.local_today())
    )


@bp.app_template_filter("plain_decimal")
def plain_decimal(value) -> str:
    """10, 12.5, 3.1416 — never 1E+1 or 12.5000."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


@bp.app_template_filter("money")
def money_filter(amount) -> str:
    return services.money(amount)


@bp.app_template_global()
def partner_code(partner_id: int) -> str:
    """A partner's code for lists of its rows; one query per request."""
    from flask import g

    if "partner_codes" not in g:
        g.partner_codes = dict(db.session.execute(select(Partner.id, Partner.code)).all())
    return g.partner_codes.get(partner_id, "")


def _periods_panel() -> dict:
    return {"states": periods.periods_for_home(current_user.partner)}


HOME_PANELS = [HomePanel("orders/_home_periods.html", PARTNER_ROLES, _periods_panel)]
STEP_PAGES = [StepPage(OnboardingStep.SALES_REPORT, "orders.report_form", PARTNER_ROLES)]
