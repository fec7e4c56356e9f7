"""Finding a region of the tree from what a person typed in a spreadsheet: a country, then a province or state.

Accepted: ISO codes (`FR`, `FRA`; `FR-91` or `91`), and names in every language pycountry translates ISO 3166 into,
plus the tree's own English and Chinese names. A second-level subdivision (a French département, a Spanish
province) is not in the tree: it is placed under the first-level subdivision above it. Names are compared with
case, accents, spaces, hyphens and apostrophes folded, so "Hauts de Seine" is Hauts-de-Seine and "Garonne (Haute)"
is Haute-Garonne. A name that is close but wrong gets the nearest valid one as a suggestion.

The names come from pycountry and the tree's data files, which do not change while the process runs: they are
indexed once per process (`region_names()`: 70 locales, some 90,000 spellings, 1.5–2.5 s). Region rows come from
the database, so each `RegionIndex` (one per import) reads them itself, only those it needs, once each."""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pycountry
from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import select

from partners.models import Region, RegionLevel
from partners.regions import region_rows
from portal.extensions import db
from portal.i18n import is_chinese

# How near a wrong name must be to a valid one to be suggested (`_nearness`, 0–100). "Brunswick" for New
# Brunswick scores 100, "Frnace" for France 83 (two letters swapped), "Texes" for Texas 80 (one letter wrong in
# five); "Ohia" for Ohio scores 75 (one in four) and is not suggested, nor are unrelated names ("Bayern" among
# China's provinces). Of 196 names with one letter wrong, swapped or missing, 187 got a suggestion, all right.
SUGGESTION_CUTOFF = 80
_CN_SUFFIXES = ("省", "市", "自治区", "特别行政区", "壮族", "回族", "维吾尔", "州")
_CN_SUFFIX = re.compile(f"({'|'.join(_CN_SUFFIXES)})$")
_EN_SUFFIX = re.compile(r" (sheng|shi|zizhiqu|state|province|land)$")
_BRACKETS = re.compile(r"\s*\[([^\]]*)\]")  # ISO's alternative names: "Lleida [Lérida]", "Wales [Cymru GB-CYM]"
_PARENTHESES = re.compile(r"^(.*?)\s*\(([^)]*)\)\s*$")  # "Garonne (Haute)", "Seine (Paris)", "Sofia (stolitsa)"
_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str, separator: str = "") -> str:
    """Case and accents on Latin letters folded (é = e, ß = ss), every run of other non-letters (spaces, hyphens,
    apostrophes, parentheses) replaced by `separator`. Other marks stay: й is not и, and a Devanagari vowel sign
    is part of its word."""
    if text.isascii():  # most names: the quick way
        return _NOT_ALNUM.sub(separator, text.casefold()).strip(separator)
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.category(ch)[0] == "M":
            if out and out[-1] >= "\u0250":  # a mark on a Latin letter is an accent, dropped
                out.append(ch)
        elif ch.isalnum():
            out.append(ch)
        elif separator and out and out[-1] != separator:
            out.append(separator)
    return "".join(out).strip(separator)


def _spellings(name: str, translated: bool) -> Iterator[tuple[str, str, bool]]:
    """The spellings of one name: each with the name to show for it, and whether it is derived (a part of the
    name, or the name shortened) rather than a name in its own right."""
    main = _BRACKETS.sub("", name).strip() if "[" in name else name
    yield main, main, False
    if "[" in name:
        for inside in _BRACKETS.findall(name):
            if alternative := _CODE.sub("", inside).strip():
                yield alternative, alternative, False
    if "," in main:  # "Madrid, Comunidad de" is also Comunidad de Madrid
        head, _, tail = main.partition(",")
        yield f"{tail.strip()} {head.strip()}", main, True
    # "Guyane (française)" is also Guyane; not so in translations, where the part before the parentheses may be
    # another place: Welsh "Korea (Gweriniaeth Democrataidd Pobl)" is North Korea.
    if "(" in main and not translated and (match := _PARENTHESES.match(main)):
        yield match[1], main, True
    if main.endswith(_CN_SUFFIXES):  # 广东省 is also 广东
        yield _CN_SUFFIX.sub("", main), main, True
    elif " " in main and (shorter := _EN_SUFFIX.sub("", main.casefold())) != main.casefold():  # "Hubei Sheng"
        yield shorter, main, True


