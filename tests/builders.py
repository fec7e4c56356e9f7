"""Plain builders with good defaults: each argument is something a test cares about."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from partners.models import (
    AgreementAcceptance,
    AgreementVersion,
    ApplicationStatus,
    OnboardingMilestone,
    OnboardingStep,
    Partner,
    PartnerApplication,
    PartnerStatus,
    PartnerTier,
    PartnerType,
    ProductLine,
)
from partners.regions import region_by_code
from portal import tenancy
from portal.auth.models import User
from portal.auth.services import hash_password
from portal.database import utcnow
from portal.extensions import db
from portal.security import Role

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = None
_sequence = itertools.count(1)


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
    return _PASSWORD_HASH


def make_partner(
    *,
    region: str = "CN-GD",
    code: str | None = None,
    name: str | None = None,
    partner_type: PartnerType = PartnerType.DISTRIBUTOR,
    status: PartnerStatus = PartnerStatus.ACTIVE,
    tier: PartnerTier = PartnerTier.REGISTERED,
) -> Partner:
    n = next(_sequence)
    partner = Partner(
        code=code or f"T-{n:05d}",
        legal_name=name or f"Test Partner {n} Co., Ltd.",
        partner_type=partner_type,
        tier=tier,
        status=status,
        region=region_by_code(region),
    )
    with tenancy.every_partner(reason="test builder"):
        db.session.add(partner)
        db.session.flush()
    return partner


def joined(partner: Partner, when: datetime = datetime(2024, 1, 1, tzinfo=UTC)) -> Partner:
    """The partner as if it had joined at `when` (scorecards and on-time reporting start there)."""
    partner.created_at = when
    partner.joined_on = partner.status_since = when.date()
    with tenancy.every_partner(reason="test builder"):
        db.session.flush()
    return partner


def make_user(
    partner: Partner | None = None,
    *,
    role: Role | None = None,
    email: str | None = None,
    name: str | None = None,
    regions: tuple[str, ...] = (),
    password: str | None = PASSWORD,
    is_active: bool = True,
    locale: str | None = "en",
) -> User:
    n = next(_sequence)
    role = role or (Role.PARTNER_USER if partner else Role.ADMIN)
    user = User(
        email=email or f"user{n}@example.com",
        name=name or f"User {n}",
        role=role,
        partner=partner,
        password_hash=(_password_hash() if password == PASSWORD else hash_password(password)) if password else None,
        is_active=is_active,
        locale=locale,
        regions=[region_by_code(code) for code in regions],
    )
    with tenancy.every_partner(reason="test builder"):
        db.session.add(user)
        db.session.flush()
    return user


# One row of every partner-owned model, for the route walk in tests/portal/test_tenant_isolation.py.
# A new PartnerOwned model must add its maker here, or that test fails and says so.
def partner_owned_rows(partner: Partner) -> dict[type, object]:
    from portal.audit import AuditEntry

    user = make_user(partner, role=Role.PARTNER_ADMIN)
    entry = AuditEntry(entity_type="partners", entity_id=partner.id, action="update", changes={}, partner_id=partner.id)
    application = make_application(partner=partner)
    acceptance = AgreementAcceptance(partner_id=partner.id, agreement=make_agreement(), user=user)
    milestone = OnboardingMilestone(partner_id=partner.id, step=OnboardingStep.FIRST_LOGIN)
    with tenancy.every_partner(reason="test builder"):
        db.session.add_all([entry, acceptance, milestone])
        db.session.flush()
    from orders.api_tokens import create_token
    from orders.models import (
        ApiToken,
        Customer,
        CustomerMonthlySales,
        DealRegistration,
        LineMonthlySales,
        MonthlySales,
        PeriodReport,
        PeriodStatus,
        ProductMonthlySales,
        SalesLine,
        SalesUpload,
        Submission,
    )

    line = make_sales_line(partner, actor=user)
    report = PeriodReport(partner_id=partner.id, period=date(2020, 1, 1), status=PeriodStatus.NO_SALES)
    token, _plain = create_token(actor=user, name="ERP")
    from training.models import LessonProgress, QuizAttempt
    from training.services import issue_certificate, start_attempt

    course = make_course()
    progress = LessonProgress(partner_id=partner.id, user_id=user.id, lesson_id=course.lessons[0].id)
    attempt = start_attempt(user, course)
    certificate = issue_certificate(user, course, attempt)
    upload = SalesUpload(partner_id=partner.id, filename="big.csv", content=b"x", size=1, created_by_id=user.id)
    deal = DealRegistration(
        partner_id=partner.id,
        customer_name="Deal Customer",
        products="SKU",
        estimated_value=Decimal(1000),
        expected_close=date(2030, 1, 1),
    )
    from partners.models import CoverageAssignment
    from performance.models import SalesTarget, Scorecard
    from performance.scoring import stored_rules

    assignment = CoverageAssignment(
        partner_id=partner.id, region_id=partner.region_id, effective_from=date(2026, 1, 1), reason="test"
    )

    target = SalesTarget(partner_id=partner.id, period=date(2026, 10, 1), amount=Decimal(100))
    scorecard = Scorecard(
        partner_id=partner.id,
        period=date(2026, 10, 1),
        rules=stored_rules(),
        score=Decimal(50),
        kpis={},
        normalised={},
    )
    with tenancy.every_partner(reason="test builder"):
        db.session.add_all([report, deal, upload, progress, target, scorecard, assignment])
        db.session.flush()
    from service.models import (
        CaseAttachment,
        CaseEntry,
        CustomerComplaint,
        SupportCase,
        SurveyAnswer,
        SurveyAnswerTally,
        SurveyInvitation,
        SurveyResponse,
        SurveyTally,
    )

    support_case = make_case(user)
    survey = make_survey()
    invitation = make_invitation(survey, user)
    response = answer_survey(invitation, {f"q{q.id}": ANSWERS.get(q.kind.value, "") for q in survey.questions})
    with tenancy.every_partner(reason="test builder"):
        tallies = {
            model: db.session.scalars(select(model).where(model.partner_id == partner.id)).first()
            for model in (SurveyTally, SurveyAnswerTally)
        }
    return {
        **tallies,
        SurveyInvitation: invitation,
        SurveyResponse: response,
        SurveyAnswer: response.answers[0],
        CustomerComplaint: make_complaint(user, line.customer),
        SupportCase: support_case,
        CaseAttachment: support_case.attachments[0],
        CaseEntry: support_case.entries[0],
        SalesTarget: target,
        Scorecard: scorecard,
        CoverageAssignment: assignment,
        Partner: partner,
        User: user,
        AuditEntry: entry,
        PartnerApplication: application,
        AgreementAcceptance: acceptance,
        OnboardingMilestone: milestone,
        SalesLine: line,
        Submission: line.submission,
        Customer: line.customer,
        PeriodReport: report,
        ApiToken: token,
        DealRegistration: deal,
        SalesUpload: upload,
        LessonProgress: progress,
        QuizAttempt: attempt,
        certificate.__class__: certificate,
        MonthlySales: _rollup_row(partner, MonthlySales),
        CustomerMonthlySales: _rollup_row(partner, CustomerMonthlySales),
        ProductMonthlySales: _rollup_row(partner, ProductMonthlySales),
        LineMonthlySales: _rollup_row(partner, LineMonthlySales),
    }


def make_product(sku: str | None = None, *, price: str = "10.0000", is_active: bool = True, line=None):
    from orders.models import Product

    n = next(_sequence)
    product = Product(
        sku=sku or f"SKU-{n}",
        name_en=f"Product {n}",
        name_zh=f"产品{n}",
        product_line=line or make_product_line(),
        unit="pcs",
        list_price=Decimal(price),
        is_active=is_active,
    )
    db.session.add(product)
    db.session.flush()
    return product


def make_sales_line(
    partner: Partner,
    *,
    actor: User | None = None,
    order_no: str | None = None,
    line_no: int = 1,
    order_date: date = date(2026, 10, 15),
    quantity: str = "2",
    unit_price: str = "10.5",
    discount: str = "0",
    customer_code: str = "C-1",
    product=None,
):
    """One line through the real intake, as a partner's form would send it."""
    from orders.intake import ReportingRules, record_sales_lines
    from orders.models import SubmissionSource

    product = product or make_product()
    actor = actor or make_user(partner, role=Role.PARTNER_USER)
    row = {
        "order_no": order_no or f"SO-{next(_sequence)}",
        "line_no": str(line_no),
        "order_date": order_date.isoformat(),
        "customer_code": customer_code,
        "customer_name": "Customer Co",
        "sku": product.sku,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
    }
    rules = ReportingRules(today=date(2026, 11, 23), open_months=120, may_report_closed_periods=True)
    with tenancy.every_partner(reason="test builder"):
        result = record_sales_lines(
            lambda: iter([(2, row)]), actor=actor, source=SubmissionSource.FORM, filename=None, rules=rules
        )
        assert result.ok, result.errors
        from sqlalchemy import select

        from orders.models import SalesLine

        return db.session.scalars(select(SalesLine).where(SalesLine.order_no == row["order_no"])).one()


