"""Training rules without HTTP: sanitized lessons, server-side scoring, attempt limits, tampering, certificates,
expiry and reminders, authoring, and the demo's history."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from partners.models import OnboardingStep, PartnerTier
from partners.onboarding import checklist
from portal.database import utcnow
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, RuleViolation
from tests.builders import make_course, make_user
from tests.training.conftest import answers_for
from training import authoring, services


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
    results = services.submit_attempt(attempt, user=world["learner"], answers=answers_for(attempt, right=True))
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
        results = services.submit_attempt(attempt, user=learner, answers=answers_for(attempt, right=False))
        assert not attempt.passed and not any(r.is_right for r in results)
    with pytest.raises(RuleViolation, match="attempts are used"):
        services.start_attempt(learner, course)


def test_a_second_submit_is_refused(world):
    attempt = services.start_attempt(world["learner"], world["course"])
    services.submit_attempt(attempt, user=world["learner"], answers=answers_for(attempt, right=False))
    with pytest.raises(RuleViolation, match="submitted already"):
        services.submit_attempt(attempt, user=world["learner"], answers=answers_for(attempt, right=True))


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


def test_who_may_take_a_quiz_is_what_starting_an_attempt_enforces(world):
    course, learner, admin = make_course(), world["learner"], world["admin"]
    assert services.may_take_quiz(learner, course) and not services.may_take_quiz(admin, course)
    with pytest.raises(PermissionDenied):
        services.start_attempt(admin, course)
    progress = services.course_progress(learner, course)
    assert (progress.lessons_read, list(progress.attempts), progress.certificate) == (set(), [], None)
    attempt = services.start_attempt(learner, course)
    services.mark_lesson_done(learner, course.lessons[0])
    progress = services.course_progress(learner, course)
    assert progress.lessons_read == {course.lessons[0].id} and list(progress.attempts) == [attempt]
    course.questions = []
    assert not services.may_take_quiz(learner, course)


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
