"""Lists as CSV or XLSX downloads, with cells that a spreadsheet would run as formulas made harmless."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

from portal.tabular import XLSX_MIMETYPE, escape_formula, write_xlsx


def table_response(fmt: str, filename: str, headers: list[str], rows: Iterable[list[object]]) -> Response:
    """`fmt` is "csv" (UTF-8 with BOM, so Excel opens Chinese text right) or "xlsx"."""
    rows = [[escape_formula(value) for value in row] for row in rows]
    if fmt == "xlsx":
        body, mimetype = write_xlsx(headers, rows), XLSX_MIMETYPE
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        body, mimetype = ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}.{'xlsx' if fmt == 'xlsx' else 'csv'}"})
