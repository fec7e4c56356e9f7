"""The file door (and the form, which shares its intake): control characters are left out of what is stored, and
numbers and dates are read in one stated form, or refused with that form named beside the row and column."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from orders.catalog import import_products
from orders.models import Customer, SalesLine
from partners.bulk_import import import_partners
from partners.models import Partner
from performance import targets
from portal import tenancy
from portal.calendar import add_months, month_start
from portal.security import Role
from tests.builders import make_partner, make_product, make_product_line, make_user
from tests.hardening.conftest import submission_key_of

LAST_MONTH = add_months(month_start(date.today()), -1)
DAY = LAST_MONTH.replace(day=15).isoformat()
HEADER = "order_no,line_no,order_date,customer_code,customer_name,sku,quantity,unit_price,discount"
NUMBER_FORMS = "write it as 1234.5, -3 or 1,234.5"
DATE_FORMS = "write it as YYYY-MM-DD"


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(code="P-A")
    make_product("DRILL-18V", price="899.5")
    return {"partner": partner, "clerk": make_user(partner, role=Role.PARTNER_USER)}


def _row(**values) -> dict[str, str]:
    row = {
        "order_no": "SO-1",
        "line_no": "1",
        "order_date": DAY,
        "customer_code": "C-1",
        "customer_name": "Hongda",
        "sku": "DRILL-18V",
        "quantity": "2",
        "unit_price": "899.5",
        "discount": "0",
    }
    return {**row, **values}


def _csv(*rows: dict[str, str]) -> bytes:
    return "\n".join([HEADER, *(",".join(f'"{value}"' for value in row.values()) for row in rows)]).encode()


def _xlsx(*rows: dict[str, object]) -> bytes:
    """Written with openpyxl itself, not the portal's writer, which would clean what the test sends."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, content: bytes, filename: str = "sales.csv"):
    return client.post(
        "/orders/upload", data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data"
    )


def _stored(db, model, column):
    with tenancy.every_partner(db.session(), reason="test check"):
        return db.session.scalars(select(column)).all()


# Control characters -----------------------------------------------------------------------------------------


def test_a_nul_in_a_csv_cell_is_left_out_of_the_stored_customer(client, login, db, world):
    """`Cust a\\x00b` was stored as it came, and every XLSX export of the partner's customers answered 500."""
    login(world["clerk"])
    response = _upload(client, _csv(_row(customer_name="Cust a\x00b", order_no="SO-\x0b1")))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(db, Customer, Customer.name) == ["Cust ab"]
    assert _stored(db, SalesLine, SalesLine.order_no) == ["SO-1"]


def test_control_characters_in_an_xlsx_cell_are_left_out(client, login, db, world):
    """An XLSX may hold DEL and the C1 controls (XML allows them); a pasted line break becomes a space."""
    login(world["clerk"])
    response = _upload(client, _xlsx(_row(customer_name="Cust a\x7f\x85b\nGmbH")), "sales.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(db, Customer, Customer.name) == ["Cust ab GmbH"]


def test_an_xlsx_with_a_character_no_xml_may_hold_is_refused_not_a_500(client, login, db, world):
    """A sheet holding &#1; failed half-way through the rows with a ParseError: an error page, not a refusal."""
    content = _xlsx(_row(customer_name="Cust aQQQb"))
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(patched, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name).replace(b"QQQ", b"&#1;"))
    login(world["clerk"])
    response = _upload(client, patched.getvalue(), "sales.xlsx")
    assert response.status_code == 422 and "not a CSV or XLSX" in response.get_data(as_text=True)
    assert _stored(db, SalesLine, SalesLine.id) == []


def test_the_report_form_stores_a_customer_name_without_its_nul(client, login, db, world):
    login(world["clerk"])
    response = client.post(
        "/orders/report",
        data={
            "order_no": "SO-1",
            "order_date": DAY,
            "customer_code": "C-1",
            "customer_name": "Cust a\x00b",
            "sku-1": "DRILL-18V",
            "quantity-1": "2",
            "unit_price-1": "899.5",
        },
    )
    assert response.status_code == 303
    assert _stored(db, Customer, Customer.name) == ["Cust ab"]


