"""Bulk onboarding from CSV or XLSX: every row checked first, all or nothing, the same file twice changes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from partners.bulk_import import import_partners
from partners.models import Partner, PartnerTier, PartnerType
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, Role
from portal.tabular import TableRejected, write_xlsx
from tests.builders import make_partner, make_user

HEADER = "partner_code,name,type,tier,country,province,city,contact_email\n"
LIMIT = 5 * 1024 * 1024


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def run(admin, content: bytes | str, filename: str = "partners.csv", encoding: str = "utf-8"):
    data = content.encode(encoding) if isinstance(content, str) else content
    return import_partners(io.BytesIO(data), filename, actor=admin, max_bytes=LIMIT)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_valid_file_creates_partners_in_the_right_regions_and_invites_contacts(db, admin):
    result = run(
        admin,
        HEADER + "P-CN-0101,广州南方贸易有限公司,分销商,银牌,中国,广东省,广州市,li@nanfang.example\n"
        "P-US-0101,Evergreen Supply LLC,wholesaler,gold,US,Washington,Seattle,jane@evergreen.example\n"
        "P-DE-0101,Nord Handel GmbH,reseller,,Germany,DE-HH,,\n",
    )
    assert result.ok and (result.rows, result.created, result.invited) == (3, 3, 2)
    guangzhou = db.session.scalars(select(Partner).where(Partner.code == "P-CN-0101")).one()
    assert guangzhou.region.code == "CN-440100" and guangzhou.city_text is None
    assert guangzhou.partner_type is PartnerType.DISTRIBUTOR and guangzhou.tier is PartnerTier.SILVER
    seattle = db.session.scalars(select(Partner).where(Partner.code == "P-US-0101")).one()
    assert seattle.region.code == "US-WA" and seattle.city_text == "Seattle"
    hamburg = db.session.scalars(select(Partner).where(Partner.code == "P-DE-0101")).one()
    assert hamburg.region.code == "DE-HH" and hamburg.tier is PartnerTier.REGISTERED
    contact = db.session.scalars(select(User).where(User.email == "li@nanfang.example")).one()
    assert contact.role is Role.PARTNER_ADMIN and contact.partner is guangzhou


def test_the_same_file_twice_changes_nothing(db, admin):
    content = HEADER + "P-CN-0101,广州南方贸易有限公司,distributor,silver,CN,CN-GD,Guangzhou,li@nanfang.example\n"
    assert run(admin, content).created == 1
    before = (count(db, Partner), count(db, User), count(db, AuditEntry), count(db, OutboxMessage))
    second = run(admin, content)
    assert (second.created, second.updated, second.unchanged, second.invited) == (0, 0, 1, 0)
    assert (count(db, Partner), count(db, User), count(db, AuditEntry), count(db, OutboxMessage)) == before


def test_a_changed_row_updates_the_partner_with_an_audit_entry(db, admin):
    make_partner(code="P-CN-0101", name="Old Name", tier=PartnerTier.REGISTERED)
    result = run(admin, HEADER + "P-CN-0101,New Name Co,distributor,gold,CN,CN-GD,,\n")
    assert result.updated == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.reason == "import partners.csv")).one()
    assert entry.changes["tier"] == ["registered", "gold"] and entry.changes["legal_name"] == [
        "Old Name",
        "New Name Co",
    ]


def test_chinese_headers_in_a_gbk_file(db, admin):
    content = (
        "伙伴编码,名称,类型,等级,国家,省份,城市,联系人邮箱\n"
        "P-CN-0201,深圳前海供应链有限公司,批发商,金牌,中国,广东,深圳,\n"
    )
    result = run(admin, content, encoding="gbk")
    assert result.ok and result.created == 1
    partner = db.session.scalars(select(Partner).where(Partner.code == "P-CN-0201")).one()
    assert partner.legal_name == "深圳前海供应链有限公司" and partner.region.code == "CN-440300"


def test_utf8_with_bom_and_xlsx(db, admin):
    assert run(admin, "\ufeff" + HEADER + "P-X-1,A Co,agent,,Japan,,,\n").created == 1
    workbook = write_xlsx(
        ["partner_code", "name", "type", "country", "province"], [["P-X-2", "B Co", "agent", "JP", "Tokyo"]]
    )
    assert run(admin, workbook, filename="partners.xlsx").created == 1


def test_every_bad_row_is_listed_and_nothing_is_written(db, admin):
    before = count(db, Partner)
    result = run(
        admin,
        HEADER + "P-OK-1,Good Co,agent,,CN,,,\n"
        "bad code!,Bad Code Co,agent,,CN,,,\n"
        "P-OK-2,,martian,diamond,Atlantis,,,not-an-email\n"
        "P-OK-3,Wrong Province,agent,,CN,Bayern,,\n"
        "P-OK-1,Duplicate Co,agent,,CN,,,\n",
    )
    assert not result.ok
    where = {(error.row, error.column) for error in result.errors}
    assert where == {
        (3, "partner_code"),
        (4, "name"),
        (4, "type"),
        (4, "tier"),
        (4, "country"),
        (4, "contact_email"),
        (5, "province"),
        (6, "partner_code"),
    }
    assert count(db, Partner) == before


def test_departements_and_names_in_other_languages_land_in_the_region_above(db, admin):
    """A reseller list names French départements as AdventureWorks writes them; each partner is placed in the
    département's region, the département kept as its city text unless the row names a city."""
    result = run(
        admin,
        HEADER + "P-FR-0001,Paris Cycles,reseller,,FR,Seine (Paris),,\n"
        "P-FR-0002,Toulouse Vélo,reseller,,France,Garonne (Haute),Toulouse,\n"
        "P-FR-0003,Neuilly Sports,reseller,,Frankreich,92,,\n"
        "P-FR-0004,Roissy Bikes,reseller,,FR,Val d'Oise,Roissy-en-France,\n"
        "P-DE-0001,Radhaus München,reseller,,Allemagne,Bavière,München,\n",
    )
    assert result.ok and result.created == 5, result.errors
    placed = {p.code: (p.region.code, p.city_text) for p in db.session.scalars(select(Partner))}
    assert placed["P-FR-0001"] == ("FR-IDF", "Paris")
    assert placed["P-FR-0002"] == ("FR-OCC", "Toulouse")
    assert placed["P-FR-0003"] == ("FR-IDF", "Hauts-de-Seine")
    assert placed["P-FR-0004"] == ("FR-IDF", "Roissy-en-France")
    assert placed["P-DE-0001"] == ("DE-BY", "München")
    assert run(admin, HEADER + "P-FR-0003,Neuilly Sports,reseller,,FR,Hauts de Seine,,\n").unchanged == 1


