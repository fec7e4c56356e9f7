"""Sales analysis: net sales, returns, lines, quantity and active customers by any one or two dimensions (region,
partner, partner type, tier, product line, product, period), over a range of months, within the reader's tenant
scope. Read from the monthly roll-ups, never from the lines: per partner and month (orders.MonthlySales), per
product line (LineMonthlySales), per product (ProductMonthlySales), and per end customer (CustomerMonthlySales,
for the customers counted once however many months they bought in).

Every figure is an exact sum of stored amounts; rounding happens when a figure is shown. A partner counts where it
is based (its home region) and as the type and tier it has now."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, cast, distinct, extract, func, select

from orders.models import CustomerMonthlySales, LineMonthlySales, MonthlySales, Product, ProductMonthlySales
from partners.models import (
    PARTNER_TIER_LABELS,
    PARTNER_TYPE_LABELS,
    Partner,
    PartnerTier,
    PartnerType,
    ProductLine,
    Region,
    RegionLevel,
)
from portal.calendar import MonthRange, add_months, month_start
from portal.database import exact_sum
from portal.extensions import db
from portal.i18n import sort_key

DIMENSIONS = {
    "region": _l("Region"),
    "partner": _l("Partner"),
    "partner_type": _l("Partner type"),
    "tier": _l("Tier"),
    "product_line": _l("Product line"),
    "product": _l("Product"),
    "period": _l("Period"),
}
GRAINS = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year")}
MEASURES = {
    "net_sales": _l("Net sales"),
    "returns": _l("Returns"),
    "lines": _l("Lines"),
    "quantity": _l("Quantity"),
    "active_customers": _l("Active customers"),
}
MONEY_MEASURES = ("net_sales", "returns")
PRODUCT_DIMENSIONS = ("product_line", "product")  # no customer roll-up per product: no active customers by them
MAX_TOP = 500


@dataclass(slots=True)  # thousands of cells a page
class Figures:
    """One cell's sums. `customers` is None where it cannot be counted (by product or product line) or was not
    asked for; returns and quantity are 0 where they were not read (AnalysisQuery.summed)."""

    net_sales: Decimal = Decimal(0)
    returns: Decimal = Decimal(0)
    quantity: Decimal = Decimal(0)
    lines: int = 0
    active_customers: int | None = None

    def add(self, other: Figures) -> None:
        self.add_sums(other)
        if other.active_customers is not None:
            self.active_customers = (self.active_customers or 0) + other.active_customers

    def add_sums(self, other: Figures) -> None:
        """Everything but the customers, who are counted once however many parts they bought in."""
        self.net_sales += other.net_sales
        self.returns += other.returns
        self.quantity += other.quantity
        self.lines += other.lines

    def measure(self, name: str) -> Decimal | int | None:
        return getattr(self, name)


def growth(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | None:
    """Now against before, as a ratio (0.125 for +12.5 %); None when before is nothing to compare with."""
    if now is None or not before:
        return None
    return (Decimal(now) - Decimal(before)) / abs(Decimal(before))


@dataclass(frozen=True)
class AnalysisQuery:
    rows: str = "region"
    columns: str | None = None
    first: date = date(2000, 1, 1)
    last: date = date(2000, 1, 1)
    grain: str = "year"  # of the period dimension
    region: Region | None = None  # drilled into: its regions are the rows, its partners the scope
    partner: Partner | None = None
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    product_line: ProductLine | None = None
    measure: str = "net_sales"  # of the cells of two dimensions, and what rows are sorted and cut by
    sort: str = "measure"  # or "label"
    descending: bool = True
    top: int | None = 20

    @property
    def months(self) -> MonthRange:
        return MonthRange(self.first, self.last)

    @property
    def dimensions(self) -> tuple[str, ...]:
        return (self.rows,) if self.columns is None else (self.rows, self.columns)

    @property
    def summed(self) -> tuple[str, ...]:
        """The amounts read from the roll-ups: all three for a table of one dimension; for two, net sales (the
        heading states their total) and the cells' measure. On SQLite each exact sum costs per roll-up row."""
        if self.columns is None:
            return ("net_sales", "returns", "quantity")
        return ("net_sales", *((self.measure,) if self.measure in ("returns", "quantity") else ()))

    @property
    def counts_customers(self) -> bool:
        return not any(d in PRODUCT_DIMENSIONS for d in self.dimensions) and self.product_line is None


