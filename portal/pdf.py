"""PDFs from Jinja templates with WeasyPrint; the fetcher serves /static/ from disk and refuses every other URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, render_template

STATIC = Path(__file__).resolve().parent / "static"


def _static_only_fetcher() -> Any:
    """A WeasyPrint URLFetcher (made here, as WeasyPrint is imported only when a PDF is rendered) that fetches
    data: URLs and the files under static/, and refuses every other URL: WeasyPrint logs the refusal and leaves
    the resource out."""
    from weasyprint.urls import URLFetcher

    prefix = "file://" + str(STATIC) + "/"

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if (url.startswith(prefix) and ".." not in url) or url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"refused to fetch {url}")

    return StaticOnlyFetcher()


def render_pdf(template: str, **context: Any) -> bytes:
    from weasyprint import HTML

    html = render_template(template, **context)
    current_app.logger.debug("rendering %s as PDF", template)
    pdf: bytes = HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=_static_only_fetcher()).write_pdf()
    return pdf
