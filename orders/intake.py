"""The one way sales lines reach the database, whichever door they came through (web form, file, API).

Rows stream through once: checked, and written in chunks inside a savepoint while every row so far is right.
A wrong row anywhere rolls the savepoint back, so nothing is written; a file of a million lines is never held
whole."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from orders import rollup
from orders.models import Customer, Product, SalesLine, Submission, SubmissionSource, SubmissionStatus
from partners.identity import normalise_company_name
from partners.models import OnboardingStep, Partner, PartnerStatus
from partners.onboarding import record_milestone
from portal.auth.models import User
from portal.calendar import add_months, local_today, month_start, parse_date
from portal.database import utcnow
from portal.extensions import db
from portal.money import number_problem, parse_number
from portal.security import BRAND_ROLES, PARTNER_ROLES, PermissionDenied
from portal.tabular import Column, ImportProblems, RowChecker, RowError
from portal.text import FULL_WIDTH, without_controls

COLUMNS = [
    Column("partner_code", ("partner_code", "伙伴编码"), required=False),
    Column("order_no", ("order_no", "订单号")),
    Column("line_no", ("line_no", "行号")),
    Column("order_date", ("order_date", "订单日期")),
    Column("customer_code", ("customer_code", "客户编码")),
    Column("customer_name", ("customer_name", "客户名称")),
    Column("customer_region", ("customer_region", "客户地区"), required=False),
    Column("sku", ("sku", "产品编码")),
    Column("quantity", ("quantity", "数量")),
    Column("unit_price", ("unit_price", "单价")),
    Column("discount", ("discount", "折扣"), required=False),
]
CHUNK = 1000


def columns_for(actor: User) -> list[Column]:
    """The columns of this user's files: brand staff name the partner of each line, a partner reports its own."""
    return COLUMNS if actor.role not in PARTNER_ROLES else COLUMNS[1:]


_WHOLE = re.compile(r"[0-9]{1,6}")
FOUR_PLACES = Decimal("0.0001")
MAX_MAGNITUDE = Decimal("1e13")  # fits Numeric(18, 4)