def make_product_line(code: str | None = None) -> ProductLine:
    n = next(_sequence)
    line = ProductLine(code=code or f"PL{n}", name_en=f"Line {n}", name_zh=f"产品线{n}")
    db.session.add(line)
    db.session.flush()
    return line


def make_agreement(version: str | None = None) -> AgreementVersion:
    agreement = AgreementVersion(
        version=version or f"v{next(_sequence)}",
        title_en="Partner agreement",
        title_zh="伙伴协议",
        body_en="The partner sells.",
        body_zh="伙伴销售。",
    )
    db.session.add(agreement)
    db.session.flush()
    return agreement


def make_application(
    *,
    name: str | None = None,
    region: str = "CN-440300",
    registration_number: str | None = None,
    email: str | None = None,
    partner: Partner | None = None,
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
) -> PartnerApplication:
    n = next(_sequence)
    application = PartnerApplication(
        legal_name=name or f"Applicant {n} Co., Ltd.",
        partner_type=PartnerType.DISTRIBUTOR,
        registration_number=registration_number,
        region=region_by_code(region),
        contact_name=f"Contact {n}",
        contact_email=email or f"contact{n}@applicant.example",
        contact_phone="+86 755 0000 0000",
        privacy_notice_version="2026.1",
        status=status,
        partner=partner,
    )
    with tenancy.every_partner(reason="test builder"):
        db.session.add(application)
        db.session.flush()
    return application


