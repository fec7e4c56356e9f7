"""Course authoring for admins: courses, lessons in order, quiz questions with their answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.auth.models import User
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation
from training.models import Course, Lesson, Question, QuestionOption


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()


def save_course(course: Course | None, values: dict, *, actor: User) -> Course:
    """Create or change a course; learners' progress and certificates stay. Audited. The caller commits."""
    _require_admin(actor)
    with audit.tracking(course, Course.AUDITED, actor=actor) as tracked:
        if course is None:
            course = tracked.row = Course()
            db.session.add(course)
        for name in Course.EDITABLE:
            value = values[name]
            setattr(course, name, value.strip() if isinstance(value, str) else value)
        course.product_line_id = values.get("product_line_id") or None
    return course


def save_lesson(course: Course, lesson: Lesson | None, values: dict, *, actor: User) -> Lesson:
    _require_admin(actor)
    if lesson is None:
        lesson = Lesson(course=course, position=len(course.lessons))
        db.session.add(lesson)
    for name in ("title_en", "title_zh", "body_en", "body_zh"):
        setattr(lesson, name, (values[name] or "").strip())
    db.session.flush()
    return lesson


def move_lesson(lesson: Lesson, step: int, *, actor: User) -> None:
    """Swap a lesson with its neighbour (step -1 up, +1 down) and renumber the course's lessons."""
    _require_admin(actor)
    lessons = list(lesson.course.lessons)
    index = lessons.index(lesson)
    other = index + step
    if 0 <= other < len(lessons):
        lessons[index], lessons[other] = lessons[other], lessons[index]
    for position, item in enumerate(lessons):
        item.position = position
    db.session.flush()


def parse_options(text: str) -> list[tuple[str, str, bool]]:
    """Lines "English | Chinese", a leading * marks a right answer. Raises RuleViolation for fewer than two."""
    parsed = []
    for raw in (text or "").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        correct = raw.startswith("*")
        english, _, chinese = raw.lstrip("*").partition("|")
        english, chinese = english.strip(), chinese.strip() or english.strip()
        if not english or len(english) > 500 or len(chinese) > 500:
            raise RuleViolation(
                _l("Write each answer as: English | Chinese (at most 500 characters each)."), field="options_text"
            )
        parsed.append((english, chinese, correct))
    if len(parsed) < 2:
        raise RuleViolation(_l("A question needs at least two answers."), field="options_text")
    if not any(correct for _e, _c, correct in parsed):
        raise RuleViolation(_l("Mark the right answer with *."), field="options_text")
    return parsed


def save_question(course: Course, question: Question | None, values: dict, *, actor: User) -> Question:
    """A question with its answers. Editing replaces the answers; attempts already made keep their score."""
    _require_admin(actor)
    answers = parse_options(values["options_text"])
    is_multiple = bool(values.get("is_multiple"))
    if not is_multiple and sum(correct for _e, _c, correct in answers) > 1:
        raise RuleViolation(_l("A single-choice question has one right answer."), field="options_text")
    if question is None:
        question = Question(course=course, position=len(course.questions))
        db.session.add(question)
    question.text_en, question.text_zh = values["text_en"].strip(), values["text_zh"].strip()
    question.is_multiple = is_multiple
    question.options = [QuestionOption(text_en=e, text_zh=c, is_correct=correct) for e, c, correct in answers]
    db.session.flush()
    return question


def options_text(question: Question) -> str:
    return "\n".join(f"{'*' if o.is_correct else ''}{o.text_en} | {o.text_zh}" for o in question.options)


def list_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.id)))
