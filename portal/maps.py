"""Choropleth maps drawn on the server as SVG: the world's countries, China's provinces and the USA's states, each
region filled by a value on a colour scale, with a legend, a link and a <title> (its name and value) per region.

No script, no <style>, no style attribute: fills, strokes and fonts are SVG presentation attributes, which the
pages' Content-Security-Policy allows (it governs style sheets and style="…", not attributes) and WeasyPrint
draws, so one drawing serves a page and a PDF alike. The outlines are portal/data/maps/*.json, made once from
Natural Earth and US Census data by scripts/build_maps.py (sources and licences in portal/data/maps/README.md),
read once per process; drawing a map is joining strings.

The outlines are keyed by the region tree's codes: ISO 3166-1 alpha-2 for countries (CN), ISO 3166-2 for
China's provinces and the USA's states (CN-GD, US-WA)."""

from __future__ import annotations

import functools
import json
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from markupsafe import Markup, escape

OUTLINES = Path(__file__).parent / "data" / "maps"
# The map of the regions directly under a region (None: the top, the world's countries).
MAP_UNDER: dict[str | None, str] = {None: "world", "CN": "CN", "US": "US"}
FONT = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
BORDER = "#8a94a3"
NO_VALUE = "#dcdfe4"  # a region the map has nothing to say about
NOT_ABOVE_ZERO = "#fbe3d6"
# ColorBrewer's sequential Blues and diverging RdBu (colour-blind safe), by the number of classes.
BLUES = {
    1: ("#4292c6",),
    2: ("#9ecae1", "#2171b5"),
    3: ("#c6dbef", "#6baed6", "#2171b5"),
    4: ("#c6dbef", "#6baed6", "#2171b5", "#08306b"),
    5: ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b"),
}
RED_BLUE = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")
GROWTH_BREAKS = (
    Decimal("-0.25"),
    Decimal("-0.10"),
    Decimal("-0.02"),
    Decimal("0.02"),
    Decimal("0.10"),
    Decimal("0.25"),
)
# Okabe and Ito's colours for categories, told apart with any colour vision: orange, bluish green, sky blue,
# vermilion, reddish purple.
CATEGORY_COLOURS = ("#e69f00", "#009e73", "#56b4e9", "#d55e00", "#cc79a7")
SEQUENTIAL_CLASSES = 5


@dataclass(frozen=True)
class Outlines:
    """One map's regions as SVG path data, in a grid of `grid` steps per map unit."""

    name: str
    width: int
    height: int
    grid: int
    regions: dict[str, str]  # "" is land without a code of its own (Kosovo on the world map): drawn, never filled

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code in self.regions if code)


@functools.cache
def outlines(name: str) -> Outlines:
    """The outlines of "world", "CN" or "US", read once per process."""
    data = json.loads((OUTLINES / f"{name.lower()}.json").read_text(encoding="utf-8"))
    return Outlines(name, data["width"], data["height"], data["grid"], data["regions"])


def map_under(region_code: str | None) -> str | None:
    """The map that shows the regions under `region_code` (the countries at the top), or None where there is no
    map of them: another country's subdivisions, or a province's cities."""
    return MAP_UNDER.get(region_code)


@dataclass(frozen=True)
class Area:
    """What the map says of one region: the value its colour stands for (a number for a sequential or diverging
    scale, a category's key for a categorical one; None for nothing to say), its <title> (name and value in
    words) and where a click on it goes."""

    value: Decimal | int | str | None
    title: str
    href: str | None = None


@dataclass(frozen=True)
class Step:
    colour: str
    label: str


@dataclass(frozen=True)
class Scale:
    """How values become colours: `steps` in the legend's order, `step_of` the index of a value's step, and the
    step of regions with no value."""

    steps: tuple[Step, ...]
    step_of: Callable[[Decimal | int | str], int]
    missing: Step

    def colour(self, value: Decimal | int | str | None) -> str:
        return self.missing.colour if value is None else self.steps[self.step_of(value)].colour


