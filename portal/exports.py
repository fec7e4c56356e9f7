"""Lists as CSV or XLSX downloads, with cells that a spreadsheet would run as formulas made harmless and the control
characters no spreadsheet may hold left out.

Every amount is written twice, side by side (amount_cells): rounded to cents under its old name, and exact as stored
under the name with `_exact` (a label with "(exact)" in the files for people), so the exact column adds up to the
true total. A CSV holds data rows only; an XLSX that is not also an upload file ends with an exact total row."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from flask import Response, request

from portal.money import ExactAmount, exact, to_cents, total_of
from portal.tabular import XLSX_MIMETYPE, export_cell, write_xlsx

EXPORT_FORMATS = ("csv", "xlsx")


def requested_export() -> str | None:
    """The format a list's export link asks for (?format=csv or xlsx), or None for the page itself."""
    requested = request.args.get("format")
    return requested if requested in EXPORT_FORMATS else None


def csv_bytes(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM, so Excel opens Chinese text right; every cell as export_cell() makes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([export_cell(header) for header in headers])
    writer.writerows([export_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def amount_cells(amount: Decimal | None) -> list[object]:
    """An amount's two cells: half up to cents, as readers of the file always had it, then exact as stored."""
    return [to_cents(amount), exact(amount)]


def _total_row(width: int, rows: list[Sequence[object]]) -> list[object]:
    """The label "Total", then under each exact column the exact sum of its cells and under the cents column left of
    it that sum rounded once: never a sum of the rounded cells."""
    from flask_babel import gettext as _

    row: list[object] = [_("Total"), *[None] * (width - 1)]
    for index in range(1, width):
        column = [cells[index] for cells in rows if index < len(cells)]
        amounts = [cell for cell in column if isinstance(cell, ExactAmount)]
        if amounts:
            row[index - 1 : index + 1] = amount_cells(total_of(amounts).amount)
    return row


def table_response(
    fmt: str,
    filename: str,
    headers: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    total_row: bool = False,
) -> Response:
    """`fmt` is "csv" or "xlsx". With `total_row`, an XLSX (for people) ends with the exact totals of its amounts;
    a CSV never does: it is read by machines, and a total row would be read as one more row of data."""
    if fmt == "xlsx":
        rows = list(rows)
        if total_row and rows:
            rows.append(_total_row(len(headers), rows))
        body, mimetype = write_xlsx(headers, rows), XLSX_MIMETYPE
    else:
        body, mimetype = csv_bytes(headers, rows), "text/csv; charset=utf-8"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={filename}.{'xlsx' if fmt == 'xlsx' else 'csv'}"},
    )


def problems_csv_uri(errors: list[dict[str, Any]]) -> str:
    """The problems of a rejected import as a CSV the page offers as a download link (a data: URL), so the list
    can be fixed in the spreadsheet, even when the import ran in a request that kept nothing."""
    from flask_babel import gettext as _

    body = csv_bytes(
        [_("Row"), _("Column"), _("Problem")],
        [[error["row"] or "", error["column"], error["reason"]] for error in errors],
    )
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(body).decode("ascii")
