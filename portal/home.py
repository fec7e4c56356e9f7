"""The home page, assembled from panels that each domain offers for the roles it serves; the language switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, request, session
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.extensions import db
from portal.htmx import local_path, redirect_after_post, render
from portal.security import Role, public

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class HomePanel:
    """A block of the home page: `template` rendered with what `context()` returns, for `roles`."""

    template: str
    roles: tuple[Role, ...]
    context: Callable[[], dict[str, Any]] = field(default=lambda: {})


_panels: list[HomePanel] = []


def register_panels(panels: list[HomePanel]) -> None:
    _panels.extend(panel for panel in panels if panel not in _panels)


@bp.get("/")
def index() -> Response:
    panels = [(panel.template, panel.context()) for panel in _panels if current_user.role in panel.roles]
    return render("home.html", panels=panels)


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page names (PDF viewers, feed readers, bookmarks)."""
    return current_app.send_static_file("favicon.svg")


@bp.post("/language")
@public
def set_language() -> BaseResponse:
    """Remember the choice: on the account when logged in, in the session cookie otherwise."""
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["locale"] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    return redirect_after_post(local_path(request.form.get("next", ""), "/"))
