"""Reporting sales: the web form with its look-up and running total, and files (small ones at once, large ones
through the worker)."""

from __future__ import annotations

import io
from decimal import Decimal

from flask import Response, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from orders import catalog, intake, tasks, uploads
from orders.forms import UploadForm
from orders.models import SubmissionSource
from orders.views import bp
from portal.calendar import local_today
from portal.extensions import db
from portal.forms import claim_submission, new_submission_key
from portal.htmx import redirect_after_post, render
from portal.i18n import is_chinese
from portal.money import money, parse_number
from portal.security import BRAND_ROLES, PARTNER_ROLES, RuleViolation, require_role
from portal.tabular import XLSX_MIMETYPE, TableRejected, read_table, write_xlsx

FORM_LINES = 3  # empty line rows a new web report starts with


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
    rows: list[tuple[int, dict[str, str]]] = []
    for index in sorted({int(k.split("-")[1]) for k in request.form if k.startswith("sku-") and k[4:].isdigit()}):
        line = {key: request.form.get(f"{key}-{index}", "") for key in ("sku", "quantity", "unit_price", "discount")}
        if any(value.strip() for value in line.values()):
            rows.append((index, {**header, **line, "line_no": str(len(rows) + 1)}))
    return rows


def _form_total(rows) -> Decimal | None:
    total = Decimal(0)
    for _n, row in rows:
        quantity, price = parse_number(row["quantity"]), parse_number(row["unit_price"])
        discount = parse_number(row["discount"]) if row["discount"].strip() else Decimal(0)
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
            lambda: iter(rows),
            actor=current_user,
            source=SubmissionSource.FORM,
            filename=None,
            rules=intake.ReportingRules.for_actor(current_user),
        )
        if result.ok:
            db.session.commit()
            flash(
                _("%(rows)d lines recorded, net %(total)s.", rows=result.rows, total=money(result.total)),
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
        today=local_today().isoformat(),
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
    price = parse_number(price_text) if price_text.strip() else None
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
                read_rows,
                actor=current_user,
                source=SubmissionSource.UPLOAD,
                filename=filename,
                rules=intake.ReportingRules.for_actor(current_user),
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
                    total=money(result.total),
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
        local_today().replace(day=1).isoformat(),
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
