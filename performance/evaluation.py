"""The brand's channel evaluation: every partner in scope with its scorecard for a month, filtered and sorted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, Select, and_, cast, select

from orders.models import MonthlySales
from partners.models import Partner, PartnerTier, PartnerType, ProductLine, Region, partner_product_lines
from performance.kpis import DISPLAY_KPIS, KPI_LABELS, LOWER_IS_BETTER, MONEY_KPIS, SCORED_KPIS
from performance.models import Scorecard, ScoringRules
from performance.scoring import is_out_of_date, lines_changed_at, newest_scorecards
from portal.exports import amount_cells
from portal.extensions import db
from portal.money import Total, total_of
from portal.paging import Page, paginate

PAGE_SIZE = 50


@dataclass(frozen=True)
class EvaluationCriteria:
    period: date
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    region: Region | None = None
    product_line: ProductLine | None = None
    sort: str = "score"


@dataclass(frozen=True)
class EvaluationRow:
    partner: Partner
    card: Scorecard | None  # None: the partner has not been scored for the month
    is_out_of_date: bool = False  # lines of the month changed after the card was computed

    def kpi(self, name: str) -> Decimal | None:
        value = self.card.kpis.get(name) if self.card else None
        return None if value is None else Decimal(value)


def has_scorecards(period: date) -> bool:
    """Some partner in scope was scored for the month."""
    return db.session.scalar(select(Scorecard.id).where(Scorecard.period == period).limit(1)) is not None


def scored_months(limit: int = 24) -> list[date]:
    return list(db.session.scalars(select(Scorecard.period).distinct().order_by(Scorecard.period.desc()).limit(limit)))


def months_with_data() -> list[date]:
    """Every month with sales in scope (the monthly roll-up) or scorecards, newest first: years of history."""
    sold = select(MonthlySales.period).distinct()
    scored = select(Scorecard.period).distinct()
    return sorted(set(db.session.scalars(sold)) | set(db.session.scalars(scored)), reverse=True)


def evaluate_partners(criteria: EvaluationCriteria, *, page: int | None = 1) -> Page[EvaluationRow]:
    """Partners in scope matching the filters, each with its newest-version scorecard for the month, sorted best
    first (partners without data last, ties by code) and cut into pages in the database: the page costs the same
    for 20 partners or 2,000. `page=None` gives every row (exports)."""
    query = _evaluation_query(criteria)
    if page is None:  # an export: every row, one page
        pairs = db.session.execute(query).all()
        listing: Page[Any] = Page(list(pairs), 1, max(len(pairs), 1), len(pairs))
    else:
        listing = paginate(query, page=page, per_page=PAGE_SIZE, scalars=False)
    changed = lines_changed_at([partner.id for partner, _card in listing.items], criteria.period)
    rows = [
        EvaluationRow(partner, card, card is not None and is_out_of_date(card, changed))
        for partner, card in listing.items
    ]
    return Page(rows, listing.number, listing.per_page, listing.total)


def net_sales_total(criteria: EvaluationCriteria) -> Total:
    """Net sales of every partner the evaluation finds (all pages), summed exactly from their scorecards' figures;
    a partner without a scorecard or without sales adds nothing."""
    listed = _evaluation_query(criteria).order_by(None).subquery()
    return total_of(
        Decimal(kpis["net_sales"]) if kpis and kpis.get("net_sales") is not None else None
        for kpis in db.session.scalars(select(listed.c.kpis))
    )


def _evaluation_query(criteria: EvaluationCriteria) -> Select[Partner, Scorecard]:
    newest = newest_scorecards(criteria.period)
    query = (
        select(Partner, Scorecard)
        .outerjoin(newest, newest.c.partner_id == Partner.id)
        .outerjoin(
            Scorecard,
            and_(
                Scorecard.partner_id == Partner.id,
                Scorecard.period == criteria.period,
                Scorecard.rules_id == newest.c.rules_id,
            ),
        )
    )
    if criteria.partner_type:
        query = query.where(Partner.partner_type == criteria.partner_type)
    if criteria.tier:
        query = query.where(Partner.tier == criteria.tier)
    if criteria.region:
        query = query.join(Region, Region.id == Partner.region_id).where(Region.path.startswith(criteria.region.path))
    if criteria.product_line:
        query = query.where(
            Partner.id.in_(
                select(partner_product_lines.c.partner_id).where(
                    partner_product_lines.c.product_line_id == criteria.product_line.id
                )
            )
        )
    if criteria.sort in SCORED_KPIS:
        # Ordering only: the figures shown stay exact text. Best first: the lowest of what is better low.
        value = cast(Scorecard.kpis[criteria.sort].as_string(), Float)
        best_first = value.asc() if criteria.sort in LOWER_IS_BETTER else value.desc()
        query = query.order_by(value.is_(None), best_first, Partner.code)
    elif criteria.sort == "code":
        query = query.order_by(Partner.code)
    else:
        query = query.order_by(Scorecard.score.is_(None), Scorecard.score.desc(), Partner.code)
    return query


def export_headers() -> list[str]:
    from flask_babel import gettext as _

    return [
        _("Partner code"),
        _("Partner"),
        _("Type"),
        _("Tier"),
        _("Region"),
        _("Score"),
        _("Rank in type"),
        _("Rules version"),
        _("Computed (UTC)"),
        _("Lines changed since"),
    ] + [
        header
        for name in DISPLAY_KPIS
        for header in (
            [str(KPI_LABELS[name]), _("%(kpi)s (exact)", kpi=KPI_LABELS[name])]
            if name in MONEY_KPIS
            else [str(KPI_LABELS[name])]
        )
    ]


def export_rows(rows: list[EvaluationRow]) -> list[list[object]]:
    from flask_babel import gettext as _

    versions = dict(db.session.execute(select(ScoringRules.id, ScoringRules.version)).all())
    table = []
    for row in rows:
        card, partner = row.card, row.partner
        values = [
            cell
            for name in DISPLAY_KPIS
            for cell in (amount_cells(row.kpi(name)) if name in MONEY_KPIS else [row.kpi(name)])
        ]
        table.append(
            [
                partner.code,
                partner.legal_name,
                partner.partner_type.label,
                partner.tier.label,
                partner.region.full_name,
                card.score if card else None,
                card.rank_in_type if card else None,
                versions.get(card.rules_id) if card else None,
                card.computed_at.replace(tzinfo=None, microsecond=0) if card else None,
                (_("yes") if row.is_out_of_date else _("no")) if card else None,
            ]
            + values
        )
    return table
