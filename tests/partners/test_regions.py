"""The region tree: ISO 3166 countries and subdivisions in both languages, Chinese prefecture-level cities; and
finding its regions from a spreadsheet's country, province and city texts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partners.models import Region, RegionLevel
from partners.region_lookup import SUGGESTION_CUTOFF, RegionIndex, _nearness, region_names
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


# Looking regions up from what a spreadsheet says (partners.region_lookup).


def find(country: str, province: str = "", city: str = "") -> tuple[str | None, str | None, str | None]:
    """(region code, city text, error message) for one row's texts."""
    match = RegionIndex().find(country, province, city)
    return (
        match.region.code if match.region else None,
        match.city_text,
        str(match.error[1]) if match.error else None,
    )


@pytest.mark.parametrize(
    "province, region, city_text",
    [
        ("Essonne", "FR-IDF", "Essonne"),
        ("FR-91", "FR-IDF", "Essonne"),
        ("91", "FR-IDF", "Essonne"),
        ("fr-92", "FR-IDF", "Hauts-de-Seine"),
        ("Gers", "FR-OCC", "Gers"),
        ("Bas-Rhin", "FR-GES", "Bas-Rhin"),  # a département of Alsace, itself part of Grand Est: two levels up
        ("2A", "FR-20R", "Corse-du-Sud"),
        ("Île-de-France", "FR-IDF", None),  # a region is in the tree itself
        ("IDF", "FR-IDF", None),
    ],
)
def test_french_departements_by_name_or_code_sit_under_their_region(db, province, region, city_text):
    assert find("France", province) == (region, city_text, None)


def test_a_departement_with_a_city_keeps_the_city(db):
    assert find("FR", "Essonne", "Évry") == ("FR-IDF", "Évry", None)


@pytest.mark.parametrize(
    "country, province, region, city_text",
    [
        ("Deutschland", "Bavière", "DE-BY", None),  # German country name, French name of Bayern
        ("Allemagne", "Baviera", "DE-BY", None),
        ("Spanien", "Andalusien", "ES-AN", None),
        ("Espagne", "Saragosse", "ES-AR", "Saragosse"),  # a Spanish province, in French, under its community
        ("ES", "Lérida", "ES-CT", "Lérida"),  # ISO's alternative name: "Lleida [Lérida]"
        ("GB", "Cymru", "GB-WLS", None),
    ],
)
def test_names_in_other_languages_pycountry_knows(db, country, province, region, city_text):
    assert find(country, province) == (region, city_text, None)


@pytest.mark.parametrize(
    "province, region, city_text",
    [
        ("Hauts de Seine", "FR-IDF", "Hauts-de-Seine"),
        ("Seine Saint Denis", "FR-IDF", "Seine-Saint-Denis"),
        ("Loir et Cher", "FR-CVL", "Loir-et-Cher"),
        ("Pas de Calais", "FR-HDF", "Pas-de-Calais"),
        ("Val d'Oise", "FR-IDF", "Val-d'Oise"),
        ("val d’oise", "FR-IDF", "Val-d'Oise"),
        ("Garonne (Haute)", "FR-OCC", "Haute-Garonne"),
        ("Seine (Paris)", "FR-IDF", "Paris"),
        ("CHARENTE MARITIME", "FR-NAQ", "Charente-Maritime"),
        ("Ile de France", "FR-IDF", None),
    ],
)
def test_adventureworks_spellings_are_the_iso_names_folded(db, province, region, city_text):
    assert find("FR", province) == (region, city_text, None)


def test_a_close_name_gets_the_nearest_valid_one_within_the_country(db):
    assert find("CA", "Brunswick") == (
        None,
        None,
        "Unknown province or state of Canada: Brunswick — did you mean New Brunswick?",
    )
    assert find("FR", "Yveline")[2].endswith("did you mean Yvelines?")
    assert find("Frnace")[2] == "Unknown country: Frnace — did you mean France?"
    # Bayern is a German Land: in China it is simply unknown
    assert find("CN", "Bayern")[2] == "Unknown province or state of China: Bayern."
    assert find("Atlantis")[2] == "Unknown country: use its name or its ISO code."


def test_a_suggestion_needs_a_score_at_the_cutoff(db):
    """One letter wrong in five is near enough, in four it is not."""
    assert _nearness("frnace", "france") > _nearness("texes", "texas") == _nearness("brzl", "brazil")
    assert _nearness("texes", "texas") == SUGGESTION_CUTOFF
    assert SUGGESTION_CUTOFF > _nearness("ohia", "ohio") and SUGGESTION_CUTOFF > _nearness("grmn", "germany")
    assert find("US", "Texes")[2].endswith("did you mean Texas?")
    assert find("Brzl")[2].endswith("did you mean Brazil?")
    assert find("US", "Ohia")[2] == "Unknown province or state of United States: Ohia."
    assert find("Grmn")[2] == "Unknown country: use its name or its ISO code."


def test_a_typed_name_never_suggests_a_shorter_one_inside_it(db):
    """Val-fe-Marne holds the word Marne, but it is a misspelt Val-de-Marne."""
    assert find("FR", "Val-fe-Marne")[2].endswith("did you mean Val-de-Marne?")


def test_the_suggestion_is_in_the_language_written_and_else_the_readers(app, db):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            chinese = find("CA", "新布伦瑞克")[2]
            latin = find("CA", "Brunswick")[2]
        with force_locale("en"):
            english = find("CA", "Brunswick")[2]
    assert "新不伦瑞克" in chinese and english.endswith("did you mean New Brunswick?")
    assert "New Brunswick" in latin  # not its French, Spanish or Hungarian name, which match as well


def test_a_name_at_two_levels_is_the_first_level_one_and_one_in_two_regions_is_refused(db):
    # La Rioja is an autonomous community and, inside it, a province of the same name
    assert find("ES", "La Rioja") == ("ES-RI", None, None)
    assert find("ES", "ES-LO") == ("ES-RI", "La Rioja", None)
    # Hsinchu is a city and a county, both first-level
    assert find("TW", "Hsinchu") == (
        None,
        None,
        "Hsinchu names several provinces or states of Taiwan (TW-HSQ, TW-HSZ): use the code.",
    )


def test_chinese_provinces_and_cities_and_us_states_as_before(db):
    assert find("中国", "广东省", "深圳市") == ("CN-440300", None, None)
    assert find("CN", "广东", "Shenzhen") == ("CN-440300", None, None)
    assert find("CN", "GD", "Nowhere Town") == ("CN-GD", "Nowhere Town", None)
    assert find("China", "Guangxi") == ("CN-GX", None, None)
    assert find("USA", "Washington", "Seattle") == ("US-WA", "Seattle", None)
    assert find("US", "WA") == ("US-WA", None, None)
    assert find("Japan", "", "Osaka") == ("JP", "Osaka", None)


def test_names_are_indexed_once_per_process_and_regions_read_per_index(db):
    assert region_names() is region_names()
    index = RegionIndex()
    assert index.region("FR-IDF") is index.region("FR-IDF") is region_by_code("FR-IDF")
