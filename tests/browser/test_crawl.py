"""The demo walked in Chromium as every demo login, in Chinese and in English: every page that the navigation and
the home page reach, two links deep, must answer without an error status, console error or htmx error, fit a
390 px phone without sideways scrolling, and show UI text in the page's language (tests/browser/crawl.py).
A page added later is walked without a new test."""

from __future__ import annotations

import pytest

from partners.demo import DEMO_PASSWORD, USERS
from tests.browser.crawl import DESKTOP, Crawl, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("email", [user[0] for user in USERS])
def test_every_page_works_for_every_demo_login(browser, live_server, email, language):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN" if language == "zh" else "en-US")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, live_server, email, DEMO_PASSWORD, language)
        crawl = Crawl(page, live_server, language)
        problems = crawl.run()
    finally:
        context.close()
    assert len(crawl.visited) >= 15, f"the walk reached only {crawl.visited}"
    assert not problems, f"{len(problems)} problems on {len(crawl.visited)} pages:\n" + "\n".join(map(str, problems))