def test_the_partner_import_reads_cells_without_control_characters(db, every_partner):
    """The shared table reader serves the partner import too."""
    admin = make_user(role=Role.ADMIN)
    content = b"partner_code,name,type,country\nP-X-1,Evergreen\x00 Supply\x1b LLC,agent,US\n"
    result = import_partners(io.BytesIO(content), "partners.csv", actor=admin, max_bytes=1 << 20)
    assert result.ok, result.problems()
    assert db.session.scalars(select(Partner.legal_name).where(Partner.code == "P-X-1")).one() == "Evergreen Supply LLC"


# Numbers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, text",
    [
        ("quantity", "1e3"),  # was read as 1000
        ("quantity", "1 000"),  # was read as 1000: spaces were dropped
        ("unit_price", "1,23"),  # commas group three digits, or it is not a number
        ("unit_price", "1_000"),  # Python's own digit grouping
        ("unit_price", "Infinity"),
        ("discount", "1E-2"),
    ],
)
def test_a_number_in_another_form_is_refused_naming_the_forms_accepted(client, login, db, world, column, text):
    login(world["clerk"])
    response = _upload(client, _csv(_row(**{column: text})))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<td>2</td><td translate="no">{column}</td>' in page
    assert f"{text} is not a number: {NUMBER_FORMS}" in page
    assert _stored(db, SalesLine, SalesLine.id) == []


def test_a_file_reads_the_documented_number_forms_and_no_other(client, login, db, world):
    """Grouped thousands, a sign, spaces around the number and full-width digits (a Chinese input method's) are
    read; the same file with an exponent is refused."""
    login(world["clerk"])
    rows = [
        _row(line_no="1", quantity="+2", unit_price=" 1,234.5 "),
        _row(line_no="2", quantity="-1", unit_price="12,345,678"),
        _row(line_no="3", quantity="１２", unit_price="0.5", discount="1,000"),
    ]
    assert _upload(client, _csv(*rows, _row(line_no="4", quantity="2e0"))).status_code == 422
    assert _upload(client, _csv(*rows)).status_code == 303
    with tenancy.every_partner(db.session(), reason="test check"):
        lines = db.session.scalars(select(SalesLine).order_by(SalesLine.line_no)).all()
        assert [(line.quantity, line.unit_price, line.discount) for line in lines] == [
            (Decimal(2), Decimal("1234.5"), Decimal(0)),
            (Decimal(-1), Decimal(12345678), Decimal(0)),
            (Decimal(12), Decimal("0.5"), Decimal(1000)),
        ]


@pytest.mark.parametrize("line_no", ["²", "1" * 5000])
def test_a_line_number_int_cannot_read_is_refused_not_a_500(client, login, db, world, line_no):
    """ "²" is a digit to str.isdigit() but not to int(); 5,000 digits are past int()'s limit: both were a 500."""
    login(world["clerk"])
    response = _upload(client, _csv(_row(line_no=line_no)))
    assert response.status_code == 422 and "Use a whole number from 1." in response.get_data(as_text=True)


def test_the_report_form_refuses_an_exponent_with_the_forms_accepted(client, login, db, world):
    login(world["clerk"])
    response = client.post(
        "/orders/report",
        data={
            "order_no": "SO-1",
            "order_date": DAY,
            "customer_code": "C-1",
            "customer_name": "Hongda",
            "sku-1": "DRILL-18V",
            "quantity-1": "1e3",
            "unit_price-1": "899.5",
        },
    )
    assert response.status_code == 422
    assert f"1e3 is not a number: {NUMBER_FORMS}" in response.get_data(as_text=True)
    assert _stored(db, SalesLine, SalesLine.id) == []


