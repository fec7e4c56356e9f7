"""Exports and tables add up. Each export carries every amount twice: in cents, as before, and exact as stored
(`…_exact`), and the exact column adds up to the true total; every table's total row is that exact total rounded
once, of the whole list, never a sum of the rounded cells. Three amounts of 0.0050 show as 0.01 each (0.03 added
up) while their total, 0.0150, rounds half up to 0.02; three of 0.0049 show as 0.00 and total 0.01."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from orders.intake import ReportingRules, record_sales_lines
from orders.models import DealRegistration, SubmissionSource
from performance import scoring
from performance.models import SalesTarget
from portal import tenancy
from portal.money import exact, to_cents, total_of
from portal.security import Role
from tests.builders import joined, make_partner, make_product, make_sales_line, make_user

OCTOBER = date(2026, 10, 1)
# (amount of each of three rows, each row in cents, the true total in cents)
AMOUNTS = [("0.0050", "0.01", "0.02"), ("0.0049", "0.00", "0.01")]


def _world(db, amount: str) -> SimpleNamespace:
    """A partner in Guangdong with three lines (three customers, three submissions) and three deals of `amount`
    each, and a partner in Bavaria with a line and a deal of 100 that no Guangdong total may include."""
    partner = joined(make_partner(region="CN-GD"))
    clerk = make_user(partner, role=Role.PARTNER_USER)
    other = joined(make_partner(region="DE-BY"))
    for n in range(3):
        make_sales_line(partner, actor=clerk, quantity="1", unit_price=amount, customer_code=f"C-{n}")
    make_sales_line(other, quantity="1", unit_price="100")
    with tenancy.every_partner(reason="test set-up"):
        for owner, value in [(partner, amount)] * 3 + [(other, "100")]:
            db.session.add(
                DealRegistration(
                    partner_id=owner.id,
                    customer_name="Customer Co",
                    products="drills",
                    estimated_value=Decimal(value),
                    expected_close=date(2030, 1, 1),
                )
            )
        db.session.flush()
    return SimpleNamespace(
        partner=partner,
        clerk=clerk,
        manager=make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
    )


@pytest.fixture(params=AMOUNTS, ids=["0.0050", "0.0049"])
def world(request, db):
    amount, cell, total = request.param
    return SimpleNamespace(**vars(_world(db, amount)), amount=amount, cell=cell, total=total)


def _rows(response, fmt: str) -> list[dict]:
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    else:
        rows = [list(row) for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))]
    header, *data = rows
    return [dict(zip(header, row, strict=False)) for row in data]


def _decimal(value) -> Decimal:
    return Decimal(str(value))  # an XLSX number is a float; its shortest repr is the value written


# Each amount column of each list's export, and whether its XLSX (for people, not an upload file) ends with a total.
EXPORTS = [
    ("/orders/lines", "net_amount", False),
    ("/orders/customers", "net_amount", True),
    ("/orders/submissions", "net_amount", True),
    ("/orders/submissions", "net_amount_delivered", True),
    ("/orders/deals", "estimated_value", True),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("path", "column", "has_total_row"), EXPORTS)
def test_each_export_carries_the_exact_amount_beside_the_cents_and_it_adds_up(
    client, login, world, path, column, has_total_row, fmt
):
    login(world.clerk)
    rows = _rows(client.get(path, query_string={"format": fmt}), fmt)
    total_row = rows.pop() if fmt == "xlsx" and has_total_row else None
    assert len(rows) == 3  # Bavaria's rows are not the clerk's; a CSV has no total row
    cents = [_decimal(row[column]) for row in rows]
    exacts = [_decimal(row[f"{column}_exact"]) for row in rows]
    assert cents == [Decimal(world.cell)] * 3  # the cents column as readers always had it
    assert exacts == [Decimal(world.amount)] * 3
    assert to_cents(sum(exacts)) == Decimal(world.total) != sum(cents)  # the cents cells do not add up
    if fmt == "csv":
        assert rows[0][f"{column}_exact"] == world.amount  # 4 places, as stored: never 5E-3 or 0.00500000
    if total_row is not None:
        assert total_row[next(iter(total_row))] == "Total"
        assert _decimal(total_row[column]) == Decimal(world.total)
        assert _decimal(total_row[f"{column}_exact"]) == Decimal(world.amount) * 3


def test_an_xlsx_shows_the_exact_amounts_as_numbers_with_four_places(client, login, world):
    login(world.clerk)
    sheet = load_workbook(io.BytesIO(client.get("/orders/lines?format=xlsx").data)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("net_amount_exact") + 1)
    assert isinstance(cell.value, float) and cell.number_format == "0.0000####"
    assert header[header.index("net_amount") + 1] == "net_amount_exact"  # side by side


def _foot(html: str) -> str:
    feet = re.findall(r"<tfoot>(.*?)</tfoot>", html, re.S)
    assert len(feet) == 1, feet
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", feet[0])).strip()


TABLES = [
    ("/orders/lines", "Total of all 3 lines"),
    ("/orders/customers", "Total of all 3 customers"),
    ("/orders/submissions", "Total of all 3 submissions"),
    ("/orders/deals", "Total of all 3 registrations"),
]


@pytest.mark.parametrize("role", ["clerk", "manager"])
@pytest.mark.parametrize(("path", "label"), TABLES)
def test_each_table_ends_with_the_exact_total_of_its_rows(client, login, world, role, path, label):
    login(getattr(world, role))
    html = client.get(path).get_data(as_text=True)
    assert html.count(f">{world.cell}<") >= 3  # the rows, in cents
    assert _foot(html) == f"{label} {world.total}"


def _one_order(clerk, lines: int, *, order_no: str = "SO-1"):
    """One submission of `lines` lines of 0.0050, one order."""
    product = make_product()
    row = {"order_no": order_no, "order_date": "2026-10-15", "customer_code": "C-1", "customer_name": "宏达机电"}
    rows = [
        (n + 2, row | {"sku": product.sku, "line_no": str(n + 1), "quantity": "1", "unit_price": "0.005"})
        for n in range(lines)
    ]
    rules = ReportingRules(today=date(2026, 11, 23), open_months=12, may_report_closed_periods=False)
    result = record_sales_lines(
        lambda: iter(rows), actor=clerk, source=SubmissionSource.UPLOAD, filename="x.csv", rules=rules
    )
    assert result.ok
    return result.submissions[0]


def test_a_paged_table_totals_every_line_of_the_filter_on_every_page(client, login, every_partner):
    """101 lines of 0.0050: the first page holds 100 (1.00 in cents), all of them total 0.505, so 0.51."""
    clerk = make_user(joined(make_partner(region="CN-GD")), role=Role.PARTNER_USER)
    submission = _one_order(clerk, 101)
    login(clerk)
    for url in ("/orders/lines", "/orders/lines?page=2", f"/orders/submissions/{submission.id}?page=2"):
        assert _foot(client.get(url).get_data(as_text=True)) == "Total of all 101 lines 0.51", url


def test_the_evaluation_totals_the_net_sales_of_every_partner_exactly(client, login, db, every_partner):
    partners = [joined(make_partner(region="CN-GD")) for _ in range(3)]
    for partner in partners:
        make_sales_line(partner, order_date=date(2026, 10, 9), quantity="1", unit_price="0.005")
        db.session.add(SalesTarget(partner_id=partner.id, period=OCTOBER, amount=Decimal("0.0049")))
    scoring.compute_scorecards(OCTOBER)
    db.session.commit()
    login(make_user(role=Role.ADMIN))
    html = client.get("/performance/evaluation?period=2026-10").get_data(as_text=True)
    assert _foot(html) == "Total of all 3 partners 0.02"
    assert "<tfoot>" not in client.get("/performance/evaluation?period=2026-10&tier=platinum").get_data(as_text=True)
    rows = _rows(client.get("/performance/evaluation?period=2026-10&format=csv"), "csv")
    assert [row["Net sales"] for row in rows] == ["0.01"] * 3
    assert sum(Decimal(row["Net sales (exact)"]) for row in rows) == Decimal("0.0150")
    assert sum(Decimal(row["Target (exact)"]) for row in rows) == Decimal("0.0147")
    *rows, total = _rows(client.get("/performance/evaluation?period=2026-10&format=xlsx"), "xlsx")
    assert total["Partner code"] == "Total" and len(rows) == 3
    assert (_decimal(total["Net sales"]), _decimal(total["Net sales (exact)"])) == (Decimal("0.02"), Decimal("0.015"))
    assert (_decimal(total["Target"]), _decimal(total["Target (exact)"])) == (Decimal("0.01"), Decimal("0.0147"))


def test_the_segment_tables_total_their_classes_and_partners_exactly(client, login, every_partner):
    """One partner (and its one customer) in each of three classes, each with 0.0050 in the 12 months: every class
    shows 0.01, the total 0.02."""
    for month in (10, 7, 3):  # high value, at risk (3 months before), dormant (7 months before)
        make_sales_line(
            joined(make_partner(region="CN-GD")), order_date=date(2026, month, 9), quantity="1", unit_price="0.005"
        )
    login(make_user(role=Role.ADMIN))
    html = client.get("/performance/segments?period=2026-10").get_data(as_text=True)
    feet = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", foot)).strip()
        for foot in re.findall(r"<tfoot>(.*?)</tfoot>", html, re.S)
    ]
    assert feet == ["Total 3 0.02", "Total 3 0.02", "Total of all 3 partners 0.02"]


def test_the_targets_table_totals_its_targets_exactly(client, login, db, every_partner):
    partner = joined(make_partner(region="CN-GD"))
    for month in (10, 11, 12):
        db.session.add(SalesTarget(partner_id=partner.id, period=date(2026, month, 1), amount=Decimal("0.005")))
    db.session.flush()
    login(make_user(role=Role.ADMIN))
    html = client.get("/performance/targets?first=2026-10&last=2026-12").get_data(as_text=True)
    assert html.count(">0.01<") == 3 and _foot(html) == "Total of all 3 targets 0.02"


def test_the_deal_page_totals_the_lines_of_the_win(client, login, db, every_partner):
    partner = joined(make_partner(region="CN-GD"))
    _one_order(make_user(partner, role=Role.PARTNER_USER), 3, order_no="SO-WIN")
    deal = DealRegistration(
        partner_id=partner.id,
        customer_name="Customer Co",
        products="drills",
        estimated_value=Decimal(1),
        expected_close=date(2030, 1, 1),
        won_order_no="SO-WIN",
    )
    db.session.add(deal)
    db.session.flush()
    login(make_user(role=Role.ADMIN))
    assert _foot(client.get(f"/orders/deals/{deal.id}").get_data(as_text=True)) == "Total of all 3 lines 0.02"


def test_exact_amounts_keep_every_stored_place_and_round_half_up_once():
    assert [str(exact(Decimal(v))) for v in ("12.5", "1799.00000000", "0.00012345", "1E-8", "-3")] == [
        "12.5000",
        "1799.0000",
        "0.00012345",
        "0.00000001",
        "-3.0000",
    ]
    assert exact(None) is None
    total = total_of([Decimal("0.005")] * 3 + [None])
    assert (total.count, total.amount) == (4, Decimal("0.015"))
    # Half up, as money() has always rounded (banker's rounding would make 0.025 into 0.02).
    assert to_cents(total.amount) == Decimal("0.02") and to_cents(Decimal("0.025")) == Decimal("0.03")