def make_course(
    *,
    types: tuple[str, ...] = ("distributor",),
    pass_mark: int = 50,
    max_attempts: int = 2,
    validity_months: int = 12,
    published: bool = True,
    created_at: datetime = datetime(2024, 1, 1, tzinfo=UTC),
):
    """A course with two lessons and two questions: one single choice (right: "B"), one multiple ("A", "C");
    it exists from `created_at` (required of partners from then on)."""
    from training.models import Course, Lesson, Question, QuestionOption

    n = next(_sequence)
    course = Course(
        title_en=f"Course {n}",
        title_zh=f"课程{n}",
        required_types=list(types),
        required_tiers=[],
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        validity_months=validity_months,
        is_published=published,
        created_at=created_at,
    )
    course.lessons = [
        Lesson(position=0, title_en="One", title_zh="一", body_en="# One", body_zh="# 一"),
        Lesson(position=1, title_en="Two", title_zh="二", body_en="Two", body_zh="二"),
    ]
    course.questions = [
        Question(
            position=0,
            text_en="Single?",
            text_zh="单选？",
            options=[
                QuestionOption(text_en="A", text_zh="甲"),
                QuestionOption(text_en="B", text_zh="乙", is_correct=True),
            ],
        ),
        Question(
            position=1,
            text_en="Multiple?",
            text_zh="多选？",
            is_multiple=True,
            options=[
                QuestionOption(text_en="A", text_zh="甲", is_correct=True),
                QuestionOption(text_en="B", text_zh="乙"),
                QuestionOption(text_en="C", text_zh="丙", is_correct=True),
            ],
        ),
    ]
    db.session.add(course)
    db.session.flush()
    return course


def _rollup_row(partner: Partner, model):
    from sqlalchemy import select

    with tenancy.every_partner(reason="test builder"):
        return db.session.scalars(select(model).where(model.partner_id == partner.id)).first()


