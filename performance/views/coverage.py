"""Coverage pages: the region × type / product line matrix as of any day, a partner's assignments and their
adjustments, and the import of assignments with their history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from partners import coverage as partner_coverage_services
from partners import coverage_import
from partners.models import CoverageAssignment, Partner, ProductLine, Region
from partners.product_lines import product_lines
from partners.regions import fill_region_choices, names_under, picked_region, region_by_code
from performance import coverage
from performance.forms import CoverageEndForm, CoverageForm, CoverageImportForm
from performance.views import bp
from performance.views.maps import RegionMap, Shading
from portal import maps
from portal.calendar import local_today
from portal.extensions import db
from portal.forms import add_error, given, options
from portal.htmx import redirect_after_post, render
from portal.i18n import is_chinese
from portal.imports import import_page
from portal.money import money
from portal.security import BRAND_ROLES, Role, RuleViolation, require_role
from portal.tabular import XLSX_MIMETYPE, write_xlsx

OVERLAPS_SHOWN = 10  # after an import, one message each; a history with many hand-overs gets the rest counted


@bp.get("/coverage")
@require_role(*BRAND_ROLES)
def coverage_page():
    parent = region_by_code(request.args.get("region", "")) if request.args.get("region") else None
    as_of = _day_arg("as_of") or local_today()
    by = "product_line" if request.args.get("by") == "product_line" else "type"
    within = list(current_user.regions) if current_user.role is Role.CHANNEL_MANAGER else None
    matrix = coverage.coverage_matrix(parent=parent, by=by, as_of=as_of, within=within)
    return render(
        "performance/coverage.html",
        fragment="coverage_matrix",
        matrix=matrix,
        region_map=_region_map(matrix, sales=request.args.get("view") == "sales"),
        may_import=partner_coverage_services.may_assign_coverage(current_user),
    )


def _matrix_url(matrix: coverage.CoverageMatrix, region: Region | None, **more: str) -> str:
    """The coverage page of the regions under `region` (countries for None), as of the same day and by the same
    columns."""
    arguments: dict[str, Any] = {"by": matrix.by, "as_of": matrix.as_of.isoformat(), **more}
    if region is not None:
        arguments["region"] = region.code
    return url_for("performance.coverage_page", **arguments)


def _region_map(matrix: coverage.CoverageMatrix, *, sales: bool) -> RegionMap | None:
    """The matrix's rows on the map of the regions under its parent (the world's countries, China's provinces, the
    USA's states), coloured by how each stands (white space, one partner, several, overlapping exclusive
    assignments) or by its net sales; a click opens the region as its row does. The regions that are not rows
    (outside a manager's regions; at the top, countries where no partner is based) are drawn without colour."""
    name = maps.map_under(matrix.parent.code if matrix.parent else None)
    if name is None:
        return None
    rows = {row.code: row for row in matrix.rows}
    areas = {}
    for code, region_name in names_under(matrix.parent).items():
        row = rows.get(code)
        if row is None:
            areas[code] = maps.Area(None, _("%(region)s: not in this view", region=region_name))
            continue
        partners = ngettext("%(num)d partner", "%(num)d partners", matrix.row_partners(row))
        standing = matrix.standing(row)
        if sales:
            amount = matrix.row_sales(row)
            title = f"{row.name}: {money(amount)} · {partners}"
            areas[row.code] = maps.Area(amount, title, _matrix_url(matrix, row, view="sales"))
        else:
            title = f"{row.name}: {coverage.STANDINGS[standing]} · {partners}"
            areas[row.code] = maps.Area(standing, title, _matrix_url(matrix, row))
    day = matrix.as_of.isoformat()
    if sales:
        scale = maps.sequential(
            (area.value for area in areas.values() if isinstance(area.value, Decimal)),
            lambda amount: money(Decimal(amount)),
            missing=_("Not in this view"),
            not_above_zero=_("No sales"),
        )
        title = _("Net sales of the 12 months to %(day)s, by region", day=day)
    else:
        scale = maps.categorical(
            [(key, str(label)) for key, label in coverage.STANDINGS.items()], missing=_("Not in this view")
        )
        title = _("Coverage on %(day)s", day=day)
    return RegionMap(
        maps.draw(name, areas, scale, title=title),
        [
            Shading(_("Coverage"), _matrix_url(matrix, matrix.parent), not sales),
            Shading(_("Net sales"), _matrix_url(matrix, matrix.parent, view="sales"), sales),
        ],
        [row.name for row in matrix.rows if row.code not in maps.outlines(name).codes],
    )


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


@bp.route("/coverage/import", methods=["GET", "POST"])
@require_role(*BRAND_ROLES)
def import_coverage():
    return import_page(
        CoverageImportForm(),
        lambda stream, filename: coverage_import.import_coverage(
            stream, filename, actor=current_user, max_bytes=current_app.config["PARTNER_IMPORT_MAX_BYTES"]
        ),
        template="performance/import_coverage.html",
        columns=coverage_import.COLUMNS,
        landed=lambda result: _(
            "Imported %(rows)d rows: %(created)d assignments created, %(updated)d updated, %(unchanged)d unchanged.",
            **result.figures(),
        ),
        warned=_exclusive_overlaps,
        then=url_for("performance.coverage_page"),
        rejected_as=coverage_import.CoverageImportResult,
    )


def _exclusive_overlaps(result: coverage_import.CoverageImportResult) -> list[str]:
    said = [str(overlap.message) for overlap in result.overlaps[:OVERLAPS_SHOWN]]
    if (more := len(result.overlaps) - OVERLAPS_SHOWN) > 0:
        said.append(
            ngettext(
                "And %(num)d more overlap of exclusive assignments: the coverage page lists them as of each day.",
                "And %(num)d more overlaps of exclusive assignments: the coverage page lists them as of each day.",
                more,
            )
        )
    return said


@bp.get("/coverage/import/template.xlsx")
@require_role(*BRAND_ROLES)
def coverage_import_template():
    chinese = is_chinese()
    headers = [column.headers[1] if chinese else column.headers[0] for column in coverage_import.COLUMNS]
    example = (
        ["P-CN-0101", "中国", "广东省", "深圳市", "", "是", "2011-01-01", "2012-07-01", "2011 年渠道规划"]
        if chinese
        else ["P-US-0101", "US", "Washington", "", "", "yes", "2011-01-01", "2012-07-01", "channel plan 2011"]
    )
    return Response(
        write_xlsx(headers, [example]),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=coverage-template.xlsx"},
    )
