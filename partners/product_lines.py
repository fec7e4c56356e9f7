"""The brand's product lines: what partners apply for, courses teach, coverage and products belong to. Admins
create them, rename them in both languages and deactivate them; a line is never deleted, since products,
coverage and history name it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from partners.models import ProductLine
from portal import audit
from portal.auth.models import User
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation

LINE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")  # AdventureWorks names its lines M, R, S and T
AUDITED = ("code", "name_en", "name_zh", "is_active")


@dataclass(frozen=True)
class ProductLineFields:
    code: str
    name_en: str
    name_zh: str
    is_active: bool = True


def product_lines(*, active_only: bool = False) -> list[ProductLine]:
    """In code order; `active_only` for the choices of new applications, coverage and the coverage matrix."""
    query = select(ProductLine).order_by(ProductLine.code)
    if active_only:
        query = query.where(ProductLine.is_active)
    return list(db.session.scalars(query))


def product_lines_by_id(ids: Iterable[int]) -> list[ProductLine]:
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(ProductLine).where(ProductLine.id.in_(ids)).order_by(ProductLine.code)))


def product_lines_by_code() -> dict[str, ProductLine]:
    return {line.code: line for line in product_lines()}


def may_manage_product_lines(actor: User) -> bool:
    return actor.role is Role.ADMIN


def line_code_problem(code: str):
    """What is wrong with a product line's code, or None."""
    if not LINE_CODE.match(code):
        return _l("Use 1–32 capital letters, digits, hyphens or underscores.")
    return None


def save_product_line(fields: ProductLineFields, *, actor: User, line: ProductLine | None = None) -> ProductLine:
    """Create a product line or change one (its code, names, whether it is offered); the code stays unique
    whatever its case. Audited. The caller commits."""
    if not may_manage_product_lines(actor):
        raise PermissionDenied()
    code = fields.code.strip().upper()
    if problem := line_code_problem(code):
        raise RuleViolation(problem, field="code")
    holder = db.session.scalar(select(ProductLine).where(func.upper(ProductLine.code) == code))
    if holder is not None and holder is not line:
        raise RuleViolation(_l("Product line %(code)s exists already.", code=code), field="code")
    with audit.tracking(line, AUDITED, actor=actor) as tracked:
        if line is None:
            line = tracked.row = ProductLine()
            db.session.add(line)
        line.code, line.name_en, line.name_zh = code, fields.name_en.strip(), fields.name_zh.strip()
        line.is_active = fields.is_active
    db.session.flush()
    return line
