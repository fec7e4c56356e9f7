"""Courses with lessons and a quiz, learners' progress and attempts, and the certificates they earn."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, PartnerOwned, TimestampMixin, utcnow
from portal.i18n import pick

if TYPE_CHECKING:
    from partners.models import ProductLine
    from portal.auth.models import User


class Course(TimestampMixin, Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200))
    summary_en: Mapped[str] = mapped_column(String(2000), default="")
    summary_zh: Mapped[str] = mapped_column(String(2000), default="")
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_lines.id"))
    estimated_minutes: Mapped[int] = mapped_column(default=30)
    required_types: Mapped[list] = mapped_column(JSON, default=list)  # partner types that must take it; [] = none
    required_tiers: Mapped[list] = mapped_column(JSON, default=list)  # and of these tiers; [] = every tier
    validity_months: Mapped[int] = mapped_column(default=24)
    pass_mark: Mapped[int] = mapped_column(default=80)  # percent of questions right
    max_attempts: Mapped[int] = mapped_column(default=3)
    is_published: Mapped[bool] = mapped_column(default=False)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="course", order_by="Question.position", cascade="all, delete-orphan"
    )
    product_line: Mapped[ProductLine | None] = relationship()

    EDITABLE = (  # what the course form sets
        "title_en",
        "title_zh",
        "summary_en",
        "summary_zh",
        "estimated_minutes",
        "required_types",
        "required_tiers",
        "validity_months",
        "pass_mark",
        "max_attempts",
    )
    AUDITED = (*EDITABLE, "is_published")

    @property
    def title(self) -> str:
        return pick(self.title_en, self.title_zh)

    @property
    def summary(self) -> str:
        return pick(self.summary_en, self.summary_zh)


class Lesson(Base):
    __tablename__ = "lessons"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title_en: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200))
    body_en: Mapped[str] = mapped_column(Text, default="")  # Markdown; shown sanitized
    body_zh: Mapped[str] = mapped_column(Text, default="")

    course: Mapped[Course] = relationship(back_populates="lessons")

    @property
    def title(self) -> str:
        return pick(self.title_en, self.title_zh)

    @property
    def body(self) -> str:
        return pick(self.body_en, self.body_zh)


class Question(Base):
    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text_en: Mapped[str] = mapped_column(String(1000))
    text_zh: Mapped[str] = mapped_column(String(1000))
    is_multiple: Mapped[bool] = mapped_column(default=False)  # several options may be right

    course: Mapped[Course] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.id", cascade="all, delete-orphan"
    )

    @property
    def text(self) -> str:
        return pick(self.text_en, self.text_zh)


class QuestionOption(Base):
    __tablename__ = "question_options"
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    text_en: Mapped[str] = mapped_column(String(500))
    text_zh: Mapped[str] = mapped_column(String(500))
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="options")

    @property
    def text(self) -> str:
        return pick(self.text_en, self.text_zh)


class LessonProgress(PartnerOwned, Base):
    """A learner has read a lesson; kept when the course is edited."""

    __tablename__ = "lesson_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    done_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)


class QuizAttempt(PartnerOwned, Base):
    """One try at a course's quiz: the shuffled order it was shown in, the answers, the score."""

    __tablename__ = "quiz_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, … per learner and course; the limit allows numbers up to the course's max_attempts
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    layout: Mapped[list] = mapped_column(JSON)  # [[question id, [option ids in shown order]], …]
    answers: Mapped[dict | None] = mapped_column(JSON)  # {question id: [option ids]}
    score: Mapped[int | None]
    passed: Mapped[bool | None]

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship()

    # Two starts at once cannot both take the same number, so no race gets past the limit.
    __table_args__ = (UniqueConstraint("user_id", "course_id", "number"),)


class Certificate(PartnerOwned, Base):
    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # printed on the PDF and in its QR code
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship()

    def is_valid(self, at: datetime) -> bool:
        return self.expires_at > at
