"""The view side of every all-or-nothing spreadsheet import: run it, commit only a clean result."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, TypeVar, overload

from portal.extensions import db
from portal.forms import PortalForm
from portal.tabular import ImportCounts, TableRejected

_Counts = TypeVar("_Counts", bound=ImportCounts)


@overload
def run_import(form: PortalForm, importer: Callable[[BinaryIO, str], ImportCounts]) -> ImportCounts | None: ...
@overload
def run_import(
    form: PortalForm, importer: Callable[[BinaryIO, str], _Counts], rejected_as: type[_Counts]
) -> _Counts | None: ...
def run_import(
    form: PortalForm, importer: Callable[[BinaryIO, str], ImportCounts], rejected_as: type[ImportCounts] = ImportCounts
) -> ImportCounts | None:
    """None until the upload form is submitted and valid; then the importer's result, or an unreadable file's
    problems as a result. Commits a clean result, rolls back anything else."""
    if not form.validate_on_submit():
        return None
    upload = form.file.data
    try:
        result = importer(upload.stream, upload.filename or "upload")
    except TableRejected as rejected:
        result = rejected_as(errors=rejected.errors)
    if result.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return result
