"""Exports never fail on text stored before the intake removed control characters: the XLSX and CSV downloads of
customers, lines and deals leave them out, and what is left is still never run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from orders.models import DealRegistration
from portal import tenancy
from portal.security import Role
from tests.builders import make_partner, make_sales_line, make_user

EXPORTS = ["/orders/customers", "/orders/lines", "/orders/deals"]


@pytest.fixture()
def stored(db, every_partner):
    """A customer and a deal whose names hold control characters, written past the intake as old rows were.
    PostgreSQL refuses NUL in text, so there the rows carry the other controls only."""
    nul = "\x00" if db.engine.dialect.name == "sqlite" else ""
    partner = make_partner(region="CN-GD")
    line = make_sales_line(partner)
    line.customer.name = f"Cust a{nul}\x01b"
    line.customer.region_text = "=1+1\x0b"
    deal = DealRegistration(
        partner_id=partner.id,
        customer_name=f"Cust a{nul}\x1fb",
        products=f'{nul}=HYPERLINK("http://evil.example")',
        estimated_value=Decimal(1000),
        expected_close=date(2030, 1, 1),
    )
    with tenancy.every_partner(reason="test set-up"):
        db.session.add(deal)
        db.session.flush()
    return {
        "partner_user": make_user(partner, role=Role.PARTNER_USER),
        "channel_manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
        "admin": make_user(role=Role.ADMIN),
    }


def _cells(response, fmt: str) -> list[str]:
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
        return [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    return [cell for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig"))) for cell in row]


@pytest.mark.parametrize("role", ["partner_user", "channel_manager", "admin"])
@pytest.mark.parametrize("path", EXPORTS)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_of_rows_stored_with_control_characters_answers_200_without_them(
    client, login, stored, role, path, fmt
):
    """openpyxl refused the cell (IllegalCharacterError): a 500 for the partner and every brand user who sees it."""
    login(stored[role])
    response = client.get(path, query_string={"format": fmt})
    assert response.status_code == 200
    cells = _cells(response, fmt)
    assert "Cust ab" in cells
    assert not any(ch in cell for cell in cells for ch in "\x00\x01\x0b\x1f")
    if path == "/orders/deals":  # cleaned first, then escaped: a NUL in front no longer hides a formula
        assert '\'=HYPERLINK("http://evil.example")' in cells
    if path == "/orders/customers":
        assert "'=1+1" in cells


def test_export_cells_keep_line_breaks_and_numbers_and_escape_a_formula_after_a_break():
    from portal.tabular import export_cell

    assert export_cell("first\r\nsecond\x00") == "first\nsecond"
    assert export_cell("\r=1+1") == "'\n=1+1"
    assert export_cell(Decimal("1.5")) == Decimal("1.5") and export_cell(None) is None
