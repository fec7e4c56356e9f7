"""Reading spreadsheets people upload: CSV (UTF-8 with or without BOM, or GBK as Excel writes it in China) and
XLSX, with English or Chinese headers. Rows stream out one by one with the row number the user sees."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.money import ExactAmount
from portal.text import without_controls

XLSX_MAGIC = b"PK\x03\x04"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, ...]  # every accepted spelling: English, Chinese
    required: bool = True

    @property
    def label(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class RowError:
    """Row 1 is the header, as in the spreadsheet; row 0 and an empty column mean the whole file."""

    row: int
    column: str
    message: str

    def as_dict(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """With the column as the file named it (`headers`: key → header written), when it did."""
        return {"row": self.row, "column": (headers or {}).get(self.column, self.column), "reason": str(self.message)}


class RowChecker:
    """Collects one row's problems and reads its text cells: "required" and "too long" are said the same way in
    every import."""

    def __init__(self, row: int, values: dict[str, str]) -> None:
        self.row, self.values = row, values
        self.errors: list[RowError] = []

    def wrong(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def text(self, key: str, limit: int, *, required: bool = True) -> str:
        value = (self.values.get(key) or "").strip()
        if required and not value:
            self.wrong(key, _l("Fill in this field."))
        elif len(value) > limit:
            self.wrong(key, _l("Use at most %(max)d characters.", max=limit))
        return value


@dataclass
class ImportProblems:
    """The problems that stopped an all-or-nothing import, each naming its column as the file did."""

    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key → its header as the file wrote it

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems(self) -> list[dict[str, Any]]:
        return [error.as_dict(self.headers) for error in self.errors]


@dataclass
class ImportCounts(ImportProblems):
    """What an all-or-nothing import did, or the problems that stopped it."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def figures(self) -> dict[str, int]:
        """The counts by name (rows, created, … and any a subclass adds), for the message that reports them."""
        return {item.name: getattr(self, item.name) for item in fields(self) if item.type in (int, "int")}


class TableRejected(Exception):
    """The file as a whole cannot be read: empty, binary, too large, wrong encoding, missing columns."""

    def __init__(self, *errors: RowError) -> None:
        super().__init__("; ".join(str(error.message) for error in errors))
        self.errors = list(errors)


def _file_error(message: str) -> TableRejected:
    return TableRejected(RowError(0, "", message))


def _header_key(text: object) -> str:
    text = without_controls(str(text or ""))
    return re.sub(r"[\s_\-/]+", "", unicodedata.normalize("NFKC", text).casefold()).lstrip("\ufeff")


@dataclass
class Table:
    """The rows of an uploaded file: iterate for (row number, {column key: text})."""

    rows: Iterator[tuple[int, dict[str, str]]]
    columns: list[Column]
    headers: dict[str, str] = field(default_factory=dict)  # column key → its header as the file wrote it
    encoding: str = ""

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return self.rows


def read_table(stream: BinaryIO, filename: str, columns: list[Column], *, max_bytes: int) -> Table:
    """Open an uploaded CSV or XLSX. Raises TableRejected for problems of the whole file; problems of a row
    are for the caller, who knows what the values mean."""
    head = stream.read(8192)
    if not head.strip():
        raise _file_error(_l("The file is empty."))
    stream.seek(0, io.SEEK_END)
    if stream.tell() > max_bytes:
        raise _file_error(_l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    stream.seek(0)
    if head.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(stream, columns)
    if head.count(b"\x00") * 10 > len(head):  # a binary (or UTF-16) file; text carries at most a stray NUL
        raise _file_error(_l("This is not a CSV or XLSX file."))
    return _read_csv(stream, columns)


def _map_headers(header: Sequence[object], columns: list[Column]) -> dict[int, Column]:
    by_key = {_header_key(spelling): column for column in columns for spelling in column.headers}
    positions: dict[int, Column] = {}
    for index, text in enumerate(header):
        column = by_key.get(_header_key(text))
        if column is not None and column not in positions.values():
            positions[index] = column
    missing = [column for column in columns if column.required and column not in positions.values()]
    if missing:  # named by every spelling it may have
        raise TableRejected(
            *(RowError(1, " / ".join(column.headers), _l("This column is missing.")) for column in missing)
        )
    return positions


def _written(header: Sequence[object], positions: dict[int, Column]) -> dict[str, str]:
    return {
        column.key: without_controls(str(header[index])).strip().lstrip("\ufeff") for index, column in positions.items()
    }


def _detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return encoding
    raise _file_error(_l("The file is neither UTF-8 nor GBK text. Save it as CSV UTF-8 or as XLSX."))


def _read_csv(stream: BinaryIO, columns: list[Column]) -> Table:
    encoding = _detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    sample = text.read(4096)
    text.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text, dialect)
    try:
        header = next(reader, None)
        if not header:
            raise _file_error(_l("The file is empty."))
        positions = _map_headers(header, columns)
    except TableRejected:
        text.detach()
        raise

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, values in enumerate(reader, start=2):
                cells = [without_controls(value).strip() for value in values]
                if not any(cells):
                    continue
                yield number, {column.key: (cells[i] if i < len(cells) else "") for i, column in positions.items()}
        finally:
            text.detach()  # the caller's stream stays open: a second pass reads it again

    return Table(rows(), columns, _written(header, positions), encoding)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # Excel stores numbers as binary floats; their shortest repr is what Excel shows.
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    return without_controls(str(value)).strip()


def _read_xlsx(stream: BinaryIO, columns: list[Column]) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise _file_error(_l("This is not a CSV or XLSX file.")) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)  # the sheet is parsed as it is read, so damage shows up here
    try:
        header = next(values, None)
    except Exception:  # a damaged sheet, or a character no XML may hold (&#0;)
        workbook.close()
        raise _file_error(_l("This is not a CSV or XLSX file.")) from None
    if not header or not any(cell is not None for cell in header):
        workbook.close()
        raise _file_error(_l("The file is empty."))
    positions = _map_headers(list(header), columns)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, row in enumerate(values, start=2):
                cells = [_cell_text(cell) for cell in row]
                if not any(cells):
                    continue
                yield number, {column.key: (cells[i] if i < len(cells) else "") for i, column in positions.items()}
        except Exception:  # damage further down the sheet: the whole file is refused, as at its start
            raise _file_error(_l("This is not a CSV or XLSX file.")) from None
        finally:
            workbook.close()

    return Table(rows(), columns, _written(list(header), positions), "xlsx")


# An exact amount reads as a number with 4 decimals, and the further places (up to 8) when the stored value has them.
EXACT_NUMBER_FORMAT = "0.0000####"


def write_xlsx(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A one-sheet workbook: templates and exports, every cell as export_cell() makes it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cell(value: object) -> object:
        if not isinstance(value, ExactAmount):
            return export_cell(value)
        number = WriteOnlyCell(sheet)
        number.value = value  # a number cell, as openpyxl writes every Decimal (its stubs leave Decimal out)
        number.number_format = EXACT_NUMBER_FORMAT
        return number

    sheet.append([export_cell(header) for header in headers])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_cell(value: object) -> object:
    """A value as an export writes it (XLSX and CSV): text without the control characters no XLSX may hold, as
    rows stored before the intake removed them may still carry, and never run as a formula; a moment in the
    brand's time zone, as the pages show it (a spreadsheet holds no time zone)."""
    if isinstance(value, str):
        return escape_formula(without_controls(value, multiline=True))
    if isinstance(value, datetime) and value.tzinfo is not None:
        from flask import current_app

        return value.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).replace(tzinfo=None)
    return value


def escape_formula(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return "'" + value
    return value
