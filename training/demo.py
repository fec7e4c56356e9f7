"""Demo courses for `make run`: a product course and a policy course, each with a quiz, and certificates —
some valid, one expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partners.models import ProductLine
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from training.models import Course, Lesson, Question, QuestionOption
from training.services import issue_certificate, mark_lesson_done

DRILL_LESSONS = [
    (
        "The 18 V brushless drill",
        "18V 无刷电钻介绍",
        "## What it is\n\nOur **PWR-DRILL-18V** drives screws and drills steel, wood and masonry.\n\n"
        "- 60 Nm torque, two speeds\n- brushless motor: longer runtime, less service\n"
        "- 3-year warranty when registered",
        "## 产品概述\n\n**PWR-DRILL-18V** 可拧螺丝，也可在钢材、木材和砖石上钻孔。\n\n"
        "- 扭矩 60 Nm，两档调速\n- 无刷电机：续航更长，维护更少\n- 注册后保修三年",
    ),
    (
        "Selling it well",
        "销售要点",
        "Ask what the customer drills most. For daily trades use, offer the **two-battery kit**; "
        "for occasional use the bare tool.\n\n| Customer | Offer |\n|---|---|\n| Contractor | kit + spare battery |\n"
        "| Workshop | bare tool |",
        "先问客户最常钻什么。日常施工用户推荐**双电池套装**，偶尔使用的推荐裸机。\n\n| 客户 | 推荐 |\n|---|---|\n"
        "| 施工队 | 套装 + 备用电池 |\n| 工坊 | 裸机 |",
    ),
]
POLICY_LESSONS = [
    (
        "Reporting every month",
        "每月报数",
        "Report each month's sales by the **10th of the following month**: by form, file or API. "
        "Declare a month without sales too.",
        "每个月的销售须在**次月 10 日前**报告：可用表单、文件或 API。没有销售的月份也要申报。",
    ),
    (
        "Deal registration",
        "商机报备",
        "Register an opportunity before you quote. An approved registration is protected for 90 days.",
        "报价前先报备商机。获批的报备受保护 90 天。",
    ),
]


def _course(title_en, title_zh, summary_en, summary_zh, lessons, questions, *, line=None, types=(), minutes=20):
    course = Course(
        title_en=title_en,
        title_zh=title_zh,
        summary_en=summary_en,
        summary_zh=summary_zh,
        product_line=line,
        estimated_minutes=minutes,
        required_types=list(types),
        required_tiers=[],
        validity_months=12,
        pass_mark=70,
        max_attempts=3,
        is_published=True,
    )
    course.lessons = [
        Lesson(position=n, title_en=te, title_zh=tz, body_en=be, body_zh=bz)
        for n, (te, tz, be, bz) in enumerate(lessons)
    ]
    course.questions = [
        Question(
            position=n,
            text_en=qe,
            text_zh=qz,
            is_multiple=multiple,
            options=[QuestionOption(text_en=oe, text_zh=oz, is_correct=ok) for oe, oz, ok in opts],
        )
        for n, (qe, qz, multiple, opts) in enumerate(questions)
    ]
    db.session.add(course)
    return course


def seed_demo() -> list[tuple[str, str, str]]:
    """The caller commits."""
    power = db.session.scalars(select(ProductLine).where(ProductLine.code == "PWR")).first()
    drill = _course(
        "Power tools: the 18 V drill",
        "电动工具：18V 无刷电钻",
        "Know the drill and sell the right kit.",
        "了解电钻，推荐合适的套装。",
        DRILL_LESSONS,
        [
            (
                "How much torque does the drill give?",
                "电钻的扭矩是多少？",
                False,
                [("45 Nm", "45 Nm", False), ("60 Nm", "60 Nm", True), ("90 Nm", "90 Nm", False)],
            ),
            (
                "What do you offer a contractor?",
                "向施工队推荐什么？",
                False,
                [("The bare tool", "裸机", False), ("The kit with a spare battery", "套装加备用电池", True)],
            ),
            (
                "Which are true of the brushless motor?",
                "关于无刷电机，哪些说法正确？",
                True,
                [
                    ("Longer runtime", "续航更长", True),
                    ("Less service", "维护更少", True),
                    ("Needs new brushes yearly", "每年需更换碳刷", False),
                ],
            ),
        ],
        line=power,
        types=("distributor", "reseller"),
        minutes=25,
    )
    policy = _course(
        "Partner programme essentials",
        "伙伴计划基础",
        "Reporting, deal registration and what they bring you.",
        "报数、商机报备及其带给您的好处。",
        POLICY_LESSONS,
        [
            (
                "By when is October reported?",
                "10 月的销售须在何时前报告？",
                False,
                [
                    ("31 October", "10 月 31 日", False),
                    ("10 November", "11 月 10 日", True),
                    ("31 December", "12 月 31 日", False),
                ],
            ),
            (
                "How long is an approved deal protected?",
                "获批的商机报备保护多久？",
                False,
                [("30 days", "30 天", False), ("90 days", "90 天", True)],
            ),
        ],
        types=("wholesaler", "distributor", "reseller", "agent"),
        minutes=15,
    )
    now = utcnow()
    for course in (drill, policy):  # the programme ran before the certificates below were issued
        course.created_at = now - timedelta(days=540)
    db.session.flush()
    users = {u.email: u for u in db.session.scalars(select(User))}
    # Oldest first, as they happened (the checklist keeps the first), each after its partner was approved, each
    # holder having read the course's lessons.
    for email, course, days_ago in (
        ("sales@huanan.example", policy, 380),  # expired: the course is valid for 12 months
        ("admin@huanan.example", policy, 300),
        ("admin@huanan.example", drill, 90),
        ("admin@cascade.example", policy, 40),
    ):
        for lesson in course.lessons:
            mark_lesson_done(users[email], lesson)
        issue_certificate(users[email], course, None, at=now - timedelta(days=days_ago))
    return []
