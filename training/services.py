"""Training rules: safe lessons, who must take which course, quiz attempts scored on the server, certificates."""

from __future__ import annotations

import calendar
import random
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from partners.models import OnboardingStep, Partner, PartnerFacts
from partners.onboarding import record_milestone
from portal import audit
from portal.auth.models import User
from portal.database import among, utcnow
from portal.extensions import db
from portal.htmx import stays_on_this_site
from portal.security import PARTNER_ROLES, PermissionDenied, Role, RuleViolation
from training.models import Certificate, Course, Lesson, LessonProgress, Question, QuizAttempt

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML in a lesson is shown as text
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def render_lesson(markdown: str) -> Markup:
    """Markdown to HTML that can never run script: no raw HTML, and only http(s)/mailto links survive (nh3).
    Images only from the portal itself: a remote one keeps its alt text and loses its src."""
    html = _markdown.render(markdown or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
        attribute_filter=_only_portal_images,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)


def _only_portal_images(tag: str, attribute: str, value: str) -> str | None:
    """A remote image in a lesson is a tracking pixel in the partner's browser: its src goes unless it is a path
    on the portal ("/static/…", "pictures/drill.png"). The CSP (img-src 'self' data:) is the second line."""
    if tag != "img" or attribute != "src":
        return value
    return value if stays_on_this_site(value) else None


def is_required(course: Course, partner: PartnerFacts) -> bool:
    """Required when the partner's type is listed and its tier is listed (no tiers listed: every tier)."""
    return partner.partner_type.value in (course.required_types or []) and (
        not course.required_tiers or partner.tier.value in course.required_tiers
    )


@dataclass(frozen=True)
class CourseState:
    course: Course
    required: bool
    lessons_done: int
    certificate: Certificate | None
    attempts_used: int

    @property
    def certified(self) -> bool:
        return self.certificate is not None and self.certificate.is_valid(utcnow())

    @property
    def is_due(self) -> bool:
        """Required and without a valid certificate (never taken, or expired)."""
        return self.required and not self.certified


def current_certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.expires_at.desc())
    ).first()


def courses_for(user: User) -> list[CourseState]:
    """Published courses for a partner's user, required ones first."""
    courses = db.session.scalars(select(Course).where(Course.is_published).order_by(Course.id)).all()
    done = dict(
        db.session.execute(
            select(Lesson.course_id, func.count())
            .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
            .where(LessonProgress.user_id == user.id)
            .group_by(Lesson.course_id)
        ).all()
    )
    attempts = dict(
        db.session.execute(
            select(QuizAttempt.course_id, func.count())
            .where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
            .group_by(QuizAttempt.course_id)
        ).all()
    )
    states = [
        CourseState(
            course,
            user.partner is not None and is_required(course, user.partner),
            done.get(course.id, 0),
            current_certificate(user.id, course.id),
            attempts.get(course.id, 0),
        )
        for course in courses
    ]
    return sorted(states, key=lambda state: (not state.required, state.course.id))


def mark_lesson_done(user: User, lesson: Lesson) -> None:
    if not is_learner(user):
        return  # brand staff preview; nothing to record
    exists = db.session.scalar(
        select(LessonProgress.id).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )
    if not exists:
        db.session.add(LessonProgress(partner_id=user.partner_id, user_id=user.id, lesson_id=lesson.id))
        db.session.flush()


def is_learner(user: User) -> bool:
    """Partner users learn, take quizzes and earn certificates; brand staff only preview the courses."""
    return user.role in PARTNER_ROLES and user.partner_id is not None


def may_take_quiz(user: User, course: Course) -> bool:
    return is_learner(user) and course.is_published and bool(course.questions)


@dataclass(frozen=True)
class CourseProgress:
    """One learner's standing in one course: the lessons read, the attempts made, the certificate held."""

    lessons_read: set[int]
    attempts: Sequence[QuizAttempt]
    certificate: Certificate | None
    may_take_quiz: bool


def course_progress(user: User, course: Course) -> CourseProgress:
    return CourseProgress(
        lessons_read=set(db.session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.user_id == user.id))),
        attempts=db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id)
            .order_by(QuizAttempt.id)
        ).all(),
        certificate=current_certificate(user.id, course.id),
        may_take_quiz=may_take_quiz(user, course),
    )


def _open_attempt(user: User, course: Course) -> QuizAttempt | None:
    """The learner's unfinished attempt within the course's limit, if any."""
    return db.session.scalars(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.course_id == course.id,
            QuizAttempt.submitted_at.is_(None),
            QuizAttempt.number <= course.max_attempts,
        )
        .order_by(QuizAttempt.number)
    ).first()


