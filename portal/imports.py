"""The view side of every all-or-nothing spreadsheet import: run it, commit only a clean result, say what landed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from flask import flash
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.tabular import ImportCounts, TableRejected


def import_page(
    form: Any,
    importer: Callable[[BinaryIO, str], ImportCounts],
    *,
    template: str,
    columns: object,
    landed: Callable[[Any], str],
    then: str,
    rejected_as: type[ImportCounts] = ImportCounts,
    warned: Callable[[Any], list[str]] | None = None,
) -> Response:
    """An import's page. Until the form is sent valid: the form and the file's columns. Then the importer runs on
    the file (an unreadable file's problems become a `rejected_as` result); a clean result is committed, said by
    `landed(result)` (and `warned(result)`: what landed but deserves a look) and followed by a redirect to `then`;
    anything else is rolled back and shown with every problem (422)."""
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = importer(upload.stream, upload.filename or "upload")
        except TableRejected as rejected:
            result = rejected_as(errors=rejected.errors)
        if result.ok:
            db.session.commit()
            flash(landed(result), "success")
            for warning in warned(result) if warned else []:
                flash(warning, "warning")
            return redirect_after_post(then)
        db.session.rollback()
    return render(template, form=form, result=result, columns=columns, status=422 if form.is_submitted() else 200)
