"""The sales analysis page: figures by one or two dimensions, drilled down to the lines, exported, charted."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask import request, url_for
from flask_babel import gettext as _

from partners.models import PartnerTier, PartnerType
from partners.product_lines import product_lines
from partners.regions import names_under, region_by_code
from partners.services import partner_by_code
from performance import analysis
from performance.forms import AnalysisForm
from performance.views import bp
from performance.views.maps import RegionMap, Shading
from portal import charts, maps
from portal.calendar import local_today
from portal.exports import amount_cells, requested_export, table_response
from portal.forms import options
from portal.htmx import render
from portal.money import money
from portal.security import BRAND_ROLES, Role, require_role

CHART_ROWS = 8  # lines or bar groups a chart can tell apart


def figure_text(measure: str, value: Decimal | int | None) -> str:
    """A figure as the page shows it: money to cents, quantities as exact as entered, counts whole."""
    if value is None:
        return "—"
    if measure in analysis.MONEY_MEASURES:
        return money(Decimal(value))
    if measure == "quantity":
        return f"{Decimal(value).normalize():,f}"
    return f"{value:,}"


def percent_text(ratio: Decimal | None) -> str:
    return "" if ratio is None else f"{ratio * 100:+.1f} %"


def _question() -> tuple[AnalysisForm, analysis.AnalysisQuery]:
    """The query as asked, each wrong value said next to its field and left out (the page still answers)."""
    form = AnalysisForm(request.args)
    lines = product_lines()
    form.product_line.choices = options(
        [("", _("All product lines"))] + [(line.code, f"{line.code} · {line.name}") for line in lines]
    )
    form.validate()
    partner = None
    if code := (form.partner.data or "").strip().upper():
        partner = partner_by_code(code)  # within the reader's scope: another's partner is unknown here
        if partner is None:
            form.partner.errors = [*form.partner.errors, _("Unknown partner code %(code)s.", code=code)]
    first, last = analysis.default_range(local_today(), partner)
    if form.first.data and not form.first.errors:
        first = form.first.data.replace(day=1)
    if form.last.data and not form.last.errors:
        last = form.last.data.replace(day=1)
    if last < first:
        form.last.errors = [*form.last.errors, _("The last month comes before the first.")]
        last = first
    region = region_by_code(form.region.data) if form.region.data else None

    def valid(field) -> Any:
        return field.data if field.data and not field.errors else None

    columns = valid(form.columns)
    if columns == valid(form.rows):
        form.columns.errors = [_("Choose another dimension for the columns than for the rows.")]
        columns = None
    sort = valid(form.sort) or "measure"
    query = analysis.AnalysisQuery(
        rows=valid(form.rows) or "region",
        columns=columns,
        first=first,
        last=last,
        grain=valid(form.grain) or "year",
        region=region,
        partner=partner,
        partner_type=PartnerType(valid(form.partner_type)) if valid(form.partner_type) else None,
        tier=PartnerTier(valid(form.tier)) if valid(form.tier) else None,
        product_line=next((line for line in lines if line.code == valid(form.product_line)), None),
        measure=valid(form.measure) or "net_sales",
        sort="label" if sort == "label" else "measure",
        descending=sort == "measure",
        top=form.top.data if form.top.data and not form.top.errors else 20,
    )
    return form, query


def _query_filters(query: analysis.AnalysisQuery) -> dict[str, str]:
    """The filters every cell's lines share: the range, and the page's own filters."""
    filters = {"first": query.first.strftime("%Y-%m"), "last": query.last.strftime("%Y-%m")}
    if query.region:
        filters["region"] = query.region.code
    if query.partner:
        filters["q"] = query.partner.code
    if query.partner_type:
        filters["partner_type"] = query.partner_type.value
    if query.tier:
        filters["tier"] = query.tier.value
    if query.product_line:
        filters["product_line"] = query.product_line.code
    return filters


def _lines_url(query: analysis.AnalysisQuery, *members: analysis.Member | None) -> str:
    filters: dict[str, Any] = _query_filters(query)
    for member in members:
        if member is not None:
            filters.update(member.filters)
    return url_for("orders.lines", **filters)


RETURNED = analysis.Member("returns", "", {"returns": "y"})


def _of_measure(measure: str) -> analysis.Member | None:
    """What a figure's lines add to its row's and column's: returns are the returned lines alone."""
    return RETURNED if measure == "returns" else None


def _drill_url(query: analysis.AnalysisQuery, region_code: str | None) -> str:
    arguments: dict[str, Any] = {key: value for key, value in request.args.items() if key not in ("region", "format")}
    if region_code:
        arguments["region"] = region_code
    return url_for("performance.analysis_page", **arguments)


def _chart(result: analysis.Analysis, form: AnalysisForm):
    query = result.query
    name = str(analysis.MEASURES[query.measure])
    rows = result.rows[:CHART_ROWS]
    if not rows:
        return None
    kind = charts.line_chart if form.chart.data == "line" else charts.bar_chart
    if query.columns is None:
        return kind(
            name, [row.member.label for row in rows], {name: [row.total.now.measure(query.measure) for row in rows]}
        )
    columns = result.columns if query.columns == "period" else result.columns[:CHART_ROWS]
    series: dict[str, Sequence[Decimal | int | None]] = {
        row.member.label: [row.cells[c.key].now.measure(query.measure) if c.key in row.cells else None for c in columns]
        for row in rows
    }
    return kind(name, [column.label for column in columns], series)


