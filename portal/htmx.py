"""Every HX- header lives here: whether htmx wants a fragment, and how to redirect it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Response, make_response, redirect, request
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response as BaseResponse


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """htmx is swapping part of the page (not a boosted link, not a history restore)."""
    h = request.headers
    return (
        h.get("HX-Request") == "true"
        and h.get("HX-Boosted") != "true"
        and h.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, *, fragment: str | None = None, status: int = 200, **context: Any) -> Response:
    """The whole page, or just the named block when htmx asks for a part of it."""
    from flask import render_template

    if fragment and wants_fragment():
        body = render_block(template, fragment, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")  # added to what else varies the answer (the session cookie), not instead
    return response


def redirect_after_post(url: str) -> BaseResponse:
    """After a successful POST: htmx follows HX-Redirect, a plain form follows a 303."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


# Browsers drop tabs and line breaks from a URL and read a backslash as a slash.
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f\\]")


def stays_on_this_site(url: str) -> bool:
    """A URL with no scheme and no host, that a browser cannot read as another site's either: no space,
    control character or backslash ("/<tab>/evil.example" and "/\\evil.example" reach evil.example), and
    no "//" at its start. A path ("/users") or a relative one ("pictures/drill.png")."""
    if not url or url.startswith("//") or _UNSAFE_IN_URL.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # "[" of a broken IPv6 host
        return False
    return not parts.scheme and not parts.netloc


def local_path(target: str | None, default: str) -> str:
    """A `next` path taken from a form or link, if it stays on this site: never an open redirect."""
    return target if target and target.startswith("/") and stays_on_this_site(target) else default


def redirect_to_login(url: str) -> BaseResponse:
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def partial_or_redirect(template: str, url: str, **context: Any) -> BaseResponse:
    """After a POST from a list: htmx swaps in the one changed item (`template`); a plain form goes back to `url`."""
    if wants_fragment():
        return render(template, **context)
    return redirect(url, code=303)
