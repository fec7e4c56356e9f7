"""The sales lines list for brand staff and partners: its filters (months, partner, region, product line, returns),
the total of a whole filter, the months it offers, its pages and its exports; and the partner page's links to it."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from orders import lines
from orders.intake import ReportingRules, record_sales_lines
from orders.lines import LineCriteria
from orders.models import SubmissionSource
from partners.regions import region_by_code
from partners.services import names_a_partner
from portal import tenancy
from portal.money import Total
from portal.security import Role
from tests.builders import make_partner, make_product, make_product_line, make_user

BRAND_RULES = ReportingRules(today=date(2026, 11, 23), open_months=3, may_report_closed_periods=True)


def _report(partner, entries, *, first_order: int = 0):
    """Lines of `partner` through the real intake, loaded by an admin as history is: one per (day, product,
    quantity, unit price), each its own order."""
    rows = [
        (
            n + 2,
            {
                "partner_code": partner.code,
                "order_no": f"SO-{first_order + n}",
                "line_no": "1",
                "order_date": day.isoformat(),
                "customer_code": "C-1",
                "customer_name": "宏达机电",
                "sku": product.sku,
                "quantity": quantity,
                "unit_price": price,
            },
        )
        for n, (day, product, quantity, price) in enumerate(entries)
    ]
    loader = make_user(role=Role.ADMIN)
    with tenancy.every_partner(reason="test set-up"):
        result = record_sales_lines(
            lambda: iter(rows), actor=loader, source=SubmissionSource.UPLOAD, filename="history.csv", rules=BRAND_RULES
        )
    assert result.ok, result.errors


@pytest.fixture()
def channel(db, every_partner):
    """Two partners in Guangdong (one in Shenzhen), one in Bavaria; drills and cables of two product lines; lines
    from 2010 to 2013 as the AdventureWorks history has them, a return among them."""
    drill, cable = make_product("DRILL-18V", price="899.5"), make_product("CABLE-M", price="3.1416")
    shenzhen = make_partner(code="P-SZ", name="深圳华南电子有限公司", region="CN-440300")
    canton = make_partner(code="P-GZ", name="Canton Tools Co., Ltd.", region="CN-GD")
    bavaria = make_partner(code="P-BY", name="Bayern Werkzeug GmbH", region="DE-BY")
    _report(
        shenzhen,
        [
            (date(2010, 1, 5), drill, "1", "100"),
            (date(2011, 6, 5), cable, "2", "0.005"),
            (date(2013, 12, 20), drill, "-1", "100"),  # a return
        ],
    )
    _report(canton, [(date(2011, 6, 9), drill, "3", "10"), (date(2012, 3, 1), cable, "1", "0.005")])
    _report(bavaria, [(date(2011, 6, 7), drill, "5", "20")])
    return {"shenzhen": shenzhen, "canton": canton, "bavaria": bavaria, "drill": drill, "cable": cable}


def _orders(criteria: LineCriteria) -> list[tuple[str, str]]:
    return [(line.order_no, line.order_date.isoformat()) for line in lines.iter_lines(criteria)]


def test_each_filter_picks_its_lines_newest_first(channel):
    canton, shenzhen = channel["canton"], channel["shenzhen"]
    assert len(_orders(LineCriteria())) == 6
    june_2011 = LineCriteria(first=date(2011, 6, 1), last=date(2011, 6, 1))
    assert [day for _order, day in _orders(june_2011)] == ["2011-06-09", "2011-06-07", "2011-06-05"]
    assert len(_orders(LineCriteria(first=date(2011, 7, 1)))) == 2  # open end: 2012-03 and 2013-12
    assert len(_orders(LineCriteria(last=date(2011, 6, 1)))) == 4
    assert len(_orders(LineCriteria(partner_id=canton.id))) == 2
    assert len(_orders(LineCriteria(region=region_by_code("CN-GD")))) == 5  # Shenzhen is within Guangdong
    assert len(_orders(LineCriteria(region=region_by_code("CN-440300")))) == 3
    assert len(_orders(LineCriteria(region=region_by_code("DE")))) == 1
    drills = LineCriteria(product_line=channel["drill"].product_line)
    assert len(_orders(drills)) == 4
    assert _orders(LineCriteria(returns_only=True)) == [("SO-2", "2013-12-20")]
    both = LineCriteria(partner_id=shenzhen.id, product_line=channel["cable"].product_line, last=date(2012, 1, 1))
    assert _orders(both) == [("SO-1", "2011-06-05")]


def test_a_typed_code_picks_that_partner_and_a_name_every_partner_holding_it(channel):
    assert {line.partner_id for line in lines.iter_lines(LineCriteria(partner_text="p-gz"))} == {channel["canton"].id}
    assert {line.partner_id for line in lines.iter_lines(LineCriteria(partner_text="P-"))} == {
        channel["shenzhen"].id,
        channel["canton"].id,
        channel["bavaria"].id,
    }
    assert {line.partner_id for line in lines.iter_lines(LineCriteria(partner_text="华南电子"))} == {
        channel["shenzhen"].id
    }
    assert names_a_partner("bayern werkzeug") and not names_a_partner("P-XX")


@pytest.mark.parametrize(
    "criteria",
    [
        lambda: LineCriteria(),
        lambda: LineCriteria(first=date(2011, 6, 1), last=date(2012, 3, 1)),
        lambda: LineCriteria(region=region_by_code("CN-GD")),
        lambda: LineCriteria(partner_text="P-SZ", last=date(2011, 12, 1)),
        lambda: LineCriteria(returns_only=True),
        lambda: LineCriteria(returns_only=True, first=date(2013, 1, 1)),
    ],
    ids=["all", "months", "region", "partner", "returns", "returns-months"],
)
def test_the_total_of_a_filter_is_the_exact_sum_of_its_lines(channel, criteria):
    """Filters by month, partner and region are counted from the monthly roll-up; it must say what the lines do."""
    picked = list(lines.iter_lines(criteria()))
    assert lines.summarise_lines(criteria()) == Total(
        len(picked), sum((line.net_amount for line in picked), Decimal(0))
    )


def test_the_total_of_a_product_line_a_product_or_returns_is_exact(channel):
    """Counted from the roll-up per product line or per product, or from the lines for returns only."""
    cables = LineCriteria(product_line=channel["cable"].product_line)
    assert lines.summarise_lines(cables) == Total(2, Decimal("0.0150"))  # 2 × 0.005 + 1 × 0.005, exact
    assert lines.summarise_lines(LineCriteria(product=channel["cable"])) == Total(2, Decimal("0.0150"))
    other_line = LineCriteria(product=channel["cable"], product_line=make_product_line())
    assert lines.summarise_lines(other_line) == Total(0, Decimal(0))


def test_the_months_are_every_month_with_lines_in_scope(channel, as_user):
    assert lines.months_with_lines() == [date(2013, 12, 1), date(2012, 3, 1), date(2011, 6, 1), date(2010, 1, 1)]
    as_user(make_user(channel["bavaria"], role=Role.PARTNER_USER))
    assert lines.months_with_lines() == [date(2011, 6, 1)]


def test_the_months_reach_back_past_three_years(db, every_partner):
    """The month list was once the newest 36 months: four years of history lost their first year."""
    partner, product = make_partner(region="CN-GD"), make_product()
    _report(partner, [(date(2010 + m // 12, m % 12 + 1, 3), product, "1", "1") for m in range(48)])
    months = lines.months_with_lines()
    assert len(months) == 48 and months[-1] == date(2010, 1, 1) and months[0] == date(2013, 12, 1)


def test_the_pages_hold_every_line_once_in_order_and_a_channel_manager_only_theirs(db, every_partner, as_user):
    """A page's ids are picked first and read after: a manager's pages must be full of their own lines even when
    other regions hold newer ones."""
    product = make_product()
    mine, theirs = make_partner(region="CN-GD"), make_partner(region="DE-BY")
    _report(mine, [(date(2012, 1, 1 + n % 28), product, "1", "1") for n in range(130)])
    _report(theirs, [(date(2013, 1, 1 + n % 28), product, "1", "1") for n in range(120)], first_order=1000)
    as_user(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    criteria = LineCriteria()
    total = lines.summarise_lines(criteria)
    assert total.count == 130
    first, second = (lines.lines_page(criteria, page=n, total=total.count) for n in (1, 2))
    assert (len(first.items), len(second.items)) == (100, 30)
    paged = [line.id for line in first.items + second.items]
    assert paged == [line.id for line in lines.iter_lines(criteria)]
    assert {line.partner_id for line in first.items + second.items} == {mine.id}
    assert lines.lines_page(criteria, page=9, total=total.count).number == 2  # past the end: the last page


def _rows(html: str) -> list[str]:
    """The partner codes of the table's rows (brand staff's list)."""
    return re.findall(r'<td translate="no"><a href="/partners/\d+">([^<]+)</a>', html)


def _foot(html: str) -> str:
    feet = re.findall(r"<tfoot>(.*?)</tfoot>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", feet[0])).strip() if feet else ""


def test_brand_staff_see_each_lines_partner_and_its_region(client, login, channel):
    login(make_user(role=Role.ADMIN))
    html = client.get("/orders/lines").get_data(as_text=True)
    assert "<th>Partner</th><th>Region</th>" in html
    assert _rows(html) == ["P-SZ", "P-GZ", "P-GZ", "P-BY", "P-SZ", "P-SZ"]
    assert f'<a href="/partners/{channel["shenzhen"].id}">P-SZ</a> <small>深圳华南电子有限公司</small>' in html
    assert "<td>China › Guangdong › Shenzhen</td>" in html and "<td>Germany › Bayern</td>" in html
    for month in ("2010-01", "2011-06", "2012-03", "2013-12"):
        assert f'<option value="{month}">{month}</option>' in html  # in both month lists
    assert 'list="partner-options"' in html and 'hx-get="/partners/lookup"' in html


def test_brand_staff_filter_by_partner_region_product_line_and_months_and_keep_what_they_chose(client, login, channel):
    login(make_user(role=Role.ADMIN))
    html = client.get("/orders/lines?q=p-gz").get_data(as_text=True)
    assert _rows(html) == ["P-GZ", "P-GZ"] and 'value="p-gz"' in html
    html = client.get("/orders/lines", query_string={"region": "CN-GD", "first": "2011-01", "last": "2012-12"})
    html = html.get_data(as_text=True)
    assert _rows(html) == ["P-GZ", "P-GZ", "P-SZ"]
    assert '<option selected value="CN-GD">' in html
    assert '<option selected value="2011-01">2011-01</option>' in html  # a month without lines, as asked
    assert '<option selected value="2012-12">2012-12</option>' in html
    html = client.get("/orders/lines?period=2011-06").get_data(as_text=True)  # one month, as older links ask
    assert _rows(html) == ["P-GZ", "P-BY", "P-SZ"] and html.count('<option selected value="2011-06">') == 2
    drills = channel["drill"].product_line.code
    html = client.get("/orders/lines", query_string={"product_line": drills, "returns": "1"}).get_data(as_text=True)
    assert _rows(html) == ["P-SZ"] and f'<option selected value="{drills}">' in html
    assert '<input checked data-submit-on-change id="returns"' in html


def test_a_partner_link_shows_the_partner_by_code_in_the_field(client, login, channel):
    login(make_user(role=Role.ADMIN))
    html = client.get(f"/orders/lines?partner={channel['bavaria'].id}").get_data(as_text=True)
    assert _rows(html) == ["P-BY"] and 'name="q" type="search" value="P-BY"' in html.replace("\n", " ")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"first": "2013-13"}, "first", "2013-13 is not a month: write it as YYYY-MM."),
        ({"last": "June"}, "last", "June is not a month: write it as YYYY-MM."),
        ({"first": "2012-01", "last": "2011-01"}, "last", "The last month comes before the first."),
        ({"region": "XX-NOWHERE"}, "region", "Unknown region XX-NOWHERE."),
        ({"product_line": "NOPE"}, "product_line", "Unknown product line NOPE."),
        ({"q": "P-NOBODY"}, "q", "Unknown partner: no partner you can see has this code or a name like it."),
        ({"partner": "999999"}, "q", "Unknown partner."),
        ({"partner": "abc"}, "q", "Unknown partner."),
    ],
)
def test_a_wrong_filter_is_said_beside_its_field_and_shows_no_lines(client, login, channel, query, field, message):
    login(make_user(role=Role.ADMIN))
    response = client.get("/orders/lines", query_string=query)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<small class="field-error" id="{field}-error">{message}</small>' in html
    assert _rows(html) == [] and "0 lines" in html and "<tfoot>" not in html
    chosen = next(iter(query.values()))
    if field in ("first", "last", "region", "product_line"):
        assert f'<option selected value="{chosen}">' in html  # what was asked stays chosen
    export = client.get("/orders/lines", query_string={**query, "format": "csv"})
    assert export.status_code == 422 and export.mimetype == "text/html"  # no file of a filter that is wrong


def test_a_channel_manager_never_sees_another_regions_partner_through_the_filters(client, login, channel):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    login(manager)
    html = client.get("/orders/lines").get_data(as_text=True)
    assert sorted(set(_rows(html))) == ["P-GZ", "P-SZ"] and "Bavaria" not in html
    for query in ({"q": "P-BY"}, {"q": "Bayern"}, {"partner": str(channel["bavaria"].id)}):
        response = client.get("/orders/lines", query_string=query)
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "Unknown partner" in html, query
        assert _rows(html) == [] and "P-BY" not in _rows(html)
        assert "Germany" not in html  # the region list holds the manager's regions only
    assert client.get("/orders/lines?region=DE").status_code == 422
    export = client.get("/orders/lines?format=csv").get_data(as_text=True)
    assert "P-BY" not in export and len(export.strip().splitlines()) == 6  # header and 5 lines
    assert client.get("/partners/lookup?q=P-").get_data(as_text=True).count("<option") == 2


def test_the_total_row_totals_the_whole_filter_on_every_page(client, login, db, every_partner):
    """101 cable lines of 0.005 among 30 drill lines: the filter's total is 0.505, on both of its pages."""
    partner, cable, drill = make_partner(region="CN-GD"), make_product(price="0.005"), make_product()
    entries = [(date(2012, 5, 1 + n % 28), cable, "1", "0.005") for n in range(101)]
    _report(partner, entries + [(date(2012, 5, 3), drill, "1", "7") for _ in range(30)])
    login(make_user(role=Role.ADMIN))
    query = {"product_line": cable.product_line.code, "first": "2012-05", "last": "2012-05"}
    for page in (1, 2):
        html = client.get("/orders/lines", query_string={**query, "page": page}).get_data(as_text=True)
        assert _foot(html) == "Total of all 101 lines 0.51", page
    assert len(_rows(client.get("/orders/lines", query_string={**query, "page": 2}).get_data(as_text=True))) == 1


