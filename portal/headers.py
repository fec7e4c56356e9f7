"""The headers every response carries: what a page may load and run, who may frame it, and that pages with
personal data stay out of caches."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script, no eval, no inline style: app.js, htmx (configured in base.html) and the stylesheets are
# files on this site, and the charts' CSS is portal/static/charts.css. Images from this site or data: URIs only,
# so a lesson cannot put a remote tracking pixel in a partner's browser.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def install(app: Flask) -> None:
    app.after_request(secure_headers)


def secure_headers(response: Response) -> Response:
    headers = response.headers
    # A PDF is shown by the browser's own viewer, a page made for it that this policy would govern: Chromium then
    # refuses the viewer's plugin (object-src 'none') and its inline styles. X-Frame-Options keeps it out of frames.
    if response.mimetype != "application/pdf":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    # Pages, fragments and downloads show personal data, or carry the session's CSRF token, or both (a new API token,
    # an invitation, the lines of a report): no cache, not the browser's either, keeps them. Static files stay
    # cacheable; a view that means to be cached says so itself.
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response
