"""Demo data for `make run`: a dozen support cases of the demo partners in every state, one breached and one
reopened, worked by the demo's channel managers; a few end-customer complaints, one escalated; a partner survey
that thirty partners' users answered over six months, its NPS rising; and an end-customer survey that Huanan's
customers answer by the links Huanan hands out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from orders.models import Customer, Product
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from service import cases, complaints, surveys
from service.attachments import check_file
from service.models import CaseCategory, CasePriority, CaseStatus, QuestionKind, SurveyAudience, SurveyInvitation

# (requester, subject, description, category, priority, opened days ago, what happened since)
CASES: list[tuple[str, str, str, CaseCategory, CasePriority, float, str]] = [
    (
        "sales@huanan.example",
        "电钻外壳到货开裂",
        "10 月 28 日到货的 PWR-DRILL-18V 中有 3 台外壳开裂，照片见附件。",
        CaseCategory.PRODUCT_QUALITY,
        CasePriority.HIGH,
        4,
        "unanswered",
    ),
    (
        "admin@huanan.example",
        "第三季度返利未到账",
        "按照 2026 年渠道政策，第三季度返利应在 11 月 15 日前到账，目前未收到。",
        CaseCategory.PRICING_POLICY,
        CasePriority.NORMAL,
        0.05,
        "new",
    ),
    (
        "sales@huanan.example",
        "10 月销售文件第 12 行报错",
        "上传 10 月的 Excel 时提示第 12 行 quantity 列有误，但表格里看不出问题。",
        CaseCategory.ORDERING_REPORTING,
        CasePriority.NORMAL,
        3,
        "in_progress",
    ),
    (
        "admin@huanan.example",
        "新员工培训安排",
        "我们新来了两位销售，想安排电动工具产品线的培训。",
        CaseCategory.TRAINING,
        CasePriority.LOW,
        6,
        "waiting",
    ),
    (
        "sales@huanan.example",
        "手工具套装颜色批次不对",
        "HND-SET-72 这批是灰色的，订单要求的是红色。",
        CaseCategory.DELIVERY,
        CasePriority.URGENT,
        8,
        "resolved",
    ),
    (
        "sales@huanan.example",
        "充电器发热",
        "客户反映 18V 充电器使用 20 分钟后明显发热。",
        CaseCategory.PRODUCT_QUALITY,
        CasePriority.HIGH,
        12,
        "reopened",
    ),
    (
        "admin@huanan.example",
        "发票抬头修改",
        "请把 9 月的发票抬头改为深圳华南电子分销有限公司。",
        CaseCategory.OTHER,
        CasePriority.LOW,
        40,
        "closed",
    ),
    (
        "admin@cascade.example",
        "Shipment held at the port of Seattle",
        "Container MSKU 1234567 has been held for customs "
        "inspection since Monday; our customers are waiting for the drills.",
        CaseCategory.DELIVERY,
        CasePriority.HIGH,
        2,
        "in_progress",
    ),
    (
        "admin@cascade.example",
        "API token rejected",
        "Our ERP gets 401 from POST /api/v1/sales-lines since yesterday.",
        CaseCategory.TECHNICAL,
        CasePriority.NORMAL,
        5,
        "resolved",
    ),
    (
        "admin@alpen.example",
        "Preisliste in EUR",
        "Could we get the 2027 price list in EUR, with the German VAT?",
        CaseCategory.PRICING_POLICY,
        CasePriority.LOW,
        1,
        "new",
    ),
    (
        "admin@alpen.example",
        "Certificate not shown",
        "Julia passed the safety course but the certificate page is empty.",
        CaseCategory.TRAINING,
        CasePriority.NORMAL,
        4,
        "waiting",
    ),
    (
        "admin@cascade.example",
        "How do warranty claims work?",
        "Which form do our customers fill in for a warranty claim?",
        CaseCategory.OTHER,
        CasePriority.NORMAL,
        30,
        "closed",
    ),
]
# A 1×1 PNG, as a partner's photo of the damage.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


def seed_demo() -> list[tuple[str, str, str]]:
    """The caller commits. Runs after the partners and orders demos (users, products)."""
    users = {user.email: user for user in db.session.scalars(select(User))}
    south, intl = users["manager.south@qudao.example"], users["manager.intl@qudao.example"]
    drill = db.session.scalar(select(Product).where(Product.sku == "PWR-DRILL-18V"))
    now = utcnow()
    for email, subject, text, category, priority, days_ago, story in CASES:
        requester = users[email]
        opened = _working_morning(now, days_ago)
        staff = south if requester.partner and requester.partner.code == "P-GD-0001" else intl
        files = [check_file("damage.png", PHOTO, max_bytes=1 << 20)] if category is CaseCategory.PRODUCT_QUALITY else []
        row = cases.open_case(
            cases.CaseFields(
                category=category,
                priority=priority,
                subject=subject,
                description=text,
                product=drill if category is CaseCategory.PRODUCT_QUALITY else None,
            ),
            actor=requester,
            files=files,
            now=opened,
        )
        _tell(row, story, requester, staff, opened)
    _seed_complaints(users, drill, now)
    _seed_partner_survey(users["admin@qudao.example"], now)
    _seed_customer_survey(users["admin@qudao.example"], users["sales@huanan.example"], now)
    return []


# The partner survey's answers, oldest first: (NPS, CSAT of the support, what they wrote). Six months, five a
# month; detractors give way to promoters as the cases get answered faster.
PARTNER_ANSWERS = [
    (4, 2, "回复太慢，一个工单等了一周。"),
    (6, 3, ""),
    (8, 3, ""),
    (9, 4, ""),
    (5, 2, "Rebates arrive late."),
    (6, 3, ""),
    (7, 3, ""),
    (9, 4, ""),
    (3, 2, "返利政策说明不清楚。"),
    (8, 4, ""),
    (8, 4, ""),
    (9, 4, "Training helped our new staff."),
    (6, 3, ""),
    (10, 5, ""),
    (7, 3, ""),
    (9, 4, ""),
    (10, 5, ""),
    (7, 4, "交货及时多了。"),
    (8, 4, ""),
    (6, 3, ""),
    (9, 5, ""),
    (10, 5, "Quick answers on cases now."),
    (9, 4, ""),
    (8, 4, ""),
    (10, 5, ""),
    (10, 5, "客服响应很快，谢谢！"),
    (9, 4, ""),
    (9, 5, ""),
    (10, 5, ""),
    (8, 4, ""),
]
SKIPS_SURVEY = ("sales@huanan.example", "admin@cascade.example")  # their links still wait, for the demo logins


def _seed_partner_survey(admin: User, now: datetime) -> None:
    survey = surveys.create_survey(
        surveys.SurveyFields(
            title_en="Partner satisfaction 2026",
            title_zh="2026 年合作伙伴满意度调查",
            intro_en="Five questions about working with us. Your answers help us serve you better.",
            intro_zh="关于与我们合作的五个问题。您的回答将帮助我们更好地为您服务。",
            audience=SurveyAudience.PARTNER_USERS,
            valid_days=240,
        ),
        actor=admin,
    )
    questions = [
        (
            QuestionKind.NPS,
            "How likely are you to recommend partnering with us to a peer?",
            "您向同行推荐与我们合作的可能性有多大？",
            True,
            "",
        ),
        (QuestionKind.CSAT, "How satisfied are you with our support?", "您对我们的支持服务满意吗？", True, ""),
        (
            QuestionKind.SINGLE,
            "What matters most to you?",
            "您最看重哪一方面？",
            True,
            "Product quality | 产品质量\nPrice level | 价格水平\nService quality | 服务质量",
        ),
        (
            QuestionKind.MULTIPLE,
            "Where should we improve?",
            "我们应在哪些方面改进？",
            False,
            "Delivery | 交货\nRebates | 返利\nTraining | 培训\nOrdering | 订货",
        ),
        (QuestionKind.TEXT, "Anything else you would like to tell us?", "您还有其他想告诉我们的吗？", False, ""),
    ]
    for kind, text_en, text_zh, required, choices in questions:
        surveys.add_question(
            survey,
            surveys.QuestionFields(kind=kind, text_en=text_en, text_zh=text_zh, required=required, choices=choices),
            actor=admin,
        )
    sent = now - timedelta(days=185)
    surveys.send_survey(survey, actor=admin, now=sent)
    invitations = [
        invitation
        for invitation in db.session.scalars(
            select(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id).order_by(SurveyInvitation.id)
        )
        if invitation.user is None or invitation.user.email not in SKIPS_SURVEY
    ]
    nps, csat, matters, improve, text = survey.questions
    for index, (invitation, (score, satisfied, words)) in enumerate(zip(invitations, PARTNER_ANSWERS, strict=False)):
        answered = sent + timedelta(days=2 + index * 6, hours=index % 7)
        surveys.record_response(
            invitation,
            {
                f"q{nps.id}": str(score),
                f"q{csat.id}": str(satisfied),
                f"q{matters.id}": str(index % 3),
                f"q{improve.id}": [str(index % 4), str((index + 1) % 4)] if score < 9 else [],
                f"q{text.id}": words,
            },
            now=answered,
        )


CUSTOMER_ANSWERS = [(5, "安装师傅很专业。"), (4, ""), (2, "送货晚了三天。"), (5, ""), (4, "")]


def _seed_customer_survey(admin: User, clerk: User, now: datetime) -> None:
    """Open for every partner's customers; Huanan handed five of them a link, and they answered."""
    survey = surveys.create_survey(
        surveys.SurveyFields(
            title_en="How was your purchase?",
            title_zh="您对本次购买满意吗？",
            audience=SurveyAudience.END_CUSTOMERS,
            valid_days=30,
        ),
        actor=admin,
    )
    question = surveys.add_question(
        survey,
        surveys.QuestionFields(
            kind=QuestionKind.CSAT, text_en="How satisfied are you with your purchase?", text_zh="您对本次购买满意吗？"
        ),
        actor=admin,
    )
    remark = surveys.add_question(
        survey,
        surveys.QuestionFields(
            kind=QuestionKind.TEXT, text_en="What could we do better?", text_zh="我们还能做得更好吗？", required=False
        ),
        actor=admin,
    )
    surveys.send_survey(survey, actor=admin, now=now - timedelta(days=20))  # no customer has consented by mail
    customers = db.session.scalars(
        select(Customer)
        .where(Customer.partner_id == clerk.partner_id)
        .order_by(Customer.id)
        .limit(len(CUSTOMER_ANSWERS))
    ).all()
    for customer, (score, words) in zip(customers, CUSTOMER_ANSWERS, strict=False):
        link = surveys.hand_out_link(survey, customer.code, actor=clerk, now=now - timedelta(days=15))
        invitation = surveys.invitation_for(survey.id, link.rsplit("/", 1)[1])
        surveys.record_response(
            invitation, {f"q{question.id}": str(score), f"q{remark.id}": words}, now=now - timedelta(days=10)
        )


