"""Lists cut into pages in the database, for every list a user scrolls. Services take the page number as an
argument (they never read the request); the layout's `pager` macro draws the links.

Flask-SQLAlchemy's db.paginate() reads the page from the request and always counts with a query of its own;
some lists know their count already (the sales lines sum and count in one query), hence this small class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from portal.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def first_index(self) -> int:
        """The position of the page's first item in the whole list, from 1."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0


def page_count(total: int, per_page: int) -> int:
    """Pages of `total` items; an empty list is one (empty) page."""
    return max(1, -(-total // per_page))


def paginate(
    query: Select[*tuple[Any, ...]], *, page: int, per_page: int, total: int | None = None, scalars: bool = True
) -> Page[Any]:
    """The `page`-th page (from 1, clamped to the last) of an ordered query; `total` when it is known already."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(page, 1), page_count(total, per_page))
    window = query.limit(per_page).offset((number - 1) * per_page)
    items = list(db.session.scalars(window) if scalars else db.session.execute(window))
    return Page(items, number, per_page, total)


def page_number(text: str | None) -> int:
    """?page= as people and links write it: anything but a positive whole number is the first page."""
    return int(text) if text and text.isdigit() and int(text) > 0 else 1


def page_of(items: list[T], *, page: int, per_page: int) -> Page[T]:
    """A page of a list worked out in Python (sorted by a figure computed per row)."""
    number = min(max(page, 1), page_count(len(items), per_page))
    return Page(items[(number - 1) * per_page : number * per_page], number, per_page, len(items))
