"""Demo data for `make run`: a brand admin, two channel managers, three partners in three countries."""
from __future__ import annotations

from partners.models import Partner, PartnerTier, PartnerType
from partners.regions import load_regions, region_by_code
from portal.auth.models import User
from portal.auth.services import hash_password
from portal.extensions import db
from portal.security import Role

DEMO_PASSWORD = "qudao-demo-2026"

PARTNERS = [
    # code, legal name, type, tier, region, city outside the tree
    ("P-GD-0001", "深圳华南电子分销有限公司", PartnerType.DISTRIBUTOR, PartnerTier.GOLD, "CN-440300", None),
    ("P-US-0001", "Cascade Wholesale Supply Inc.", PartnerType.WHOLESALER, PartnerTier.SILVER, "US-WA", "Seattle"),
    ("P-DE-0001", "Alpen Fachhandel GmbH", PartnerType.RESELLER, PartnerTier.REGISTERED, "DE-BY", "München"),
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


def seed_demo() -> list[tuple[str, str, str]]:
    """Add the demo partners and users; the caller commits."""
    load_regions()
    partners = {}
    for code, name, partner_type, tier, region_code, city in PARTNERS:
        partners[code] = Partner(code=code, legal_name=name, partner_type=partner_type, tier=tier,
                                 region=region_by_code(region_code), city_text=city)
    db.session.add_all(partners.values())
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, partner_code, locale, region_codes in USERS:
        db.session.add(User(
            email=email, name=name, role=role, partner=partners.get(partner_code), locale=locale,
            password_hash=password_hash, regions=[region_by_code(code) for code in region_codes],
        ))
    db.session.flush()
    return [(role.value, email, DEMO_PASSWORD) for email, _name, role, *_rest in USERS]