def test_a_partner_user_has_no_partner_or_region_filters_or_columns(client, login, channel):
    login(make_user(channel["shenzhen"], role=Role.PARTNER_USER))
    html = client.get("/orders/lines").get_data(as_text=True)
    assert "3 lines" in html and "<th>Partner</th>" not in html and "<th>Region</th>" not in html
    assert 'name="q"' not in html and 'name="region"' not in html and 'name="product_line"' in html
    assert "2010-01" in html and "2012-03" not in html  # its own months only
    html = client.get("/orders/lines?returns=1").get_data(as_text=True)
    assert "1 line" in html and "-100.00" in html
    assert "3 lines" in client.get("/orders/lines?region=DE&q=P-BY").get_data(as_text=True)  # not its filters
    other = client.get(f"/orders/lines?partner={channel['canton'].id}")
    assert other.status_code == 422 and "Unknown partner." in other.get_data(as_text=True)
    assert client.get("/partners/lookup?q=P").status_code == 403


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_export_follows_the_filters_and_names_the_partner_and_its_region_for_brand_staff(client, login, channel):
    login(make_user(role=Role.ADMIN))
    response = client.get("/orders/lines?region=CN-GD&first=2011-06&last=2011-06&format=csv")
    header = response.data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["partner_code", "partner_name", "partner_region", "order_no"]
    assert [(r["partner_code"], r["partner_region"], r["net_amount_exact"]) for r in _csv(response)] == [
        ("P-GZ", "China › Guangdong", "30.0000"),
        ("P-SZ", "China › Guangdong › Shenzhen", "0.0100"),
    ]
    login(make_user(channel["canton"], role=Role.PARTNER_USER))
    response = client.get("/orders/lines?format=csv")
    assert response.data.decode("utf-8-sig").splitlines()[0].split(",") == lines.LINE_EXPORT_HEADERS
    assert [r["partner_code"] for r in _csv(response)] == ["P-GZ", "P-GZ"]