def test_targets_and_products_imports_read_numbers_by_the_same_rule(db, every_partner):
    make_partner(code="P-CN-0001")
    admin = make_user(role=Role.ADMIN)
    window = targets.open_target_months(date(2026, 11, 23), 3)
    file = "partner_code,period,target\nP-CN-0001,2026-12,1e3\nP-CN-0001,2027-01,1 000\nP-CN-0001,2027-02-31,5\n"
    result = targets.import_targets(io.BytesIO(file.encode()), "t.csv", actor=admin, max_bytes=1 << 20, window=window)
    assert [(e.row, e.column) for e in result.errors] == [(2, "target"), (3, "target"), (4, "period")]
    assert NUMBER_FORMS in str(result.errors[0].message)

    line = make_product_line()
    file = f"sku,name_en,name_zh,product_line,unit,list_price\nX-1,Drill,电钻,{line.code},pcs,1e3\n"
    result = import_products(io.BytesIO(file.encode()), "p.csv", actor=admin, max_bytes=1 << 20)
    assert [(e.row, e.column) for e in result.errors] == [(2, "list_price")]
    assert f"1e3 is not a number: {NUMBER_FORMS}" in str(result.errors[0].message)


@pytest.mark.parametrize(
    "role, url, data, field",
    [
        (
            Role.ADMIN,
            "/orders/catalog/new",
            {"sku": "X-1", "name_en": "Drill", "name_zh": "电钻", "unit": "pcs"},
            "list_price",
        ),
        (Role.PARTNER_USER, "/orders/deals/new", {"customer_name": "Hongda", "products": "Drills"}, "estimated_value"),
        (Role.CHANNEL_MANAGER, "/performance/targets", {"partner_code": "P-CN-0001", "period": "2027-01"}, "amount"),
    ],
)
def test_the_product_deal_and_target_forms_read_numbers_by_the_same_rule(client, login, world, role, url, data, field):
    """WTForms' DecimalField read "1e3" as 1000 and "NaN" as a number; every amount field now takes what the files
    and the report form take, and keeps what was typed."""
    partner = make_partner(code="P-CN-0001", region="CN-GD")
    login(make_user(partner if role is Role.PARTNER_USER else None, role=role, regions=("CN-GD",)))
    if role is Role.ADMIN:
        data = {**data, "product_line_id": str(make_product_line().id)}
    for typed in ("1e3", "NaN"):
        page = client.get(url).get_data(as_text=True)
        form = {**data, field: typed, "submission_key": submission_key_of(page)}
        response = client.post(url, data=form)
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and f"{typed} is not a number: {NUMBER_FORMS}" in text
        assert f'value="{typed}"' in text


# Dates ------------------------------------------------------------------------------------------------------


def test_an_impossible_time_after_the_date_is_refused_and_a_real_one_is_not(client, login, db, world):
    """2026-11-15T99:99:99 was read as 2026-11-15: only the first ten characters were looked at."""
    login(world["clerk"])
    response = _upload(client, _csv(_row(order_date=f"{DAY}T99:99:99")))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<td>2</td><td translate="no">order_date</td>' in page
    assert f"{DAY}T99:99:99 is not a date: {DATE_FORMS}" in page
    assert _upload(client, _csv(_row(order_date=f"{DAY}xxxxxxxxx"))).status_code == 422  # 19 characters

    rows = [_row(line_no="1", order_date=f"{DAY} 00:00:00"), _row(line_no="2", order_date=f"{DAY}T08:30:00")]
    assert _upload(client, _csv(*rows)).status_code == 303
    day = LAST_MONTH.replace(day=15)
    cell = datetime(day.year, day.month, day.day, 8, 30)  # an Excel date cell with its time
    response = _upload(client, _xlsx(_row(order_no="SO-2", order_date=cell, quantity=2, unit_price=899.5)), "s.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(db, SalesLine, SalesLine.order_date) == [day] * 3