@dataclass
class Member:
    """A row or a column: its key, its label, and the filters that select its lines (for drill-downs)."""

    key: Any
    label: str
    filters: dict[str, str] = field(default_factory=dict)
    drill: str | None = None  # a region's code, to open the regions under it


@dataclass
class Compared:
    """Figures with those they are compared with: the period before (the bucket before, or the range of the
    same length before) and the same period a year earlier."""

    now: Figures
    previous: Figures | None = None
    last_year: Figures | None = None

    def growth(self, measure: str) -> tuple[Decimal | None, Decimal | None]:
        now = self.now.measure(measure)
        return (
            growth(now, self.previous.measure(measure)) if self.previous else None,
            growth(now, self.last_year.measure(measure)) if self.last_year else None,
        )


@dataclass
class Row:
    member: Member
    cells: dict[Any, Compared]  # by column key (two dimensions)
    total: Compared


@dataclass
class Analysis:
    query: AnalysisQuery
    rows: list[Row]
    others: Row | None  # the rows beyond the top N, summed
    columns: list[Member]
    column_totals: dict[Any, Figures]
    total: Compared
    breadcrumb: list[Region]
    row_count: int  # rows before the cut
    rest: list[Row] = field(default_factory=list)  # the rows beyond the top N, one by one (a map shows them all)

    @property
    def every_row(self) -> list[Row]:
        return self.rows + self.rest

    def share(self, figures: Figures) -> Decimal | None:
        """Of the grand total of the query's measure (net sales unless another is chosen)."""
        whole = self.total.now.measure(self.query.measure)
        part = figures.measure(self.query.measure)
        return None if not whole or part is None else Decimal(part) / Decimal(whole)


# How each dimension groups in SQL, and the member its keys stand for.
def _source(query: AnalysisQuery, dimensions: tuple[str, ...]):
    """The smallest roll-up that holds the dimensions read and the query's filters (each sums the same lines)."""
    if "product" in dimensions:
        return ProductMonthlySales
    if "product_line" in dimensions or query.product_line is not None:
        return LineMonthlySales
    return MonthlySales


def _bucket(column, grain: str):
    """A period's bucket as SQL: the month itself, year × 10 + quarter, or the year (integers on both databases:
    PostgreSQL's EXTRACT gives numeric)."""
    if grain == "month":
        return column
    year = cast(extract("year", column), Integer)
    if grain == "year":
        return year
    return year * 10 + (cast(extract("month", column), Integer) + 2) // 3


def _bucket_of(period: date, grain: str) -> Any:
    """The same bucket in Python, for a month."""
    if grain == "month":
        return period
    if grain == "year":
        return period.year
    return period.year * 10 + (period.month + 2) // 3


def _bucket_months(bucket: Any, grain: str) -> MonthRange:
    if grain == "month":
        return MonthRange.month(bucket)
    if grain == "year":
        return MonthRange(date(bucket, 1, 1), date(bucket, 12, 1))
    year, quarter = divmod(bucket, 10)
    first = date(year, 3 * quarter - 2, 1)
    return MonthRange(first, add_months(first, 2))


def _bucket_label(bucket: Any, grain: str) -> str:
    if grain == "month":
        return bucket.strftime("%Y-%m")
    if grain == "year":
        return str(bucket)
    year, quarter = divmod(bucket, 10)
    return f"{year} Q{quarter}"  # as Chinese reports write it too; a catalog entry of placeholders matches any text


def _shifted(bucket: Any, grain: str, months: int) -> Any:
    return _bucket_of(add_months(_bucket_months(bucket, grain).first, -months), grain)


_GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _group_column(dimension: str, model, query: AnalysisQuery):
    if dimension == "period":
        return _bucket(model.period, query.grain)
    if dimension == "partner":
        return model.partner_id
    if dimension == "region":
        return Partner.region_id
    if dimension == "partner_type":
        return Partner.partner_type
    if dimension == "tier":
        return Partner.tier
    if dimension == "product_line":
        return model.product_line_id if model is LineMonthlySales else Product.product_line_id
    return model.product_id


PARTNER_FACTS = ("region", "partner_type", "tier")  # dimensions read from the partner, joined to the roll-up