Rows = Iterable[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class ReportingRules:
    today: date
    open_months: int  # months before the current one that still take lines; older periods are closed
    may_report_closed_periods: bool  # brand staff loading history

    @classmethod
    def for_actor(cls, actor: User) -> ReportingRules:
        """The rules as the portal is configured, today in its time zone: brand staff may load closed months
        (history), partners only the open ones. One constructor for the form, the files and the API."""
        return cls(
            today=local_today(),
            open_months=current_app.config["REPORTING_OPEN_MONTHS"],
            may_report_closed_periods=actor.role in BRAND_ROLES,
        )

    def first_open_period(self) -> date:
        return add_months(month_start(self.today), -self.open_months)


@dataclass
class ParsedLine:
    row: int
    partner_id: int
    order_no: str
    line_no: int
    order_date: date
    customer_code: str
    customer_name: str
    customer_region: str | None
    product_id: int
    product_line_id: int
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal

    @property
    def net_amount(self) -> Decimal:
        return self.quantity * self.unit_price - self.discount

    @property
    def period(self) -> date:
        return self.order_date.replace(day=1)

    def facts(self, customer_id: int, lines_of: dict[int, int]) -> rollup.LineFacts:
        """What the roll-ups count of the line; its product's line as held now (rollup.hold_products)."""
        return rollup.LineFacts(
            self.partner_id,
            self.period,
            customer_id,
            self.product_id,
            lines_of[self.product_id],
            self.net_amount,
            self.quantity,
            self.quantity < 0,
        )


@dataclass
class IntakeResult(ImportProblems):
    rows: int = 0
    returns: int = 0
    total: Decimal = Decimal(0)
    submissions: list[Submission] = field(default_factory=list)


class _Catalog:
    """Products by SKU and partners by code, read once per intake."""

    def __init__(self, actor: User) -> None:
        self.products = {
            sku.upper(): (pid, active, line_id)
            for pid, sku, active, line_id in db.session.execute(
                select(Product.id, Product.sku, Product.is_active, Product.product_line_id)
            )
        }
        # The tenant scope applies: a channel manager finds only the partners of their regions.
        self.partners = {
            code.upper(): (pid, status, joined, since)
            for pid, code, status, joined, since in db.session.execute(
                select(Partner.id, Partner.code, Partner.status, Partner.joined_on, Partner.status_since)
            )
        }
        self.own_partner_id = actor.partner_id if actor.role in PARTNER_ROLES else None


def _parse(
    row: int, values: dict[str, str], catalog: _Catalog, rules: ReportingRules
) -> tuple[ParsedLine | None, list[RowError]]:
    values = {key: without_controls(value or "") for key, value in values.items()}  # the form's and the API's too
    check = RowChecker(row, values)
    errors, wrong, text = check.errors, check.wrong, check.text

    code = (values.get("partner_code") or "").strip().upper()
    partner_id = None
    if catalog.own_partner_id is not None:
        partner_id = catalog.own_partner_id
        if code and catalog.partners.get(code, (None,))[0] != partner_id:
            wrong("partner_code", _l("You report for your own organisation only."))
    elif not code:
        wrong("partner_code", _l("Say which partner sold this line (partner_code)."))
    elif code not in catalog.partners:
        wrong("partner_code", _l("Unknown partner code %(code)s.", code=code))
    else:
        partner_id = catalog.partners[code][0]

    order_no = text("order_no", 64)
    line_text = (values.get("line_no") or "").strip().translate(FULL_WIDTH)
    line_no = int(line_text) if _WHOLE.fullmatch(line_text) and int(line_text) > 0 else None
    if line_no is None:
        wrong("line_no", _l("Use a whole number from 1."))

    date_text = (values.get("order_date") or "").strip()
    order_date = parse_date(date_text)
    if not date_text:
        wrong("order_date", _l("Fill in this field."))
    elif order_date is None:
        wrong(
            "order_date",
            _l(
                "%(text)s is not a date: write it as YYYY-MM-DD, alone or with a time of day as Excel writes it "
                "(2026-11-15 08:30:00).",
                text=date_text[:30],
            ),
        )
    if order_date is not None:
        if order_date > rules.today:
            wrong("order_date", _l("The date is in the future."))
        elif order_date < rules.first_open_period() and not rules.may_report_closed_periods:
            wrong("order_date", _l("%(month)s is closed for reporting.", month=order_date.strftime("%Y-%m")))
    if partner_id is not None and catalog.own_partner_id is None:
        _pid, status, joined, since = catalog.partners[code]
        # History: brand staff load a partner's lines of the time it was active, also after it left.
        sold_while_active = rules.may_report_closed_periods and order_date is not None and joined <= order_date < since
        if status is not PartnerStatus.ACTIVE and not sold_while_active:
            wrong("partner_code", _l("Partner %(code)s is not active.", code=code))
            partner_id = None

    customer_code = text("customer_code", 64)
    customer_name = text("customer_name", 200)
    customer_region = text("customer_region", 120, required=False) or None

    sku = (values.get("sku") or "").strip().upper()
    product = catalog.products.get(sku)
    if not sku:
        wrong("sku", _l("Fill in this field."))
    elif product is None:
        wrong("sku", _l("Unknown SKU %(sku)s.", sku=sku))
    elif not product[1]:
        wrong("sku", _l("SKU %(sku)s is no longer sold.", sku=sku))

    def amount(key: str, *, default: Decimal | None = None, allow_negative: bool = False) -> Decimal | None:
        raw = (values.get(key) or "").strip()
        if not raw and default is not None:
            return default
        value = parse_number(raw)
        if value is None:
            wrong(key, number_problem(raw))
        elif abs(value) >= MAX_MAGNITUDE:
            wrong(key, _l("The number is too large."))
        elif value != value.quantize(FOUR_PLACES):
            wrong(key, _l("Use at most 4 decimal places."))
        elif value < 0 and not allow_negative:
            wrong(key, _l("Use a number of 0 or more."))
        else:
            return value
        return None

    quantity = amount("quantity", allow_negative=True)
    if quantity == 0:
        wrong("quantity", _l("A quantity of 0 is not a sale; a return has a negative quantity."))
    unit_price = amount("unit_price")
    discount = amount("discount", default=Decimal(0))
    if (
        errors
        or partner_id is None
        or line_no is None
        or order_date is None
        or product is None
        or quantity is None
        or unit_price is None
        or discount is None
    ):  # each None is among the errors
        return None, errors
    return ParsedLine(
        row,
        partner_id,
        order_no,
        line_no,
        order_date,
        customer_code,
        customer_name,
        customer_region,
        product[0],
        product[2],
        quantity,
        unit_price,
        discount,
    ), []


def _duplicates(rows: Rows, suspects: set[int], catalog: _Catalog, rules: ReportingRules) -> list[RowError]:
    first_row_of: dict[tuple, int] = {}
    errors = []
    for number, values in rows:
        line, _errors = _parse(number, values, catalog, rules)
        if line is None:
            continue
        key = (line.partner_id, line.order_no, line.line_no)
        if hash(key) not in suspects:
            continue
        if key in first_row_of:
            errors.append(
                RowError(
                    number,
                    "line_no",
                    _l(
                        "Order %(order)s line %(line)d is in row %(row)d already.",
                        order=line.order_no,
                        line=line.line_no,
                        row=first_row_of[key],
                    ),
                )
            )
        else:
            first_row_of[key] = number
    return errors


def record_sales_lines(
    read_rows: Callable[[], Rows],
    *,
    actor: User,
    source: SubmissionSource,
    filename: str | None,
    rules: ReportingRules,
    progress: Callable[[str, int], None] | None = None,
) -> IntakeResult:
    """Check every row and write them, all or none: one submission per partner; lines upserted by (partner,
    order_no, line_no); customers created or updated by (partner, customer_code); the monthly roll-up moved.

    One pass: rows are written in chunks inside a savepoint while the file stays clean; after the first wrong
    row the rest is only checked, and the savepoint is rolled back, so nothing is written when any row is wrong.
    Duplicate detection keeps one 64-bit hash per line, not the lines, so a million-line file stays small; a
    hash seen twice is confirmed by comparing real keys in a second, rare scan (`read_rows` is called again).
    A delivery that collides with another one written at the same moment is written again, a few times at
    most, from the start. The caller commits."""
    for attempt in range(1, COLLISION_ATTEMPTS + 1):
        try:
            return _record_once(
                read_rows, actor=actor, source=source, filename=filename, rules=rules, progress=progress
            )
        except _Collided:
            if attempt == COLLISION_ATTEMPTS:
                break
    result = IntakeResult()
    result.errors.append(
        RowError(
            0,
            "",
            _l(
                "Another delivery for the same partner was being written at the same moment. "
                "Nothing of this one was written: send it again."
            ),
        )
    )
    return result


COLLISION_ATTEMPTS = 3


class _Collided(Exception):
    """Another transaction wrote one of these lines, or locked these partners in the other order, first."""


def _collided(error: DBAPIError) -> bool:
    """A unique key taken by another delivery, or PostgreSQL's deadlock and serialisation failures."""
    return isinstance(error, IntegrityError) or getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def _record_once(
    read_rows: Callable[[], Rows],
    *,
    actor: User,
    source: SubmissionSource,
    filename: str | None,
    rules: ReportingRules,
    progress: Callable[[str, int], None] | None,
) -> IntakeResult:
    if actor.role in PARTNER_ROLES and actor.partner_id is None:
        raise PermissionDenied()
    catalog = _Catalog(actor)
    result = IntakeResult()
    submissions: dict[int, Submission] = {}
    seen: set[int] = set()
    suspects: set[int] = set()
    chunk: list[ParsedLine] = []
    savepoint = db.session.begin_nested()
    try:
        rows = read_rows()
        result.headers = getattr(rows, "headers", {})  # a file names its columns; the web form does not
        for number, values in rows:
            result.rows += 1
            line, errors = _parse(number, values, catalog, rules)
            if line is None:
                result.errors += errors
            else:
                digest = hash((line.partner_id, line.order_no, line.line_no))
                if digest in seen:
                    suspects.add(digest)
                seen.add(digest)
                result.total += line.net_amount
                result.returns += line.quantity < 0
                if not result.errors and not suspects:
                    chunk.append(line)
            if len(chunk) >= CHUNK:
                _write_chunk(chunk, submissions, actor, source, filename)
                chunk = []
            if progress and result.rows % CHUNK == 0:
                progress("checked", result.rows)
        del seen
        if suspects:
            result.errors += _duplicates(read_rows(), suspects, catalog, rules)
            result.errors.sort(key=lambda error: (error.row, error.column))
        if result.rows == 0:
            result.errors.append(RowError(0, "", _l("There are no sales lines to record.")))
        if result.errors:
            savepoint.rollback()
            return result
        if chunk:
            _write_chunk(chunk, submissions, actor, source, filename)
        db.session.flush()
        savepoint.commit()
    except DBAPIError as error:
        savepoint.rollback()
        if _collided(error):
            raise _Collided() from error
        raise
    except BaseException:
        savepoint.rollback()
        raise
    if progress:
        progress("written", result.rows)
    result.submissions = list(submissions.values())
    for partner_id in submissions:
        record_milestone(partner_id, OnboardingStep.SALES_REPORT)
    return result


def _submission_for(
    partner_id: int, submissions: dict[int, Submission], actor: User, source: SubmissionSource, filename: str | None
) -> Submission:
    if partner_id not in submissions:
        submission = Submission(
            partner_id=partner_id,
            source=source,
            status=SubmissionStatus.COMPLETED,
            filename=filename,
            created_by_id=actor.id,
            row_count=0,
            total_amount=Decimal(0),
        )
        db.session.add(submission)
        db.session.flush()
        submissions[partner_id] = submission
    return submissions[partner_id]


def _write_chunk(
    lines: list[ParsedLine],
    submissions: dict[int, Submission],
    actor: User,
    source: SubmissionSource,
    filename: str | None,
) -> int:
    """Customers first, then the lines: new ones inserted, known ones (same partner, order, line) updated, each
    with one executemany. The lookups use plain IN lists, whose compiled SQL is cached across chunks."""
    rollup.hold_partners({line.partner_id for line in lines})
    customers = _upsert_customers(lines)
    keys = [(line.partner_id, line.order_no, line.line_no) for line in lines]
    wanted = set(keys)
    found = db.session.execute(
        rollup.line_facts_query()
        .add_columns(SalesLine.order_no, SalesLine.line_no, SalesLine.id, SalesLine.submission_id)
        .where(SalesLine.partner_id.in_({key[0] for key in keys}), SalesLine.order_no.in_({key[1] for key in keys}))
    )
    # (partner, order, line) → (line id, submission, what the roll-ups counted of it)
    width = len(rollup.LineFacts._fields)
    existing = {
        (row[0], row[width], row[width + 1]): (row[width + 2], row[width + 3], rollup.LineFacts(*row[:width]))
        for row in found
        if (row[0], row[width], row[width + 1]) in wanted
    }
    lines_of = rollup.hold_products({line.product_id for line in lines} | {e[2].product_id for e in existing.values()})
    now = utcnow()
    inserts, updates = [], []
    deltas = rollup.Deltas()
    superseded: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])  # earlier submission → lines, net moved
    for line, key in zip(lines, keys, strict=True):
        submission = _submission_for(line.partner_id, submissions, actor, source, filename)
        submission.row_count += 1
        submission.total_amount += line.net_amount
        customer_id = customers[(line.partner_id, line.customer_code)]
        values = {
            "submission_id": submission.id,
            "order_date": line.order_date,
            "period": line.period,
            "customer_id": customer_id,
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "net_amount": line.net_amount,
            "is_return": line.quantity < 0,
            "updated_at": now,
        }
        deltas.add(line.facts(customer_id, lines_of))
        if key in existing:
            line_id, old_submission_id, old = existing[key]
            deltas.add(old._replace(product_line_id=lines_of[old.product_id]), sign=-1)
            updates.append({"id": line_id, **values})
            superseded[old_submission_id][0] += 1
            superseded[old_submission_id][1] += old.net_amount
        else:
            inserts.append(
                {
                    "partner_id": line.partner_id,
                    "order_no": line.order_no,
                    "line_no": line.line_no,
                    "created_at": now,
                    **values,
                }
            )
    if inserts:
        db.session.execute(SalesLine.__table__.insert(), inserts)
    if updates:
        db.session.execute(update(SalesLine), updates)
    if superseded:  # a few earlier submissions per chunk: objects, so SQLite's text decimals are added exactly
        for earlier in db.session.scalars(select(Submission).where(Submission.id.in_(list(superseded)))):
            count, amount = superseded[earlier.id]
            earlier.superseded_count += count
            earlier.superseded_amount += amount
    rollup.apply(deltas)
    return len(lines)


