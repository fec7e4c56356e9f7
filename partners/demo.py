"""Demo data for `make run`: a brand admin, two channel managers, four partners in three countries with their staff."""

from __future__ import annotations

from datetime import datetime, timedelta

from partners.models import (
    AgreementAcceptance,
    AgreementVersion,
    ApplicationStatus,
    OnboardingMilestone,
    OnboardingStep,
    Partner,
    PartnerApplication,
    PartnerTier,
    PartnerType,
    ProductLine,
)
from partners.onboarding import PRIVACY_NOTICE_VERSION
from partners.regions import load_regions, region_by_code
from portal.auth.models import User
from portal.auth.passwords import DEMO_PASSWORD
from portal.auth.services import hash_password
from portal.database import utcnow
from portal.extensions import db
from portal.security import Role

PARTNERS = [
    # code, legal name, type, tier, region, city outside the tree
    ("P-GD-0001", "深圳华南电子分销有限公司", PartnerType.DISTRIBUTOR, PartnerTier.GOLD, "CN-440300", None),
    ("P-US-0001", "Cascade Wholesale Supply Inc.", PartnerType.WHOLESALER, PartnerTier.SILVER, "US-WA", "Seattle"),
    ("P-DE-0001", "Alpen Fachhandel GmbH", PartnerType.RESELLER, PartnerTier.REGISTERED, "DE-BY", "München"),
    ("P-CN-0001", "华夏工具全国代理有限公司", PartnerType.AGENT, PartnerTier.SILVER, "CN-BJ", None),
]

USERS = [
    # email, name, role, partner code, language, regions
    ("admin@qudao.example", "王敏 Wang Min", Role.ADMIN, None, "zh_Hans_CN", ()),
    ("manager.south@qudao.example", "李娜 Li Na", Role.CHANNEL_MANAGER, None, "zh_Hans_CN", ("CN-GD", "CN-GX")),
    ("manager.intl@qudao.example", "Anna Schmidt", Role.CHANNEL_MANAGER, None, "en", ("US", "DE")),
    ("admin@huanan.example", "陈伟 Chen Wei", Role.PARTNER_ADMIN, "P-GD-0001", "zh_Hans_CN", ()),
    ("sales@huanan.example", "赵丽 Zhao Li", Role.PARTNER_USER, "P-GD-0001", "zh_Hans_CN", ()),
    ("admin@cascade.example", "Mike Johnson", Role.PARTNER_ADMIN, "P-US-0001", "en", ()),
    ("admin@alpen.example", "Julia Bauer", Role.PARTNER_ADMIN, "P-DE-0001", "en", ()),
]

# Each partner's sales staff, beyond the logins above: they answer the demo's partner survey (service/demo.py).
# (partner code, mail domain, language, names)
STAFF = [
    ("P-GD-0001", "huanan.example", "zh_Hans_CN", "刘洋 孙静 周杰 吴芳 郑浩 冯雪 何磊 许婷 韩冰 曹阳"),
    ("P-US-0001", "cascade.example", "en", "Emily-Davis Ryan-Clark Laura-Lewis Kevin-Walker Sarah-Hall Brian-Young"),
    ("P-DE-0001", "alpen.example", "en", "Lukas-Weber Anna-Fischer Felix-Wagner Lena-Becker Jonas-Hoffmann Marie-Koch"),
    ("P-CN-0001", "huaxia.example", "zh_Hans_CN", "马超 朱丹 胡军 林琳 高峰 罗敏"),
]


PRODUCT_LINES = [
    ("PWR", "Power tools", "电动工具"),
    ("HND", "Hand tools", "手动工具"),
    ("SAF", "Safety equipment", "安全防护"),
]

AGREEMENT_EN = """1. The partner sells the brand's products in the regions and product lines assigned to it.
2. The partner reports its sales and end customers every month, by the 10th of the following month.
3. The brand supports the partner with training, marketing funds and protection of registered deals.
4. Either side may end the partnership with 90 days' written notice."""
AGREEMENT_ZH = """1. 伙伴在分配给它的地区和产品线内销售品牌产品。
2. 伙伴每月报告销售和终端客户，截止日期为次月10日。
3. 品牌通过培训、市场基金和报备商机保护支持伙伴。
4. 任何一方可提前90天书面通知终止合作。"""


def _days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def _joined(partner: Partner, days: float) -> None:
    partner.created_at = _days_ago(days)
    partner.joined_on = partner.status_since = partner.created_at.date()