def _filtered(statement, model, query: AnalysisQuery, dimensions: tuple[str, ...], months: MonthRange):
    statement = statement.where(model.period.between(months.first, months.last))
    facts = (query.region, query.partner_type, query.tier)
    if any(d in PARTNER_FACTS for d in dimensions) or any(fact is not None for fact in facts):
        statement = statement.join(Partner, Partner.id == model.partner_id)
    if query.region is not None:
        statement = statement.join(Region, Region.id == Partner.region_id).where(
            Region.path.startswith(query.region.path)
        )
    if query.partner is not None:
        statement = statement.where(model.partner_id == query.partner.id)
    if query.partner_type is not None:
        statement = statement.where(Partner.partner_type == query.partner_type)
    if query.tier is not None:
        statement = statement.where(Partner.tier == query.tier)
    if model is ProductMonthlySales and ("product_line" in query.dimensions or query.product_line is not None):
        statement = statement.join(Product, Product.id == model.product_id)
    if query.product_line is not None:
        line_of = model.product_line_id if model is LineMonthlySales else Product.product_line_id
        statement = statement.where(line_of == query.product_line.id)
    return statement


Flag = Callable[[Any], Any]  # a condition on the roll-up's month column, grouped by after the dimensions


def _sums(
    query: AnalysisQuery, dimensions: tuple[str, ...], months: MonthRange, flags: tuple[Flag, ...] = ()
) -> dict[tuple, Figures]:
    """Sums of the roll-up grouped by the SQL keys of `dimensions`, then by whether each flag holds."""
    model = _source(query, dimensions)
    keys = [_group_column(d, model, query) for d in dimensions] + [flag(model.period) for flag in flags]
    amounts = {"net_sales": model.net_amount, "returns": model.returns_amount, "quantity": model.quantity}
    read = [name for name in amounts if name in query.summed]
    statement = select(*keys, *(exact_sum(amounts[name]) for name in read), func.sum(model.line_count))
    statement = _filtered(statement, model, query, dimensions, months).group_by(*keys)
    width, zero = len(keys), Decimal(0)
    returns, quantity = (width + read.index(name) if name in read else None for name in ("returns", "quantity"))
    return {
        tuple(row[:width]): Figures(
            row[width] or zero,
            (row[returns] or zero) if returns else zero,
            (row[quantity] or zero) if quantity else zero,
            row[-1] or 0,
        )
        for row in db.session.execute(statement)
    }


def _customers(query: AnalysisQuery, dimensions: tuple[str, ...], months: MonthRange) -> dict[tuple, int]:
    """End customers who bought (a line that is not a return) in the months, counted once each, grouped by the
    SQL keys of `dimensions` (none of them by product)."""
    model = CustomerMonthlySales
    keys = [_group_column(d, model, query) for d in dimensions]
    statement = select(*keys, func.count(distinct(model.customer_id))).where(model.sale_lines > 0)
    statement = _filtered(statement, model, query, dimensions, months).group_by(*keys)
    width = len(keys)
    return {tuple(row[:width]): row[width] for row in db.session.execute(statement)}