def sequential(
    values: Iterable[Decimal | int], text: Callable[[Decimal | int], str], *, missing: str, not_above_zero: str
) -> Scale:
    """Light to dark blue in up to five classes of as many regions each (quantiles of the values above zero, so
    one large region does not leave the others all one colour), each labelled with the range of its values as
    `text` writes them; values of zero or less, and regions without a value, have a step of their own."""
    numbers = list(values)
    positive = sorted({value for value in numbers if value > 0})
    count = min(SEQUENTIAL_CLASSES, len(positive))
    classes = [positive[len(positive) * i // count : len(positive) * (i + 1) // count] for i in range(count)]
    uppers = [members[-1] for members in classes]
    steps = [
        Step(colour, text(members[0]) if len(members) == 1 else f"{text(members[0])} – {text(members[-1])}")
        for colour, members in zip(BLUES.get(count, ()), classes, strict=True)
    ]
    low = len(steps)
    if any(value <= 0 for value in numbers):
        steps.append(Step(NOT_ABOVE_ZERO, not_above_zero))

    def step_of(value: Decimal | int | str) -> int:
        assert not isinstance(value, str), "a sequential scale shades numbers"
        return low if value <= 0 else min(bisect_left(uppers, value), count - 1)

    return Scale(tuple(steps), step_of, Step(NO_VALUE, missing))


def diverging(*, missing: str) -> Scale:
    """Growth as a ratio (0.125 for +12.5 %): red for falling, blue for rising, in seven classes with fixed bounds
    (±2 %, ±10 %, ±25 %), so that two maps read alike."""
    bounds = [f"{bound * 100:+.0f} %".replace("-", "−") for bound in GROWTH_BREAKS]
    labels = [f"≤ {bounds[0]}", *(f"{a} … {b}" for a, b in zip(bounds, bounds[1:], strict=False)), f"≥ {bounds[-1]}"]

    def step_of(value: Decimal | int | str) -> int:
        assert not isinstance(value, str), "a diverging scale shades numbers"
        # A bound belongs to the class farther from zero; the middle one, −2 % … +2 % without its bounds, is flat.
        ratio = Decimal(value)
        return bisect_left(GROWTH_BREAKS, ratio) if ratio < 0 else bisect_right(GROWTH_BREAKS, ratio)

    return Scale(
        tuple(Step(c, label) for c, label in zip(RED_BLUE, labels, strict=True)), step_of, Step(NO_VALUE, missing)
    )


def categorical(categories: Sequence[tuple[str, str]], *, missing: str) -> Scale:
    """One colour per category, (key, label) in the legend's order, coloured in the order of CATEGORY_COLOURS."""
    assert len(categories) <= len(CATEGORY_COLOURS), "more categories than colours told apart"
    keys = [key for key, _label in categories]
    steps = tuple(Step(colour, label) for colour, (_key, label) in zip(CATEGORY_COLOURS, categories, strict=False))
    return Scale(steps, lambda value: keys.index(str(value)), Step(NO_VALUE, missing))


# The drawing's layout, in map units (the outlines are about 1000 wide).
TITLE_HEIGHT = 38
LEGEND_ROW = 30
SWATCH = 18
FONT_SIZE = 18


def _text_width(text: str) -> float:
    """Roughly how wide `text` runs at FONT_SIZE: a Chinese character a full em, anything else about half."""
    return sum(FONT_SIZE if unicodedata.east_asian_width(c) in "WF" else FONT_SIZE * 0.58 for c in text)


def _legend(shown: list[Step], width: int, top: float) -> tuple[list[str], float]:
    """The legend's swatches and labels in rows across `width`, and the height they take."""
    parts: list[str] = []
    x, y = 0.0, top
    for step in shown:
        item = SWATCH + 6 + _text_width(step.label) + 22
        if x and x + item > width:
            x, y = 0.0, y + LEGEND_ROW
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{SWATCH}" height="{SWATCH}" fill="{step.colour}" '
            f'stroke="{BORDER}" stroke-width="0.5"/>'
            f'<text x="{x + SWATCH + 6:.0f}" y="{y + SWATCH - 3:.0f}">{escape(step.label)}</text>'
        )
        x += item
    return parts, y + LEGEND_ROW - top


def draw(name: str, areas: Mapping[str, Area], scale: Scale, *, title: str) -> Markup:
    """The map `name` ("world", "CN" or "US") with each region of `areas` (by code) filled by the scale's colour
    for its value, its <title> and, given an href, a link; regions the map has outlines for but `areas` does not
    name are drawn without a fill of their own. The legend lists the scale's steps, and the missing step when a
    region has no value."""
    shape = outlines(name)
    down = f"translate(0 {TITLE_HEIGHT}) scale({1 / shape.grid:g})"
    regions = []
    unfilled = False  # a region without a value: the legend names the missing step too
    for code, d in shape.regions.items():
        area = areas.get(code) if code else None
        if area is None:
            regions.append(f'<path d="{d}" fill="{NO_VALUE}"/>')
            unfilled = unfilled or bool(code)
            continue
        unfilled = unfilled or area.value is None
        label = f"<title>{escape(area.title)}</title>"
        path = f'<path class="map-region" data-region="{escape(code)}" fill="{scale.colour(area.value)}" d="{d}">'
        if area.href:
            regions.append(f'<a href="{escape(area.href)}">{label}{path}</path></a>')
        else:
            regions.append(f"{path}{label}</path>")
    shown = [*scale.steps, *([scale.missing] if unfilled else [])]
    legend, legend_height = _legend(shown, shape.width, TITLE_HEIGHT + shape.height + 14)
    height = TITLE_HEIGHT + shape.height + 14 + legend_height
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="choropleth" viewBox="0 0 {shape.width} {height:.0f}" '
        'preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}">'
        f"<title>{escape(title)}</title>"
        f'<text class="map-title" x="0" y="{TITLE_HEIGHT - 12}" font-size="{FONT_SIZE + 2}" font-weight="bold">'
        f"{escape(title)}</text>"
        f'<g class="map-regions" transform="{down}" stroke="{BORDER}" stroke-width="{0.6 * shape.grid:g}" '
        f'stroke-linejoin="round" fill-rule="evenodd">{"".join(regions)}</g>'
        f'<g class="map-legend" fill="#1f2937">{"".join(legend)}</g>'
        "</svg>"
    )