def test_a_partners_page_links_to_its_scorecard_sales_customers_and_analysis(client, login, channel):
    canton = channel["canton"]
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    html = client.get(f"/partners/{canton.id}").get_data(as_text=True)
    links = re.search(r'<p class="actions" id="partner-links">(.*?)</p>', html, re.S)
    assert links is not None
    hrefs = re.findall(r'href="([^"]+)"', links.group(1))
    assert hrefs == [
        f"/performance/partners/{canton.id}/scorecard",
        f"/orders/lines?partner={canton.id}",
        f"/orders/customers?partner={canton.id}",
        f"/performance/analysis?partner={canton.code}&amp;rows=product_line&amp;columns=period&amp;grain=year",
    ]
    for href in (html_href.replace("&amp;", "&") for html_href in hrefs):
        assert client.get(href).status_code == 200, href
    assert _rows(client.get(hrefs[1]).get_data(as_text=True)) == ["P-GZ", "P-GZ"]
    analysis = client.get(hrefs[3].replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="analysis-table"' in analysis and "Unknown partner" not in analysis


def test_the_customers_page_keeps_one_partners_customers_for_brand_staff(client, login, channel):
    admin = make_user(role=Role.ADMIN)
    login(admin)
    html = client.get(f"/orders/customers?partner={channel['bavaria'].id}").get_data(as_text=True)
    assert "P-BY" in html and "Bayern Werkzeug GmbH" in html and "Total of 1 customer" in html
    export = _csv(client.get(f"/orders/customers?partner={channel['bavaria'].id}&format=csv"))
    assert len(export) == 1 and export[0]["net_amount"] == "100.00"
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    response = client.get(f"/orders/customers?partner={channel['bavaria'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Unknown partner." in html and "Bayern" not in html
    assert "No customers yet." in html