class _Members:
    """What the SQL keys of each dimension stand for: the row or column they fall in, labelled, with the filters
    that select their lines. Filled as keys are found (each kind of member read once per key)."""

    def __init__(self, query: AnalysisQuery) -> None:
        self.query = query
        self.known: dict[str, dict[Any, Member]] = defaultdict(dict)
        self.by_key: dict[str, dict[Any, Member]] = defaultdict(dict)  # the first member found for each key

    def map(self, dimensions: tuple[str, ...], keys: Iterable[tuple]) -> Callable[[tuple], tuple] | None:
        keys = list(keys)
        for index, dimension in enumerate(dimensions):
            new = {key[index] for key in keys} - set(self.known[dimension])
            if new:
                found = self._members(dimension, new)
                self.known[dimension].update(found)
                for member in found.values():
                    self.by_key[dimension].setdefault(member.key, member)
        lookups = [{sql_key: member.key for sql_key, member in self.known[d].items()} for d in dimensions]
        if all(type(sql_key) is type(key) and sql_key == key for lookup in lookups for sql_key, key in lookup.items()):
            return None  # partners and buckets: each key stands for itself (a type's enum is not its value)
        width = len(dimensions)
        # What follows the dimensions in a key (flags) is kept as it is, hence zip() stops at the dimensions.
        return lambda key: tuple([lookup[k] for lookup, k in zip(lookups, key, strict=False)]) + key[width:]

    def member(self, dimension: str, member_key: Any) -> Member:
        return self.by_key[dimension][member_key]

    def _members(self, dimension: str, keys: set) -> dict[Any, Member]:
        if dimension == "period":
            grain, months = self.query.grain, self.query.months
            members = {}
            for key in keys:
                span = _bucket_months(key, grain)
                first, last = max(span.first, months.first), min(span.last, months.last)
                months_of = {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
                members[key] = Member(key, _bucket_label(key, grain), months_of)
            return members
        if dimension == "partner":  # plain rows: thousands of partners are read for a top 50
            partners = db.session.execute(
                select(Partner.id, Partner.code, Partner.legal_name).where(Partner.id.in_(keys))
            )
            return {p.id: Member(p.id, f"{p.code} {p.legal_name}", {"q": p.code}) for p in partners}
        if dimension == "partner_type":
            return {k: Member(k.value, str(PARTNER_TYPE_LABELS[k]), {"partner_type": k.value}) for k in keys}
        if dimension == "tier":
            return {k: Member(k.value, str(PARTNER_TIER_LABELS[k]), {"tier": k.value}) for k in keys}
        if dimension == "product_line":
            lines = db.session.scalars(select(ProductLine).where(ProductLine.id.in_(keys)))
            return {
                line.id: Member(line.code, f"{line.code} · {line.name}", {"product_line": line.code}) for line in lines
            }
        if dimension == "product":
            products = db.session.scalars(select(Product).where(Product.id.in_(keys)))
            return {p.id: Member(p.sku, f"{p.sku} {p.name}", {"sku": p.sku}) for p in products}
        return self._regions(keys)

    def _regions(self, region_ids: set) -> dict[Any, Member]:
        """Each partner's home region as the region one level below the one drilled into (countries at the top).
        Partners based in the drilled region itself, not in one below it, fall in a row of their own."""
        parent = self.query.region
        depth = parent.path.strip("/").count("/") + 1 if parent else 0
        paths = dict(db.session.execute(select(Region.id, Region.path).where(Region.id.in_(region_ids))).all())
        code_of = {}
        for region_id, path in paths.items():
            codes = path.strip("/").split("/")
            code_of[region_id] = codes[depth] if len(codes) > depth else None
        wanted = {code for code in code_of.values() if code}
        regions = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))}
        members: dict[Any, Member] = {}
        for region_id, code in code_of.items():
            if code is None and parent is not None:
                label = str(_l("%(region)s itself", region=parent.name))
                members[region_id] = Member(f"{parent.code}:itself", label, {"region": parent.code, "region_only": "y"})
            elif code is not None:
                region = regions[code]
                below = region.code if region.level is not RegionLevel.CITY else None
                members[region_id] = Member(region.code, region.name, {"region": region.code}, below)
        return members


def _collect(
    query: AnalysisQuery,
    members: _Members,
    dimensions: tuple[str, ...],
    months: MonthRange,
    *,
    customers: bool = False,
    flags: tuple[Flag, ...] = (),
) -> dict[tuple, Figures]:
    """The sums of the months by members of `dimensions`, each key followed by whether each flag held; with
    `customers` (and no flags), the customers who bought, each once per member."""
    found = _sums(query, dimensions, months, flags)
    mapped = members.map(dimensions, found)
    if mapped is None:
        if customers:
            _count_customers(found, query, members, dimensions, months)
        return found
    collected: dict[tuple, Figures] = {}
    for key, figures in found.items():
        if (into := collected.get(member_key := mapped(key))) is None:
            collected[member_key] = figures
        else:
            into.add(figures)
    if customers:
        _count_customers(collected, query, members, dimensions, months)
    return collected


def _count_customers(
    level: dict[tuple, Figures], query: AnalysisQuery, members: _Members, dimensions: tuple[str, ...], months
) -> None:
    """Adds to each member of `level` the customers who bought in the months, each once (a customer belongs to one
    partner, so counts of different partners add up)."""
    counted = _customers(query, dimensions, months)
    mapped = members.map(dimensions, counted)
    for key, count in counted.items():
        level.setdefault(mapped(key) if mapped else key, Figures()).add(Figures(active_customers=count))


