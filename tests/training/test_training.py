"""Training: sanitized lessons, server-side scoring, attempt limits, tampering, certificates, expiry, PDFs."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from partners.models import OnboardingStep, PartnerTier, PartnerType
from partners.onboarding import checklist
from portal.database import utcnow
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import make_course, make_partner, make_user
from training import authoring, services


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(partner_type=PartnerType.DISTRIBUTOR)
    return {
        "partner": partner,
        "learner": make_user(partner, name="张伟"),
        "colleague": make_user(partner),
        "course": make_course(),
        "admin": make_user(role=Role.ADMIN),
    }


def _answers(attempt, *, right: bool):
    course = attempt.course
    single, multiple = course.questions
    pick = (
        (lambda q: [o.id for o in q.options if o.is_correct])
        if right
        else (lambda q: [o.id for o in q.options if not o.is_correct][:1])
    )
    return {single.id: pick(single), multiple.id: pick(multiple)}


@pytest.mark.parametrize(
    "markdown, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", "href="),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("![x](javascript:alert(1))", 'src="javascript'),
        ('<a href="javascript:alert(1)">x</a>', "<a "),
    ],
)
def test_lessons_can_never_inject_script(markdown, forbidden):
    """Raw HTML is shown as text and script links are dropped: nothing in the lesson can run."""
    html = str(services.render_lesson(markdown))
    assert forbidden not in html


def test_lessons_keep_their_formatting():
    html = str(services.render_lesson("## Title\n\n**bold** [site](https://example.com)\n\n| a |\n|---|\n| b |"))
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html and 'href="https://example.com"' in html
    assert "<table>" in html


def test_required_by_type_and_tier(world):
    course = world["course"]
    assert services.is_required(course, world["partner"])
    course.required_tiers = ["gold"]
    assert not services.is_required(course, world["partner"])
    world["partner"].tier = PartnerTier.GOLD
    assert services.is_required(course, world["partner"])


def test_questions_and_options_are_shuffled_per_attempt(world):
    course = world["course"]
    first = services.start_attempt(world["learner"], course, rng=random.Random(1))
    assert sorted(q for q, _o in first.layout) == sorted(q.id for q in course.questions)
    layouts = {
        str(services.start_attempt(u, course, rng=random.Random(seed)).layout)
        for seed, u in enumerate([make_user(world["partner"]) for _ in range(6)])
    }
    assert len(layouts) > 1


def test_passing_issues_a_certificate_and_ticks_the_checklist(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    results = services.submit_attempt(attempt, user=world["learner"], answers=_answers(attempt, right=True))
    assert attempt.score == 100 and attempt.passed and all(r.is_right for r in results)
    certificate = services.current_certificate(world["learner"].id, world["course"].id)
    assert certificate.expires_at.date() == services.months_later(certificate.issued_at, 12).date()
    assert {i.step: i.done for i in checklist(world["partner"])}[OnboardingStep.TRAINING]


def test_a_multiple_choice_question_needs_exactly_the_right_options(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    single, multiple = world["course"].questions
    right_single = [o.id for o in single.options if o.is_correct]
    one_of_two = [o.id for o in multiple.options if o.is_correct][:1]
    services.submit_attempt(attempt, user=world["learner"], answers={single.id: right_single, multiple.id: one_of_two})
    assert attempt.score == 50 and attempt.passed  # pass mark 50 %


def test_a_failed_attempt_shows_what_was_wrong_and_the_limit_holds(world):
    learner, course = world["learner"], world["course"]
    for _ in range(course.max_attempts):
        attempt = services.start_attempt(learner, course)
        results = services.submit_attempt(attempt, user=learner, answers=_answers(attempt, right=False))
        assert not attempt.passed and not any(r.is_right for r in results)
    with pytest.raises(RuleViolation, match="attempts are used"):
        services.start_attempt(learner, course)


def test_a_second_submit_is_refused(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    services.submit_attempt(attempt, user=world["learner"], answers=_answers(attempt, right=False))
    with pytest.raises(RuleViolation, match="submitted already"):
        services.submit_attempt(attempt, user=world["learner"], answers=_answers(attempt, right=True))


def test_answers_for_another_users_attempt_are_refused(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    with pytest.raises(PermissionDenied):
        services.submit_attempt(attempt, user=world["colleague"], answers={})


def test_options_of_another_question_are_refused(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    single, multiple = world["course"].questions
    with pytest.raises(RuleViolation, match="do not belong"):
        services.submit_attempt(attempt, user=world["learner"], answers={single.id: [multiple.options[0].id]})
    other_course = make_course()
    with pytest.raises(RuleViolation, match="do not belong"):
        services.submit_attempt(attempt, user=world["learner"], answers={other_course.questions[0].id: []})


def test_two_answers_to_a_single_choice_question_are_refused(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    single = world["course"].questions[0]
    with pytest.raises(RuleViolation):
        services.submit_attempt(attempt, user=world["learner"], answers={single.id: [o.id for o in single.options]})


def test_a_course_without_questions_cannot_be_published_or_taken(world):
    course = make_course(published=False)
    course.questions = []
    with pytest.raises(RuleViolation, match="at least one quiz question"):
        services.publish_course(course, actor=world["admin"], published=True)
    with pytest.raises(RuleViolation):
        services.start_attempt(world["learner"], course)


def test_verification_valid_expired_unknown(world):
    certificate = services.issue_certificate(world["learner"], world["course"], None)
    assert services.verify_certificate(certificate.code).state == "valid"
    old = services.issue_certificate(world["colleague"], world["course"], None, at=utcnow() - timedelta(days=400))
    assert services.verify_certificate(old.code).state == "expired"
    assert services.verify_certificate("ZZZZZZZZZZZZ").state == "unknown"
    assert services.verify_certificate("<script>").state == "unknown"


def test_an_expired_certification_is_due_again(world):
    services.issue_certificate(world["learner"], world["course"], None, at=utcnow() - timedelta(days=400))
    state = next(s for s in services.courses_for(world["learner"]) if s.course is world["course"])
    assert state.required and not state.certified and state.is_due


def test_required_completion_rate_worked_by_hand(world):
    # Two active users × one required course; one holds a valid certificate: 1 / 2.
    services.issue_certificate(world["learner"], world["course"], None)
    assert services.required_completion_rate(world["partner"]) == 0.5
    make_course(types=("agent",))  # not required of a distributor: no change
    assert services.required_completion_rate(world["partner"]) == 0.5


def test_months_later_ends_at_the_end_of_a_short_month():
    moment = datetime(2026, 1, 31, tzinfo=UTC)
    assert services.months_later(moment, 1).date().isoformat() == "2026-02-28"
    assert services.months_later(moment, 13).date().isoformat() == "2027-02-28"


def test_reminders_go_once_before_expiry(app, db, world):
    certificate = services.issue_certificate(world["learner"], world["course"], None, at=utcnow() - timedelta(days=350))
    runner = app.test_cli_runner()
    assert "1 reminder(s) sent." in runner.invoke(args=["training", "remind"]).output
    assert "0 reminder(s) sent." in runner.invoke(args=["training", "remind"]).output
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == world["learner"].email)).one()
    assert certificate.id


def test_authoring_parses_answers_and_refuses_bad_ones(world):
    assert authoring.parse_options("*Yes | 是\nNo | 否") == [("Yes", "是", True), ("No", "否", False)]
    for text in ("Only one | 一", "A | 甲\nB | 乙"):
        with pytest.raises(RuleViolation):
            authoring.parse_options(text)
    with pytest.raises(RuleViolation, match="single-choice"):
        authoring.save_question(
            world["course"],
            None,
            {"text_en": "Q", "text_zh": "问", "is_multiple": False, "options_text": "*A | 甲\n*B | 乙"},
            actor=world["admin"],
        )


def test_quiz_page_never_sends_the_right_answers_before_submit(client, login, world):
    login(world["learner"])
    response = client.post(f"/training/courses/{world['course'].id}/attempts")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "✓" not in page and "is_correct" not in page and "Submit the answers" in page


def test_the_quiz_through_the_pages_and_the_certificate_pdf(client, login, world):
    login(world["learner"])
    location = client.post(f"/training/courses/{world['course'].id}/attempts").headers["Location"]
    attempt_id = int(location.rsplit("/", 1)[1])
    single, multiple = world["course"].questions
    form = {
        f"q{single.id}": [str(o.id) for o in single.options if o.is_correct],
        f"q{multiple.id}": [str(o.id) for o in multiple.options if o.is_correct],
    }
    assert client.post(location, data=form).status_code == 303
    result = client.get(location).get_data(as_text=True)
    assert "Passed with 100%" in result
    assert (
        client.post(location, data=form, follow_redirects=True).get_data(as_text=True).count("submitted already") == 1
    )
    assert attempt_id and "Certified until" in client.get("/training/").get_data(as_text=True)


def test_after_the_last_lesson_the_learner_is_sent_to_the_quiz(client, login, world):
    """The last lesson once led back to the course page without a word about the quiz."""
    course = world["course"]
    login(world["learner"])
    first, last = course.lessons
    assert "Done, next" in client.get(f"/training/courses/{course.id}/lessons/{first.id}").get_data(as_text=True)
    assert "on to the quiz" in client.get(f"/training/courses/{course.id}/lessons/{last.id}").get_data(as_text=True)
    client.post(f"/training/courses/{course.id}/lessons/{first.id}")
    response = client.post(f"/training/courses/{course.id}/lessons/{last.id}")
    assert response.headers["Location"].endswith(f"/training/courses/{course.id}#quiz")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Take the quiz when you are ready" in page and 'id="quiz-prompt"' in page and 'id="quiz"' in page


def test_certificate_pdf_carries_name_course_and_code(client, login, db, world):
    certificate = services.issue_certificate(world["learner"], world["course"], None)
    login(world["learner"])
    response = client.get(f"/training/certificates/{certificate.id}.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "张伟" in text and world["course"].title_en in text and certificate.code in text
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Valid" in page and "张伟" in page
    assert client.get("/verify/NOPE").status_code == 404


def test_brand_sees_completion_by_partner(client, login, world):
    services.issue_certificate(world["learner"], world["course"], None)
    login(world["admin"])
    page = client.get("/training/").get_data(as_text=True)
    assert world["partner"].code in page and "50%" in page


def test_partner_admin_sees_the_teams_progress(client, login, world):
    services.issue_certificate(world["learner"], world["course"], None)
    login(make_user(world["partner"], role=Role.PARTNER_ADMIN, name="Team Lead"))
    page = client.get("/training/").get_data(as_text=True)
    assert 'id="team-progress"' in page and "张伟" in page and "☑" in page


def test_brand_sees_who_holds_which_certification(client, login, world):
    certificate = services.issue_certificate(world["learner"], world["course"], None)
    login(world["admin"])
    page = client.get("/training/").get_data(as_text=True)
    title, body = page.split("</title>")
    assert "<table" not in title  # the table once ended up in the <title>, shown as raw HTML
    body = body.split("<main", 1)[1]
    assert 'id="certificate-holders"' in body and certificate.code in body and "张伟" in body


def test_admin_authors_a_course_with_lessons_in_order_and_a_question(client, login, db, world):
    login(world["admin"])
    bad = client.post(
        "/training/admin/courses/new",
        data={
            "title_en": "",
            "title_zh": "课",
            "estimated_minutes": "0",
            "validity_months": "12",
            "pass_mark": "80",
            "max_attempts": "3",
            "product_line_id": "0",
        },
    )
    assert bad.status_code == 422 and "Fill in this field." in bad.get_data(as_text=True)
    response = client.post(
        "/training/admin/courses/new",
        data={
            "title_en": "Safety",
            "title_zh": "安全",
            "summary_en": "",
            "summary_zh": "",
            "estimated_minutes": "10",
            "required_types": ["agent"],
            "validity_months": "12",
            "pass_mark": "80",
            "max_attempts": "3",
            "product_line_id": "0",
        },
    )
    course_url = response.headers["Location"]
    course_id = int(course_url.rsplit("/", 1)[1])
    for title in ("First", "Second"):
        client.post(
            f"/training/admin/courses/{course_id}/lessons/new",
            data={"title_en": title, "title_zh": title, "body_en": "<script>x</script>", "body_zh": ""},
        )
    assert "at least one quiz question" in client.post(
        f"/training/admin/courses/{course_id}/publish", data={"published": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    client.post(
        f"/training/admin/courses/{course_id}/questions/new",
        data={"text_en": "Safe?", "text_zh": "安全？", "options_text": "*Yes | 是\nNo | 否"},
    )
    from training.models import Course

    course = db.session.get(Course, course_id)
    second = course.lessons[1]
    fragment = client.post(
        f"/training/admin/lessons/{second.id}/move", data={"direction": "up"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert fragment.index("Second") < fragment.index("First") and "<html" not in fragment
    client.post(f"/training/admin/courses/{course_id}/publish", data={"published": "1"})
    db.session.refresh(course)
    assert course.is_published and [q.text_en for q in course.questions] == ["Safe?"]


def test_the_demo_training_history_holds_together(db, every_partner):
    """The demo once showed "lessons read 0 / 2 · certified until …", and a first training before approval."""
    from orders.demo import seed_demo as seed_orders
    from partners.demo import seed_demo as seed_partners
    from partners.models import OnboardingMilestone, OnboardingStep, PartnerApplication
    from training.demo import seed_demo as seed_training
    from training.models import Certificate, LessonProgress

    seed_partners()
    seed_orders()
    seed_training()
    read = {(p.user_id, p.lesson_id) for p in db.session.scalars(select(LessonProgress))}
    approved = {a.partner_id: a.approved_at for a in db.session.scalars(select(PartnerApplication)) if a.approved_at}
    first_training = {
        m.partner_id: m.reached_at
        for m in db.session.scalars(select(OnboardingMilestone))
        if m.step is OnboardingStep.TRAINING
    }
    certificates = db.session.scalars(select(Certificate)).all()
    for certificate in certificates:
        assert all((certificate.user_id, lesson.id) in read for lesson in certificate.course.lessons)
        if certificate.partner_id in approved:
            assert certificate.issued_at >= approved[certificate.partner_id]
    for partner_id, reached in first_training.items():
        assert reached == min(c.issued_at for c in certificates if c.partner_id == partner_id)
