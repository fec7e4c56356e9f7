"""Surveys through the test client, CSRF on: built and sent by an admin, answered through a personal link without
a login, refused links, results as a page in both languages, a PDF and an export, and the partner's pages."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail import OutboxMessage
from portal.security import Role
from service import surveys
from service.models import Survey, SurveyInvitation, SurveyResponse, SurveyStatus
from tests.builders import ANSWERS, answer_survey, make_customer, make_invitation, make_partner, make_survey, make_user
from tests.hardening.conftest import submission_key_of


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(region="CN-GD")
    return {
        "admin": make_user(role=Role.ADMIN, locale="zh_Hans_CN"),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
        "clerk": make_user(partner, role=Role.PARTNER_USER, locale="en"),
        "partner": partner,
    }


def _link_path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/service/surveys/\d+/answer/\S+)", body)[1]


def test_an_admin_builds_and_sends_a_survey_and_the_form_keeps_what_was_typed(client, login, world):
    login(world["admin"])
    page = client.get("/service/surveys/new").get_data(as_text=True)
    form = {
        "submission_key": submission_key_of(page),
        "title_en": "",
        "title_zh": "季度合作伙伴调查",
        "audience": "partner_users",
        "valid_days": "400",
        "tiers": ["gold"],
    }
    refused = client.post("/service/surveys/new", data=form)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "季度合作伙伴调查" in body and "365" in body
    assert re.search(r'value="gold"\s+checked|value="gold" checked', body)
    saved = client.post(
        "/service/surveys/new", data={**form, "title_en": "Quarterly partner survey", "valid_days": "7"}
    )
    assert saved.status_code == 303
    survey = db.session.scalars(select(Survey)).one()
    assert survey.tiers == ["gold"] and survey.valid_days == 7

    page = client.get(f"/service/surveys/{survey.id}").get_data(as_text=True)
    question = {"submission_key": submission_key_of(page), "kind": "single", "text_en": "Why?", "text_zh": "为什么？"}
    refused = client.post(f"/service/surveys/{survey.id}/questions", data={**question, "choices": "Only one"})
    assert refused.status_code == 422 and "Only one" in refused.get_data(as_text=True)
    question = {**question, "kind": "nps", "text_en": "Recommend us?", "text_zh": "推荐我们吗？"}
    assert client.post(f"/service/surveys/{survey.id}/questions", data=question).status_code == 303

    world["partner"].tier = world["partner"].tier.GOLD
    db.session.commit()
    assert client.post(f"/service/surveys/{survey.id}/send").status_code == 303
    assert client.post(f"/service/surveys/{survey.id}/send").status_code == 303  # the second click sends nothing
    db.session.expire_all()
    assert survey.status is SurveyStatus.OPEN
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 1
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == world["clerk"].email)).all()
    assert len(mails) == 1 and "Quarterly partner survey" in mails[0].subject


def test_a_link_is_answered_without_a_login_once_with_errors_next_to_the_questions(client, world):
    survey = make_survey(world["admin"], kinds=("nps", "multiple", "text"))
    nps, multiple, text = survey.questions
    invitation = make_invitation(survey, world["clerk"])
    path = f"/service/surveys/{survey.id}/answer/{surveys.token_for(invitation)}"
    db.session.commit()
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How likely are you to recommend us?" in page and "Service" in page
    refused = client.post(path, data={f"q{multiple.id}": ["0", "2"], f"q{text.id}": "送货要快"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'id="q{nps.id}-error"' in body
    assert "送货要快" in body and re.search(rf'name="q{multiple.id}" value="2" checked', body)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0
    saved = client.post(path, data={f"q{nps.id}": "10", f"q{multiple.id}": ["0", "2"], f"q{text.id}": "送货要快"})
    assert saved.status_code == 200 and "Thank you" in saved.get_data(as_text=True)
    again = client.post(path, data={f"q{nps.id}": "0"})
    assert again.status_code == 409 and "answered already" in again.get_data(as_text=True)
    assert db.session.scalar(select(SurveyResponse.nps)) == 10
    assert client.get(path[:-3] + "abc").status_code == 404


def test_the_invitation_speaks_its_recipients_language_unless_the_reader_picks_another(client, world):
    survey = make_survey(world["admin"], kinds=("nps",))
    invitation = make_invitation(survey, world["clerk"])
    invitation.locale = "zh_Hans_CN"
    path = f"/service/surveys/{survey.id}/answer/{surveys.token_for(invitation)}"
    db.session.commit()
    assert "您向同行推荐我们的可能性有多大？" in client.get(path, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    client.post("/language", data={"language": "en", "next": path})
    assert "How likely are you to recommend us?" in client.get(path).get_data(as_text=True)


def test_resolving_a_case_mails_a_link_that_the_requester_answers(client, login, world):
    login(world["clerk"])
    page = client.get("/service/cases/new").get_data(as_text=True)
    client.post(
        "/service/cases/new",
        data={
            "submission_key": submission_key_of(page),
            "category": "delivery",
            "priority": "normal",
            "subject": "Late delivery",
            "description": "Order 42 is a week late.",
        },
    )
    case_id = db.session.scalar(select(func.max(SurveyInvitation.id)))  # none yet
    assert case_id is None
    login(world["manager"])
    from service.models import SupportCase

    case = db.session.scalars(select(SupportCase)).one()
    for status in ("in_progress", "resolved"):
        assert client.post(f"/service/cases/{case.id}/status", data={"status": status}).status_code == 303
    mail = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient == world["clerk"].email, OutboxMessage.body.contains("/answer/")
        )
    ).one()
    client.get("/auth/logout")
    path = _link_path(mail.body)
    question = db.session.scalars(select(SurveyInvitation)).one().survey.questions[0]
    assert client.post(path, data={f"q{question.id}": "4"}).status_code == 200
    assert db.session.scalar(select(SurveyResponse.csat)) == 4


@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Response rate", "NPS"]), ("zh_Hans_CN", ["回复率", "净推荐值"])]
)
def test_results_page_pdf_and_exports(client, login, world, language, words):
    survey = make_survey(world["admin"])
    for score in ("10", "3"):
        invitation = make_invitation(survey, make_user(world["partner"]))
        answer_survey(
            invitation,
            {f"q{q.id}": ANSWERS[q.kind.value] for q in survey.questions} | {f"q{survey.questions[0].id}": score},
        )
    db.session.commit()
    world["manager"].locale = language
    db.session.commit()
    login(world["manager"])
    page = client.get(f"/service/surveys/{survey.id}/results?by=tier")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and all(word in body for word in words) and "<svg" in body
    pdf = client.get(f"/service/surveys/{survey.id}/results.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert pdf.mimetype == "application/pdf" and words[1] in text and "0.0" in text  # one promoter, one detractor
    export = client.get(f"/service/surveys/{survey.id}/texts?format=csv").get_data(as_text=True)
    assert export.count("Faster deliveries, please.") == 2
    workbook = client.get(f"/service/surveys/{survey.id}/texts?format=xlsx")  # its times hold no zone
    rows = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    assert workbook.status_code == 200 and len(rows) == 3 and rows[1][0].tzinfo is None
    breakdown = client.get(f"/service/surveys/{survey.id}/results?by=partner&format=csv").get_data(as_text=True)
    assert world["partner"].code in breakdown


def test_partners_see_their_waiting_links_make_customer_links_and_never_the_results(client, login, world):
    survey = make_survey(world["admin"], audience=None)
    invitation = make_invitation(survey, world["clerk"])
    from service.models import SurveyAudience

    for_customers = make_survey(world["admin"], audience=SurveyAudience.END_CUSTOMERS)
    for_customers.status = SurveyStatus.OPEN
    customer = make_customer(world["partner"], code="C-5")
    db.session.commit()
    login(world["clerk"])
    page = client.get("/service/surveys").get_data(as_text=True)
    assert surveys.token_for(invitation) in page and f"/service/surveys/{for_customers.id}/link" in page
    assert client.get(f"/service/surveys/{for_customers.id}/link").status_code == 200
    wrong = client.post(f"/service/surveys/{for_customers.id}/link", data={"customer_code": "C-404"})
    assert wrong.status_code == 422 and "No customer of yours has this code" in wrong.get_data(as_text=True)
    made = client.post(f"/service/surveys/{for_customers.id}/link", data={"customer_code": customer.code})
    assert made.status_code == 200 and f"/service/surveys/{for_customers.id}/answer/" in made.get_data(as_text=True)
    assert db.session.scalars(
        select(SurveyInvitation.customer_id).where(SurveyInvitation.customer_id.is_not(None))
    ).all() == [customer.id]
    for path in (
        f"/service/surveys/{survey.id}",
        f"/service/surveys/{survey.id}/results",
        f"/service/surveys/{survey.id}/texts",
    ):
        assert client.get(path).status_code == 403
