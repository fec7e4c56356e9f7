"""The region maps of the sales analysis and the coverage pages: which map each level shows, what each region is
coloured by, where a click goes, its title, and that a manager's map holds only their scope's figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from partners import coverage
from partners.regions import region_by_code
from performance.coverage import STANDINGS
from portal import maps
from portal.security import Role
from tests.builders import joined, make_partner, make_sales_line, make_user

SVG = "{http://www.w3.org/2000/svg}"
YEAR = "first=2025-01&last=2025-12"


def _map(page) -> ET.Element | None:
    assert page.status_code == 200
    found = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="choropleth".*?</svg>', page.text, re.S)
    return ET.fromstring(found.group(0)) if found else None


def _regions(svg: ET.Element) -> dict[str, dict[str, str | None]]:
    """Each coloured region: its fill, the link around it and its <title>."""
    shown = {}
    for link in svg.iter(f"{SVG}a"):
        path = link.find(f"{SVG}path")
        shown[path.get("data-region")] = {
            "fill": path.get("fill"),
            "href": link.get("href"),
            "title": link.find(f"{SVG}title").text,
        }
    for path in svg.iter(f"{SVG}path"):
        if path.get("data-region") and path.get("data-region") not in shown:
            title = path.find(f"{SVG}title")
            shown[path.get("data-region")] = {"fill": path.get("fill"), "href": None, "title": title.text}
    return shown


@pytest.fixture()
def sales(db, every_partner):
    """A in Shenzhen (Guangdong) sold 100 in 2024 and 150 in 2025; B in Guangxi 40 in 2025; C in Washington 500."""
    a = joined(make_partner(code="P-A", region="CN-440300"))
    b = joined(make_partner(code="P-B", region="CN-GX"))
    c = joined(make_partner(code="P-C", region="US-WA"))
    make_sales_line(a, order_date=date(2024, 3, 1), quantity="1", unit_price="100")
    make_sales_line(a, order_date=date(2025, 3, 1), quantity="1", unit_price="150")
    make_sales_line(b, order_date=date(2025, 4, 1), quantity="1", unit_price="40")
    make_sales_line(c, order_date=date(2025, 5, 1), quantity="1", unit_price="500")
    db.session.flush()
    return {"a": a, "b": b, "c": c}


def test_the_analysis_by_region_maps_the_world_then_chinas_provinces_and_the_usas_states(sales, client, login):
    login(make_user(role=Role.ADMIN))
    world = _map(client.get(f"/performance/analysis?rows=region&{YEAR}&top=1"))  # the map shows every row
    regions = _regions(world)
    assert regions["US"]["fill"] == maps.BLUES[2][1] and regions["CN"]["fill"] == maps.BLUES[2][0]
    assert regions["CN"]["title"] == "China: 190.00" and "region=CN" in regions["CN"]["href"]
    assert regions["DE"] == {"fill": maps.NO_VALUE, "href": None, "title": "Germany: no sales"}
    assert len(regions) == len(maps.outlines("world").codes)  # every country titled
    assert all("style" not in element.attrib for element in world.iter())  # the page's policy

    china = _regions(_map(client.get(f"/performance/analysis?rows=region&region=CN&{YEAR}")))
    assert china["CN-GD"]["title"] == "Guangdong: 150.00" and "region=CN-GD" in china["CN-GD"]["href"]
    assert china["CN-GX"]["title"] == "Guangxi: 40.00" and china["CN-YN"]["fill"] == maps.NO_VALUE
    states = _regions(_map(client.get(f"/performance/analysis?rows=region&region=US&{YEAR}")))
    assert states["US-WA"]["title"] == "Washington: 500.00" and states["US-WA"]["fill"] == maps.BLUES[1][0]

    for no_map in ("rows=region&region=CN-GD", "rows=region&region=DE", "rows=partner"):
        assert _map(client.get(f"/performance/analysis?{no_map}&{YEAR}")) is None, no_map


def test_the_analysis_map_shades_growth_against_a_year_earlier(sales, client, login):
    login(make_user(role=Role.ADMIN))
    page = client.get(f"/performance/analysis?rows=region&region=CN&{YEAR}&shade=growth")
    china = _regions(_map(page))
    assert china["CN-GD"]["fill"] == maps.RED_BLUE[6]  # +50 %
    assert china["CN-GD"]["title"] == "Guangdong: +50.0 % vs a year earlier (150.00)"
    assert china["CN-GX"]["fill"] == maps.NO_VALUE
    assert china["CN-GX"]["title"] == "Guangxi: 40.00, nothing a year earlier to compare with"
    assert 'aria-current="true">Growth vs a year earlier</strong>' in page.text
    assert 'name="shade" type="hidden" value="growth"' in page.text  # the form keeps the shading
    assert "region=CN-GD" in china["CN-GD"]["href"] and "shade=growth" in china["CN-GD"]["href"]


def test_a_managers_analysis_map_holds_only_their_regions_figures(sales, client, login):
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GX",)))
    world = _regions(_map(client.get(f"/performance/analysis?rows=region&{YEAR}")))
    assert world["CN"]["title"] == "China: 40.00" and world["US"]["title"] == "United States: no sales"
    china = _regions(_map(client.get(f"/performance/analysis?rows=region&region=CN&{YEAR}")))
    assert china["CN-GD"]["title"] == "Guangdong: no sales" and china["CN-GX"]["title"] == "Guangxi: 40.00"


@pytest.fixture()
def covered(db, every_partner):
    """On 2026-06-30: A (Shenzhen) holds Guangdong exclusively and C holds Shenzhen exclusively (an overlap); B in
    Guangxi holds no assignment, so its home counts; no one covers Yunnan."""
    admin = make_user(role=Role.ADMIN)
    a = joined(make_partner(code="P-A", region="CN-440300"))
    b = joined(make_partner(code="P-B", region="CN-GX"))
    c = joined(make_partner(code="P-C", region="CN-440300"))
    for partner, region in ((a, "CN-GD"), (c, "CN-440300")):
        coverage.assign_coverage(
            partner,
            region_by_code(region),
            None,
            exclusive=True,
            effective_from=date(2026, 1, 1),
            reason="plan 2026",
            actor=admin,
        )
    make_sales_line(a, order_date=date(2026, 5, 9), quantity="3", unit_price="100.5")
    make_sales_line(b, order_date=date(2026, 5, 9), quantity="1", unit_price="20")
    db.session.flush()
    return admin


def test_the_coverage_map_colours_white_space_partners_and_overlaps(covered, client, login):
    login(covered)
    page = client.get("/performance/coverage?region=CN&as_of=2026-06-30")
    china = _regions(_map(page))
    colour = dict(zip(STANDINGS, maps.CATEGORY_COLOURS, strict=False))  # in the order of the legend
    assert china["CN-GD"]["fill"] == colour["exclusive_overlap"]
    assert china["CN-GD"]["title"] == "Guangdong: Overlapping exclusive assignments · 2 partners"
    assert "/performance/coverage?" in china["CN-GD"]["href"] and "region=CN-GD" in china["CN-GD"]["href"]
    assert china["CN-GX"]["fill"] == colour["one_partner"]
    assert (
        china["CN-YN"]["fill"] == colour["white_space"]
        and china["CN-YN"]["title"] == "Yunnan: White space · 0 partners"
    )
    sales = _regions(_map(client.get("/performance/coverage?region=CN&as_of=2026-06-30&view=sales")))
    assert sales["CN-GD"]["title"] == "Guangdong: 301.50 · 2 partners" and sales["CN-GD"]["fill"] == maps.BLUES[2][1]
    assert sales["CN-YN"]["fill"] == maps.NOT_ABOVE_ZERO and "view=sales" in sales["CN-GD"]["href"]
    top = _regions(_map(client.get("/performance/coverage?as_of=2026-06-30")))
    assert top["CN"]["fill"] == colour["exclusive_overlap"] and top["DE"]["title"] == "Germany: not in this view"
    assert _map(client.get("/performance/coverage?region=CN-GD&as_of=2026-06-30")) is None  # no map of cities


def test_a_managers_coverage_map_shows_their_regions_only(covered, client, login):
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GX",)))
    page = client.get("/performance/coverage?region=CN&as_of=2026-06-30&view=sales")
    china = _regions(_map(page))
    assert china["CN-GX"]["title"] == "Guangxi: 20.00 · 1 partner"
    assert china["CN-GD"] == {"fill": maps.NO_VALUE, "href": None, "title": "Guangdong: not in this view"}
    assert "301.50" not in page.text  # Guangdong's sales, another manager's