def _upsert_customers(lines: list[ParsedLine]) -> dict[tuple[int, str], int]:
    """Customers by (partner, code): new ones created, names and regions kept up to date from the lines (not for
    a customer whose personal data was erased). Core statements: thousands of customers per chunk."""
    latest = {(line.partner_id, line.customer_code): line for line in lines}
    found: dict[tuple[int, str], int] = {}
    changes = []
    rows = db.session.execute(
        select(
            Customer.id, Customer.partner_id, Customer.code, Customer.name, Customer.region_text, Customer.erased_at
        ).where(Customer.partner_id.in_({key[0] for key in latest}), Customer.code.in_({key[1] for key in latest}))
    )
    for customer_id, partner_id, code, name, region_text, erased_at in rows:
        line = latest.get((partner_id, code))
        if line is None:
            continue
        found[(partner_id, code)] = customer_id
        region = line.customer_region or region_text
        if erased_at is None and (name != line.customer_name or region != region_text):
            changes.append(
                {
                    "id": customer_id,
                    "name": line.customer_name,
                    "name_key": normalise_company_name(line.customer_name),
                    "region_text": region,
                }
            )
    if changes:
        db.session.execute(update(Customer), changes)
    new = [
        {
            "partner_id": key[0],
            "code": key[1],
            "name": line.customer_name,
            "name_key": normalise_company_name(line.customer_name),
            "region_text": line.customer_region,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for key, line in latest.items()
        if key not in found
    ]
    if new:
        inserted = db.session.execute(
            Customer.__table__.insert().returning(
                Customer.__table__.c.id, Customer.__table__.c.partner_id, Customer.__table__.c.code
            ),
            new,
        )
        found.update({(partner_id, code): customer_id for customer_id, partner_id, code in inserted})
    return found
