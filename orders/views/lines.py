"""Every sales line in scope: filtered as the reader chooses, a page at a time with the total of them all, exported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from orders import lines as sales_lines
from orders.catalog import product_by_sku
from orders.forms import LineFilterForm
from orders.services import LINES_PER_PAGE
from orders.views import bp
from partners.models import PartnerTier, PartnerType
from partners.product_lines import product_lines
from partners.services import names_a_partner, partner_labels, regions_with_partners
from portal.calendar import parse_month
from portal.exports import requested_export, table_response
from portal.forms import add_error, options
from portal.htmx import render
from portal.money import Total
from portal.paging import Page, page_number
from portal.security import sees_many_partners


def _month(field, months: list[date], open_end: str) -> date | None:
    """The month a month field asks for; one outside the list (or not a month at all) joins the list, so that
    the field still shows what was asked. No month is `open_end`."""
    text = (field.data or "").strip()
    month = parse_month(text)
    listed = [m.strftime("%Y-%m") for m in sorted({*months, *([month] if month else [])}, reverse=True)]
    if text and month is None:
        add_error(field, _("%(text)s is not a month: write it as YYYY-MM.", text=text[:20]))
        listed.insert(0, text[:20])
    field.choices = options([("", open_end)] + [(value, value) for value in listed])
    return month


def _chosen(field, known: dict, problem: str):
    """The region or product line a select names; an unknown code is said beside it and stays chosen."""
    code = field.data or ""
    if code and code not in known:
        add_error(field, problem)
        field.choices = [*field.choices, *options([(code, code)])]
    return known.get(code)


def _line_filters(is_brand: bool) -> tuple[LineFilterForm, sales_lines.LineCriteria]:
    """The filters as asked; `period` (one month) from older links is a range of one. The month lists reach every
    month with lines in scope. A partner given by id (a link from a partner or a scorecard) shows in the partner
    field by its code; typed there, the code or name picks the partners."""
    period = request.args.get("period")
    filters = LineFilterForm(request.args, first=period, last=period)
    filters.validate()
    months = sales_lines.months_with_lines()
    first, last = _month(filters.first, months, _("Earliest")), _month(filters.last, months, _("Latest"))
    if first and last and last < first:
        add_error(filters.last, _("The last month comes before the first."))

    regions = {region.code: region for region in regions_with_partners()} if is_brand else {}
    filters.region.choices = options(
        [("", _("All regions"))]
        + [(code, "\u2003" * (region.path.count("/") - 2) + region.name) for code, region in regions.items()]
    )
    region = (
        _chosen(filters.region, regions, _("Unknown region %(code)s.", code=(filters.region.data or "")[:32]))
        if is_brand
        else None  # a partner's lines are its own: no partner or region filter
    )
    known_lines = {line.code: line for line in product_lines()}
    filters.product_line.choices = options(
        [("", _("All product lines"))] + [(code, line.name) for code, line in known_lines.items()]
    )
    product_line = _chosen(
        filters.product_line,
        known_lines,
        _("Unknown product line %(code)s.", code=(filters.product_line.data or "")[:32]),
    )

    if not is_brand:
        filters.q.errors = []  # a partner has no partner field to say it beside
    text = (filters.q.data or "").strip() if is_brand else ""
    raw_id = request.args.get("partner", "").strip()
    partner_id = int(raw_id) if raw_id.isdigit() else None
    if text:
        partner_id = None  # what the field says wins over the link it came from
        if not filters.q.errors and not names_a_partner(text):
            add_error(filters.q, _("Unknown partner: no partner you can see has this code or a name like it."))
    elif raw_id:
        label = partner_labels([partner_id]).get(partner_id) if partner_id else None
        if label is None:
            add_error(filters.q, _("Unknown partner."))
        elif is_brand:
            filters.q.data = label.code
    product = None
    if sku := (filters.sku.data or "").strip():
        product = product_by_sku(sku)
        if product is None:
            add_error(filters.sku, _("Unknown SKU %(sku)s.", sku=sku.upper()[:64]))
    criteria = sales_lines.LineCriteria(
        first=first,
        last=last,
        partner_id=partner_id,
        partner_text=text,
        region=region,
        region_only=bool(filters.region_only.data) and region is not None,
        partner_type=PartnerType(filters.partner_type.data) if is_brand and filters.partner_type.data else None,
        tier=PartnerTier(filters.tier.data) if is_brand and filters.tier.data else None,
        product_line=product_line,
        product=product,
        returns_only=bool(filters.returns.data),
    )
    return filters, criteria


@bp.get("/lines")
def lines():
    """Every line in scope that the filters pick, a page at a time, with their count and exact total; brand staff
    see and filter by each line's partner and its region. A filter with a wrong value shows no lines, only what is
    wrong, rather than lines the reader did not ask for."""
    is_brand = sees_many_partners(current_user)
    filters, criteria = _line_filters(is_brand)
    valid = not filters.errors
    if (export := requested_export()) and valid:
        headers, rows = sales_lines.line_export(criteria, for_brand=is_brand)
        return table_response(export, "sales-lines", headers, rows)
    if valid:
        total = sales_lines.summarise_lines(criteria)
        page = sales_lines.lines_page(criteria, page=page_number(request.args.get("page")), total=total.count)
    else:
        total, page = Total(0, Decimal(0)), Page([], 1, LINES_PER_PAGE, 0)
    return render(
        "orders/lines.html",
        filters=filters,
        criteria=criteria,
        page=page,
        lines=page.items,
        total=total,
        show_partner=is_brand,
        partners=partner_labels({line.partner_id for line in page.items}) if is_brand else {},
        status=200 if valid else 422,
    )