def _typed_variants(text: str) -> Iterator[str]:
    """What a typed name may stand for, most literal first: as written, parentheses reordered ("Garonne (Haute)"
    is Haute-Garonne), the part in parentheses ("Seine (Paris)": Paris), the part before them, without 省/市."""
    yield text
    if match := _PARENTHESES.match(text):
        yield f"{match[2]} {match[1]}"
        yield match[2]
        yield match[1]
    yield _CN_SUFFIX.sub("", text)


def _nearness(typed: str, name: str, **_: object) -> float:
    """How near a typed name is to a valid one, 0–100: the words in any order, or, for a longer name, the typed
    words all in it ("Brunswick": New Brunswick). Not the other way: "Val-fe-Marne" is not Marne."""
    whole = fuzz.token_sort_ratio(typed, name)
    return max(whole, fuzz.token_set_ratio(typed, name)) if len(name) > len(typed) else whole


class RegionName(NamedTuple):  # a tuple: the index holds some 90,000 of them
    """One way of writing one ISO code."""

    code: str  # the ISO code written
    tree_code: str  # the region of the tree it belongs to: the code itself, or the first-level subdivision above it
    name: str  # as shown to people, in the language it is written in
    language: str  # "en", "zh", a pycountry locale, or "" for the ISO name itself
    rank: tuple[int, int, int]  # lower wins: (0 code, 1 name, 2 derived spelling; levels below the tree; translated)

    @property
    def is_in_tree(self) -> bool:
        return self.code == self.tree_code


class _NameTable:
    """Folded spelling → the best-ranked names with that spelling (several when the spelling is ambiguous)."""

    def __init__(self) -> None:
        self.best: dict[str, list[RegionName]] = {}
        self._choices: tuple[list[str], list[list[RegionName]]] | None = None

    def add(self, spelling: str, entry: RegionName) -> None:
        key = _fold(spelling)
        if not key:
            return
        present = self.best.get(key)
        if present is None or entry.rank < present[0].rank:
            self.best[key] = [entry]
        elif entry.rank == present[0].rank and all(e.tree_code != entry.tree_code for e in present):
            present.append(entry)

    def add_name(self, name: str, code: str, tree_code: str, language: str, rank: tuple[int, int, int]) -> None:
        """A name and the spellings derived from it (those rank below every name in its own right)."""
        for spelling, shown, derived in _spellings(name, translated=rank[2] == 1):
            self.add(spelling, RegionName(code, tree_code, shown, language, (2, *rank[1:]) if derived else rank))

    def find(self, text: str) -> list[RegionName]:
        for variant in _typed_variants(text.strip()):
            if found := self.best.get(_fold(variant)):
                return found
        return []

    def choices(self) -> tuple[list[str], list[list[RegionName]]]:
        """Every name (no codes) with its words kept apart, for the fuzzy suggestion; made on first use."""
        if self._choices is None:
            by_text: dict[str, list[RegionName]] = {}
            for entries in self.best.values():
                for entry in entries:
                    if entry.rank[0] > 0:
                        by_text.setdefault(_fold(entry.name, " "), []).append(entry)
            self._choices = list(by_text), list(by_text.values())
        return self._choices

    def suggest(self, text: str) -> RegionName | None:
        """The nearest name to a wrong one, if near enough (see SUGGESTION_CUTOFF), in the language it matched in.
        Of equal scores the first level wins, then a name in the reader's language ("Brunswick": New Brunswick,
        not Nouveau-Brunswick), then the ISO name, then the name nearest as a whole ("North": North Dakota)."""
        texts, entries = self.choices()
        query = _fold(text, " ")
        found = process.extract(query, texts, scorer=_nearness, score_cutoff=SUGGESTION_CUTOFF, limit=None)
        reader = "zh" if is_chinese() else "en"
        ranked = [
            ((-score, entry.rank[1], entry.language != reader, entry.language != "", -fuzz.ratio(query, choice)), entry)
            for choice, score, index in found
            for entry in entries[index]
        ]
        return min(ranked)[1] if ranked else None