# (customer's words, what was done, contact, days ago, what the partner did with it)
COMPLAINTS = [
    ("两台电钻用了一周开关就失灵，要求换货。", "已上门查看，确认开关损坏。", ("李娜", "13912345678"), 3, "escalated"),
    ("送货晚了三天，耽误了工地开工。", "已致歉并减免运费。", ("王强", "13698765432"), 10, "resolved"),
    ("电钻电池续航比说明书短很多。", "", ("张敏", "13511112222"), 1, "open"),
]


def _seed_complaints(users: dict[str, User], drill: Product | None, now: datetime) -> None:
    """A few complaints of Huanan's end customers: one escalated to the brand, one resolved, one open."""
    clerk = users["sales@huanan.example"]
    customers = db.session.scalars(
        select(Customer).where(Customer.partner_id == clerk.partner_id).order_by(Customer.id).limit(len(COMPLAINTS))
    ).all()
    for customer, (words, done, (name, phone), days_ago, story) in zip(customers, COMPLAINTS, strict=False):
        complaint = complaints.log_complaint(
            complaints.ComplaintFields(
                customer=customer,
                product=drill,
                category=CaseCategory.DELIVERY if "送货" in words else CaseCategory.PRODUCT_QUALITY,
                severity=CasePriority.HIGH if story == "escalated" else CasePriority.NORMAL,
                customer_words=words,
                action_taken=done,
                contact_name=name,
                contact_phone=phone,
            ),
            actor=clerk,
            now=now - timedelta(days=days_ago),
        )
        if story == "escalated":
            complaints.escalate_complaint(complaint, actor=clerk)
        elif story == "resolved":
            complaints.resolve_complaint(complaint, done, actor=clerk)


