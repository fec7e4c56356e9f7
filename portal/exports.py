"""Lists as CSV or XLSX downloads, with cells that a spreadsheet would run as formulas made harmless and the control
characters no spreadsheet may hold left out."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request

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


def table_response(fmt: str, filename: str, headers: Sequence[object], rows: Iterable[Sequence[object]]) -> Response:
    """`fmt` is "csv" or "xlsx"."""
    if fmt == "xlsx":
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
