"""Trend charts drawn server-side as SVG with pygal (no script needed to show them, and the same drawing goes
into a PDF): the scorecard's, the service analysis', a survey's results.

A page's Content-Security-Policy (portal/headers.py) refuses the inline script, the <style> and the style
attribute that pygal writes into every chart, so a chart for a page has none of them: its CSS is
portal/static/charts.css, which `stylesheet()` writes. WeasyPrint applies no page stylesheet inside an inline SVG,
so a chart for a PDF keeps its own <style> (`with_style=True`)."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
    colors=("#1095c1", "#d97706", "#6b7280", "#16a34a", "#9333ea", "#dc2626"),
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    value_font_size=10,
    title_font_size=14,
)


def _plotted(value: Decimal | int | None) -> float | None:
    # Only the drawing is in floats: the figures on the page and in exports stay exact.
    return None if value is None else float(value)


def _chart(kind: Any, title: str, labels: list[str], *, with_style: bool = False) -> Any:
    chart = kind(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=720,
        height=280,
        explicit_size=False,
        title=title,
        x_labels=labels,
        show_dots=True,
        legend_at_bottom=True,
        print_values=False,
        truncate_legend=-1,
        no_data_text="—",
    )
    chart.add_xml_filter(_without_script if with_style else _for_a_page)
    return chart


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _without_script(root: Any) -> Any:
    """pygal adds a <script> with its settings even with js=[] (for its tooltips, which are not loaded)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "script":
                parent.remove(child)
    return root


_SERIES_RULE = re.compile(r"#chart-[\w-]+ \.series\.serie-(\d+)\{([^}]*)\}")


def _for_a_page(root: Any) -> Any:
    """No script, no <style>, no style attribute. The one rule of pygal's CSS that differs from chart to chart, a
    series' stroke (the target's dashes), becomes attributes of that series' group; the rest is charts.css."""
    _without_script(root)
    strokes: dict[str, list[tuple[str, str]]] = {}
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "style":
                for index, declarations in _SERIES_RULE.findall(html.unescape(child.text or "")):
                    pairs = (item.split(":", 1) for item in declarations.split(";") if ":" in item)
                    strokes[index] = [(name.strip(), value.strip()) for name, value in pairs]
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)  # only the tooltip's "opacity: 0", for pygal's script
        classes = element.get("class", "").split()
        if "series" in classes:
            index = next((c.removeprefix("serie-") for c in classes if c.startswith("serie-")), "")
            for name, value in strokes.get(index, []):
                element.set(name, value)
    return root


def stylesheet() -> str:
    """pygal's CSS for STYLE and as many series as it has colours, for any chart on a page (scoped to
    svg.pygal-chart instead of one chart's id): the text of portal/static/charts.css (tests/hardening checks it)."""
    chart = _chart(pygal.Line, "", [], with_style=True)
    for index in range(len(STYLE.colors)):
        chart.add(str(index), [1])
    svg = chart.render(is_unicode=True)
    style = re.search(r"<style[^>]*>(.*?)</style>", svg, re.S)
    assert style is not None, "pygal drew its chart without a stylesheet"
    css = html.unescape(style.group(1))
    return (
        "/* pygal's chart CSS, written by portal.charts.stylesheet(): do not edit by hand. */\n"
        + css.replace(f"#chart-{chart.uuid}", "svg.pygal-chart").strip()
        + "\n"
    )


def line_chart(
    title: str,
    labels: list[str],
    series: dict[str, Sequence[Decimal | int | None]],
    *,
    dashed: dict[str, str] | None = None,
    value_range: tuple[int, int] | None = None,
    with_style: bool = False,
) -> Markup:
    """One line per series over `labels` (months, say); `dashed` names series drawn with a dash pattern ("6,4"),
    `value_range` fixes the y axis (a score's 0–100). A page's chart carries no script or style; a PDF's keeps its
    <style> (`with_style`)."""
    return _drawn(
        "line",
        title,
        tuple(labels),
        tuple((name, tuple(values)) for name, values in series.items()),
        tuple(sorted((dashed or {}).items())),
        value_range,
        with_style,
    )


def bar_chart(
    title: str, labels: list[str], series: dict[str, Sequence[Decimal | int | None]], *, with_style: bool = False
) -> Markup:
    """One bar per label and series (a survey's answers per score, say); drawn as line_chart's are."""
    return _drawn(
        "bar",
        title,
        tuple(labels),
        tuple((name, tuple(values)) for name, values in series.items()),
        (),
        None,
        with_style,
    )


@functools.lru_cache(maxsize=512)
def _drawn(
    kind: str,
    title: str,
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[Decimal | int | None, ...]], ...],
    dashed: tuple[tuple[str, str], ...],
    value_range: tuple[int, int] | None,
    with_style: bool,
) -> Markup:
    """The SVG of a chart, kept for the same figures: pygal takes a good part of a results page to draw one, and
    the figures change far less often than the pages are read. The arguments are the whole input."""
    chart = _chart(pygal.Line if kind == "line" else pygal.Bar, title, list(labels), with_style=with_style)
    if value_range is not None:
        chart.range = value_range
    patterns = dict(dashed)
    for name, values in series:
        pattern = patterns.get(name)
        chart.add(
            name,
            [_plotted(value) for value in values],
            **({"stroke_style": {"dasharray": pattern}} if pattern else {}),
        )
    return Markup(chart.render(is_unicode=True))
