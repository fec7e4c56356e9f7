"""The sales analysis (performance/analysis.py) against figures worked out by hand: sums by region (drilled down),
product line, partner and period, exact totals, the top N with the others, growth, customers counted once, and
the reader's scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from partners.models import PartnerType
from partners.regions import region_by_code
from performance.analysis import AnalysisQuery, analyse
from portal import tenancy
from portal.security import Role
from tests.builders import make_partner, make_product, make_product_line, make_sales_line, make_user

YEAR = {"first": date(2025, 1, 1), "last": date(2025, 12, 1)}


@pytest.fixture()
def sales(db, every_partner):
    """A: a distributor in Shenzhen; B: a reseller in Guangdong (no city); C: a distributor in Washington.
    Line L1 has product P1, line L2 product P2."""
    first, second = make_product_line("L1"), make_product_line("L2")
    p1, p2 = make_product("P1", line=first), make_product("P2", line=second)
    a = make_partner(code="P-A", region="CN-440300")
    b = make_partner(code="P-B", region="CN-GD", partner_type=PartnerType.RESELLER)
    c = make_partner(code="P-C", region="US-WA")
    make_sales_line(a, order_date=date(2025, 1, 10), product=p1, quantity="2", unit_price="10.005", customer_code="C1")
    make_sales_line(a, order_date=date(2025, 2, 3), product=p2, quantity="1", unit_price="0.0049", customer_code="C1")
    make_sales_line(a, order_date=date(2025, 2, 10), product=p1, quantity="-1", unit_price="10.005", customer_code="C2")
    make_sales_line(a, order_date=date(2026, 1, 5), product=p1, quantity="1", unit_price="5", customer_code="C1")
    make_sales_line(b, order_date=date(2025, 3, 1), product=p2, quantity="3", unit_price="3.3333", customer_code="C1")
    make_sales_line(c, order_date=date(2025, 6, 1), product=p1, quantity="1", unit_price="100", customer_code="C9")
    db.session.flush()
    return {"a": a, "b": b, "c": c, "L1": first, "L2": second}


def _by_label(analysis):
    return {row.member.key: row for row in analysis.rows}


def test_countries_with_every_measure_and_the_exact_total(sales):
    analysis = analyse(AnalysisQuery(rows="region", **YEAR))
    rows = _by_label(analysis)
    china = rows["CN"].total.now
    assert (china.net_sales, china.returns, china.lines, china.quantity) == (
        Decimal("20.0098"),  # 20.01 + 0.0049 − 10.005 + 9.9999
        Decimal("-10.005"),
        4,
        Decimal(5),
    )
    assert china.active_customers == 2  # A's C1 and B's C1; A's C2 only returned
    assert rows["US"].total.now.net_sales == Decimal(100)
    assert analysis.total.now.net_sales == Decimal("120.0098") and analysis.total.now.active_customers == 3
    assert analysis.share(rows["US"].total.now) == Decimal(100) / Decimal("120.0098")
    assert [row.member.key for row in analysis.rows] == ["US", "CN"]  # by net sales, largest first
    assert rows["CN"].member.drill == "CN"


def test_drilling_into_a_country_and_a_province(sales):
    guangdong = _by_label(analyse(AnalysisQuery(rows="region", region=region_by_code("CN"), **YEAR)))
    assert set(guangdong) == {"CN-GD"} and guangdong["CN-GD"].total.now.net_sales == Decimal("20.0098")
    cities = _by_label(analyse(AnalysisQuery(rows="region", region=region_by_code("CN-GD"), **YEAR)))
    assert cities["CN-440300"].total.now.net_sales == Decimal("10.0099")  # A in Shenzhen
    assert cities["CN-GD:itself"].total.now.net_sales == Decimal("9.9999")  # B, based in Guangdong itself
    assert cities["CN-GD:itself"].member.filters == {"region": "CN-GD", "region_only": "y"}
    assert cities["CN-440300"].member.drill is None  # a city has no regions under it


def test_region_by_product_line_with_totals_by_row_column_and_all(sales):
    analysis = analyse(AnalysisQuery(rows="region", columns="product_line", **YEAR))
    rows = _by_label(analysis)
    assert rows["CN"].cells["L1"].now.net_sales == Decimal("10.005")
    assert rows["CN"].cells["L2"].now.net_sales == Decimal("10.0048")
    assert "L2" not in rows["US"].cells
    assert analysis.column_totals["L1"].net_sales == Decimal("110.005")
    assert rows["CN"].total.now.net_sales == Decimal("20.0098") and analysis.total.now.net_sales == Decimal("120.0098")
    assert rows["CN"].total.now.active_customers is None  # no customer roll-up by product line
    assert [column.key for column in analysis.columns] == ["L1", "L2"]


def test_the_top_partner_and_the_others_summed(sales):
    analysis = analyse(AnalysisQuery(rows="partner", top=1, **YEAR))
    assert [row.member.filters for row in analysis.rows] == [{"q": "P-C"}]
    assert analysis.others.total.now.net_sales == Decimal("20.0098") and analysis.row_count == 3
    assert [row.member.filters for row in analysis.rest] == [{"q": "P-A"}, {"q": "P-B"}]  # for a map
    assert len(analysis.every_row) == 3


def test_quarters_compare_with_the_quarter_before_and_the_same_quarter_a_year_earlier(sales):
    analysis = analyse(AnalysisQuery(rows="period", grain="quarter", first=date(2025, 1, 1), last=date(2026, 3, 1)))
    rows = {row.member.label: row for row in analysis.rows}
    assert list(rows) == ["2025 Q1", "2025 Q2", "2026 Q1"]  # in time order; quarters without sales have no row
    first = rows["2026 Q1"].total
    assert first.now.net_sales == Decimal(5) and first.previous is None  # nothing in 2025 Q4
    assert first.last_year.net_sales == Decimal("20.0098")
    assert first.growth("net_sales") == (None, (Decimal(5) - Decimal("20.0098")) / Decimal("20.0098"))
    assert rows["2025 Q1"].member.filters == {"first": "2025-01", "last": "2025-03"}


def test_years_as_columns_compare_each_cell_with_the_year_before(sales):
    analysis = analyse(
        AnalysisQuery(rows="partner", columns="period", grain="year", first=date(2025, 1, 1), last=date(2026, 12, 1))
    )
    a = next(row for row in analysis.rows if row.member.filters == {"q": "P-A"})
    assert a.cells[2026].now.net_sales == Decimal(5) and a.cells[2026].previous.net_sales == Decimal("10.0099")
    assert a.total.now.net_sales == Decimal("15.0099")


def test_a_range_compares_with_the_range_before_and_a_year_earlier(sales):
    analysis = analyse(AnalysisQuery(rows="partner", first=date(2026, 1, 1), last=date(2026, 1, 1)))
    (a,) = analysis.rows
    assert a.total.now.net_sales == Decimal(5) and a.total.previous is None
    assert a.total.last_year.net_sales == Decimal("20.01")  # A's January 2025
    assert analysis.total.last_year.net_sales == Decimal("20.01")


def test_a_row_total_across_years_counts_only_the_months_of_the_range(sales):
    """The year before the range is read for the cells' comparisons: it is not part of a row's total."""
    analysis = analyse(
        AnalysisQuery(rows="partner", columns="period", grain="year", first=date(2026, 1, 1), last=date(2026, 12, 1))
    )
    (a,) = analysis.rows
    assert a.total.now.net_sales == Decimal(5) == analysis.total.now.net_sales  # not 15.0099 with A's 2025
    assert a.cells[2026].previous.net_sales == Decimal("10.0099")  # what 2026 compares with: all of A's 2025


def test_a_first_bucket_that_starts_after_its_year_holds_the_months_of_the_range_only(sales):
    analysis = analyse(
        AnalysisQuery(rows="partner", columns="period", grain="year", first=date(2025, 2, 1), last=date(2026, 1, 1))
    )
    a = next(row for row in analysis.rows if row.member.filters == {"q": "P-A"})
    assert a.cells[2025].now.net_sales == Decimal("-10.0001")  # February's two lines; January is before the range
    assert a.total.now.net_sales == Decimal("-5.0001")
    assert analysis.column_totals[2025].net_sales == Decimal("99.9998")  # −10.0001 + B's 9.9999 + C's 100
    assert analysis.total.now.net_sales == Decimal("104.9998")


def test_a_bucket_compares_with_the_buckets_before_the_range(sales):
    analysis = analyse(AnalysisQuery(rows="period", grain="quarter", first=date(2025, 4, 1), last=date(2026, 3, 1)))
    rows = {row.member.label: row for row in analysis.rows}
    assert list(rows) == ["2025 Q2", "2026 Q1"]
    assert rows["2025 Q2"].total.previous.net_sales == Decimal("20.0098")  # 2025 Q1, before the range
    assert rows["2026 Q1"].total.last_year.net_sales == Decimal("20.0098")


QUESTIONS = [
    ("region", None, "net_sales"),
    ("partner", None, "net_sales"),
    ("period", None, "net_sales"),
    ("product", None, "net_sales"),
    ("region", "period", "net_sales"),
    ("partner", "period", "lines"),
    ("period", "partner", "net_sales"),
    ("region", "product_line", "quantity"),
    ("product", "period", "returns"),
    ("period", "product_line", "net_sales"),
    ("tier", "partner_type", "active_customers"),
    ("partner", "period", "active_customers"),
]


@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
@pytest.mark.parametrize(("rows", "columns", "measure"), QUESTIONS)
def test_every_total_adds_up_its_cells_and_rows(sales, rows, columns, measure, grain):
    """Totals are added up from the cells, the others from the rows they stand for: whatever the question, a
    range that starts and ends inside buckets, and a top that leaves rows out."""
    analysis = analyse(
        AnalysisQuery(
            rows=rows,
            columns=columns,
            measure=measure,
            grain=grain,
            first=date(2025, 2, 1),
            last=date(2026, 2, 1),
            top=1,
        )
    )
    summed = [*analysis.rows, *([analysis.others] if analysis.others else [])]
    assert analysis.rows, "the question has sales"
    if measure != "active_customers":  # a customer who bought in two cells is one customer of their row
        assert sum(row.total.now.measure(measure) for row in summed) == analysis.total.now.measure(measure)
        for row in summed:
            if columns:
                assert sum(cell.now.measure(measure) for cell in row.cells.values()) == row.total.now.measure(measure)
        for column in analysis.columns:
            in_column = [row.cells[column.key].now.measure(measure) for row in summed if column.key in row.cells]
            assert sum(in_column) == analysis.column_totals[column.key].measure(measure)
    else:
        shown = sum(row.total.now.active_customers for row in summed)
        assert shown == analysis.total.now.active_customers  # the rows are partners' groups: no customer in two
    assert analysis.total.now.net_sales == Decimal("104.9998")  # every line from February 2025 to February 2026


def test_filters_by_product_line_type_and_a_channel_managers_scope(sales, db):
    only_l2 = analyse(AnalysisQuery(rows="partner", product_line=sales["L2"], **YEAR))
    assert {row.member.filters["q"]: row.total.now.net_sales for row in only_l2.rows} == {
        "P-A": Decimal("0.0049"),
        "P-B": Decimal("9.9999"),
    }
    resellers = analyse(AnalysisQuery(rows="partner", partner_type=PartnerType.RESELLER, **YEAR))
    assert [row.member.filters["q"] for row in resellers.rows] == ["P-B"]
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("US",))
    tenancy.set_scope(db.session(), manager)  # what the login gate does for the manager's requests
    mine = analyse(AnalysisQuery(rows="region", **YEAR))
    assert [row.member.key for row in mine.rows] == ["US"] and mine.total.now.net_sales == Decimal(100)


def test_the_page_answers_each_question_with_drill_downs_and_an_export(sales, client, login):
    login(make_user(role=Role.ADMIN))
    page = client.get("/performance/analysis?rows=region&first=2025-01&last=2025-12")
    assert page.status_code == 200 and 'id="analysis-table"' in page.text
    assert "120.01" in page.text and "20.01" in page.text  # the exact total, rounded once
    assert "region=CN" in page.text and "/orders/lines?" in page.text
    pivot = client.get("/performance/analysis?rows=region&columns=product_line&first=2025-01&last=2025-12")
    assert "L1 ·" in pivot.text and "110.01" in pivot.text  # L1's column total: 110.005 rounded half up
    export = client.get("/performance/analysis?rows=region&columns=product_line&first=2025-01&last=2025-12&format=csv")
    lines = export.data.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[0:1]] == ["Region"] and lines[0].endswith(",Total,Total (exact)")
    assert lines[1:] == [
        "United States,100.00,100.0000,,,100.00,100.0000",
        "China,10.01,10.0050,10.00,10.0048,20.01,20.0098",  # 10.01 + 10.00 ≠ 20.01 would be a sum of rounded cells
        "Total,110.01,110.0050,10.00,10.0048,120.01,120.0098",
    ]


def test_wrong_values_are_said_next_to_their_fields_and_the_page_still_answers(sales, client, login):
    login(make_user(role=Role.ADMIN))
    page = client.get("/performance/analysis?rows=region&columns=region&partner=NOPE&first=2025-13&top=0")
    assert page.status_code == 200
    assert "Unknown partner code NOPE." in page.text
    assert "Choose another dimension for the columns than for the rows." in page.text


def test_who_reads_the_analysis_and_of_whom(sales, client, login):
    login(make_user(sales["a"], role=Role.PARTNER_ADMIN))
    own = client.get("/performance/analysis?rows=partner&first=2025-01&last=2025-12")
    assert "P-A" in own.text and "P-B" not in own.text and "P-C" not in own.text
    other = client.get("/performance/analysis?rows=partner&partner=P-C&first=2025-01&last=2025-12")
    assert "Unknown partner code P-C." in other.text
    login(make_user(sales["a"], role=Role.PARTNER_USER))
    assert client.get("/performance/analysis").status_code == 403


def test_the_chinese_page_names_its_months_as_months(sales, client, login):
    """ "To" was translated as 收件人 (a mail's recipient): the month fields have labels of their own."""
    admin = make_user(role=Role.ADMIN)
    admin.locale = "zh_Hans_CN"
    login(admin)
    page = client.get("/performance/analysis?rows=region")
    assert "起始月份" in page.text and "结束月份" in page.text and "收件人" not in page.text


@pytest.mark.parametrize(
    "question",
    [
        "rows=region&columns=product_line",
        "rows=region&region=CN-GD&columns=period&grain=quarter",
        "rows=partner_type&columns=tier",
        "rows=product&columns=period&grain=month",
        "rows=partner&partner_type=distributor&product_line=L1",
        "rows=partner&columns=period&grain=year&measure=returns",
    ],
)
def test_every_figure_links_to_the_lines_that_add_up_to_it(sales, client, login, question):
    """Each money figure of the page opens the sales lines whose exact total, rounded once, is that figure."""
    import html
    import re

    login(make_user(role=Role.ADMIN))
    page = client.get(f"/performance/analysis?{question}&first=2025-01&last=2026-06").text
    links = re.findall(r'<a href="(/orders/lines\?[^"]+)">(-?[0-9,]+\.[0-9]{2})</a>', page)
    assert len(links) >= 4
    for url, figure in links:
        lines = client.get(html.unescape(url))
        assert lines.status_code == 200, url
        total = re.search(r"Net total <strong>([-0-9,.]+)</strong>", lines.text)
        assert total and total.group(1) == figure, (url, figure, total and total.group(1))


def test_without_months_the_page_shows_the_year_up_to_the_newest_sales(sales):
    """A brand that loaded 2010–2013 found an empty page: the last twelve months had no sales."""
    from performance.analysis import default_range

    assert default_range(date(2026, 12, 1)) == (date(2025, 2, 1), date(2026, 1, 1))  # A's January 2026 is newest
    assert default_range(date(2026, 12, 1), sales["c"]) == (date(2024, 7, 1), date(2025, 6, 1))
    assert default_range(date(2025, 3, 15)) == (date(2024, 3, 1), date(2025, 2, 1))  # never the month under way


def test_a_period_the_range_cuts_counts_only_the_months_asked_for(sales):
    """The review found the year 2025 of the range 2025-02 … 2026-01 counting January 2025 too, and row totals
    over twelve months more than asked: the comparisons' months had leaked into the figures."""
    by_year = analyse(AnalysisQuery(rows="period", grain="year", first=date(2025, 2, 1), last=date(2026, 1, 1)))
    rows = {row.member.key: row.total for row in by_year.rows}
    assert rows[2025].now.net_sales == Decimal("99.9998")  # February to December: 0.0049 − 10.005 + 9.9999 + 100
    assert rows[2026].now.net_sales == Decimal(5) and by_year.total.now.net_sales == Decimal("104.9998")
    assert rows[2026].last_year.net_sales == Decimal("20.01")  # January 2025 against January 2026
    assert rows[2025].last_year is None  # February to December 2024: nothing
    pivot = analyse(
        AnalysisQuery(rows="region", columns="period", grain="year", first=date(2026, 1, 1), last=date(2026, 1, 1))
    )
    (china,) = pivot.rows
    assert china.total.now.net_sales == china.cells[2026].now.net_sales == Decimal(5) == pivot.total.now.net_sales


def test_a_column_sold_only_before_the_range_is_no_column(sales, client, login):
    login(make_user(role=Role.ADMIN))
    page = client.get("/performance/analysis?rows=period&columns=product_line&grain=quarter&first=2025-04&last=2025-12")
    table = page.text[page.text.index('id="analysis-table"') :]
    assert page.status_code == 200 and "L2 ·" not in table and "L1 ·" in table
