"""Retake README's screenshots from a running demo (`make run`), at desktop and at phone width, in both
languages: `.venv/bin/python scripts/screenshots.py http://127.0.0.1:5000`. Writes docs/screenshots/*.png."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from partners.demo import DEMO_PASSWORD  # noqa: E402
from tests.browser.crawl import DESKTOP, PHONE, log_in  # noqa: E402
from tests.browser.fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# file name, login, language, page, viewport, what to do on the page before the picture
SHOTS = [
    ("partner-home-zh", "admin@huanan.example", "zh", "/", DESKTOP, None),
    ("review-queue", "admin@qudao.example", "en", "/partners/applications", DESKTOP, None),
    ("directory", "manager.intl@qudao.example", "en", "/partners/", DESKTOP, None),
    ("sales-lines-zh", "admin@qudao.example", "zh", "/orders/lines", DESKTOP, None),
    ("scorecard-zh", "admin@huanan.example", "zh", "/performance/scorecard", DESKTOP, None),
    ("evaluation", "manager.intl@qudao.example", "en", "/performance/evaluation", DESKTOP, None),
    ("evaluation-zh", "admin@qudao.example", "zh", "/performance/evaluation", DESKTOP, None),
    ("coverage-zh", "manager.south@qudao.example", "zh", "/performance/coverage?region=CN", DESKTOP, None),
    ("phone-home-zh", "sales@huanan.example", "zh", "/", PHONE, None),
    ("phone-menu-en", "admin@cascade.example", "en", "/", PHONE, "menu"),
    ("phone-report-zh", "sales@huanan.example", "zh", "/orders/report", PHONE, "report"),
    ("phone-scorecard-en", "admin@cascade.example", "en", "/performance/scorecard", PHONE, None),
    ("phone-evaluation-zh", "manager.south@qudao.example", "zh", "/performance/evaluation", PHONE, None),
    # These three read years of history: load the AdventureWorks files first (README, "Loading years of history").
    (
        "analysis-world",
        "admin@qudao.example",
        "en",
        "/performance/analysis?rows=region&first=2013-01&last=2013-12",
        DESKTOP,
        None,
    ),
    (
        "analysis-lines-zh",
        "admin@qudao.example",
        "zh",
        "/performance/analysis?rows=product_line&columns=period&grain=year&first=2010-01&last=2013-12",
        DESKTOP,
        None,
    ),
    (
        "phone-analysis-us-zh",
        "manager.intl@qudao.example",
        "zh",
        "/performance/analysis?rows=region&region=US&first=2013-01&last=2013-12",
        PHONE,
        None,
    ),
]


def prepare(page, action: str | None) -> None:
    if action == "menu":
        page.click("details.site-menu > summary")
    elif action == "report":
        page.fill("input[name=sku-1]", "HND-TAPE-5M")
        page.locator("input[name=sku-1]").dispatch_event("change")
        page.wait_for_function("() => document.querySelector('input[name=unit_price-1]').value !== ''")
        page.fill("input[name=quantity-1]", "12")
        page.wait_for_function("() => document.querySelector('#running-total').innerText.includes('226.56')")


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("--only", help="retake one picture, by file name")
    args = parser.parse_args()
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, email, language, path, viewport, action in SHOTS:
            if args.only and args.only != name:
                continue
            context = browser.new_context(
                viewport=viewport,
                device_scale_factor=1 if viewport is DESKTOP else 2,
                locale="zh-CN" if language == "zh" else "en-US",
            )
            page = context.new_page()
            log_in(page, args.base_url, email, DEMO_PASSWORD, language)
            page.goto(args.base_url + path)
            page.wait_for_load_state("networkidle")
            prepare(page, action)
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"{name}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