@dataclass
class RegionNames:
    countries: _NameTable
    subdivisions: dict[str, _NameTable]  # by country code
    cities: dict[str, _NameTable]  # by province code: China's prefecture-level cities


def _locales(domain: str) -> list[str]:
    return sorted(p.parent.parent.name for p in Path(pycountry.LOCALES_DIR).glob(f"*/LC_MESSAGES/{domain}.mo"))


def _translations(domain: str) -> list[tuple[str, Callable[[str], str]]]:
    """Every locale pycountry translates `domain` into, with its gettext."""
    return [
        (locale, gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale]).gettext)
        for locale in _locales(domain)
    ]


@cache
def region_names() -> RegionNames:
    """Every name and code of every country and ISO 3166-2 subdivision, and of China's cities. Built once per
    process: pycountry's names do not change while it runs."""
    tree = {row.code: row for row in region_rows()}
    names = RegionNames(_NameTable(), {}, {})
    countries = [
        (c.alpha_2, c.alpha_3, c.name, getattr(c, "official_name", ""), getattr(c, "common_name", ""))
        for c in pycountry.countries
    ]
    for code, alpha_3, iso_name, official_name, common_name in countries:
        row = tree[code]
        for alias in (code, alpha_3):
            names.countries.add(alias, RegionName(code, code, row.name_en, "en", (0, 0, 0)))
        for name, language in (
            (row.name_en, "en"),
            (row.name_zh, "zh"),
            (iso_name, ""),
            (official_name, ""),
            (common_name, ""),
        ):
            names.countries.add_name(name, code, code, language, (1, 0, 0))
    for locale, translate in _translations("iso3166-1"):
        for code, _, iso_name, _, _ in countries:
            if (translated := translate(iso_name)) != iso_name:
                names.countries.add_name(translated, code, code, locale, (1, 0, 1))

    parents = {s.code: s.parent_code for s in pycountry.subdivisions}
    subdivisions = []  # (country, code, ISO name, tree code, depth below the tree)
    for subdivision in pycountry.subdivisions:
        code, depth = subdivision.code, 0
        while code not in tree and parents.get(code):  # a département: up to its region
            code, depth = parents[code], depth + 1
        tree_code = code if code in tree else subdivision.country_code
        subdivisions.append((subdivision.country_code, subdivision.code, subdivision.name, tree_code, depth))
    for country_code, code, iso_name, tree_code, depth in subdivisions:
        table = names.subdivisions.setdefault(country_code, _NameTable())
        shown = _BRACKETS.sub("", iso_name)
        for alias in (code, code.split("-", 1)[1], *_CODE.findall(iso_name)):
            table.add(alias, RegionName(code, tree_code, shown, "", (0, depth, 0)))
        own = [(iso_name, "")]
        if code in tree:  # the tree's names: pycountry's, or better ones from region_names.csv
            own += [(tree[code].name_en, "en"), (tree[code].name_zh, "zh")]
        for name, language in own:
            table.add_name(name, code, tree_code, language, (1, depth, 0))
    for locale, translate in _translations("iso3166-2"):
        for country_code, code, iso_name, tree_code, depth in subdivisions:
            if (translated := translate(iso_name)) != iso_name:
                names.subdivisions[country_code].add_name(translated, code, tree_code, locale, (1, depth, 1))

    for row in tree.values():
        if row.level is RegionLevel.CITY and row.parent_code:
            table = names.cities.setdefault(row.parent_code, _NameTable())
            for name, language in ((row.name_en, "en"), (row.name_zh, "zh")):
                table.add_name(name, row.code, row.code, language, (1, 0, 0))
    return names


