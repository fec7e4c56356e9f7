"""The scorecard's trend charts, drawn server-side as SVG with pygal (no script needed to show them, and the
same SVG goes into the PDF)."""

from __future__ import annotations

from decimal import Decimal

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


def _plotted(value: Decimal | None) -> float | None:
    # Only the drawing is in floats: the figures on the page and in exports stay exact.
    return None if value is None else float(value)


def _chart(kind, title: str, labels: list[str]):
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
    return chart


def sales_against_target(
    title: str,
    labels: list[str],
    sales: list[Decimal | None],
    targets: list[Decimal | None],
    sales_label: str,
    target_label: str,
) -> Markup:
    chart = _chart(pygal.Line, title, labels)
    chart.add(sales_label, [_plotted(value) for value in sales])
    chart.add(target_label, [_plotted(value) for value in targets], stroke_style={"dasharray": "6,4"})
    return Markup(chart.render(is_unicode=True))


def score_trend(
    title: str,
    labels: list[str],
    scores: list[Decimal | None],
    median_label: str,
    medians: list[Decimal | None],
    score_label: str,
) -> Markup:
    chart = _chart(pygal.Line, title, labels)
    chart.range = (0, 100)
    chart.add(score_label, [_plotted(value) for value in scores])
    chart.add(median_label, [_plotted(value) for value in medians], stroke_style={"dasharray": "3,3"})
    return Markup(chart.render(is_unicode=True))


def compared_sales(title: str, labels: list[str], series: dict[str, list[Decimal | None]]) -> Markup:
    chart = _chart(pygal.Line, title, labels)
    for name, values in series.items():
        chart.add(name, [_plotted(value) for value in values])
    return Markup(chart.render(is_unicode=True))
