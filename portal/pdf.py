"""PDFs from Jinja templates with WeasyPrint; the fetcher serves /static/ from disk and refuses every other URL."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

STATIC = Path(__file__).resolve().parent / "static"


def _fetch_static_only(url: str, timeout: int = 10, ssl_context=None):
    from weasyprint import default_url_fetcher

    prefix = "file://" + str(STATIC) + "/"
    if url.startswith(prefix) and ".." not in url:
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    if url.startswith("data:"):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise ValueError(f"refused to fetch {url}")


def render_pdf(template: str, **context) -> bytes:
    from weasyprint import HTML

    html = render_template(template, **context)
    current_app.logger.debug("rendering %s as PDF", template)
    return HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=_fetch_static_only).write_pdf()