def start_attempt(user: User, course: Course, *, rng: random.Random | None = None) -> QuizAttempt:
    """A new attempt with questions and options in a fresh random order; an unfinished one is returned instead.
    Each attempt takes the learner's next number for the course, unique in the database: of two starts at once
    one gets the number and the other is handed the same attempt, so no race gets past the limit.
    Raises RuleViolation when the attempts are used up or the course has no quiz. The caller commits."""
    if not is_learner(user):
        raise PermissionDenied()
    if not may_take_quiz(user, course):
        raise RuleViolation(_l("This course has no quiz to take."))
    open_attempt = _open_attempt(user, course)
    if open_attempt is not None:
        return open_attempt
    last = db.session.scalar(
        select(func.max(QuizAttempt.number)).where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id)
    )
    number = (last or 0) + 1
    if number > course.max_attempts:
        raise RuleViolation(_l("All %(n)d attempts are used.", n=course.max_attempts))
    rng = rng or random.SystemRandom()
    questions = list(course.questions)
    rng.shuffle(questions)
    layout = []
    for question in questions:
        option_ids = [option.id for option in question.options]
        rng.shuffle(option_ids)
        layout.append([question.id, option_ids])
    attempt = QuizAttempt(
        partner_id=user.partner_id, user_id=user.id, course_id=course.id, number=number, layout=layout
    )
    try:
        with db.session.begin_nested():  # two starts at once: the unique number keeps one
            db.session.add(attempt)
    except IntegrityError:
        racing = _open_attempt(user, course)
        if racing is None:  # the other start took the last attempt and is submitted already
            raise RuleViolation(_l("All %(n)d attempts are used.", n=course.max_attempts)) from None
        return racing
    return attempt


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: set[int]
    correct: set[int]

    @property
    def is_right(self) -> bool:
        return self.chosen == self.correct


def submit_attempt(attempt: QuizAttempt, *, user: User, answers: dict[int, list[int]]) -> list[QuestionResult]:
    """Score on the server: a question counts when exactly its right options are chosen. A pass issues the
    certificate and ticks the partner's "first training". Refuses a second submit, another user's attempt, an
    attempt numbered beyond the course's limit and options of another question. The caller commits."""
    if attempt.user_id != user.id:
        raise PermissionDenied()
    if attempt.submitted_at is not None:
        raise RuleViolation(_l("This attempt is submitted already."))
    course = attempt.course
    if attempt.number > course.max_attempts:  # left by a race before attempts were numbered, or a lower limit
        raise RuleViolation(_l("All %(n)d attempts are used.", n=course.max_attempts))
    shown = {question_id: set(option_ids) for question_id, option_ids in attempt.layout}
    for question_id, sent in answers.items():
        if question_id not in shown or not set(sent) <= shown[question_id]:
            raise RuleViolation(_l("These answers do not belong to this quiz."))
    questions = {q.id: q for q in course.questions if q.id in shown}
    results = []
    for question_id, _option_ids in attempt.layout:
        question = questions.get(question_id)
        if question is None:  # removed from the course since the attempt began: not counted
            continue
        chosen = set(answers.get(question_id, []))
        if not question.is_multiple and len(chosen) > 1:
            raise RuleViolation(_l("Choose one answer for a single-choice question."))
        results.append(QuestionResult(question, chosen, {o.id for o in question.options if o.is_correct}))
    right = sum(result.is_right for result in results)
    attempt.score = round(100 * right / len(results)) if results else 0
    attempt.passed = attempt.score >= course.pass_mark
    attempt.answers = {str(question_id): sorted(chosen) for question_id, chosen in answers.items()}
    attempt.submitted_at = utcnow()
    if attempt.passed:
        issue_certificate(user, course, attempt)
    db.session.flush()
    return results


