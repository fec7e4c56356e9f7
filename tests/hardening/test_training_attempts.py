"""The quiz's attempt limit holds in the database: attempts are numbered per learner and course, one number each,
so parallel starts get one attempt, and an attempt beyond the limit (as a race once left them) never certifies."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select, text

from portal import create_app, tenancy
from portal.extensions import db
from portal.security import RuleViolation
from tests.builders import make_course, make_partner, make_user
from tests.conftest import session_of
from training import services
from training.models import Certificate, QuizAttempt

PARALLEL = 5
CATCH_UP_SECONDS = 2  # how long the first insert waits for the other requests to reach theirs


def _answers(attempt: QuizAttempt, *, right: bool) -> dict[int, list[int]]:
    """Every question's right options, or one wrong option of each."""
    answers = {}
    for question in attempt.course.questions:
        chosen = [option.id for option in question.options if option.is_correct is right]
        answers[question.id] = chosen if right else chosen[:1]
    return answers


@pytest.fixture()
def learner(db, every_partner):
    partner = make_partner()
    return make_user(partner)


def test_attempts_are_numbered_and_a_fourth_is_refused(learner):
    course = make_course(max_attempts=3)
    for _ in range(3):
        attempt = services.start_attempt(learner, course)
        services.submit_attempt(attempt, user=learner, answers=_answers(attempt, right=False))
    with pytest.raises(RuleViolation, match="All 3 attempts are used"):
        services.start_attempt(learner, course)
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.course_id == course.id)).all()
    assert sorted(attempt.number for attempt in attempts) == [1, 2, 3]


def test_an_attempt_beyond_the_limit_cannot_issue_a_certificate(learner):
    """An open attempt numbered above the limit (a race before attempts were numbered left such; so does a
    limit lowered since) is refused at the submit: no score, no certificate."""
    course = make_course(max_attempts=5)
    for _ in range(3):
        attempt = services.start_attempt(learner, course)
        services.submit_attempt(attempt, user=learner, answers=_answers(attempt, right=False))
    fourth = services.start_attempt(learner, course)
    course.max_attempts = 3
    db.session.flush()

    with pytest.raises(RuleViolation, match="All 3 attempts are used"):
        services.submit_attempt(fourth, user=learner, answers=_answers(fourth, right=True))
    assert fourth.submitted_at is None and fourth.passed is None
    assert db.session.scalars(select(Certificate).where(Certificate.user_id == learner.id)).all() == []
    with pytest.raises(RuleViolation, match="All 3 attempts are used"):  # nor is it handed out again
        services.start_attempt(learner, course)


def test_the_migration_numbers_the_attempts_already_there_in_the_order_they_began(tmp_path):
    """An installation where a race left five attempts of one learner at a 3-attempt course upgrades with them
    numbered 1 to 5 (ids rise with time), each learner and course counted apart, and one number each."""
    from flask_migrate import upgrade
    from sqlalchemy.exc import IntegrityError

    from portal.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'upgrade.db'}"

    app = create_app(Config)
    now = "2026-01-01 00:00:00"
    with app.app_context():
        upgrade(revision="8d2f4b6c1e93")  # the revision before attempts were numbered
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO regions (id, code, level, name_en, name_zh, path) VALUES (1, 'CN', 'country', 'China', "
                "'中国', '/CN/')",
                "INSERT INTO partners (id, code, legal_name, name_key, partner_type, tier, status, region_id, "
                f"created_at, updated_at, version_id) VALUES (1, 'P-1', 'P', 'p', 'agent', 'registered', 'active', 1, "
                f"'{now}', '{now}', 1)",
                *(
                    "INSERT INTO users (id, email, name, role, partner_id, is_active, session_token, version_id, "
                    f"created_at, updated_at) VALUES ({n}, 'u{n}@example.com', 'U', 'partner_user', 1, 1, 't{n}', 1, "
                    f"'{now}', '{now}')"
                    for n in (1, 2)
                ),
                *(
                    "INSERT INTO courses (id, title_en, title_zh, summary_en, summary_zh, estimated_minutes, "
                    "required_types, required_tiers, validity_months, pass_mark, max_attempts, is_published, "
                    f"created_at, updated_at) VALUES ({n}, 'C', 'C', '', '', 30, '[]', '[]', 24, 80, 3, 1, '{now}', "
                    f"'{now}')"
                    for n in (1, 2)
                ),
            ):
                connection.execute(text(statement))
            # (id, user, course): learner 1 began five attempts at course 1, between others' attempts
            for attempt_id, user_id, course_id in [
                (1, 1, 1),
                (2, 1, 1),
                (3, 2, 1),
                (4, 1, 1),
                (5, 1, 2),
                (6, 1, 1),
                (7, 1, 1),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO quiz_attempts (id, user_id, course_id, partner_id, started_at, layout) "
                        f"VALUES (:id, :user_id, :course_id, 1, '{now}', '[]')"
                    ),
                    {"id": attempt_id, "user_id": user_id, "course_id": course_id},
                )
        upgrade()
        with db.engine.connect() as connection:
            numbers = connection.execute(text("SELECT id, number FROM quiz_attempts ORDER BY id")).all()
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO quiz_attempts (user_id, course_id, partner_id, number, started_at, layout) "
                    f"VALUES (1, 1, 1, 5, '{now}', '[]')"
                )
            )
        db.session.remove()
        db.engine.dispose()
    assert numbers == [(1, 1), (2, 2), (3, 1), (4, 3), (5, 1), (6, 4), (7, 5)]


