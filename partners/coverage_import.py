"""Coverage assignments from a spreadsheet, with the days they held, so a brand loads years of history: every row
meets the rules of assigning by hand, against the database and the file's other rows, and then all are written or
none; by partner, region, product line and first day, so the same file twice changes nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from partners.coverage import add_assignment, claims_meet, may_assign_coverage, outside_regions, revise_assignment
from partners.models import CoverageAssignment, Partner, ProductLine, Region
from partners.product_lines import product_lines
from partners.region_lookup import RegionIndex
from portal.auth.models import User
from portal.calendar import parse_date
from portal.extensions import db
from portal.security import PermissionDenied
from portal.tabular import Column, ImportCounts, RowChecker, RowError, read_table

COLUMNS = [
    Column("partner_code", ("partner_code", "伙伴编码", "code", "编码")),
    Column("country", ("country", "国家")),
    Column("province", ("province", "省份", "state", "省/州", "省"), required=False),
    Column("city", ("city", "城市"), required=False),
    Column("product_line", ("product_line", "产品线"), required=False),
    Column("exclusive", ("exclusive", "独家"), required=False),
    Column("effective_from", ("effective_from", "生效日期")),
    Column("effective_to", ("effective_to", "失效日期"), required=False),
    Column("reason", ("reason", "原因"), required=False),
]
EXCLUSIVE = {"1", "yes", "y", "true", "是", "独家"}
NOT_EXCLUSIVE = {"", "0", "no", "n", "false", "否", "非独家"}


@dataclass
class CoverageImportResult(ImportCounts):
    # Exclusive assignments of different partners over the same ground and days: allowed, as by hand (a hand-over
    # takes days), but shown.
    overlaps: list[RowError] = field(default_factory=list)


@dataclass
class CoverageRow:
    """The assignment one row states, and the one it restates when the database holds it already."""

    row: int
    partner: Partner
    region: Region
    product_line: ProductLine | None
    exclusive: bool
    effective_from: date
    effective_to: date | None
    reason: str | None  # None: the file gives none (a new assignment then says which file it came from)
    held: CoverageAssignment | None = None

    @property
    def natural_key(self) -> tuple[int, int, int | None, date]:
        return (
            self.partner.id,
            self.region.id,
            self.product_line.id if self.product_line else None,
            self.effective_from,
        )


@dataclass(frozen=True)
class _Claim:
    """An assignment as it will stand once the file is written: a row of the file (`row`), or one the database
    holds that no row restates (`row` None)."""

    partner: Partner
    region: Region
    product_line: ProductLine | None
    exclusive: bool
    start: date
    end: date | None  # the first day it no longer holds
    reason: str
    row: int | None

    @property
    def line_id(self) -> int | None:
        return self.product_line.id if self.product_line else None

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat() if self.end else ''}".rstrip()

    def meets_in_time(self, other: _Claim) -> bool:
        return (other.end is None or self.start < other.end) and (self.end is None or other.start < self.end)


def import_coverage(stream: BinaryIO, filename: str, *, actor: User, max_bytes: int) -> CoverageImportResult:
    """Coverage assignments with their effective days from CSV or XLSX. Who may: as by hand
    (`may_assign_coverage`), each row's region too. A partner, region and product line is held once at a time:
    a row whose period overlaps another row's or an assignment in the database for the same ones is wrong. A row
    restates the assignment of the same partner, region, line and first day: identical, it is left alone; else its
    end, exclusivity and reason are updated. Raises TableRejected for an unreadable file; writes nothing when any
    row is wrong. Audited; the caller commits only when result.ok."""
    if not may_assign_coverage(actor):
        raise PermissionDenied()
    table = read_table(stream, filename, COLUMNS, max_bytes=max_bytes)
    partners = {partner.code.upper(): partner for partner in db.session.scalars(select(Partner))}  # in scope
    lines = {
        key: line
        for line in product_lines()  # a line no longer offered still has its history
        for key in {line.code.casefold(), line.name_en.casefold(), line.name_zh.casefold()}
    }
    regions = RegionIndex()
    result = CoverageImportResult(headers=table.headers)
    rows: list[CoverageRow] = []
    for number, values in table:
        result.rows += 1
        check = RowChecker(number, values)
        row = _read_row(check, partners, lines, regions, actor)
        result.errors += check.errors
        if row is not None:
            rows.append(row)
    if result.rows == 0:
        result.errors.append(RowError(0, "", _l("The file has a header but no rows.")))
    claims = _claims(rows)
    result.errors += _overlapping_periods(claims)
    result.errors.sort(key=lambda error: error.row)
    if not result.ok:
        return result
    result.overlaps = _exclusive_overlaps(claims)
    why = f"import {filename[:200]}"
    for row in rows:
        if row.held is None:
            add_assignment(
                row.partner,
                row.region,
                row.product_line,
                exclusive=row.exclusive,
                effective_from=row.effective_from,
                effective_to=row.effective_to,
                reason=row.reason or why,
                actor=actor,
            )
            result.created += 1
        elif revise_assignment(
            row.held, exclusive=row.exclusive, effective_to=row.effective_to, reason=row.reason, actor=actor, why=why
        ):
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _read_row(
    check: RowChecker,
    partners: dict[str, Partner],
    lines: dict[str, ProductLine],
    regions: RegionIndex,
    actor: User,
) -> CoverageRow | None:
    values, wrong = check.values, check.wrong
    code = values["partner_code"].strip().upper()
    partner = partners.get(code)
    if partner is None:
        wrong("partner_code", _l("Unknown partner code %(code)s.", code=code) if code else _l("Fill in this field."))
    region = _region(check, regions, actor)
    line_text = values.get("product_line", "").strip()
    line = lines.get(line_text.casefold()) if line_text else None
    if line_text and line is None:
        wrong(
            "product_line",
            _l(
                "Unknown product line %(line)s: use its code or name, or leave it empty for every line.",
                line=line_text[:32],
            ),
        )
    exclusive_text = values.get("exclusive", "").strip().casefold()
    if exclusive_text not in EXCLUSIVE | NOT_EXCLUSIVE:
        wrong("exclusive", _l("Use 1 or 0 (yes or no)."))
    start, end = _day(check, "effective_from", required=True), _day(check, "effective_to", required=False)
    if start and end and end <= start:
        wrong("effective_to", _l("The end must come after the start (%(day)s).", day=start.isoformat()))
    reason = check.text("reason", 300, required=False) or None
    if check.errors or partner is None or region is None or start is None:  # each None is among the errors
        return None
    return CoverageRow(check.row, partner, region, line, exclusive_text in EXCLUSIVE, start, end, reason)


def _region(check: RowChecker, regions: RegionIndex, actor: User) -> Region | None:
    """The region of the tree the row names, down to a Chinese prefecture-level city: coverage is assigned to
    nodes of the tree, so a place the tree does not hold is wrong rather than widened to the node above it."""
    values, wrong = check.values, check.wrong
    province_text, city_text = values.get("province", "").strip(), check.text("city", 120, required=False)
    place = regions.find(values["country"], province_text, city_text)
    if place.error:
        wrong(*place.error)
        return None
    region = place.region
    if region is None:
        return None
    if place.city_text is not None:
        if not city_text:  # a second-level subdivision (a French département) is under the tree's province
            wrong(
                "province",
                _l(
                    "%(name)s is not in the region tree: assign %(region)s, which it lies in.",
                    name=place.city_text,
                    region=region.name,
                ),
            )
        elif not province_text:
            wrong("province", _l("Name the province %(city)s lies in.", city=city_text))
        else:
            wrong(
                "city",
                _l(
                    "%(city)s is not a city of the region tree (its cities are China's prefecture-level cities).",
                    city=city_text,
                ),
            )
        return None
    if not may_assign_coverage(actor, region):
        wrong("city" if city_text else "province" if province_text else "country", outside_regions(region))
        return None
    return region


def _day(check: RowChecker, key: str, *, required: bool) -> date | None:
    text = check.values.get(key, "").strip()
    if not text:
        if required:
            check.wrong(key, _l("Fill in this field."))
        return None
    day = parse_date(text)
    if day is None:
        check.wrong(key, _l("%(text)s is not a date: write it as YYYY-MM-DD.", text=text[:30]))
    return day


def _claims(rows: list[CoverageRow]) -> list[_Claim]:
    """The assignments as they will stand: those held already for the file's partners, and every exclusive one
    (each replaced by the row that restates it), then the rows in file order. Sets each row's `held`."""
    held = db.session.scalars(
        select(CoverageAssignment)
        .where(
            or_(
                CoverageAssignment.partner_id.in_(sorted({row.partner.id for row in rows})),
                CoverageAssignment.is_exclusive.is_(True),
            )
        )
        .options(
            joinedload(CoverageAssignment.partner),
            joinedload(CoverageAssignment.region),
            joinedload(CoverageAssignment.product_line),
        )
        .order_by(CoverageAssignment.effective_from, CoverageAssignment.id)
    )
    by_key: dict[tuple[int, int, int | None, date], CoverageAssignment] = {}
    for assignment in held:
        key = (assignment.partner_id, assignment.region_id, assignment.product_line_id, assignment.effective_from)
        by_key.setdefault(key, assignment)
    for row in rows:
        row.held = by_key.pop(row.natural_key, None)
    return [
        _Claim(a.partner, a.region, a.product_line, a.is_exclusive, a.effective_from, a.effective_to, a.reason, None)
        for a in by_key.values()
    ] + [
        _Claim(
            row.partner,
            row.region,
            row.product_line,
            row.exclusive,
            row.effective_from,
            row.effective_to,
            row.reason or "",
            row.row,
        )
        for row in rows
    ]


