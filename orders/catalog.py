"""The product catalog: products by SKU, edited by admins one by one or from a spreadsheet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from orders import rollup
from orders.intake import FOUR_PLACES, MAX_MAGNITUDE
from orders.models import Product
from partners.models import ProductLine
from partners.product_lines import ProductLineFields, line_code_problem, product_lines, save_product_line
from portal import audit, tenancy
from portal.auth.models import User
from portal.extensions import db
from portal.money import number_problem, parse_number
from portal.security import PermissionDenied, Role, RuleViolation
from portal.tabular import Column, ImportCounts, RowChecker, RowError, read_table

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
COLUMNS = [
    Column("sku", ("sku", "产品编码")),
    Column("name_en", ("name_en", "英文名称", "name")),
    Column("name_zh", ("name_zh", "中文名称", "名称")),
    Column("product_line", ("product_line", "产品线")),
    Column("unit", ("unit", "单位")),
    Column("list_price", ("list_price", "目录价", "价格")),
    Column("active", ("active", "启用"), required=False),
]
YES = {"", "1", "yes", "y", "true", "是", "启用"}
NO = {"0", "no", "n", "false", "否", "停用"}


@dataclass(frozen=True)
class ProductFields:
    sku: str
    name_en: str
    name_zh: str
    product_line: ProductLine
    unit: str
    list_price: Decimal
    is_active: bool = True


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()


def price_problem(value: Decimal):
    """What is wrong with a list price, or None: 0 or more, at most 4 decimal places."""
    if value < 0 or value >= MAX_MAGNITUDE or value != value.quantize(FOUR_PLACES):
        return _l("Use a price of 0 or more with at most 4 decimal places.")
    return None


def check_price(value: Decimal) -> None:
    if problem := price_problem(value):
        raise RuleViolation(problem, field="list_price")


def save_product(fields: ProductFields, *, actor: User, product: Product | None = None) -> Product:
    """Create a product, or change one; the SKU stays unique. Audited. The caller commits."""
    _require_admin(actor)
    sku = fields.sku.strip().upper()
    if not SKU.match(sku):
        raise RuleViolation(_l("Use letters, digits and . _ / - (at most 64)."), field="sku")
    holder = db.session.scalar(select(Product).where(func.upper(Product.sku) == sku))
    if holder is not None and holder is not product:
        raise RuleViolation(_l("SKU %(sku)s exists already.", sku=sku), field="sku")
    check_price(fields.list_price)
    old_line_id = product.product_line_id if product is not None else None
    with audit.tracking(product, Product.AUDITED, actor=actor) as tracked:
        if product is None:
            product = tracked.row = Product()
            db.session.add(product)
        product.sku, product.name_en, product.name_zh = sku, fields.name_en.strip(), fields.name_zh.strip()
        product.product_line, product.unit = fields.product_line, fields.unit.strip()
        product.list_price, product.is_active = fields.list_price, fields.is_active
    if old_line_id is not None and old_line_id != fields.product_line.id:
        db.session.flush()
        with tenancy.every_partner(reason="a product moved to another line moves every partner's sums of it"):
            rollup.move_product(product.id, old_line_id, fields.product_line.id)
    return product


# A unit price outside [list price ÷ 2, list price × 2] is likely a typo (a misplaced decimal point): the report
# form warns about it but accepts it, because partners do sell at special prices.
PRICE_WARNING_FACTOR = Decimal(2)


def active_product(sku: str) -> Product | None:
    """The product a sales line names, as intake finds it (SKU without regard to case)."""
    if not sku.strip():
        return None
    product = product_by_sku(sku)
    return product if product is not None and product.is_active else None


def product_by_sku(sku: str) -> Product | None:
    """Any product, sold or no longer, by its SKU without regard to case (lists filter by it)."""
    return db.session.scalar(select(Product).where(func.upper(Product.sku) == sku.strip().upper()))


def is_far_from_list_price(product: Product, price: Decimal) -> bool:
    if product.list_price <= 0:
        return False
    return price > product.list_price * PRICE_WARNING_FACTOR or price < product.list_price / PRICE_WARNING_FACTOR


def list_products(text: str = "", *, active_only: bool = False, limit: int = 200) -> list[Product]:
    return list(db.session.scalars(products_query(text, active_only=active_only).limit(limit)))


def products_query(text: str = "", *, active_only: bool = False):
    """Products by SKU; `text` matches the SKU or either name."""
    query = select(Product).order_by(Product.sku)
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Product.sku).like(pattern),
                func.lower(Product.name_en).like(pattern),
                Product.name_zh.like(pattern),
            )
        )
    if active_only:
        query = query.where(Product.is_active)
    return query


@dataclass
class CatalogImportResult(ImportCounts):
    new_lines: list[str] = field(default_factory=list)  # codes of the product lines the import created


def import_products(
    stream: BinaryIO, filename: str, *, actor: User, max_bytes: int, create_lines: bool = False
) -> CatalogImportResult:
    """Products by SKU from CSV or XLSX, all rows or none; the same file twice changes nothing. A product line
    is named by its code or either name; with `create_lines`, a code the brand does not have yet creates the
    line (named by its code until an admin renames it). Raises TableRejected for an unreadable file. The caller
    commits only when result.ok."""
    _require_admin(actor)
    table = read_table(stream, filename, COLUMNS, max_bytes=max_bytes)
    lines: dict[str, ProductLine | str] = {
        key: line
        for line in product_lines()
        for key in {line.code.casefold(), line.name_en.casefold(), line.name_zh.casefold()}
    }
    result = CatalogImportResult(headers=table.headers)
    parsed: list[tuple[ProductLine | str, tuple[str, str, str], tuple[str, Decimal, bool]]] = []
    first_row_of: dict[str, int] = {}
    for number, values in table:
        result.rows += 1
        check = RowChecker(number, values)
        sku = values["sku"].strip().upper()
        if not SKU.match(sku):
            check.wrong("sku", _l("Use letters, digits and . _ / - (at most 64)."))
        elif sku in first_row_of:
            check.wrong("sku", _l("SKU %(sku)s is in row %(row)d already.", sku=sku, row=first_row_of[sku]))
        for key, limit in (("name_en", 200), ("name_zh", 200), ("unit", 16)):
            check.text(key, limit)
        line_text = values["product_line"].strip()
        line = lines.get(line_text.casefold())
        if line is None and create_lines:
            if problem := line_code_problem(line_text.upper()):
                check.wrong("product_line", problem)
            else:
                line = lines[line_text.casefold()] = line_text.upper()  # created below, once the file is clean
                result.new_lines.append(line)
        elif line is None:
            check.wrong(
                "product_line",
                _l(
                    "Unknown product line %(line)s: create it first, or tick “create product lines named in the file”.",
                    line=line_text[:32],
                ),
            )
        price = parse_number(values["list_price"])
        if price is None:
            check.wrong("list_price", number_problem(values["list_price"]))
        elif problem := price_problem(price):
            check.wrong("list_price", problem)
        active_text = values.get("active", "").strip().casefold()
        if active_text not in YES | NO:
            check.wrong("active", _l("Use 1 or 0 (yes or no)."))
        if check.errors or line is None or price is None:  # each None is among the errors
            result.errors += check.errors
            continue
        first_row_of[sku] = number
        parsed.append(
            (line, (sku, values["name_en"], values["name_zh"]), (values["unit"], price, active_text not in NO))
        )
    if result.rows == 0:
        result.errors.append(RowError(0, "", _l("The file has a header but no rows.")))
    if not result.ok:
        return result
    created = {code: save_product_line(ProductLineFields(code, code, code), actor=actor) for code in result.new_lines}
    existing = {
        p.sku.upper(): p
        for p in db.session.scalars(select(Product).where(func.upper(Product.sku).in_(list(first_row_of))))
    }
    for line, names, rest in parsed:
        fields = ProductFields(*names, created[line] if isinstance(line, str) else line, *rest)
        product = existing.get(fields.sku)
        if product is None:
            save_product(fields, actor=actor)
            result.created += 1
            continue
        before = audit.snapshot(product, Product.AUDITED)
        save_product(fields, actor=actor, product=product)
        if audit.snapshot(product, Product.AUDITED) == before:
            result.unchanged += 1
        else:
            result.updated += 1
    return result
