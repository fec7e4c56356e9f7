"""The region maps (portal/maps.py): outlines for the region tree's codes, small enough to inline; one path per
region, filled by its value's step, linked and titled; valid SVG that a page's policy lets through."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pycountry
import pytest

from portal import maps

SVG = "{http://www.w3.org/2000/svg}"


def _regions(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(str(svg))
    return {path.get("data-region"): path for path in root.iter(f"{SVG}path") if path.get("data-region")}


def _links(svg: str) -> dict[str, str]:
    root = ET.fromstring(str(svg))
    return {
        link.find(f"{SVG}path").get("data-region"): link.get("href")
        for link in root.iter(f"{SVG}a")
        if link.find(f"{SVG}path") is not None
    }


def _titles(svg: str) -> dict[str, str]:
    """Each region's <title>: inside its path, or its link's first child."""
    root = ET.fromstring(str(svg))
    titles = {}
    for link in root.iter(f"{SVG}a"):
        titles[link.find(f"{SVG}path").get("data-region")] = link.find(f"{SVG}title").text
    for path in root.iter(f"{SVG}path"):
        if path.find(f"{SVG}title") is not None:
            titles[path.get("data-region")] = path.find(f"{SVG}title").text
    return titles


def test_the_outlines_are_keyed_by_the_region_trees_codes():
    provinces = {s.code for s in pycountry.subdivisions.get(country_code="CN") if s.parent_code is None}
    assert maps.outlines("CN").codes == provinces  # 34, Hong Kong, Macao and Taiwan among them
    states = {s.code for s in pycountry.subdivisions.get(country_code="US") if s.parent_code is None}
    assert maps.outlines("US").codes == states - {"US-AS", "US-GU", "US-MP", "US-PR", "US-UM", "US-VI"}
    countries = {c.alpha_2 for c in pycountry.countries}
    world = maps.outlines("world").codes
    assert world <= countries and {"CN", "US", "DE", "SG", "HK", "LI"} <= world and len(world) > 220


@pytest.mark.parametrize("name", ["world", "CN", "US"])
def test_each_maps_outlines_stay_small(name):
    size = (Path(maps.__file__).parent / "data" / "maps" / f"{name.lower()}.json").stat().st_size
    assert size < 150_000


def test_which_map_shows_the_regions_under_a_region():
    assert maps.map_under(None) == "world"
    assert (maps.map_under("CN"), maps.map_under("US")) == ("CN", "US")
    assert maps.map_under("DE") is None and maps.map_under("CN-GD") is None  # no outlines of those


def test_a_sequential_scale_has_classes_of_as_many_regions_each():
    values = [Decimal(v) for v in (1, 2, 3, 4, 5, 6, 7, 8, 9, 1000)]
    scale = maps.sequential([*values, Decimal(0)], lambda v: f"{v:,}", missing="No sales", not_above_zero="None")
    assert [step.label for step in scale.steps] == ["1 – 2", "3 – 4", "5 – 6", "7 – 8", "9 – 1,000", "None"]
    assert scale.colour(Decimal(1)) == scale.colour(Decimal(2)) == maps.BLUES[5][0]
    assert scale.colour(Decimal(9)) == scale.colour(Decimal(1000)) == maps.BLUES[5][4]  # one large region
    assert scale.colour(Decimal(-3)) == maps.NOT_ABOVE_ZERO and scale.colour(None) == maps.NO_VALUE
    two = maps.sequential([Decimal(5), Decimal(5), Decimal(7)], str, missing="-", not_above_zero="0")
    assert [step.label for step in two.steps] == ["5", "7"]  # two values, two classes; no step for ≤ 0


def test_a_diverging_scale_has_fixed_bounds_around_zero():
    scale = maps.diverging(missing="No comparison")
    by_ratio = {
        ratio: [step.colour for step in scale.steps].index(scale.colour(Decimal(ratio)))
        for ratio in ("-0.5", "-0.25", "-0.2", "-0.1", "-0.05", "-0.02", "-0.01", "0", "0.01", "0.02", "0.1", "0.25")
    }
    assert by_ratio == {
        "-0.5": 0,
        "-0.25": 0,
        "-0.2": 1,
        "-0.1": 1,
        "-0.05": 2,
        "-0.02": 2,
        "-0.01": 3,
        "0": 3,
        "0.01": 3,
        "0.02": 4,
        "0.1": 5,
        "0.25": 6,
    }
    assert scale.steps[0].label == "≤ −25 %" and scale.steps[3].label == "−2 % … +2 %"


def test_a_map_draws_a_path_per_region_filled_linked_and_titled():
    scale = maps.categorical([("open", "White space"), ("held", "One partner")], missing="Not in this view")
    areas = {
        "CN-GD": maps.Area("held", "Guangdong: one partner", "/performance/coverage?region=CN-GD&by=type"),
        "CN-GX": maps.Area("open", "Guangxi: white space"),
        "CN-YN": maps.Area(None, "Yunnan: not in this view"),
    }
    svg = maps.draw("CN", areas, scale, title="Coverage <on> 2026-06-30")
    root = ET.fromstring(str(svg))  # valid XML, the title escaped
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title").text == "Coverage <on> 2026-06-30"
    regions = _regions(svg)
    assert set(regions) == set(areas)
    drawn = [path for path in root.iter(f"{SVG}path")]
    assert len(drawn) == len(maps.outlines("CN").regions)  # every province drawn, the unnamed ones unfilled
    assert regions["CN-GD"].get("fill") == maps.CATEGORY_COLOURS[1]
    assert regions["CN-GX"].get("fill") == maps.CATEGORY_COLOURS[0]
    assert regions["CN-YN"].get("fill") == maps.NO_VALUE and regions["CN-GD"].get("class") == "map-region"
    assert _links(svg) == {"CN-GD": "/performance/coverage?region=CN-GD&by=type"}  # & escaped as &amp; in the text
    assert _titles(svg) == {
        "CN-GD": "Guangdong: one partner",
        "CN-GX": "Guangxi: white space",
        "CN-YN": "Yunnan: not in this view",
    }
    legend = [text.text for text in root.find(f"{SVG}g[@class='map-legend']").iter(f"{SVG}text")]
    assert legend == ["White space", "One partner", "Not in this view"]


def test_a_map_carries_no_script_style_sheet_or_style_attribute():
    """The pages' policy refuses <style> and style="…"; fills and fonts are attributes, which a PDF draws too."""
    areas = {code: maps.Area(Decimal(i), f"{code}: {i}", f"/x?region={code}") for i, code in enumerate(["US", "CN"])}
    scale = maps.sequential([Decimal(0), Decimal(1)], str, missing="No sales", not_above_zero="None")
    svg = str(maps.draw("world", areas, scale, title="Net sales"))
    assert "<script" not in svg and "<style" not in svg and " style=" not in svg
    root = ET.fromstring(svg)
    assert all("style" not in element.attrib for element in root.iter())
    assert root.get("font-family") and root.find(f"{SVG}g[@class='map-regions']").get("stroke")
    assert (
        _regions(svg)["CN"].get("fill") == maps.BLUES[1][0] and _regions(svg)["US"].get("fill") == maps.NOT_ABOVE_ZERO
    )
