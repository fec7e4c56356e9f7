"""The brand's product lines: what partners apply for, courses teach, coverage and products belong to."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from partners.models import ProductLine
from portal.extensions import db


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