def months_later(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day (31 January + 1 month = 28 or 29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def issue_certificate(
    user: User, course: Course, attempt: QuizAttempt | None, *, at: datetime | None = None
) -> Certificate:
    issued = at or utcnow()
    certificate = Certificate(
        partner_id=user.partner_id,
        user_id=user.id,
        course_id=course.id,
        attempt_id=attempt.id if attempt else None,
        issued_at=issued,
        expires_at=months_later(issued, course.validity_months),
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(12)),
    )
    db.session.add(certificate)
    db.session.flush()
    record_milestone(certificate.partner_id, OnboardingStep.TRAINING, at=issued)
    return certificate


@dataclass(frozen=True)
class Verification:
    state: str  # "valid", "expired" or "unknown"
    certificate: Certificate | None = None


def verify_certificate(code: str) -> Verification:
    """For the public verification page: anyone may check a code; only name, course and dates are shown."""
    from portal import tenancy

    code = (code or "").strip().upper()
    if len(code) != 12 or any(ch not in CODE_ALPHABET for ch in code):
        return Verification("unknown")
    with tenancy.every_partner(reason="public certificate verification by code"):
        # The holder and the course are loaded here, while the scope allows it.
        certificate = db.session.scalars(
            select(Certificate)
            .where(Certificate.code == code)
            .options(joinedload(Certificate.user), joinedload(Certificate.course))
        ).first()
        if certificate is None:
            return Verification("unknown")
    return Verification("valid" if certificate.is_valid(utcnow()) else "expired", certificate)


def required_completion_rate(partner: Partner, *, at: datetime | None = None) -> float | None:
    """Share of (active user × required course) pairs holding a certificate valid at `at`; None when the
    partner has no active user or no required course. Used by the scorecard."""
    return required_completion_rates([partner], at=at)[partner.id]


def required_completion_rates(
    partners: Sequence[PartnerFacts], *, at: datetime | None = None
) -> dict[int, float | None]:
    """required_completion_rate for many partners in three queries (the scorecards of every partner). Only
    courses that existed at `at` are required then, and only users who can log in (an invitation never
    accepted is nobody yet) are asked to hold them: with neither, the rate is None ("no data"), not 0."""
    at = at or utcnow()
    courses = list(db.session.scalars(select(Course).where(Course.is_published, Course.created_at <= at)))
    ids = [partner.id for partner in partners]
    users: dict[int | None, list[int]] = defaultdict(list)  # None: brand staff, when among() limits nothing
    for user_id, partner_id in db.session.execute(
        select(User.id, User.partner_id).where(
            among(User.partner_id, ids), User.is_active, User.password_hash.is_not(None)
        )
    ):
        users[partner_id].append(user_id)
    valid = {
        (user_id, course_id)
        for user_id, course_id in db.session.execute(
            select(Certificate.user_id, Certificate.course_id).where(
                among(Certificate.partner_id, ids), Certificate.issued_at <= at, Certificate.expires_at > at
            )
        )
    }
    rates: dict[int, float | None] = {}
    for partner in partners:
        required = [course.id for course in courses if is_required(course, partner)]
        pairs = [(user_id, course_id) for user_id in users[partner.id] for course_id in required]
        rates[partner.id] = sum(pair in valid for pair in pairs) / len(pairs) if pairs else None
    return rates


def certificates_to_remind(*, within_days: int = 30, now: datetime | None = None) -> list[Certificate]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Certificate).where(
                Certificate.expires_at > now,
                Certificate.expires_at <= now + timedelta(days=within_days),
                Certificate.reminded_at.is_(None),
            )
        )
    )


def publish_course(course: Course, *, actor: User, published: bool) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    if published and not course.questions:
        raise RuleViolation(_l("A course needs at least one quiz question before it is published."))
    if published and any(not any(o.is_correct for o in q.options) for q in course.questions):
        raise RuleViolation(_l("Every question needs at least one right answer."))
    with audit.tracking(course, Course.AUDITED, actor=actor):
        course.is_published = published
    db.session.flush()


@dataclass(frozen=True)
class PartnerCompletion:
    partner: Partner
    rate: float | None
    certified_users: int


def completion_by_partner() -> list[PartnerCompletion]:
    """Required-course completion for every partner in scope, lowest first (for the brand), in a fixed number
    of queries however many partners there are."""
    partners = db.session.scalars(select(Partner).options(joinedload(Partner.region)).order_by(Partner.code)).all()
    certified = dict(
        db.session.execute(
            select(Certificate.partner_id, func.count(func.distinct(Certificate.user_id)))
            .where(Certificate.expires_at > utcnow())
            .group_by(Certificate.partner_id)
        ).all()
    )
    rates = required_completion_rates(partners)
    rows = [PartnerCompletion(p, rates[p.id], certified.get(p.id, 0)) for p in partners]
    return sorted(rows, key=lambda row: (row.rate is None, row.rate if row.rate is not None else 0, row.partner.code))


@dataclass(frozen=True)
class TeamMember:
    user: User
    states: list[CourseState]


def team_progress(partner: Partner) -> list[TeamMember]:
    """For the partner_admin: each active colleague's standing in every published course."""
    return [TeamMember(user, courses_for(user)) for user in partner.users if user.is_active]


def certificate_holders_query():
    """Who holds which certification (latest expiry first), within the viewer's scope."""
    return (
        select(Certificate)
        .options(joinedload(Certificate.user), joinedload(Certificate.course))
        .order_by(Certificate.expires_at.desc(), Certificate.id)
    )
