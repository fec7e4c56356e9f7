"""render_pdf's URL fetcher: the portal's static files and data: URLs, and nothing else."""

from __future__ import annotations

import pytest

from portal.pdf import STATIC, _static_only_fetcher


@pytest.mark.parametrize("url", [f"file://{STATIC}/app.css", "data:text/css,p{color:red}"])
def test_the_pdf_fetcher_reads_static_files_and_data_urls(url):
    response = _static_only_fetcher().fetch(url)
    try:
        assert response.read()
    finally:
        response.close()


@pytest.mark.parametrize(
    "url", ["https://tracker.example/p.gif", f"file://{STATIC}/../__init__.py", "file:///etc/passwd"]
)
def test_the_pdf_fetcher_refuses_every_other_url(url):
    with pytest.raises(ValueError, match="refused"):
        _static_only_fetcher().fetch(url)


def test_weasyprint_takes_the_fetcher():
    """No PDF template links a file today; one that does must still render (WeasyPrint 68 replaced fetcher
    functions by URLFetcher objects: a function made every fetch fail the whole PDF)."""
    from weasyprint import HTML

    html = '<link rel="stylesheet" href="app.css"><link rel="stylesheet" href="https://tracker.example/x.css"><p>x'
    pdf = HTML(string=html, base_url=f"{STATIC}/", url_fetcher=_static_only_fetcher()).write_pdf()
    assert pdf.startswith(b"%PDF")