def _seed_onboarding(partners: dict[str, Partner], users: dict[str, User]) -> None:
    """Two partners that came through applications (with their dates), a partner half-way through its
    checklist, one application waiting and one flagged as a duplicate."""
    db.session.flush()  # partner ids for the milestones
    lines = {code: ProductLine(code=code, name_en=en, name_zh=zh) for code, en, zh in PRODUCT_LINES}
    db.session.add_all(lines.values())
    agreement = AgreementVersion(
        version="2026.1",
        title_en="Partner agreement",
        title_zh="渠道伙伴协议",
        body_en=AGREEMENT_EN,
        body_zh=AGREEMENT_ZH,
        published_at=_days_ago(200),
    )
    db.session.add(agreement)
    history = [  # partner, applied, approved, first login (days ago)
        ("P-GD-0001", 400, 394, 392.5, "91440300MA5F00001A", "陈伟 Chen Wei", "admin@huanan.example"),
        ("P-US-0001", 200, 191, 188, None, "Mike Johnson", "admin@cascade.example"),
        ("P-DE-0001", 20, 16, 15, None, "Julia Bauer", "admin@alpen.example"),
    ]
    for code, applied, approved, first_login, number, contact, email in history:
        partner = partners[code]
        _joined(partner, approved)
        db.session.add(
            PartnerApplication(
                legal_name=partner.legal_name,
                partner_type=partner.partner_type,
                registration_number=number,
                region=partner.region,
                city_text=partner.city_text,
                contact_name=contact,
                contact_email=email,
                contact_phone="+00 000 0000",
                privacy_notice_version=PRIVACY_NOTICE_VERSION,
                status=ApplicationStatus.APPROVED,
                created_at=_days_ago(applied),
                reviewed_at=_days_ago(approved),
                approved_at=_days_ago(approved),
                partner=partner,
                product_lines=[lines["PWR"]],
                reviewed_by=users["admin@qudao.example"],
            )
        )
        db.session.add(
            OnboardingMilestone(
                partner_id=partner.id, step=OnboardingStep.FIRST_LOGIN, reached_at=_days_ago(first_login)
            )
        )
    _joined(partners["P-CN-0001"], 700)  # the national agent, onboarded before Qudao
    # 深圳华南 has done everything that exists so far; Alpen is half-way: agreement and profile, no colleague yet.
    huanan, alpen = partners["P-GD-0001"], partners["P-DE-0001"]
    huanan.registration_number, huanan.address, huanan.phone = (
        "91440300MA5F00001A",
        "深圳市南山区科技园1号",
        "+86 755 8888 0001",
    )
    huanan.product_lines = [lines["PWR"], lines["HND"]]
    alpen.address, alpen.phone, alpen.registration_number = (
        "Leopoldstraße 1, 80802 München",
        "+49 89 0000 0000",
        "HRB 123456",
    )
    alpen.product_lines = [lines["SAF"]]
    for partner, admin_email, days in ((huanan, "admin@huanan.example", 391), (alpen, "admin@alpen.example", 14)):
        db.session.add(
            AgreementAcceptance(
                partner_id=partner.id,
                agreement=agreement,
                user=users[admin_email],
                accepted_at=_days_ago(days),
                ip_address="127.0.0.1",
            )
        )
        db.session.add(
            OnboardingMilestone(partner_id=partner.id, step=OnboardingStep.AGREEMENT, reached_at=_days_ago(days))
        )
        db.session.add(
            OnboardingMilestone(partner_id=partner.id, step=OnboardingStep.PROFILE, reached_at=_days_ago(days - 1))
        )
    db.session.add(OnboardingMilestone(partner_id=huanan.id, step=OnboardingStep.COLLEAGUE, reached_at=_days_ago(389)))
    # Waiting for review: a new distributor in Guangzhou, and a company that is already a partner.
    db.session.add(
        PartnerApplication(
            legal_name="广州南方五金贸易有限公司",
            partner_type=PartnerType.DISTRIBUTOR,
            registration_number="91440101MA59UXJ41U",
            region=region_by_code("CN-440100"),
            contact_name="刘洋",
            contact_email="liu.yang@nanfang.example",
            contact_phone="+86 20 8888 0000",
            privacy_notice_version=PRIVACY_NOTICE_VERSION,
            locale="zh_Hans_CN",
            created_at=_days_ago(2),
            product_lines=[lines["PWR"], lines["HND"]],
            regions_applied=[region_by_code("CN-GD")],
        )
    )
    db.session.add(
        PartnerApplication(
            legal_name="深圳华南电子分销股份有限公司",
            partner_type=PartnerType.RESELLER,
            registration_number="91440300MA5F00001A",
            region=region_by_code("CN-440300"),
            contact_name="黄强",
            contact_email="huang.qiang@example.com",
            contact_phone="+86 755 0000 1111",
            privacy_notice_version=PRIVACY_NOTICE_VERSION,
            locale="zh_Hans_CN",
            created_at=_days_ago(1),
            duplicate_note="P-GD-0001 深圳华南电子分销有限公司",
            product_lines=[lines["PWR"]],
        )
    )


def seed_demo() -> list[tuple[str, str, str]]:
    """Add the demo partners, users and onboarding state; the caller commits."""
    load_regions()
    partners = {}
    for code, name, partner_type, tier, region_code, city in PARTNERS:
        partners[code] = Partner(
            code=code,
            legal_name=name,
            partner_type=partner_type,
            tier=tier,
            region=region_by_code(region_code),
            city_text=city,
        )
    db.session.add_all(partners.values())
    password_hash = hash_password(DEMO_PASSWORD)
    users = {}
    for email, name, role, partner_code, locale, region_codes in USERS:
        users[email] = User(
            email=email,
            name=name,
            role=role,
            partner=partners.get(partner_code) if partner_code else None,
            locale=locale,
            password_hash=password_hash,
            regions=[region_by_code(code) for code in region_codes],
        )
    db.session.add_all(users.values())
    for partner_code, domain, locale, names in STAFF:
        for number, name in enumerate(names.split(), start=1):
            db.session.add(
                User(
                    email=f"staff{number:02d}@{domain}",
                    name=name.replace("-", " "),
                    role=Role.PARTNER_USER,
                    partner=partners[partner_code],
                    locale=locale,
                    password_hash=password_hash,
                )
            )
    _seed_onboarding(partners, users)
    db.session.flush()
    return [(role.value, email, DEMO_PASSWORD) for email, _name, role, *_rest in USERS]
