"""The region tree: ISO 3166 countries and subdivisions in both languages, Chinese prefecture-level cities."""

from __future__ import annotations

from sqlalchemy import func, select

from partners.models import Region, RegionLevel
from partners.regions import load_regions, region_by_code


def test_every_iso_country_is_loaded_with_both_names(db):
    assert db.session.scalar(select(func.count()).where(Region.level == RegionLevel.COUNTRY)) == 249
    china = region_by_code("CN")
    assert (china.name_en, china.name_zh) == ("China", "中国")


def test_foreign_subdivisions_sit_under_their_country(db):
    washington, bavaria = region_by_code("US-WA"), region_by_code("DE-BY")
    assert washington.parent.code == "US" and washington.path == "/US/US-WA/"
    assert washington.name_en == "Washington" and washington.name_zh == "华盛顿州"
    assert bavaria.name_en == "Bayern" and bavaria.parent.code == "DE"


def test_chinese_cities_sit_under_their_province(db):
    shenzhen = region_by_code("CN-440300")
    assert shenzhen.level is RegionLevel.CITY
    assert (shenzhen.name_zh, shenzhen.name_en) == ("深圳市", "Shenzhen")
    assert shenzhen.path == "/CN/CN-GD/CN-440300/"
    assert region_by_code("CN-GD").contains(shenzhen) and not region_by_code("CN-GX").contains(shenzhen)


def test_loading_again_changes_nothing(db):
    before = db.session.scalar(select(func.count()).select_from(Region))
    assert load_regions() == 0
    assert db.session.scalar(select(func.count()).select_from(Region)) == before


def test_every_province_of_china_has_an_english_name_and_a_chinese_one(db):
    """Ningxia and Baden-Württemberg once stayed untranslated, and English pages said "Guangdong Sheng"."""
    provinces = db.session.scalars(select(Region).where(Region.parent_id == region_by_code("CN").id)).all()
    assert len(provinces) == 34
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in region.name_zh) for region in provinces)
    assert not [r.name_en for r in provinces if r.name_en.endswith((" Sheng", " Shi", "Zizhiqu", " SAR"))]
    assert (region_by_code("CN-NX").name_zh, region_by_code("CN-NX").name_en) == ("宁夏回族自治区", "Ningxia")
    assert (region_by_code("CN-GD").name_en, region_by_code("CN-NM").name_en) == ("Guangdong", "Inner Mongolia")
    assert region_by_code("DE-BW").name_zh == "巴登-符腾堡州" and region_by_code("DE-BW").name_en == "Baden-Württemberg"


def test_countries_are_listed_by_pinyin_in_chinese_and_alphabetically_in_english(app, db):
    """The country list was in character-code order (不丹, 东帝汶, 中国…)."""
    from flask_babel import force_locale

    from partners.regions import child_regions

    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            chinese = [region.name_zh for region in child_regions(None)]
            provinces = [region.name_zh for region in child_regions(region_by_code("CN"))]
        with force_locale("en"):
            english = [region.name_en for region in child_regions(None)]
    assert chinese.index("阿富汗") < chinese.index("不丹") < chinese.index("中国")  # a(fu han), bu(dan), zhong(guo)
    assert provinces[:2] == ["安徽省", "澳门特别行政区"] and provinces[-1] == "浙江省"
    assert english.index("Åland Islands") < english.index("Albania") and english[-1] == "Zimbabwe"


def test_country_names_in_chinese_are_the_mainland_ones(db):
    """The apply form once offered 柬埔塞, 马尔他 and 瓜地马拉."""
    names = [region_by_code(code).name_zh for code in ("KH", "MT", "GT", "KR")]
    assert names == ["柬埔寨", "马耳他", "危地马拉", "韩国"]