def _summed(level: dict[tuple, Figures], part: Callable[[tuple], tuple]) -> dict[tuple, Figures]:
    """A level's sums added up by a part of each key; the customers of the new level are counted apart."""
    summed: dict[tuple, Figures] = {}
    for key, figures in level.items():
        into = summed.get(new := part(key))
        if into is None:
            summed[new] = into = Figures()
        into.add_sums(figures)
    return summed


def _moved(months: MonthRange, back: int) -> MonthRange:
    return MonthRange(add_months(months.first, -back), add_months(months.last, -back))


def _within(months: MonthRange) -> Flag:
    return lambda period: period.between(months.first, months.last)


def _sort_key(query: AnalysisQuery, dimension: str) -> Callable[[Row], Any]:
    if dimension == "period" or query.sort == "label":
        return lambda row: str(row.member.key) if dimension == "period" else sort_key(row.member.label)
    return lambda row: (row.total.now.measure(query.measure) is None, row.total.now.measure(query.measure) or 0)


def analyse(query: AnalysisQuery) -> Analysis:
    """The figures of `query` in the current tenant scope: its rows (sorted; the top N shown and the others
    summed), its columns, every total, and each figure's growth against the period before and the same period
    a year earlier (a bucket of the period dimension against the buckets before it; otherwise the whole range).
    Only the months of the range count in a figure, in a first or last bucket that holds fewer months too.

    Two reads of the roll-ups, the cells and what whole ranges compare with, added up here to every total: on
    SQLite an exact sum costs per roll-up row, and a read for each total would read them eight times."""
    months, dims = query.months, query.dimensions
    members = _Members(query)
    # Customers are counted where they are shown: the one-dimension table, or as the cells' measure.
    customers = query.counts_customers and (query.columns is None or query.measure == "active_customers")
    period_at = dims.index("period") if "period" in dims else None
    shift = _GRAIN_MONTHS[query.grain]
    # Each bucket is compared with the same months a bucket and a year before (a first or last bucket the range
    # cuts, with the same cut): the windows moved back by the grain and by twelve months.
    windows = (_moved(months, shift), _moved(months, 12))
    levels: tuple[dict[tuple, Figures], dict[tuple, Figures]] = ({}, {})  # bucket before, year before: by cell
    if period_at is None:
        now = _collect(query, members, dims, months, customers=customers)
    else:
        # One read from a year before the range, each month flagged by the window it falls in.
        reach = MonthRange(windows[1].first, months.last)
        flags = tuple(_within(window) for window in (months, *windows))
        read = _collect(query, members, dims, reach, flags=flags)
        width = len(dims)
        now, before, year_before = (
            _summed({k: f for k, f in read.items() if k[width + n]}, lambda key: key[:width]) for n in range(3)
        )
        levels = (before, year_before)
        if customers:
            for level, window in ((now, months), *zip(levels, windows, strict=True)):
                _count_customers(level, query, members, dims, window)

    shifted: dict[Any, tuple[Any, Any]] = {}  # a bucket → the bucket before it and the one a year earlier

    def compared(key: tuple, level: dict[tuple, Figures], against, at) -> Compared:
        figures = level.get(key) or Figures(active_customers=0 if customers else None)
        if at is None:
            return Compared(figures)
        bucket = key[at]
        if bucket not in shifted:
            shifted[bucket] = (_shifted(bucket, query.grain, shift), _shifted(bucket, query.grain, 12))
        previous, year_ago = shifted[bucket]
        return Compared(
            figures,
            against[0].get(key[:at] + (previous,) + key[at + 1 :]),
            against[1].get(key[:at] + (year_ago,) + key[at + 1 :]),
        )

    row_levels = levels  # what buckets as rows compare with
    cells_of: dict[Any, list[tuple]] = defaultdict(list)  # a row's key → the keys of its cells
    if query.columns is None:
        row_now = now
    else:
        # Row and column totals: sums of the cells (exact), customers counted again across what they span.
        for key in now:
            cells_of[key[0]].append(key)
        row_now = _summed(now, lambda key: key[:1])
        if period_at == 0:
            row_levels = (_summed(levels[0], lambda key: key[:1]), _summed(levels[1], lambda key: key[:1]))
        if customers:
            _count_customers(row_now, query, members, dims[:1], months)
            if period_at == 0:
                for level, window in zip(row_levels, windows, strict=True):
                    _count_customers(level, query, members, dims[:1], window)

    # What whole ranges compare with, read once: the range before and the same months a year earlier, by row
    # (unless the rows are buckets, compared with buckets) and in all.
    by = dims[:1] if period_at != 0 else ()
    ranges = (months.previous(), months.last_year())

    earlier_read = _collect(
        query,
        members,
        by,
        MonthRange(min(r.first for r in ranges), max(r.last for r in ranges)),
        flags=tuple(_within(r) for r in ranges),
    )
    earlier = [
        _summed({k: f for k, f in earlier_read.items() if k[len(by) + n]}, lambda key: key[: len(by)]) for n in (0, 1)
    ]
    totals_earlier = [_summed(level, lambda key: ()) if by else level for level in earlier]
    if customers:
        for level, total_level, range_ in zip(earlier, totals_earlier, ranges, strict=True):
            _count_customers(level, query, members, by, range_)
            if by:
                _count_customers(total_level, query, members, (), range_)

    row_at = 0 if period_at == 0 else None
    rows = [
        Row(members.member(dims[0], row_key), {}, compared((row_key,), row_now, row_levels, row_at))
        for (row_key,) in row_now
    ]
    if period_at != 0:  # a row that is not a bucket compares its whole range with the ranges before
        for row in rows:
            row.total.previous = earlier[0].get((row.member.key,))
            row.total.last_year = earlier[1].get((row.member.key,))
    rows.sort(key=_sort_key(query, dims[0]), reverse=query.descending and dims[0] != "period")
    row_count = len(rows)
    others = None
    rest: list[Row] = []
    if query.top and dims[0] != "period" and len(rows) > query.top:
        rows, rest = rows[: query.top], rows[query.top :]
        others = Row(Member("others", str(_l("Others (%(count)d)", count=len(rest)))), {}, Compared(Figures()))
        for row in rest:
            others.total.now.add(row.total.now)
            for key in cells_of[row.member.key]:
                others.cells.setdefault(key[1], Compared(Figures())).now.add(now[key])
    column_now: dict[tuple, Figures] = {}
    if query.columns is not None:
        for row in rows:  # the cells' comparisons only where they are shown
            row.cells = {key[1]: compared(key, now, levels, period_at) for key in cells_of[row.member.key]}
        for row in [*rows, *([others] if others else [])]:
            for column, cell in row.cells.items():
                column_now.setdefault((column,), Figures()).add_sums(cell.now)
        if customers:
            _count_customers(column_now, query, members, dims[1:], months)
    grand = _summed(row_now, lambda key: ())
    if customers:
        _count_customers(grand, query, members, (), months)
    total = Compared(
        grand.get((), Figures()), totals_earlier[0].get((), Figures()), totals_earlier[1].get((), Figures())
    )
    columns = []
    if query.columns is not None:
        columns = sorted((members.member(dims[1], key) for (key,) in column_now), key=_column_order(query, column_now))
    return Analysis(
        query,
        rows,
        others,
        columns,
        {key[0]: figures for key, figures in column_now.items()},
        total,
        _breadcrumb(query.region),
        row_count,
        rest,
    )


def _column_order(query: AnalysisQuery, totals: dict[tuple, Figures]) -> Callable[[Member], Any]:
    if query.columns == "period":
        return lambda member: member.key
    if query.sort == "label":
        return lambda member: sort_key(member.label)
    return lambda member: -(totals.get((member.key,), Figures()).measure(query.measure) or 0)


def _breadcrumb(region: Region | None) -> list[Region]:
    chain = []
    while region is not None:
        chain.append(region)
        region = region.parent
    return list(reversed(chain))


def default_range(today: date, partner: Partner | None = None) -> tuple[date, date]:
    """The twelve months up to the newest with sales in scope (of the partner, if one is asked about), and never
    past the last complete month: history loaded years later is shown, not an empty year."""
    last = add_months(month_start(today), -1)
    query = select(func.max(MonthlySales.period))
    if partner is not None:
        query = query.where(MonthlySales.partner_id == partner.id)
    newest = db.session.scalar(query)
    if newest is not None and newest < last:
        last = newest
    return add_months(last, -11), last
