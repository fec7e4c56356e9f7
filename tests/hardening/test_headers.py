"""Response headers (issue 11, cases 15 and 16): a Content-Security-Policy with no inline script, no eval and no
inline style, under which the pages still work in Chromium; no-store on everything but static files; lessons
that cannot load a remote image."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from partners.demo import DEMO_PASSWORD
from performance import scoring
from performance.models import SalesTarget
from performance.views import scorecards as performance_views
from portal import charts
from portal.security import Role
from tests.browser.fixtures import log_in
from tests.builders import joined, make_course, make_partner, make_sales_line, make_user
from training import services as training

ROOT = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    """The directives of a Flask or a Playwright response's Content-Security-Policy."""
    header = response.headers.get("Content-Security-Policy") or response.headers.get("content-security-policy") or ""
    return {name: value.strip() for name, _, value in (part.strip().partition(" ") for part in header.split(";"))}


# Case 15: the headers ------------------------------------------------------------------------------------------


def test_every_page_carries_the_policy_and_the_old_headers(client):
    for response in (client.get("/login"), client.get("/partners/apply"), client.get("/no-such-page")):
        assert _policy(response) == POLICY, response.request.path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_logged_in_users_pages_and_the_new_api_token_are_not_stored_but_static_files_are_cacheable(
    client, login, db, every_partner
):
    login(make_user(make_partner(), role=Role.PARTNER_ADMIN))
    for path in ("/", "/users", "/orders/lines", "/orders/lines?format=csv"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    created = client.post("/orders/tokens", data={"name": "ERP"})
    token = re.search(r'<article id="new-token">.*?<code>([^<]+)</code>', created.get_data(as_text=True), re.S)
    assert created.status_code == 200 and token, "the token is shown once"
    assert created.headers.get("Cache-Control") == "no-store"
    for path in ("/static/app.js", "/static/charts.css"):
        static = client.get(path)
        static.close()
        assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", ""), path
        assert "Content-Security-Policy" in static.headers


def test_no_page_template_holds_inline_script_an_event_handler_or_inline_style():
    """The policy refuses them: a <script> with a body, onchange=…, hx-on (htmx evals it), hx-vals='js:…',
    <style> and style="…". The PDF templates are read by WeasyPrint, not by a browser."""
    forbidden = re.compile(
        r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|\shx-on|\sdata-hx-on|['\"]js:|<style|\sstyle\s*=", re.I
    )
    templates = [
        path
        for package in ("portal", "partners", "orders", "performance", "training")
        for path in (ROOT / package).rglob("templates/**/*.html")
        if not path.name.endswith("_pdf.html")
    ]
    assert len(templates) > 50
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates
        for match in forbidden.finditer(path.read_text())
    ]
    assert not found, "\n".join(found)


@pytest.fixture()
def scored_partner(db, every_partner):
    partner = joined(make_partner(name="华南渠道测试有限公司"))
    make_sales_line(partner, order_date=date(2026, 10, 9), quantity="2", unit_price="1234.5678")
    db.session.add(SalesTarget(partner_id=partner.id, period=date(2026, 10, 1), amount=Decimal(5000)))
    scoring.compute_scorecards(date(2026, 10, 1))
    db.session.commit()
    return partner


def test_the_scorecards_charts_carry_no_script_style_or_style_attribute_and_keep_the_targets_dashes(
    client, login, scored_partner
):
    login(make_user(scored_partner, role=Role.PARTNER_USER))
    html = client.get(f"/performance/partners/{scored_partner.id}/scorecard?period=2026-10").get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2 and all('class="pygal-chart"' in svg for svg in svgs)
    for svg in svgs:
        assert "<script" not in svg and "<style" not in svg and " style=" not in svg
    assert 'class="series serie-1 color-1" stroke-dasharray="6,4"' in svgs[0]  # the target, dashed
    assert 'class="series serie-1 color-1" stroke-dasharray="3,3"' in svgs[1]  # the peers' median


def test_the_charts_stylesheet_is_pygals_css_as_portal_charts_writes_it():
    """portal/static/charts.css stands in for the <style> pygal puts in each chart. After a change to the charts'
    STYLE: .venv/bin/python -c "from portal.charts import stylesheet; print(stylesheet(), end='')" >
    portal/static/charts.css"""
    assert (ROOT / "portal" / "static" / "charts.css").read_text() == charts.stylesheet()


def test_the_scorecard_pdf_is_not_stored_is_left_to_the_viewer_and_still_draws_its_charts(
    client, login, scored_partner, monkeypatch
):
    """Chromium's PDF viewer is a page that a policy with object-src 'none' would stop; WeasyPrint reads no page
    stylesheet into an inline SVG, so the PDF's charts keep their own CSS."""
    drawn = {}
    render_pdf = performance_views.render_pdf
    monkeypatch.setattr(
        performance_views,
        "render_pdf",
        lambda template, **context: drawn.update(context) or render_pdf(template, **context),
    )
    login(make_user(scored_partner, role=Role.PARTNER_ADMIN))
    response = client.get(f"/performance/partners/{scored_partner.id}/scorecard.pdf?period=2026-10")
    assert response.mimetype == "application/pdf"
    assert response.headers.get("Cache-Control") == "no-store" and "Content-Security-Policy" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "华南渠道测试有限公司" in text and "2,469.14" in text
    assert "Net sales against target, 12 months" in text and "Score, 12 months" in text  # the charts' titles
    for chart in (drawn["sales_chart"], drawn["score_chart"]):
        assert "<style" in chart and "<script" not in chart


# Case 16: lessons show only the portal's own images -----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "https://tracker.example/p.gif",
        "HTTP://tracker.example/p.gif",
        "//tracker.example/p.gif",
        "///tracker.example/p.gif",
    ],
)
def test_a_lessons_remote_image_loses_its_source(source):
    html = str(training.render_lesson(f"Read on ![x]({source})"))
    assert "tracker.example" not in html and "<img" in html and 'alt="x"' in html