def _region_map(result: analysis.Analysis, form: AnalysisForm) -> RegionMap | None:
    """With regions as rows: the world's countries, China's provinces or the USA's states, shaded by the query's
    figure or its growth against a year earlier; each region with figures drills down as its row does. Other
    countries' subdivisions and the cities have no map."""
    query = result.query
    name = maps.map_under(query.region.code if query.region else None) if query.rows == "region" else None
    if name is None:
        return None
    measure, growth = query.measure, form.shade.data == "growth"
    rows = {row.member.key: row for row in result.every_row}
    areas = {}
    for code, region_name in names_under(query.region).items():
        row = rows.get(code)
        if row is None:
            areas[code] = maps.Area(None, _("%(region)s: no sales", region=region_name))
            continue
        value = row.total.now.measure(measure)
        figure = figure_text(measure, value)
        href = _drill_url(query, row.member.drill) if row.member.drill else None
        if growth:
            year_ago = row.total.growth(measure)[1]
            title = (
                _("%(region)s: %(figure)s, nothing a year earlier to compare with", region=region_name, figure=figure)
                if year_ago is None
                else _(
                    "%(region)s: %(growth)s vs a year earlier (%(figure)s)",
                    region=region_name,
                    growth=percent_text(year_ago),
                    figure=figure,
                )
            )
            areas[code] = maps.Area(year_ago, title, href)
        else:
            # Returns are negative amounts: their map is darker where more came back.
            shaded = -value if measure == "returns" and value is not None else value
            areas[code] = maps.Area(shaded, f"{region_name}: {figure}", href)
    figure_name = analysis.MEASURES[measure]
    months = {"first": query.first.strftime("%Y-%m"), "last": query.last.strftime("%Y-%m")}
    if growth:
        scale = maps.diverging(missing=_("No sales, or none a year earlier"))
        title = _("%(figure)s against a year earlier, %(first)s – %(last)s", figure=figure_name, **months)
    else:
        sign = -1 if measure == "returns" else 1
        scale = maps.sequential(
            (area.value for area in areas.values() if isinstance(area.value, Decimal | int)),
            lambda value: figure_text(measure, sign * value),
            missing=_("No sales"),
            not_above_zero=_("Zero or less") if sign == 1 else _("No returns"),
        )
        title = _("%(figure)s by region, %(first)s – %(last)s", figure=figure_name, **months)
    shown = maps.outlines(name).codes
    return RegionMap(
        maps.draw(name, areas, scale, title=title),
        [
            Shading(str(figure_name), _shaded_url("measure"), not growth),
            Shading(_("Growth vs a year earlier"), _shaded_url("growth"), growth),
        ],
        [row.member.label for row in result.every_row if row.member.key not in shown],
    )


def _shaded_url(shade: str) -> str:
    arguments: dict[str, Any] = {key: value for key, value in request.args.items() if key not in ("shade", "format")}
    if shade != "measure":
        arguments["shade"] = shade
    return url_for("performance.analysis_page", **arguments)


def _export(result: analysis.Analysis, fmt: str):
    """The figures of the page, in its layout: amounts in cents and exact side by side, then the totals."""
    query = result.query
    money = query.measure in analysis.MONEY_MEASURES

    def cells(figures: analysis.Figures | None) -> list[object]:
        value = figures.measure(query.measure) if figures is not None else None
        if money:
            return amount_cells(value if isinstance(value, Decimal) else None)
        return [value]

    row_label = str(analysis.DIMENSIONS[query.rows])
    if query.columns is None:
        headers: list[object] = [row_label]
        for measure, label in analysis.MEASURES.items():
            headers += (
                [str(label), _("%(kpi)s (exact)", kpi=label)] if measure in analysis.MONEY_MEASURES else [str(label)]
            )
        headers += [_("Share of the total"), _("Growth vs the period before"), _("Growth vs a year earlier")]

        def line(label: str, compared: analysis.Compared | None, figures: analysis.Figures) -> list[object]:
            out: list[object] = [label]
            out += amount_cells(figures.net_sales) + amount_cells(figures.returns)
            out += [figures.lines, figures.quantity, figures.active_customers]
            out.append(result.share(figures))
            out += list(compared.growth(query.measure)) if compared else [None, None]
            return out

        rows = [line(row.member.label, row.total, row.total.now) for row in result.rows]
        if result.others:
            rows.append(line(result.others.member.label, None, result.others.total.now))
        rows.append(line(_("Total"), result.total, result.total.now))
    else:
        headers = [row_label]
        for column in [*result.columns, None]:
            label = column.label if column else _("Total")
            headers += [label, _("%(kpi)s (exact)", kpi=label)] if money else [label]
        rows = []
        for row in [*result.rows, *([result.others] if result.others else [])]:
            out: list[object] = [row.member.label]
            for column in result.columns:
                cell = row.cells.get(column.key)
                out += cells(cell.now if cell else None)
            out += cells(row.total.now)
            rows.append(out)
        footer: list[object] = [_("Total")]
        for column in result.columns:
            footer += cells(result.column_totals.get(column.key))
        footer += cells(result.total.now)
        rows.append(footer)
    return table_response(fmt, f"analysis-{query.first:%Y-%m}-{query.last:%Y-%m}", headers, rows)


@bp.get("/analysis")
@require_role(*BRAND_ROLES, Role.PARTNER_ADMIN)
def analysis_page():
    form, query = _question()
    result = analysis.analyse(query)
    if export := requested_export():
        return _export(result, export)
    return render(
        "performance/analysis.html",
        fragment="analysis_result",
        form=form,
        result=result,
        query=query,
        dimensions=analysis.DIMENSIONS,
        measures=analysis.MEASURES,
        money_measures=analysis.MONEY_MEASURES,
        lines_url=lambda *members: _lines_url(query, *members),
        of_measure=_of_measure,
        drill_url=lambda code: _drill_url(query, code),
        chart=_chart(result, form),
        region_map=_region_map(result, form),
        figure_text=figure_text,
        percent_text=percent_text,
    )
