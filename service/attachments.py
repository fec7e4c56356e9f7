"""Files on a case: their type is what their bytes are (the `filetype` package reads the signatures), not what
their name says; only images, PDF, XLSX and CSV are taken, and they are always served as downloads."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from io import BytesIO

import filetype
from flask_babel import lazy_gettext as _l

from portal.security import RuleViolation

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED = IMAGE_TYPES | {"application/pdf", XLSX, "text/csv"}
_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|body|iframe|\?xml)", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedFile:
    filename: str  # the user's name, cleaned of path and control characters: shown as text only
    content_type: str  # what the bytes are
    content: bytes


def _is_csv(data: bytes) -> bool:
    """Text in UTF-8 or GB18030 (a Chinese Excel's export), without NUL bytes or markup a browser would run."""
    if b"\x00" in data or _MARKUP.search(data[:4096]):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def content_type_of(data: bytes) -> str | None:
    """The accepted type the bytes show, or None (executables, archives, HTML, SVG and anything else)."""
    kind = filetype.guess(data)
    if kind is not None:
        if kind.mime in IMAGE_TYPES or kind.mime == "application/pdf":
            return kind.mime
        if kind.mime in (XLSX, "application/zip") and _is_xlsx(data):
            return XLSX
        return None
    return "text/csv" if _is_csv(data) else None


def safe_filename(name: str) -> str:
    """The last part of the name the browser sent, without control characters, at most 200 characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "file"
    return name[-200:]


def check_file(filename: str, data: bytes, *, max_bytes: int) -> CheckedFile:
    """The file as it may be kept, or a RuleViolation that says why not (field "files")."""
    name = safe_filename(filename)
    if not data:
        raise RuleViolation(_l("%(name)s is empty.", name=name), field="files")
    if len(data) > max_bytes:
        raise RuleViolation(
            _l("%(name)s is larger than %(mb)d MB.", name=name, mb=max_bytes // (1024 * 1024)), field="files"
        )
    content_type = content_type_of(data)
    if content_type is None:
        raise RuleViolation(
            _l("%(name)s is not an image (PNG, JPEG, GIF, WebP), a PDF, an XLSX or a CSV file.", name=name),
            field="files",
        )
    return CheckedFile(name, content_type, data)
