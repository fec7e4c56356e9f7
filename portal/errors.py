"""Friendly error pages; htmx gets just the message block; an API gets its own JSON."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.htmx import render
from portal.security import PermissionDenied

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Reload the page and try again.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Not found"), _l("This page does not exist, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This page does not accept that kind of request.")),
    409: (
        _l("Saved already"),
        _l("This was saved already, perhaps by a second click or by a colleague. Reload the page to see it."),
    ),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("The portal hit an error. Nothing was saved; try again in a moment.")),
    503: (_l("Busy"), _l("The portal is busy with other changes. Nothing was saved; send it again in a moment.")),
}
RETRY_AFTER_SECONDS = 5


def database_busy(error: OperationalError) -> bool:
    """SQLite's write lock was not free within its wait (portal/database.py), or PostgreSQL gave up a lock."""
    return "database is locked" in str(error.orig) or getattr(error.orig, "sqlstate", None) in ("55P03", "40P01")


JSON_ERRORS = "qudao_json_errors"  # app.extensions: path prefix → the JSON answer for errors under it


def answer_json_under(app: Flask, prefix: str, respond: Callable[[int, HTTPException | None], Response]) -> None:
    """Errors of requests whose path starts with `prefix` (an API's, unknown addresses and wrong methods too) are
    answered by `respond(status, error)` instead of a page: a program reads them, not a person."""
    app.extensions.setdefault(JSON_ERRORS, {})[prefix] = respond


def error_page(status: int, error: HTTPException | None = None) -> Response:
    answers: dict[str, Callable[[int, HTTPException | None], Response]] = current_app.extensions.get(JSON_ERRORS, {})
    for prefix, respond in answers.items():
        if request.path.startswith(prefix):
            return respond(status, error)
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render(
        "errors/error.html", fragment="error_message", status=status, code=status, title=title, message=message
    )


def install(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return error_page(error.code or 500, error)

    @app.errorhandler(PermissionDenied)
    def permission_denied(_error: PermissionDenied) -> Response:
        return error_page(403)

    @app.errorhandler(OperationalError)
    def busy(error: OperationalError) -> Response:
        if not database_busy(error):
            return unexpected(error)
        db.session.rollback()
        app.logger.warning("database busy: %s", error.orig)
        response = error_page(503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(IntegrityError)
    def conflict(error: IntegrityError) -> Response:
        """A unique key taken between the check and the write (two clicks, two colleagues): nothing of this
        request is kept, and the person is told the record exists."""
        db.session.rollback()
        app.logger.warning("integrity conflict: %s", error.orig)
        return error_page(409)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=error)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return error_page(500)