def just_now(moment) -> bool:
    """A timestamp the code under test stamped a moment ago (not merely set)."""
    return moment is not None and timedelta(0) <= utcnow() - moment < timedelta(minutes=1)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_case(requester, *, subject: str = "Drills arrive broken", priority=None, now=None, with_file: bool = True):
    """A case opened by `requester` (a partner's user), with a staff reply so that it has a history, and a PNG."""
    from service import cases
    from service.attachments import check_file
    from service.models import CaseCategory, CasePriority

    files = [check_file("photo.png", PNG, max_bytes=1 << 20)] if with_file else []
    with tenancy.every_partner(reason="test builder"):
        row = cases.open_case(
            cases.CaseFields(
                category=CaseCategory.PRODUCT_QUALITY,
                priority=priority or CasePriority.NORMAL,
                subject=subject,
                description="Three of ten drills arrived with cracked housings.",
            ),
            actor=requester,
            files=files,
            now=now,
        )
        cases.add_note(row, "Check with the warehouse.", actor=make_user(role=Role.ADMIN))
    return row


def make_customer(partner: Partner, *, code: str = "C-0001", name: str = "深圳宏达机电有限公司"):
    from orders.models import Customer

    customer = Customer(partner_id=partner.id, code=code, name=name, contact_person="王伟", phone="13800138000")
    with tenancy.every_partner(reason="test builder"):
        db.session.add(customer)
        db.session.flush()
    return customer


def make_complaint(logged_by, customer, *, product=None, now=None, words: str = "两台电钻开关失灵，要求换货。"):
    """An open complaint of `customer`, logged by a user of its partner, with a contact person."""
    from service import complaints
    from service.models import CaseCategory, CasePriority

    with tenancy.every_partner(reason="test builder"):
        return complaints.log_complaint(
            complaints.ComplaintFields(
                customer=customer,
                product=product,
                category=CaseCategory.PRODUCT_QUALITY,
                severity=CasePriority.HIGH,
                customer_words=words,
                contact_name="李娜",
                contact_phone="13912345678",
            ),
            actor=logged_by,
            now=now,
        )


def make_survey(admin=None, *, audience=None, kinds=("nps", "csat", "single", "text"), **filters):
    """A draft survey with one question of each of `kinds`; optional questions are the text ones."""
    from service import surveys
    from service.models import QuestionKind, SurveyAudience

    admin = admin or make_user(role=Role.ADMIN)
    survey = surveys.create_survey(
        surveys.SurveyFields(
            title_en="How are we doing?",
            title_zh="我们做得如何？",
            audience=audience or SurveyAudience.PARTNER_USERS,
            valid_days=14,
            **filters,
        ),
        actor=admin,
    )
    texts = {
        "nps": ("How likely are you to recommend us?", "您向同行推荐我们的可能性有多大？"),
        "csat": ("How satisfied are you with our delivery?", "您对我们的交货满意吗？"),
        "single": ("What matters most?", "您最看重什么？"),
        "multiple": ("What should we improve?", "我们应改进哪些方面？"),
        "text": ("Anything else?", "还有其他意见吗？"),
    }
    for kind in kinds:
        surveys.add_question(
            survey,
            surveys.QuestionFields(
                kind=QuestionKind(kind),
                text_en=texts[kind][0],
                text_zh=texts[kind][1],
                required=kind != "text",
                choices="Price | 价格\nService | 服务\nQuality | 质量",
            ),
            actor=admin,
        )
    return survey


ANSWERS = {"nps": "9", "csat": "4", "single": "0", "multiple": ["0", "2"], "text": "Faster deliveries, please."}


def make_invitation(survey, user=None, *, customer=None, now=None):
    """A personal link of `user` (or `customer`) to `survey`, opened if it is a draft, as sending makes them."""
    from service import surveys
    from service.models import SurveyStatus

    survey.status = SurveyStatus.OPEN
    with tenancy.every_partner(reason="test builder"):
        return surveys.invite(
            survey,
            partner_id=user.partner_id if user else customer.partner_id,
            user=user,
            customer=customer,
            email=user.email if user else customer.email,
            now=now or datetime.now(UTC),
        )


def answer_survey(invitation, values, *, now=None):
    from service import surveys

    return surveys.record_response(invitation, values, now=now)