def _overlapping_periods(claims: list[_Claim]) -> list[RowError]:
    """A partner holds one region and product line once at a time: each row against the assignments held and
    the rows before it. The column is the day that lies in the other's period: the start, or else the end."""
    errors: list[RowError] = []
    seen: dict[tuple[int, int, int | None], list[_Claim]] = defaultdict(list)
    for claim in claims:
        earlier = seen[(claim.partner.id, claim.region.id, claim.line_id)]
        if claim.row is not None:
            for other in earlier:
                if not claim.meets_in_time(other):
                    continue
                column = "effective_from" if other.start <= claim.start else "effective_to"
                if other.row is not None:
                    message = _l(
                        "%(partner)s holds this region and product line in row %(row)d (%(period)s): the periods "
                        "overlap.",
                        partner=claim.partner.code,
                        row=other.row,
                        period=other.period,
                    )
                else:
                    message = _l(
                        "%(partner)s holds this region and product line already (%(period)s, %(reason)s): the "
                        "periods overlap.",
                        partner=claim.partner.code,
                        period=other.period,
                        reason=other.reason[:80],
                    )
                errors.append(RowError(claim.row, column, message))
                break
        earlier.append(claim)
    return errors


def _exclusive_overlaps(claims: list[_Claim]) -> list[RowError]:
    """Rows that are exclusive over ground and days another partner holds exclusively too, once each pair (on the
    later row when both are rows). Regions meet when one contains the other, so each claim looks up the claims
    of its own region and of the regions above it."""
    exclusive = [claim for claim in claims if claim.exclusive]
    by_path: dict[str, list[tuple[int, _Claim]]] = defaultdict(list)
    for index, claim in enumerate(exclusive):
        by_path[claim.region.path].append((index, claim))
    overlaps: list[RowError] = []
    for index, claim in enumerate(exclusive):
        codes = claim.region.path.strip("/").split("/")
        above = ["/" + "/".join(codes[:depth]) + "/" for depth in range(1, len(codes))]
        candidates = [other for path in above for _, other in by_path[path]]
        candidates += [other for other_index, other in by_path[claim.region.path] if other_index < index]
        for other in candidates:
            if (
                other.partner.id == claim.partner.id
                or not claims_meet(claim.region, claim.line_id, other.region, other.line_id)
                or not claim.meets_in_time(other)
            ):
                continue
            if claim.row is not None and (other.row is None or other.row < claim.row):
                overlaps.append(_exclusive_overlap(claim.row, other))
            elif other.row is not None:
                overlaps.append(_exclusive_overlap(other.row, claim))
    return sorted(overlaps, key=lambda overlap: overlap.row)


def _exclusive_overlap(row: int, other: _Claim) -> RowError:
    terms = {
        "row": row,
        "partner": other.partner.code,
        "region": other.region.full_name,
        "line": other.product_line.name if other.product_line else _l("every line"),
        "period": other.period,
    }
    if other.row is not None:
        message = _l(
            "Row %(row)d overlaps the exclusive assignment of %(partner)s for %(region)s (%(line)s, %(period)s) in "
            "row %(other)d.",
            other=other.row,
            **terms,
        )
    else:
        message = _l(
            "Row %(row)d overlaps the exclusive assignment of %(partner)s for %(region)s (%(line)s, %(period)s) "
            "held already.",
            **terms,
        )
    return RowError(row, "exclusive", message)
