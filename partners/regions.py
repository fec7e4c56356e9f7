"""The region tree: ISO 3166 countries and first-level subdivisions (pycountry), China's prefecture-level cities."""

from __future__ import annotations

import csv
import gettext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import select

from partners.models import Region, RegionLevel
from portal.extensions import db
from portal.i18n import pick, sort_key

CN_CITIES = Path(__file__).parent / "data" / "cn_cities.csv"
REGION_NAMES = Path(__file__).parent / "data" / "region_names.csv"  # where pycountry's names fall short


@dataclass(frozen=True)
class RegionRow:
    code: str
    parent_code: str | None
    level: RegionLevel
    name_en: str
    name_zh: str


def _zh(domain: str):
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True).gettext


def region_rows() -> list[RegionRow]:
    """Every region the tree holds, parents before children."""
    countries_zh, subdivisions_zh = _zh("iso3166-1"), _zh("iso3166-2")
    with REGION_NAMES.open(encoding="utf-8", newline="") as handle:
        names = {row["code"]: row for row in csv.DictReader(handle)}
    no_names = {"name_en": "", "name_zh": ""}
    rows = [
        RegionRow(
            c.alpha_2,
            None,
            RegionLevel.COUNTRY,
            names.get(c.alpha_2, no_names)["name_en"] or getattr(c, "common_name", c.name),
            names.get(c.alpha_2, no_names)["name_zh"] or countries_zh(c.name),
        )
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    ]
    rows += [
        RegionRow(
            s.code,
            s.country_code,
            RegionLevel.SUBDIVISION,
            names.get(s.code, no_names)["name_en"] or s.name,
            names.get(s.code, no_names)["name_zh"] or subdivisions_zh(s.name),
        )
        for s in sorted(pycountry.subdivisions, key=lambda s: s.code)
        if s.parent_code is None
    ]
    with CN_CITIES.open(encoding="utf-8", newline="") as handle:
        rows += [
            RegionRow(f"CN-{row['adcode']}", row["province_code"], RegionLevel.CITY, row["name_en"], row["name_zh"])
            for row in csv.DictReader(handle)
        ]
    return rows


def load_regions() -> int:
    """Insert missing regions and refresh names of known ones; running it again changes nothing. Caller commits."""
    existing = {region.code: region for region in db.session.scalars(select(Region))}
    paths = {code: region.path for code, region in existing.items()}
    ids = {code: region.id for code, region in existing.items()}
    added = 0
    rows = region_rows()
    for level in RegionLevel:  # parents get their ids before their children are inserted
        new_regions = []
        for row in (r for r in rows if r.level is level):
            path = f"{paths[row.parent_code] if row.parent_code else '/'}{row.code}/"
            region = existing.get(row.code)
            if region is None:
                region = Region(
                    code=row.code, level=row.level, parent_id=ids.get(row.parent_code) if row.parent_code else None
                )
                new_regions.append(region)
            region.name_en, region.name_zh, region.path = row.name_en, row.name_zh, path
            paths[row.code] = path
        db.session.add_all(new_regions)
        db.session.flush()
        ids.update({region.code: region.id for region in new_regions})
        added += len(new_regions)
    return added


def region_by_code(code: str) -> Region | None:
    return db.session.scalar(select(Region).where(Region.code == code.strip().upper()))


def child_regions(parent: Region | None) -> list[Region]:
    """Countries (no parent), or the regions directly under one, in the reader's order: by pinyin in Chinese,
    alphabetically in English."""
    query = select(Region).where(Region.parent_id == parent.id if parent else Region.parent_id.is_(None))
    return sorted(db.session.scalars(query), key=lambda region: sort_key(region.name))


def names_under(parent: Region | None) -> dict[str, str]:
    """Code → name, in the reader's language, of the regions directly under `parent` (countries for None), in no
    order: what a map titles its regions with (child_regions would sort 249 countries by pinyin for nothing)."""
    query = select(Region.code, Region.name_en, Region.name_zh).where(
        Region.parent_id == parent.id if parent else Region.parent_id.is_(None)
    )
    return {code: pick(name_en, name_zh) for code, name_en, name_zh in db.session.execute(query)}


def fill_region_choices(form) -> None:
    """Fill a RegionPickerForm's lists: every country, the chosen country's subdivisions, their cities."""
    from flask_babel import gettext as _

    from portal.forms import options

    country = region_by_code(form.country.data) if form.country.data else None
    subdivision = region_by_code(form.subdivision.data) if form.subdivision.data else None
    if subdivision is not None and (country is None or subdivision.parent_id != country.id):
        subdivision = None
    form.country.choices = options([("", _("Choose a country"))] + [(r.code, r.name) for r in child_regions(None)])
    form.subdivision.choices = options(
        [("", _("Choose a province or state"))]
        + ([(r.code, r.name) for r in child_regions(country)] if country else [])
    )
    form.city.choices = options(
        [("", _("No city from the list"))]
        + ([(r.code, r.name) for r in child_regions(subdivision)] if subdivision else [])
    )
    if hasattr(form, "regions_applied"):
        form.regions_applied.choices = options([(r.code, r.name) for r in child_regions(country)] if country else [])


def picked_region(form: Any) -> Region:
    """The most specific region chosen in a validated RegionPickerForm (its country is required, and every choice
    is one of the tree's regions)."""
    for code in (form.city.data, form.subdivision.data, form.country.data):
        region = region_by_code(code) if code else None
        if region is not None:
            return region
    raise ValueError("picked_region() needs a validated region picker")


def preset_region_picker(form, region: Region | None) -> None:
    """Put an existing region into the picker's fields."""
    chain = []
    while region is not None:
        chain.append(region)
        region = region.parent
    for field_name, node in zip(("country", "subdivision", "city"), reversed(chain), strict=False):
        getattr(form, field_name).data = node.code