# Real parallel requests ------------------------------------------------------------------------------------


def _held_inserts(app):
    """Holds each request's INSERT of an attempt until all of them have read the attempts so far, so that they
    race for real. A database that lets one writer in at a time (SQLite's BEGIN IMMEDIATE) has no race:
    the first insert waits CATCH_UP_SECONDS for the others, then all go on."""
    arrived = threading.Barrier(PARALLEL, timeout=CATCH_UP_SECONDS)

    def hold(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO QUIZ_ATTEMPTS"):
            try:
                arrived.wait()
            except threading.BrokenBarrierError:
                pass

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    return lambda: event.remove(engine, "before_cursor_execute", hold)


@pytest.mark.parametrize("used", [0, 2], ids=["first attempt", "last attempt"])
def test_parallel_starts_of_a_quiz_give_one_attempt_and_every_request_an_answer(committed, used):
    """Five parallel POSTs to start the quiz by a learner with `used` of 3 attempts used: one new attempt is
    made, and every request is sent to it (none answers 500); the learner can take it and no more."""
    with committed.app_context(), tenancy.every_partner(reason="test data, committed for the requests to see"):
        learner = make_user(make_partner())
        course = make_course(max_attempts=3)
        for _ in range(used):
            attempt = services.start_attempt(learner, course)
            services.submit_attempt(attempt, user=learner, answers=_answers(attempt, right=False))
        cookie = session_of(learner)
        db.session.commit()
        learner_id, course_id = learner.id, course.id
        db.session.remove()
    clients = []
    for _ in range(PARALLEL):
        client = committed.test_client()
        with client.session_transaction() as session:
            session.update(cookie)
        clients.append(client)
    answers: dict[int, tuple[int, str, str]] = {}
    start = threading.Barrier(PARALLEL)

    def start_the_quiz(index: int) -> None:
        start.wait()
        response = clients[index].post(f"/training/courses/{course_id}/attempts")
        answers[index] = (response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True))

    release = _held_inserts(committed)
    try:
        threads = [threading.Thread(target=start_the_quiz, args=(index,)) for index in range(PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        release()

    with committed.app_context(), tenancy.every_partner(reason="checking what was written"):
        new = db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == learner_id,
                QuizAttempt.course_id == course_id,
                QuizAttempt.submitted_at.is_(None),
            )
        ).all()
        assert len(new) == 1, f"{len(new)} attempts were started"
        assert new[0].number == used + 1
        attempt_url = f"/training/attempts/{new[0].id}"
        db.session.remove()
    assert {index: (status, location) for index, (status, location, _page) in answers.items()} == dict.fromkeys(
        range(PARALLEL), (303, attempt_url)
    ), {index: page[:500] for index, (status, _location, page) in answers.items() if status != 303}

    client = clients[0]
    assert client.get(attempt_url).status_code == 200
    with committed.app_context(), tenancy.every_partner(reason="the learner's answers"):
        attempt = db.session.get(QuizAttempt, new[0].id)
        wrong = {f"q{question_id}": values for question_id, values in _answers(attempt, right=False).items()}
        db.session.remove()
    assert client.post(attempt_url, data=wrong).status_code == 303
    again = client.post(f"/training/courses/{course_id}/attempts")
    assert again.status_code == 303
    if used + 1 < 3:
        assert again.headers["Location"] != attempt_url
    else:
        assert again.headers["Location"] == f"/training/courses/{course_id}"
        assert "All 3 attempts are used." in client.get(again.headers["Location"]).get_data(as_text=True)
