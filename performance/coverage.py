"""The coverage matrix: regions × partner types (or product lines), with the active partners and their sales in
each cell, as of any day; white space (regions no active partner covers) and overlapping exclusive assignments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from orders.models import MonthlySales, Product, SalesLine
from partners.coverage import Overlap, assignments_on, exclusive_overlaps, status_on
from partners.models import PARTNER_TYPE_LABELS, Partner, PartnerStatus, Region
from partners.product_lines import product_lines
from partners.regions import child_regions
from portal.calendar import add_months, month_start
from portal.database import exact_sum
from portal.extensions import db

SALES_MONTHS = 12  # a cell's sales: the 12 months up to the day the matrix is seen as of
# How a region of the matrix stands, in the legend's order: what the coverage map colours it by.
STANDINGS = {
    "white_space": _l("White space"),
    "one_partner": _l("One partner"),
    "shared": _l("Several partners"),
    "exclusive_overlap": _l("Overlapping exclusive assignments"),
}


@dataclass
class CoverageCell:
    partners: list[Partner] = field(default_factory=list)
    net_sales: Decimal = Decimal(0)


@dataclass
class CoverageMatrix:
    as_of: date
    parent: Region | None
    by: str  # "type" or "product_line"
    rows: list[Region]
    columns: list[tuple[str, str]]  # (key, label)
    cells: dict[tuple[int, str], CoverageCell]
    white_space: list[Region]
    overlaps: list[Overlap]

    def cell(self, region: Region, key: str) -> CoverageCell:
        return self.cells.get((region.id, key)) or CoverageCell()

    def row_partners(self, region: Region) -> int:
        return len({p.id for key, _ in self.columns for p in self.cell(region, key).partners})

    def row_sales(self, region: Region) -> Decimal:
        """The net sales of the row's cells: of the partners based in the region that cover it."""
        return sum((self.cell(region, key).net_sales for key, _ in self.columns), Decimal(0))

    def standing(self, region: Region) -> str:
        """A key of STANDINGS: the region meets an overlap of exclusive assignments (it lies in the smaller of the
        two regions, or holds it), or else has no, one or several active partners covering it."""
        for overlap in self.overlaps:
            a, b = overlap.first.region, overlap.second.region
            inner = a if b.contains(a) else b
            if region.contains(inner) or inner.contains(region):
                return "exclusive_overlap"
        partners = self.row_partners(region)
        return "white_space" if partners == 0 else "one_partner" if partners == 1 else "shared"


def _covered_regions(partners: list[Partner], as_of: date) -> dict[int, list[tuple[Region, int | None]]]:
    """(region, product line or None for every line) each partner covers on the day: its assignments, or — for a
    partner that holds none — its home region and the product lines of its profile."""
    covered: dict[int, list[tuple[Region, int | None]]] = defaultdict(list)
    for assignment in assignments_on(as_of):
        covered[assignment.partner_id].append((assignment.region, assignment.product_line_id))
    for partner in partners:
        if partner.id not in covered:
            lines: list[int | None] = [line.id for line in partner.product_lines] or [None]
            covered[partner.id] = [(partner.region, line) for line in lines]
    return covered


def coverage_matrix(
    *, parent: Region | None, by: str, as_of: date, within: list[Region] | None = None
) -> CoverageMatrix:
    """The matrix of the regions directly under `parent` (countries when None) for the partners in scope; only
    the rows that meet `within` (a channel manager's own regions; None for everywhere), so white space is judged
    where the viewer answers for coverage, not across the world. A
    partner counts in a row when a region it covers lies within the row's region or contains it (a partner for all
    of China covers Guangdong), and only when it was active on `as_of`. Sales are booked where the partner is based
    (its home region), over the 12 months up to `as_of`, from the monthly roll-up (by product line: from the lines
    of those months)."""
    partners = [
        p
        for p in db.session.scalars(
            select(Partner).options(selectinload(Partner.product_lines), joinedload(Partner.region))
        )
        if p.joined_on <= as_of
    ]
    statuses = status_on(partners, as_of)
    active = [p for p in partners if statuses[p.id] is PartnerStatus.ACTIVE]
    covered = _covered_regions(active, as_of)
    if by == "product_line":
        columns = [(str(line.id), line.name) for line in product_lines(active_only=True)]
    else:
        columns = [(kind.value, str(label)) for kind, label in PARTNER_TYPE_LABELS.items()]
    rows = child_regions(parent)
    if within is not None:
        rows = [row for row in rows if any(row.contains(region) or region.contains(row) for region in within)]
    elif parent is None:  # every country of the world is too many rows: those where the brand has partners
        homes = {p.region.path.split("/")[1] for p in partners}
        rows = [row for row in rows if row.code in homes]
    sales = _sales_by_partner(active, by, as_of)
    cells: dict[tuple[int, str], CoverageCell] = {}
    for row in rows:
        for partner in active:
            for key, _label in columns:
                if not _covers(covered[partner.id], row, partner, by, key):
                    continue
                cell = cells.setdefault((row.id, key), CoverageCell())
                if partner not in cell.partners:
                    cell.partners.append(partner)
                if row.contains(partner.region):
                    cell.net_sales += sales.get((partner.id, key), Decimal(0))
    matrix = CoverageMatrix(as_of, parent, by, rows, columns, cells, [], exclusive_overlaps(as_of))
    matrix.white_space = [row for row in rows if matrix.row_partners(row) == 0]
    return matrix


def _covers(regions: list[tuple[Region, int | None]], row: Region, partner: Partner, by: str, key: str) -> bool:
    for region, line_id in regions:
        if not (row.contains(region) or region.contains(row)):
            continue
        if by == "type" and partner.partner_type.value == key:
            return True
        if by == "product_line" and (line_id is None or str(line_id) == key):
            return True
    return False


def _sales_by_partner(partners: list[Partner], by: str, as_of: date) -> dict[tuple[int, str], Decimal]:
    last = month_start(as_of)
    first = add_months(last, 1 - SALES_MONTHS)
    ids = [p.id for p in partners]
    if by == "product_line":
        query = (
            select(SalesLine.partner_id, Product.product_line_id, exact_sum(SalesLine.net_amount))
            .join(Product, Product.id == SalesLine.product_id)
            .where(SalesLine.partner_id.in_(ids), SalesLine.period.between(first, last))
            .group_by(SalesLine.partner_id, Product.product_line_id)
        )
        return {(partner_id, str(line_id)): total for partner_id, line_id, total in db.session.execute(query)}
    kinds = {p.id: p.partner_type.value for p in partners}
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for partner_id, net in db.session.execute(
        select(MonthlySales.partner_id, MonthlySales.net_amount).where(
            MonthlySales.partner_id.in_(ids), MonthlySales.period.between(first, last)
        )
    ):
        totals[(partner_id, kinds[partner_id])] += net
    return totals
