"""Both languages, complete: every user-facing string is in both catalogs, and the language follows the user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.security import Role
from tests.builders import make_user

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "portal" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings the code uses now, extracted as `make messages` does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(pot),
            "portal",
            "partners",
            "orders",
            "performance",
            "training",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {
            message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id
        }


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_extraction_finds_the_strings(extracted):
    assert "Log in" in extracted and len(extracted) > 100


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_every_string_is_translated(extracted, locale):
    catalog = _catalog(locale)
    translated = {
        (message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
        and message.string
        and all(message.string if isinstance(message.string, tuple) else [message.string])
        and not message.fuzzy
    }
    missing = sorted(extracted - translated)
    assert not missing, f"untranslated in {locale} (run `make messages`, then translate): {missing[:20]}"


def test_chinese_catalog_really_is_chinese():
    catalog = _catalog("zh_Hans_CN")
    assert catalog.get("Log in").string != "Log in"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in catalog.get("Partners").string)


@pytest.mark.parametrize(
    "header, lang", [("zh-CN,zh;q=0.9", "zh-CN"), ("zh-TW", "zh-CN"), ("en-US,en;q=0.8", "en"), ("de-DE", "default")]
)
def test_language_follows_accept_language(app, client, header, lang):
    if lang == "default":  # neither language accepted: the configured default
        lang = "zh-CN" if app.config["BABEL_DEFAULT_LOCALE"].startswith("zh") else "en"
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page


def test_the_switcher_overrides_the_browser_and_is_kept_on_the_account(client, login, db, every_partner):
    response = client.post("/language", data={"language": "en", "next": "/login"}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    user = make_user(role=Role.ADMIN, locale=None)
    login(user)
    client.post("/language", data={"language": "zh_Hans_CN", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "zh_Hans_CN"


def test_the_switcher_refuses_unknown_languages_and_foreign_targets(client, db):
    response = client.post("/language", data={"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


ZH = {"Accept-Language": "zh-CN"}


def test_chinese_pages_say_mail_states_and_the_default_rules_in_chinese(client, login, db, every_partner):
    from portal.mail import MailStatus, OutboxMessage

    admin = make_user(role=Role.ADMIN, locale=None)
    db.session.add(OutboxMessage(recipient=admin.email, subject="Subject", body="Body", status=MailStatus.STORED))
    db.session.commit()
    login(admin)
    outbox = client.get("/admin/outbox", headers=ZH).get_data(as_text=True)
    assert "仅存于发件箱" in outbox and ">stored<" not in outbox
    rules = client.get("/performance/rules", headers=ZH).get_data(as_text=True)
    assert "渠道默认规则" in rules and "defaults" not in rules


def test_a_course_is_due_and_published_in_words_of_its_own(client, login, db, every_partner):
    """ "Due" for a course once read 待报 (reporting), and "Published" 发布时间 (a date)."""
    from tests.builders import make_course, make_partner

    course = make_course(types=("distributor",))
    login(make_user(make_partner(), role=Role.PARTNER_USER, locale=None))
    courses = client.get("/training/", headers=ZH).get_data(as_text=True)
    assert "待完成" in courses and "待报" not in courses
    login(make_user(role=Role.ADMIN, locale=None))
    assert "已发布" in client.get("/training/", headers=ZH).get_data(as_text=True)
    question = client.get(f"/training/admin/courses/{course.id}/questions/new", headers=ZH).get_data(as_text=True)
    assert "Right answer" not in question and "例如" in question


def test_several_choices_are_checkboxes_not_a_ctrl_click_list(client, db):
    from tests.builders import make_product_line

    make_product_line("PWR")
    page = client.get("/partners/apply").get_data(as_text=True)
    assert "<select multiple" not in page and 'type="checkbox" name="product_lines"' in page and "Ctrl" not in page


def test_the_pdf_scorecard_defines_its_figures_instead_of_citing_a_file(client, login, db, every_partner):
    import io

    from pypdf import PdfReader

    from tests.builders import make_partner

    partner = make_partner()
    login(make_user(partner, role=Role.PARTNER_ADMIN, locale="zh_Hans_CN"))
    pdf = client.get(f"/performance/partners/{partner.id}/scorecard.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "docs/kpis.md" not in text and "目标达成率" in text and "无数据" in text


def test_an_unexpected_error_is_said_in_the_readers_language(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    from partners import regions

    monkeypatch.setattr(regions, "fill_region_choices", lambda form: 1 / 0)
    page = client.get("/partners/regions/picker", headers=ZH).get_data(as_text=True)
    assert "Internal Server Error" not in page and "出错" in page


def test_no_catalog_entry_is_only_placeholders_and_punctuation():  # "%(hours)s h" has a word: h
    """An entry such as "%(region)s: %(figure)s" has nothing to translate, and the browser crawl's language check
    (which reads the catalog's English entries as patterns) then finds it in every "X: Y" of a Chinese page."""
    import re

    from babel.messages.pofile import read_po

    from tests.browser.crawl import CATALOG

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans_CN")
    bare = []
    for message in catalog:
        for message_id in message.id if isinstance(message.id, tuple) else (message.id,):
            words = re.sub(r"%\(\w+\)[sd]|%[sd]|\{\w+\}", "", message_id or "")
            if message_id and "%" in message_id and not re.search(r"[A-Za-z]", words):
                bare.append(message_id)
    assert bare == []
