"""Surveys without HTTP: building one, whom sending asks, the personal links and their misuse, answers checked and
kept once, the satisfaction question after a resolved case, and a customer's personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from orders.customers import erase_personal_data, personal_data
from portal.database import utcnow
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, Role, RuleViolation
from service import cases, surveys
from service.models import (
    CaseStatus,
    QuestionKind,
    SurveyAnswer,
    SurveyAudience,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
)
from tests.builders import (
    ANSWERS,
    answer_survey,
    make_case,
    make_customer,
    make_invitation,
    make_partner,
    make_product_line,
    make_survey,
    make_user,
)


@pytest.fixture()
def world(db, every_partner):
    gold = make_partner(region="CN-GD")
    gold.tier = gold.tier.GOLD
    silver = make_partner(region="CN-GX")
    silver.tier = silver.tier.SILVER
    return {
        "admin": make_user(role=Role.ADMIN),
        "gold": gold,
        "silver": silver,
        "gold_user": make_user(gold, role=Role.PARTNER_USER, locale="en"),
        "gold_admin": make_user(gold, role=Role.PARTNER_ADMIN, locale="zh_Hans_CN"),
        "silver_user": make_user(silver, role=Role.PARTNER_USER),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
    }


def _values(survey, **overrides):
    values = {f"q{q.id}": ANSWERS[q.kind.value] for q in survey.questions}
    return values | {f"q{q.id}": overrides[q.kind.value] for q in survey.questions if q.kind.value in overrides}


def _mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)))


def test_only_an_admin_builds_a_survey_and_only_while_it_is_a_draft(world):
    with pytest.raises(PermissionDenied):
        make_survey(world["manager"])
    survey = make_survey(world["admin"], kinds=("single",))
    assert [(o["en"], o["zh"]) for o in survey.questions[0].choices] == [
        ("Price", "价格"),
        ("Service", "服务"),
        ("Quality", "质量"),
    ]
    with pytest.raises(RuleViolation) as refused:
        surveys.add_question(
            survey,
            surveys.QuestionFields(kind=QuestionKind.MULTIPLE, text_en="Which?", text_zh="哪个？", choices="Only one"),
            actor=world["admin"],
        )
    assert refused.value.field == "choices"
    with pytest.raises(RuleViolation) as refused:
        surveys.add_question(
            survey, surveys.QuestionFields(kind=QuestionKind.NPS, text_en="  ", text_zh="推荐？"), actor=world["admin"]
        )
    assert refused.value.field == "text_en"
    surveys.send_survey(survey, actor=world["admin"])
    with pytest.raises(RuleViolation):  # answers already given would not compare
        surveys.add_question(
            survey,
            surveys.QuestionFields(kind=QuestionKind.NPS, text_en="Again?", text_zh="再来？"),
            actor=world["admin"],
        )
    with pytest.raises(RuleViolation):  # a second click on "send"
        surveys.send_survey(survey, actor=world["admin"])


def test_sending_asks_the_active_users_of_the_partners_the_filters_choose_in_their_language(world):
    world["silver_user"].is_active = False
    line = make_product_line()
    world["gold"].product_lines.append(line)
    survey = make_survey(world["admin"], tiers=["gold", "silver"], product_line_ids=[line.id])
    assert surveys.audience_size(survey) == 2
    assert surveys.send_survey(survey, actor=world["admin"]) == 2
    invited = db.session.scalars(select(SurveyInvitation.user_id).order_by(SurveyInvitation.user_id)).all()
    assert invited == sorted([world["gold_user"].id, world["gold_admin"].id])
    assert survey.status is SurveyStatus.OPEN
    (english,) = _mails_to(world["gold_user"].email)
    (chinese,) = _mails_to(world["gold_admin"].email)
    assert "How are we doing?" in english.subject and "我们做得如何？" in chinese.subject
    assert f"/service/surveys/{survey.id}/answer/" in english.body

    by_region = make_survey(world["admin"], region_ids=[world["silver"].region_id])
    assert surveys.audience_size(by_region) == 0  # its one user is inactive
    by_type = make_survey(world["admin"], partner_types=["agent"])
    assert surveys.audience_size(by_type) == 0


def test_end_customers_are_mailed_only_with_an_email_and_their_consent(world):
    asked = make_customer(world["gold"], code="C-1")
    asked.email, asked.survey_consent = "buyer@example.com", True
    no_consent = make_customer(world["gold"], code="C-2")
    no_consent.email = "other@example.com"
    survey = make_survey(world["admin"], audience=SurveyAudience.END_CUSTOMERS)
    assert surveys.send_survey(survey, actor=world["admin"]) == 1
    assert db.session.scalars(select(SurveyInvitation.customer_id)).all() == [asked.id]
    assert len(_mails_to("buyer@example.com")) == 1 and not _mails_to("other@example.com")


def test_a_partner_hands_out_a_link_to_its_own_customer_only(world):
    survey = make_survey(world["admin"], audience=SurveyAudience.END_CUSTOMERS, tiers=["gold"])
    surveys.send_survey(survey, actor=world["admin"])
    mine = make_customer(world["gold"], code="C-9")
    theirs = make_customer(world["silver"], code="C-9")
    link = surveys.hand_out_link(survey, mine.code, actor=world["gold_user"])
    assert f"/service/surveys/{survey.id}/answer/" in link
    assert db.session.scalars(select(SurveyInvitation.customer_id)).all() == [mine.id]  # not the other C-9
    with pytest.raises(RuleViolation) as refused:
        surveys.hand_out_link(survey, "C-404", actor=world["gold_user"])
    assert refused.value.field == "customer_code"
    with pytest.raises(PermissionDenied):  # the survey did not choose silver partners
        surveys.hand_out_link(survey, theirs.code, actor=world["silver_user"])
    assert not surveys.may_hand_out_links(world["manager"], survey)


def test_a_link_answers_once_and_refuses_tampering_another_survey_expiry_and_closing(world):
    survey = make_survey(world["admin"])
    other = make_survey(world["admin"])
    invitation = make_invitation(survey, world["gold_user"])
    token = surveys.token_for(invitation)
    assert surveys.invitation_for(survey.id, token) is invitation
    for bad_token, status in ((token[:-2] + "xx", 404), ("", 404), (token + ".", 404)):
        with pytest.raises(surveys.TokenRefused) as refused:
            surveys.invitation_for(survey.id, bad_token)
        assert refused.value.status == status
    with pytest.raises(surveys.TokenRefused) as refused:
        surveys.invitation_for(other.id, token)
    assert "another survey" in str(refused.value.message)
    with pytest.raises(surveys.TokenRefused) as refused:
        surveys.invitation_for(survey.id, token, now=invitation.expires_at + timedelta(seconds=1))
    assert refused.value.status == 410

    answer_survey(invitation, _values(survey))
    with pytest.raises(surveys.TokenRefused) as refused:
        surveys.invitation_for(survey.id, token)
    assert refused.value.status == 409
    with pytest.raises(surveys.TokenRefused):  # a second submit that got past the first check
        answer_survey(invitation, _values(survey))
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1

    later = make_invitation(survey, world["gold_admin"])
    surveys.close_survey(survey, actor=world["admin"])
    with pytest.raises(surveys.TokenRefused) as refused:
        surveys.invitation_for(survey.id, surveys.token_for(later))
    assert refused.value.status == 410 and "closed" in str(refused.value.message)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("nps", "11"),
        ("nps", "-1"),
        ("nps", "nine"),
        ("nps", ""),
        ("csat", "0"),
        ("single", "7"),
        ("single", ["0", "1"]),
    ],
)
def test_a_wrong_or_missing_answer_names_its_question_and_keeps_nothing(world, kind, value):
    survey = make_survey(world["admin"], kinds=("nps", "csat", "single"))
    invitation = make_invitation(survey, world["gold_user"])
    with pytest.raises(RuleViolation) as refused:
        answer_survey(invitation, _values(survey, **{kind: value}))
    question = next(q for q in survey.questions if q.kind.value == kind)
    assert refused.value.field == f"q{question.id}"
    assert invitation.answered_at is None and db.session.scalar(select(func.count(SurveyAnswer.id))) == 0


def test_answers_keep_the_first_scores_on_the_response_and_free_text_without_control_characters(world):
    survey = make_survey(world["admin"], kinds=("nps", "csat", "multiple", "text"))
    invitation = make_invitation(survey, world["gold_user"])
    response = answer_survey(invitation, _values(survey, text="  Faster\x00 deliveries\r\n please  "))
    assert (response.nps, response.csat, response.partner_id) == (9, 4, world["gold"].id)
    by_kind = {a.question.kind.value: a for a in response.answers}
    assert by_kind["multiple"].choices == [0, 2]
    assert by_kind["text"].text == "Faster deliveries\n please"
    optional = make_invitation(survey, world["gold_admin"])
    assert len(answer_survey(optional, _values(survey, text="")).answers) == 3  # the text was optional
    too_long = make_invitation(survey, world["silver_user"])
    with pytest.raises(RuleViolation):
        answer_survey(too_long, _values(survey, text="x" * (surveys.TEXT_ANSWER_MAX + 1)))


def test_a_resolved_case_asks_its_requester_one_satisfaction_question(world):
    case = make_case(world["gold_user"])
    cases.change_status(case, CaseStatus.IN_PROGRESS, actor=world["manager"])
    cases.change_status(case, CaseStatus.RESOLVED, actor=world["manager"])
    (invitation,) = db.session.scalars(select(SurveyInvitation)).all()
    survey = invitation.survey
    assert survey.audience is SurveyAudience.CASE_REQUESTERS and invitation.case_id == case.id
    assert [q.kind for q in survey.questions] == [QuestionKind.CSAT]
    mail = [m for m in _mails_to(world["gold_user"].email) if "/answer/" in m.body]
    assert len(mail) == 1 and case.reference in mail[0].body
    response = answer_survey(invitation, {f"q{survey.questions[0].id}": "5"})
    assert response.csat == 5

    surveys.close_survey(survey, actor=world["admin"])  # the admins stop asking
    cases.reopen_case(case, "Still broken.", actor=world["gold_user"])
    cases.change_status(case, CaseStatus.RESOLVED, actor=world["manager"])
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 1


def test_a_customers_export_holds_its_survey_answers_and_erasure_blanks_the_address_and_words(world):
    customer = make_customer(world["gold"])
    customer.email, customer.survey_consent = "buyer@example.com", True
    survey = make_survey(world["admin"], audience=SurveyAudience.END_CUSTOMERS)
    surveys.send_survey(survey, actor=world["admin"])
    invitation = db.session.scalars(select(SurveyInvitation)).one()
    answer_survey(invitation, _values(survey, text="王经理说交货太慢"))
    exported = personal_data(customer)["survey_invitations"]
    assert exported[0]["email"] == "buyer@example.com"
    assert "王经理说交货太慢" in [a["text"] for a in exported[0]["answers"]]

    erase_personal_data(customer, actor=world["gold_admin"], reason="Request of 2026-11-30")
    db.session.expire_all()
    assert invitation.email is None and customer.survey_consent is False
    texts = db.session.scalars(select(SurveyAnswer.text).where(SurveyAnswer.text.is_not(None))).all()
    assert texts == []
    assert db.session.scalar(select(SurveyResponse.nps)) == 9  # the scores stay counted


def test_a_partners_user_sees_only_their_own_waiting_links(world, as_user):
    survey = make_survey(world["admin"])
    surveys.send_survey(survey, actor=world["admin"])
    mine = db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == world["gold_user"].id)).one()
    as_user(world["gold_user"])
    assert surveys.my_invitations(world["gold_user"]) == [mine]
    answer_survey(mine, _values(survey), now=utcnow())
    assert surveys.my_invitations(world["gold_user"]) == []


def test_a_customer_gets_one_waiting_link_and_an_erased_one_none(world):
    survey = make_survey(world["admin"], audience=SurveyAudience.END_CUSTOMERS, tiers=["gold"])
    surveys.send_survey(survey, actor=world["admin"])
    customer = make_customer(world["gold"], code="C-7")
    first = surveys.hand_out_link(survey, "C-7", actor=world["gold_user"])
    assert surveys.hand_out_link(survey, "C-7", actor=world["gold_admin"]) == first  # a double click, a colleague
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 1
    erase_personal_data(customer, actor=world["gold_admin"], reason="Request of 2026-11-30")
    with pytest.raises(RuleViolation) as refused:
        surveys.hand_out_link(survey, "C-7", actor=world["gold_user"])
    assert refused.value.field == "customer_code"
    with pytest.raises(surveys.TokenRefused) as ended:  # the link handed out before the erasure is answered no more
        surveys.invitation_for(survey.id, first.rsplit("/", 1)[1])
    assert ended.value.status == 410


def test_a_survey_is_sent_once_even_from_a_stale_page(world):
    survey = make_survey(world["admin"])
    assert surveys.send_survey(survey, actor=world["admin"]) == 3
    set_committed_value(survey, "status", SurveyStatus.DRAFT)  # what a request loaded before the first sent sees
    with pytest.raises(RuleViolation):
        surveys.send_survey(survey, actor=world["admin"])
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 3


def test_editing_a_draft_changes_whom_it_asks_and_the_log_says_so(world):
    from portal.audit import AuditEntry

    survey = make_survey(world["admin"])
    fields = surveys.SurveyFields(
        title_en="How was your purchase?", title_zh="您满意吗？", audience=SurveyAudience.END_CUSTOMERS, valid_days=30
    )
    surveys.update_survey(survey, fields, actor=world["admin"])
    assert survey.audience is SurveyAudience.END_CUSTOMERS
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "surveys").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.changes["audience"] == ["partner_users", "end_customers"]


def test_the_nps_is_the_first_nps_question_even_when_it_is_skipped(world):
    survey = make_survey(world["admin"], kinds=())
    for required in (False, True):
        surveys.add_question(
            survey,
            surveys.QuestionFields(kind=QuestionKind.NPS, text_en="Recommend?", text_zh="推荐？", required=required),
            actor=world["admin"],
        )
    first, second = survey.questions
    response = answer_survey(make_invitation(survey, world["gold_user"]), {f"q{first.id}": "", f"q{second.id}": "10"})
    assert response.nps is None


def test_consent_to_be_surveyed_needs_an_email(world):
    from orders.customers import update_customer

    customer = make_customer(world["gold"])
    with pytest.raises(RuleViolation) as refused:
        update_customer(customer, {"survey_consent": True}, actor=world["gold_admin"])
    assert refused.value.field == "survey_consent" and customer.survey_consent is False
    update_customer(customer, {"email": "buyer@example.com", "survey_consent": True}, actor=world["gold_admin"])
    assert customer.survey_consent is True
