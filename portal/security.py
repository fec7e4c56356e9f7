"""Roles, the default-deny login gate, require_role() and the errors that mean "no"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, has_request_context, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import tenancy
from portal.database import LabelledEnum, enum_labels
from portal.extensions import db
from portal.htmx import redirect_to_login

_View = TypeVar("_View", bound=Callable[..., Any])


class Role(LabelledEnum):
    PARTNER_USER = "partner_user"
    PARTNER_ADMIN = "partner_admin"
    CHANNEL_MANAGER = "channel_manager"
    ADMIN = "admin"

    @property
    def is_brand_staff(self) -> bool:
        return self in (Role.CHANNEL_MANAGER, Role.ADMIN)


ROLE_LABELS = enum_labels(
    {
        Role.PARTNER_USER: _l("Partner user"),
        Role.PARTNER_ADMIN: _l("Partner administrator"),
        Role.CHANNEL_MANAGER: _l("Channel manager"),
        Role.ADMIN: _l("Brand administrator"),
    }
)
PARTNER_ROLES = (Role.PARTNER_USER, Role.PARTNER_ADMIN)
BRAND_ROLES = (Role.CHANNEL_MANAGER, Role.ADMIN)


def sees_many_partners(user: Any) -> bool:
    """Brand staff see several partners' rows, so their lists name the partner; a partner's own lists need not."""
    return getattr(user, "role", None) in BRAND_ROLES


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


class PermissionDenied(Exception):
    """The actor may not do this to this object."""


class RuleViolation(Exception):
    """A business rule refuses the change; the message is shown to the user."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def public(view: _View) -> _View:
    """Open a view to anonymous visitors; every other endpoint needs a logged-in, active user."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def require_role(*roles: Role) -> Callable[[_View], _View]:
    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined]
        return cast(_View, wrapped)

    return decorator


def may_open(endpoint: str, user: Any = None) -> bool:
    """Whether `user` (the current user by default) passes the role gate of `endpoint`'s view: the roles that
    require_role() states, so links are offered to exactly the people the view lets in."""
    user = current_user if user is None else user
    view = current_app.view_functions[endpoint]
    if getattr(view, "is_public", False):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    roles = getattr(view, "required_roles", None)
    return roles is None or user.role in roles


def _view_is_public() -> bool:
    if request.endpoint is None:  # 404 or 405: let the error handler answer
        return True
    if request.endpoint == "static":
        return True
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "is_public", False))


def install_login_gate(app: Flask) -> None:
    @app.before_request
    def login_gate() -> ResponseReturnValue | None:
        user = current_user if current_user.is_authenticated else None
        tenancy.set_scope(db.session(), user)
        if user is None and not _view_is_public():
            return redirect_to_login(url_for("auth.login", next=request.full_path))
        return None
