"""Journeys in a real browser: logging in, switching language, tenancy, onboarding from application to checklist,
and reporting sales by form and by file."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.demo import DEMO_PASSWORD
from partners.models import Partner
from portal import tenancy
from portal.calendar import add_months, month_start
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.browser.fixtures import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def _partner_id(app, code: str) -> int:
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        return db.session.scalars(select(Partner.id).where(Partner.code == code)).one()


def _last_link(app, recipient: str, path: str) -> str:
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
        ).all()
    return next(match.group(1) for body in bodies if (match := re.search(rf"https?://[^/\s]+({path}\S+)", body)))


def test_partner_admin_logs_in_and_out(page, live_server):
    log_in(page, live_server, "admin@huanan.example", DEMO_PASSWORD)
    assert "深圳华南电子分销有限公司" in page.content()
    page.click("header form[action$='/logout'] button")
    page.wait_for_url(re.compile(r".*/login"))


def test_a_wrong_password_keeps_the_email_and_says_why(page, live_server):
    log_in(page, live_server, "admin@huanan.example", "wrong-password-0")
    assert "The email or password is not right" in page.content()
    assert page.input_value("main input[name=email]") == "admin@huanan.example"


def test_language_switch_changes_the_page_and_back(page, live_server):
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "en"
    english = page.locator("h1").inner_text()
    with page.expect_navigation():
        page.click("header button[value=zh_Hans_CN]")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录" != english
    with page.expect_navigation():
        page.click("header button[value=en]")
    assert page.locator("h1").inner_text() == english


def test_a_partner_user_cannot_open_another_partners_page(app, page, live_server):
    log_in(page, live_server, "sales@huanan.example", DEMO_PASSWORD)
    response = page.goto(f"{live_server}/partners/{_partner_id(app, 'P-US-0001')}")
    assert response.status == 404 and page.locator("#error-message h1").inner_text().startswith("404")
    page.goto(f"{live_server}/partners/mine")
    assert "深圳华南电子分销有限公司" in page.content()


def test_a_channel_manager_sees_only_their_regions(page, live_server):
    log_in(page, live_server, "manager.south@qudao.example", DEMO_PASSWORD)
    content = page.content()
    assert "P-GD-0001" in content and "P-US-0001" not in content


def test_chinese_renders_in_a_screenshot(page, live_server):
    assert subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip(), (
        "no CJK font: Chinese would be empty boxes"
    )
    log_in(page, live_server, "admin@huanan.example", DEMO_PASSWORD)  # this user reads Chinese
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-zh.png"), full_page=True)


@pytest.mark.parametrize("page, language", [("en-US", "en"), ("zh-CN", "zh")], indirect=["page"])
def test_onboarding_journey(app, page, live_server, language):
    """Apply → the admin approves → the contact sets a password → logs in → accepts the agreement → the
    checklist ticks; in each language."""
    email = f"owner-{language}@journey.example"
    name = f"Journey {language.upper()} Trading Co., Ltd."
    page.goto(f"{live_server}/partners/apply")
    page.fill("#legal_name", name)
    page.select_option("#partner_type", "reseller")
    page.select_option("#country", "US")
    page.wait_for_selector("#subdivision option[value=US-WA]", state="attached")
    page.select_option("#subdivision", "US-WA")
    page.fill("#city_text", "Spokane")
    page.fill("#registration_number", f"EIN {language}-3456789")
    page.fill("#contact_name", "Pat Owner")
    page.fill("#contact_email", email)
    page.fill("#contact_phone", "+1 509 555 0100")
    page.check("#consent")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/partners/apply/received" in page.url

    admin = page.context.browser.new_context(locale=page.context.pages[0].evaluate("navigator.language"))
    admin_page = admin.new_page()
    log_in(admin_page, live_server, "admin@qudao.example", DEMO_PASSWORD)
    admin_page.goto(f"{live_server}/partners/applications")
    row = admin_page.locator("article.application", has_text=name)
    row.locator("button[formaction$='/approve']").click()
    expect(admin_page.locator("article.application", has_text=name)).to_contain_text("P-US-")  # approved
    admin.close()

    page.goto(live_server + _last_link(app, email, "/invitation/"))
    page.fill("#password", "journey-password-1")
    page.fill("#confirm", "journey-password-1")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    checklist = page.locator("#onboarding-checklist")
    assert checklist.locator("li.done").count() == 0
    page.locator("#onboarding-checklist a[href='/partners/agreement']").click()
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(f"{live_server}/")
    assert page.locator("#onboarding-checklist li.done[data-step=agreement]").count() == 1


def test_reporting_by_form_with_a_running_total(page, live_server):
    log_in(page, live_server, "sales@huanan.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/orders/report")
    day = add_months(month_start(date.today()), -1).replace(day=12).isoformat()
    page.fill("input[name=order_no]", "BROWSER-1")
    page.fill("input[name=order_date]", day)
    page.fill("input[name=customer_code]", "C-001")
    page.fill("input[name=customer_name]", "深圳宏达机电有限公司")
    page.fill("input[name=sku-1]", "SAF-CABLE-M")
    page.fill("input[name=quantity-1]", "3")
    page.fill("input[name=unit_price-1]", "3.1416")
    page.click("button[hx-get$='/orders/report/line']")
    page.wait_for_selector("input[name=sku-4]")
    page.fill("input[name=sku-4]", "HND-TAPE-5M")
    page.fill("input[name=quantity-4]", "1")
    page.fill("input[name=unit_price-4]", "0.0052")
    # A function, not an expression: Playwright evals an expression while it polls, which the CSP refuses.
    page.wait_for_function("() => document.querySelector('#running-total').innerText.includes('9.43')")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/orders/submissions/" in page.url and "BROWSER-1" in page.content()


def test_the_sku_look_up_suggests_names_the_product_fills_the_price_and_warns(page, live_server):
    """The look-up once replaced the datalist with raw text, then raised htmx:targetError, and sent the whole
    form (csrf_token included) in its URL."""
    lookups = []
    page.on("request", lambda request: lookups.append(request.url) if "/catalog/lookup" in request.url else None)
    log_in(page, live_server, "admin@cascade.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/orders/report")
    page.evaluate(
        "document.addEventListener('htmx:targetError', () => window.targetErrors = (window.targetErrors||0)+1)"
    )
    sku = page.locator("input[name=sku-1]")
    sku.press_sequentially("tape", delay=50)
    expect(page.locator("#sku-options option[value='HND-TAPE-5M']")).to_have_count(1)
    sku.press_sequentially("-5m", delay=50)
    expect(page.locator("#sku-options option")).to_have_count(1)
    sku.fill("HND-TAPE-5M")
    sku.dispatch_event("change")
    expect(page.locator("#line-product-1")).to_contain_text("Tape measure 5 m")
    expect(page.locator("input[name=unit_price-1]")).to_have_value("18.88")
    expect(page.locator("#line-price-note-1")).to_have_text("")
    page.fill("input[name=unit_price-1]", "1234.5")  # still editable; far from the list price: a warning
    page.locator("input[name=unit_price-1]").dispatch_event("change")
    expect(page.locator("#line-price-note-1")).to_contain_text("Far from the list price of 18.88")
    page.fill("input[name=quantity-1]", "2")
    expect(page.locator("#running-total")).to_contain_text("2,469.00")
    assert page.evaluate("window.targetErrors || 0") == 0 and page.locator("#report-form").count() == 1
    assert lookups and all("csrf_token" not in url and "order_no" not in url for url in lookups)


def test_the_report_forms_message_about_the_whole_form_goes_once_the_user_types(page, live_server):
    """ "There are no sales lines to record" once stayed on screen while the user filled the form in."""
    log_in(page, live_server, "admin@cascade.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/orders/report")
    page.click("main form button[type=submit]")
    message = page.locator("#report-form .form-error", has_text="There are no sales lines to record")
    expect(message).to_be_visible()
    page.locator("input[name=order_no]").press_sequentially("SO-7")
    expect(message).to_have_count(0)


def test_an_upload_with_errors_lists_them(page, live_server, tmp_path):
    log_in(page, live_server, "admin@cascade.example", DEMO_PASSWORD)
    bad = tmp_path / "sales.csv"
    bad.write_text(
        "order_no,line_no,order_date,customer_code,customer_name,sku,quantity,unit_price\n"
        "X-1,1,2026-13-40,C-1,Co,NOPE,0,abc\n",
        encoding="utf-8",
    )
    page.goto(f"{live_server}/orders/upload")
    page.set_input_files("input[type=file]", str(bad))
    page.click("main form button[type=submit]")
    errors = page.locator("#import-errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "order_date" in text and "sku" in text and "quantity" in text and "unit_price" in text


def test_a_partner_user_passes_a_course_and_downloads_a_verifiable_certificate(app, page, live_server):
    import io

    from pypdf import PdfReader

    from training.models import Course

    with app.app_context():
        course = db.session.scalars(select(Course).where(Course.title_en.like("Power tools%"))).one()
        course_id, title_zh = course.id, course.title_zh
        right = [option.id for question in course.questions for option in question.options if option.is_correct]
        lesson_count = len(course.lessons)
    log_in(page, live_server, "sales@huanan.example", DEMO_PASSWORD)  # 赵丽 Zhao Li reads Chinese
    page.goto(f"{live_server}/training/courses/{course_id}")
    page.locator("main ol a").first.click()
    for _ in range(lesson_count):  # read every lesson: "done, next"
        with page.expect_navigation():
            page.click("article.lesson footer button")
    with page.expect_navigation():
        page.click(f"form[action$='/training/courses/{course_id}/attempts'] button")
    for option_id in right:
        page.check(f"input[value='{option_id}']")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("#quiz-result").inner_text().startswith("已通过")
    pdf_url = page.locator("#quiz-result a[href$='.pdf']").get_attribute("href")
    pdf = page.request.get(live_server + pdf_url)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    code = re.search(r"[A-Z2-9]{12}", text.split("Verification code")[1]).group(0)
    assert "赵丽 Zhao Li" in text and title_zh in text
    page.goto(f"{live_server}/verify/{code}")
    assert "赵丽 Zhao Li" in page.locator("#verification").inner_text()
    assert page.locator("#verification .badge-active").count() == 1


def test_a_channel_manager_filters_the_evaluation_and_decides_a_tier(app, page, live_server):
    log_in(page, live_server, "manager.south@qudao.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/performance/evaluation")
    assert "P-GD-0001" in page.locator("#evaluation-rows").inner_text()
    page.select_option("select[name=partner_type]", "agent")  # 华南 is a distributor: filtered out live
    expect(page.locator("#evaluation-rows")).not_to_contain_text("P-GD-0001")
    page.select_option("select[name=partner_type]", "distributor")
    expect(page.locator("#evaluation-rows")).to_contain_text("P-GD-0001")
    with page.expect_navigation():
        page.click("#evaluation-rows a:has-text('P-GD-0001')")
    assert page.locator("figure.chart svg").count() == 2
    # Override the recommendation, with a reason, in the fragment htmx swaps in.
    page.select_option("#tier-decision select[name=tier]", "platinum")
    page.fill("#tier-decision input[name=reason]", "Strategic account in Shenzhen")
    with page.expect_navigation():
        page.click("#tier-decision button.secondary")
    assert "/scorecard" in page.url
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        tier = db.session.scalars(select(Partner.tier).where(Partner.code == "P-GD-0001")).one()
    assert tier.value == "platinum"


def test_a_channel_manager_compares_adjusts_coverage_and_accepts_a_recommendation(app, page, live_server):
    from partners.models import CoverageAssignment, PartnerTier
    from performance.scoring import recommend_tier
    from portal.calendar import local_today

    cascade, alpen = _partner_id(app, "P-US-0001"), _partner_id(app, "P-DE-0001")
    with app.app_context(), tenancy.every_partner(reason="test set-up"):
        partner = db.session.get(Partner, cascade)
        recommended = recommend_tier(partner, add_months(month_start(local_today()), -1)).recommended
        # Put the partner on another tier than the one its scores earn, so that there is something to accept.
        partner.tier = PartnerTier.PLATINUM if recommended is not PartnerTier.PLATINUM else PartnerTier.SILVER
        db.session.commit()
    log_in(page, live_server, "manager.intl@qudao.example", DEMO_PASSWORD)

    page.goto(f"{live_server}/performance/evaluation")
    page.check(f"input[name=partner][value='{cascade}']")
    page.check(f"input[name=partner][value='{alpen}']")
    with page.expect_navigation():
        page.click("button[form=compare-form][type=submit]")
    table = page.locator("main table").inner_text()
    assert "P-US-0001" in table and "P-DE-0001" in table

    page.goto(f"{live_server}/performance/partners/{alpen}/coverage")
    page.select_option("select[name=country]", "DE")
    page.wait_for_function("() => document.querySelectorAll('select[name=subdivision] option').length > 1")
    page.select_option("select[name=subdivision]", "DE-BW")
    page.fill("input#reason", "Baden-Württemberg from January")
    with page.expect_navigation():
        page.click("main form button[type=submit]:has-text('Assign')")
    assert "Baden-Württemberg" in page.locator("main table").inner_text()
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        regions = {
            a.region.code
            for a in db.session.scalars(select(CoverageAssignment).where(CoverageAssignment.partner_id == alpen))
        }
    assert "DE-BW" in regions

    page.goto(f"{live_server}/performance/partners/{cascade}/scorecard")
    with page.expect_navigation():
        page.click("#tier-decision button[name=tier]")
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        assert db.session.get(Partner, cascade).tier is recommended


def test_a_case_is_opened_with_a_photo_answered_and_resolved_and_the_partner_sees_no_note(app, page, live_server):
    """The partner's clerk, on a phone, opens a case with a photo; the manager of Guangdong notes, replies and
    resolves it; the clerk sees the reply and the resolution, never the note, and may reopen it."""
    from service.models import CaseStatus, SupportCase
    from tests.builders import PNG

    photo = ARTIFACTS / "damage.png"
    photo.write_bytes(PNG)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "sales@huanan.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/service/cases/new")
    page.select_option("select[name=category]", "product_quality")
    page.select_option("select[name=priority]", "high")
    page.fill("input[name=subject]", "电钻开关失灵")
    page.fill("textarea[name=description]", "客户反映开关按下后没有反应，见照片。")
    page.set_input_files("input[type=file]", str(photo))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "电钻开关失灵" in page.locator("h1").inner_text() and "damage.png" in page.content()
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    case_url = page.url
    page.set_viewport_size({"width": 1280, "height": 900})  # on a phone the menu folds the logout away
    page.click("header form[action$='/logout'] button")

    log_in(page, live_server, "manager.south@qudao.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/service/cases?sla=&sort=newest")
    with page.expect_navigation():
        page.click("main table a:has-text('电钻开关失灵')")
    page.fill("#note textarea", "仓库这批开关有问题，先换货。")
    with page.expect_navigation():
        page.click("#note button[type=submit]")
    page.fill("#reply textarea", "已安排换货，请查收。")
    with page.expect_navigation():
        page.click("#reply button[type=submit]")
    page.select_option("#status select", "resolved")
    with page.expect_navigation():
        page.click("#status button[type=submit]")
    page.click("header form[action$='/logout'] button")

    log_in(page, live_server, "sales@huanan.example", DEMO_PASSWORD)
    page.goto(case_url)
    history = page.locator("#history + ol").inner_text()
    assert "已安排换货" in history and "仓库这批开关" not in page.content()
    assert page.locator("#reopen").count() == 1  # the requester may reopen it
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        row = db.session.scalars(select(SupportCase).where(SupportCase.subject == "电钻开关失灵")).one()
        assert row.status is CaseStatus.RESOLVED and row.first_response_at is not None
        mails = list(
            db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == "sales@huanan.example"))
        )
        assert not any("仓库这批开关" in body for body in mails)
    # The resolution mailed the clerk one satisfaction question; the link answers it without a login, on a phone.
    (link,) = [
        m[1] for body in mails if (m := re.search(r"(/service/surveys/\d+/answer/\S+)", body)) and row.reference in body
    ]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("header form[action$='/logout'] button")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}{link}")
    page.check("input[type=radio][value='4']")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "谢谢" in page.locator("h1").inner_text() or "Thank you" in page.locator("h1").inner_text()
    page.goto(f"{live_server}{link}")
    assert "已通过此链接回答过" in page.content() or "answered already" in page.content()
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        from service.models import SurveyInvitation, SurveyResponse

        invitation = db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.case_id == row.id)).one()
        assert db.session.scalars(
            select(SurveyResponse.csat).where(SurveyResponse.invitation_id == invitation.id)
        ).all() == [4]


def test_a_partner_survey_is_built_sent_answered_on_a_phone_and_read_as_nps_in_both_languages(app, page, live_server):
    """The admin builds a survey for distributors (华南) with an NPS question and sends it; 华南's clerk
    answers from the link in the mail on a phone; the manager of Guangdong reads the NPS, in Chinese and in
    English, at phone width too."""
    log_in(page, live_server, "admin@qudao.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/service/surveys/new")
    page.fill("input[name=title_en]", "Year-end check-in")
    page.fill("input[name=title_zh]", "年终回访")
    page.check("input[name=partner_types][value=distributor]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.select_option("select[name=kind]", "nps")
    page.fill("#question input[name=text_en]", "Would you recommend us to a peer?")
    page.fill("#question input[name=text_zh]", "您会向同行推荐我们吗？")
    with page.expect_navigation():
        page.click("#question button[type=submit]")
    assert "您会向同行推荐我们吗？" in page.content()
    with page.expect_navigation():
        page.click("form[action$='/send'] button")
    survey_url = page.url
    page.click("header form[action$='/logout'] button")

    answer_path = survey_url.split("://", 1)[1].split("/", 1)[1] + "/answer/"
    with app.app_context(), tenancy.every_partner(reason="test lookup"):
        body = db.session.scalars(
            select(OutboxMessage.body).where(
                OutboxMessage.recipient == "sales@huanan.example", OutboxMessage.body.contains(answer_path)
            )
        ).one()
    link = re.search(r"(/service/surveys/\d+/answer/\S+)", body)[1]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}{link}")
    assert "您会向同行推荐我们吗？" in page.content()  # the clerk reads Chinese
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    with page.expect_navigation():
        page.click("main form button[type=submit]")  # nothing chosen: refused next to the question
    assert page.locator(".field-error").count() == 1
    page.check("input[type=radio][value='10']")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "谢谢" in page.locator("h1").inner_text()

    log_in(page, live_server, "manager.south@qudao.example", DEMO_PASSWORD)
    page.goto(survey_url + "/results")
    text = page.locator("main").inner_text()
    assert "净推荐值" in text and "100.0" in text  # one promoter of one answer
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.click("form.language-switcher button[value=en]")
    page.goto(survey_url + "/results")
    text = page.locator("main").inner_text()
    assert "Response rate" in text and "NPS" in text and "100.0" in text
    with page.expect_navigation():
        page.click("form.language-switcher button[value=zh_Hans_CN]")  # as the demo has her, for the next tests


def test_the_analysis_drills_from_the_world_to_a_province_and_down_to_the_lines(page, live_server):
    """A manager clicks a country on the map, a province in the table, then a figure: the lines it opens add up
    to that figure."""
    log_in(page, live_server, "manager.south@qudao.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/performance/analysis?rows=region")
    page.locator("svg a[href*='region=CN']").first.click()  # China on the world map
    expect(page.locator(".breadcrumb strong")).to_have_count(1)
    page.locator("#analysis-table a[href*='region=CN-GD']").first.click()  # Guangdong in the table
    expect(page).to_have_url(re.compile(r"region=CN-GD"))
    figure = page.locator("#analysis-table tfoot tr.total td a").first
    shown = figure.inner_text()
    figure.click()
    expect(page).to_have_url(re.compile(r"/orders/lines\?"))
    expect(page.locator("main")).to_contain_text(shown)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
