"""Friendly error pages; htmx gets just the message block."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.htmx import render
from portal.security import PermissionDenied

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Reload the page and try again.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Not found"), _l("This page does not exist, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This page does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("The portal hit an error. Nothing was saved; try again in a moment.")),
}


def error_page(status: int):
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render(
        "errors/error.html", fragment="error_message", status=status, code=status, title=title, message=message
    )


def install(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_page(error.code or 500)

    @app.errorhandler(PermissionDenied)
    def permission_denied(_error):
        return error_page(403)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=error)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return error_page(500)