def test_a_close_but_wrong_name_is_refused_with_the_nearest_valid_one(db, admin):
    before = count(db, Partner)
    result = run(
        admin,
        HEADER + "P-CA-0001,Maritime Wheels,reseller,,Canada,Brunswick,Moncton,\n"
        "P-FR-0001,Vélo Club,reseller,,Frnace,,,\n"
        "P-FR-0002,Vélo Sud,reseller,,FR,Xyzzy,,\n",
    )
    assert [(error.row, error.column, str(error.message)) for error in result.errors] == [
        (2, "province", "Unknown province or state of Canada: Brunswick — did you mean New Brunswick?"),
        (3, "country", "Unknown country: Frnace — did you mean France?"),
        (4, "province", "Unknown province or state of France: Xyzzy."),
    ]
    assert count(db, Partner) == before


def test_a_contact_of_another_partner_is_refused(db, admin):
    make_user(make_partner(code="P-OTHER"), email="busy@example.com")
    result = run(admin, HEADER + "P-NEW-1,New Co,agent,,CN,,,busy@example.com\n")
    assert [(e.row, e.column) for e in result.errors] == [(2, "contact_email")]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02binary\x00" * 50, "not a CSV or XLSX"),
        (b"PK\x03\x04 this is no workbook", "not a CSV or XLSX"),
        (b"name,type\nA,agent\n", "missing"),
        (b"partner_code,name,type,country\n", "no rows"),
        (b"partner_code,name,type,country\n\xff\xfe\xfa,\x81\x30,agent,CN\n", "neither UTF-8 nor GBK"),
    ],
)
def test_unreadable_files_get_one_clear_reason(admin, content, message):
    try:
        result = run(admin, content)
    except TableRejected as rejected:
        errors = rejected.errors
    else:
        errors = result.errors
    assert any(message in str(error.message) for error in errors), errors


def test_a_file_over_the_limit_is_refused_before_reading(admin):
    with pytest.raises(TableRejected, match="larger than"):
        import_partners(io.BytesIO(HEADER.encode() + b"x" * 2048), "big.csv", actor=admin, max_bytes=1024)


def test_only_admins_import(db, every_partner):
    with pytest.raises(PermissionDenied):
        run(make_user(role=Role.CHANNEL_MANAGER), HEADER)


def test_a_thousand_partners_in_one_go_and_again_unchanged(db, admin):
    rows = "".join(f"P-BULK-{n:04d},Bulk Partner {n} Co.,distributor,registered,CN,CN-GD,,\n" for n in range(1000))
    result = run(admin, HEADER + rows)
    assert result.ok and result.created == 1000
    again = run(admin, HEADER + rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1000)