def _working_morning(now: datetime, days_ago: float) -> datetime:
    """10:00 in the brand's time zone on the day `days_ago` before now (cases are opened in office hours, so the
    demo's response times read as business hours), unless that is not yet two hours ago."""
    moment = now - timedelta(days=days_ago)
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    morning = datetime.combine(moment.astimezone(zone).date(), time(10), tzinfo=zone).astimezone(UTC)
    return morning if morning < now - timedelta(hours=2) else moment


def _later(opened: datetime, hours: float) -> datetime:
    return min(opened + timedelta(hours=hours), utcnow())


def _tell(row, story: str, requester: User, staff: User, opened: datetime) -> None:
    """Work the case as far as its story goes."""
    if story in ("new", "unanswered"):
        return
    cases.assign_case(row, staff, actor=staff)
    cases.reply_to_case(row, _first_reply(requester), actor=staff, now=_later(opened, 2))
    cases.add_note(row, "Checked with the warehouse: batch 2026-10-B.", actor=staff)
    if story == "waiting":
        cases.change_status(row, CaseStatus.WAITING, actor=staff, now=_later(opened, 3))
    elif story in ("resolved", "reopened", "closed"):
        cases.change_status(row, CaseStatus.RESOLVED, actor=staff, now=_later(opened, 20))
        if story == "reopened":
            cases.reopen_case(row, _reopen_reason(requester), actor=requester, now=_later(opened, 30))
        elif story == "closed":
            cases.change_status(row, CaseStatus.CLOSED, actor=staff, now=_later(opened, 24 * 15))


def _first_reply(requester: User) -> str:
    if requester.locale == "zh_Hans_CN":
        return "您好，我们已收到，正在和仓库核实，请提供批次号。"
    return "Thank you, we are looking into it. Could you send us the batch number?"


def _reopen_reason(requester: User) -> str:
    if requester.locale == "zh_Hans_CN":
        return "换货后的充电器还是发热，问题没有解决。"
    return "The replacement has the same problem."