def test_a_lesson_page_keeps_the_portals_own_images_and_drops_a_tracking_pixel(client, login, db, every_partner):
    partner = make_partner()
    course = make_course()
    lesson = course.lessons[0]
    lesson.body_en = "![logo](/static/favicon.svg) ![drill](pictures/drill.png) ![x](https://tracker.example/p.gif)"
    db.session.commit()
    login(make_user(partner))
    html = client.get(f"/training/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert '<img src="/static/favicon.svg" alt="logo">' in html and '<img src="pictures/drill.png" alt="drill">' in html
    assert "tracker.example" not in html


# In Chromium: the pages work under the policy --------------------------------------------------------------------

# Runs before any script of the page: a policy violation or an htmx eval refusal is reported to the test.
WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", (event) => window.reportProblem(
  `${event.violatedDirective} refused ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`));
document.addEventListener("htmx:evalDisallowedError", (event) => window.reportProblem("htmx eval refused"));
"""


@pytest.fixture()
def watched(page):
    """The page, with every policy violation, console error and uncaught error it meets collected."""
    problems: list[str] = []
    page.context.expose_function("reportProblem", lambda text: problems.append(f"{page.url}: {text}"))
    page.context.add_init_script(WATCH_SCRIPT)
    page.on(
        "console",
        lambda message: problems.append(f"{page.url}: console {message.text}") if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.problems = problems
    return page


def _open(page, url: str):
    response = page.goto(url)
    assert response.status == 200 and _policy(response) == POLICY, url
    return response


@pytest.mark.browser
def test_a_partner_user_reports_sales_reads_lines_and_the_scorecard_under_the_policy(watched, live_server):
    page = watched
    log_in(page, live_server, "sales@huanan.example", DEMO_PASSWORD)

    _open(page, f"{live_server}/orders/report")
    sku = page.locator("input[name=sku-1]")
    sku.press_sequentially("tape", delay=50)  # the look-up: q is sent by app.js, no hx-vals js:
    expect(page.locator("#sku-options option[value='HND-TAPE-5M']")).to_have_count(1)
    sku.fill("HND-TAPE-5M")
    sku.dispatch_event("change")
    expect(page.locator("input[name=unit_price-1]")).to_have_value("18.88")  # the list price filled in
    page.fill("input[name=quantity-1]", "2")
    expect(page.locator("#running-total")).to_contain_text("37.76")  # the running total
    rows = page.locator("#report-lines tr[id^=line-]").count()
    page.click("button[hx-get$='/orders/report/line']")  # a line more, numbered by app.js
    page.wait_for_selector(f"input[name=sku-{rows + 1}]")
    page.locator("#line-1 button[data-remove-line]").click()  # and the first one removed: the total follows
    expect(page.locator("#line-1")).to_have_count(0)
    expect(page.locator("#running-total")).not_to_contain_text("37.76")

    _open(page, f"{live_server}/orders/lines")
    month = page.locator("select[name=first] option").nth(1).get_attribute("value")
    with page.expect_navigation():
        page.select_option("select[name=first]", month)  # submitted on change by app.js
    assert f"first={month}" in page.url

    _open(page, f"{live_server}/performance/scorecard")  # redirected to the partner's own
    expect(page.locator("figure.chart svg.pygal-chart")).to_have_count(2)
    assert not page.problems, "\n".join(page.problems)
    # Styled by charts.css: pygal's lines are not filled (unstyled SVG fills them black), the target is dashed.
    line = page.locator("figure.chart svg .series.serie-0 path.line").first
    assert line.evaluate("path => getComputedStyle(path).fill") == "none"
    target = page.locator("figure.chart svg .series.serie-1 path.line").first
    assert target.evaluate("path => getComputedStyle(path).strokeDasharray") == "6px, 4px"
    assert not page.problems, "\n".join(page.problems)


@pytest.mark.browser
def test_a_partner_admin_changes_a_role_on_the_users_page_under_the_policy(watched, live_server):
    page = watched
    log_in(page, live_server, "admin@huanan.example", DEMO_PASSWORD)
    _open(page, f"{live_server}/users")
    select = page.locator("select[name=role][data-submit-on-change]").first
    row = select.locator("xpath=ancestor::tr").get_attribute("id")
    before = select.input_value()
    other = "partner_admin" if before == "partner_user" else "partner_user"
    with page.expect_navigation():
        select.select_option(other)
    expect(page.locator(f"#{row} select[name=role]")).to_have_value(other)
    with page.expect_navigation():
        page.locator(f"#{row} select[name=role]").select_option(before)
    expect(page.locator(f"#{row} select[name=role]")).to_have_value(before)
    assert not page.problems, "\n".join(page.problems)


@pytest.mark.browser
def test_brand_staff_use_the_scorecard_at_risk_and_a_submissions_revert_under_the_policy(watched, live_server):
    page = watched
    log_in(page, live_server, "admin@qudao.example", DEMO_PASSWORD)
    _open(page, f"{live_server}/performance/at-risk")
    with page.expect_navigation():
        page.fill("input[name=period]", "2026-01")
        page.locator("input[name=period]").dispatch_event("change")
    page.wait_for_load_state("networkidle")  # fill() may send a change of its own: let both navigations end
    assert "period=2026-01" in page.url

    _open(page, f"{live_server}/performance/evaluation")
    with page.expect_navigation():
        page.locator("#evaluation-rows a[href*='/scorecard']").first.click()
    expect(page.locator("figure.chart svg.pygal-chart")).to_have_count(2)
    expect(page.locator("#tier-decision form")).to_have_count(1)

    _open(page, f"{live_server}/orders/submissions")
    revertible = None
    for href in page.locator("main a[href*='/orders/submissions/']").evaluate_all("links => links.map(a => a.href)"):
        page.goto(href)
        if page.locator("form[data-confirm]").count():
            revertible = href
            break
    assert revertible, "the demo has a submission an admin may revert"
    question = page.locator("form[data-confirm]").get_attribute("data-confirm")  # in the admin's language
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm] button[type=submit]").click()
    expect(page.locator("form[data-confirm]")).to_have_count(1)  # "cancel": nothing sent, still revertible
    assert asked == [question] and page.url == revertible
    assert not page.problems, "\n".join(page.problems)
