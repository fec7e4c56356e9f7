"""The region tree: ISO 3166 countries and subdivisions in both languages, Chinese prefecture-level cities."""
from __future__ import annotations

from sqlalchemy import func, select

from partners.models import Region, RegionLevel
from partners.regions import load_regions, region_by_code, search_regions


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


def test_search_finds_regions_in_either_language(db):
    assert region_by_code("CN-440300") in search_regions("深圳")
    assert region_by_code("DE-BY") in search_regions("bayern")