@dataclass(frozen=True)
class RegionMatch:
    """Where a row's country, province and city texts put it; or, in `error`, the column that is wrong and why."""

    region: Region | None
    city_text: str | None = None
    error: tuple[str, str] | None = None  # ("country" or "province", a lazy message)


class RegionIndex:
    """Finds regions by country, province and city text, for an import (partners, coverage, customers). Names
    come from the per-process `region_names()`; Region rows from the database, each read once, so make one index
    per import rather than one per process."""

    def __init__(self) -> None:
        self.names = region_names()
        self._regions: dict[str, Region | None] = {}
        self._suggestions: dict[tuple[str, str], RegionName | None] = {}  # a wrong name is often wrong in every row

    def region(self, code: str) -> Region | None:
        if code not in self._regions:
            self._regions[code] = db.session.scalar(select(Region).where(Region.code == code))
        return self._regions[code]

    def find(self, country_text: str, province_text: str = "", city_text: str = "") -> RegionMatch:
        """The most specific region the texts name, and the city text that stays free text.

        A second-level subdivision puts the row under the first-level subdivision above it. Its name becomes the
        city text when the row names no city (Essonne: Île-de-France, city "Essonne"); when the row names a city,
        that city is kept, and the subdivision, which only said where the city is, is not. A name that is both a
        first-level and a second-level subdivision (La Rioja) is the first-level one; a name of two regions at the
        same level (Hsinchu, city and county) is refused with their codes."""
        country_text, province_text, city_text = country_text.strip(), province_text.strip(), city_text.strip()
        found = self.names.countries.find(country_text) if country_text else []
        country = self.region(found[0].code) if len(found) == 1 else None
        if country is None:
            if suggestion := self._suggest("", country_text):
                message = _l(
                    "Unknown country: %(name)s — did you mean %(suggestion)s?", name=country_text, suggestion=suggestion
                )
                return RegionMatch(None, error=("country", message))
            return RegionMatch(None, error=("country", _l("Unknown country: use its name or its ISO code.")))
        if not province_text:
            return RegionMatch(country, city_text or None)
        table = self.names.subdivisions.get(country.code)
        found = table.find(province_text) if table else []
        if len(found) > 1:
            message = _l(
                "%(name)s names several provinces or states of %(country)s (%(codes)s): use the code.",
                name=province_text,
                country=country.name,
                codes=", ".join(sorted(entry.code for entry in found)),
            )
            return RegionMatch(None, error=("province", message))
        region = self.region(found[0].tree_code) if found else None
        if region is None:
            if suggestion := self._suggest(country.code, province_text):
                message = _l(
                    "Unknown province or state of %(country)s: %(name)s — did you mean %(suggestion)s?",
                    country=country.name,
                    name=province_text,
                    suggestion=suggestion,
                )
            else:
                message = _l(
                    "Unknown province or state of %(country)s: %(name)s.", country=country.name, name=province_text
                )
            return RegionMatch(None, error=("province", message))
        if not found[0].is_in_tree:
            return RegionMatch(region, city_text or found[0].name)
        cities = self.names.cities.get(region.code)
        city = cities.find(city_text) if cities and city_text else []
        if len(city) == 1 and (city_region := self.region(city[0].code)) is not None:
            return RegionMatch(city_region)
        return RegionMatch(region, city_text or None)

    def _suggest(self, country_code: str, text: str) -> str | None:
        """The nearest valid name: of a country (no country code), or of a subdivision of that country."""
        table = self.names.subdivisions.get(country_code) if country_code else self.names.countries
        if table is None or not text:
            return None
        if (country_code, text) not in self._suggestions:
            self._suggestions[country_code, text] = table.suggest(text)
        suggestion = self._suggestions[country_code, text]
        return suggestion.name if suggestion else None
