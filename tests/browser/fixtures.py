"""Browser fixtures: Debian's Chromium driven by Playwright against the app served on 127.0.0.1, with the demo
data committed for real (the per-test rollback does not reach another thread's connections). Playwright is
imported inside the fixtures, so plain test runs never load it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_server(app):
    """The app on a free port with the demo data; every row it wrote is deleted afterwards (regions stay)."""
    from werkzeug.serving import make_server

    from portal import demo_seeders, tenancy
    from portal.extensions import db, limiter
    from tests.conftest import delete_committed_rows

    with app.app_context():
        with tenancy.every_partner(reason="browser test data"):
            for seed in demo_seeders():
                seed()
            db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            delete_committed_rows()
            db.session.remove()
        limiter.reset()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash.setdefault(_FAILED, False)
        if report.failed:
            item.stash[_FAILED] = True


_FAILED = pytest.StashKey[bool]()


@pytest.fixture()
def page(request, browser):
    """A fresh browser context (English unless the test asks otherwise); a screenshot when the test fails."""
    locale = getattr(request, "param", "en-US")
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("main input[name=email]", email)
    page.fill("main input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
