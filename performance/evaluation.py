"""The brand's channel evaluation: every partner in scope with its scorecard for a month, filtered and sorted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from orders.services import to_cents
from partners.models import Partner, PartnerTier, PartnerType, ProductLine, Region, partner_product_lines
from performance.kpis import KPI_LABELS, MONEY_KPIS, SCORED_KPIS
from performance.models import Scorecard, ScoringRules
from performance.scoring import latest_scorecards
from portal.extensions import db

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

    def kpi(self, name: str) -> Decimal | None:
        value = self.card.kpis.get(name) if self.card else None
        return None if value is None else Decimal(value)


def scored_months(limit: int = 24) -> list[date]:
    return list(db.session.scalars(select(Scorecard.period).distinct().order_by(Scorecard.period.desc())
                                   .limit(limit)))


def evaluate_partners(criteria: EvaluationCriteria) -> list[EvaluationRow]:
    """Partners in scope matching the filters, each with its newest-version scorecard for the month. Sorted best
    first (partners without data last); ties by code."""
    query = select(Partner).order_by(Partner.code)
    if criteria.partner_type:
        query = query.where(Partner.partner_type == criteria.partner_type)
    if criteria.tier:
        query = query.where(Partner.tier == criteria.tier)
    if criteria.region:
        query = query.join(Region, Region.id == Partner.region_id).where(Region.path.startswith(criteria.region.path))
    if criteria.product_line:
        query = query.join(partner_product_lines).where(
            partner_product_lines.c.product_line_id == criteria.product_line.id)
    partners = db.session.scalars(query).all()
    cards = latest_scorecards(criteria.period)
    rows = [EvaluationRow(partner, cards.get(partner.id)) for partner in partners]
    if criteria.sort == "code":
        return rows
    key = criteria.sort if criteria.sort in SCORED_KPIS else "score"

    def value(row: EvaluationRow):
        found = (row.card.score if row.card else None) if key == "score" else row.kpi(key)
        return (found is None, -(found or 0))

    return sorted(rows, key=value)


EXPORT_KPIS = ("net_sales", "target", *[name for name in SCORED_KPIS if name != "net_sales"])


def export_headers() -> list[str]:
    from flask_babel import gettext as _

    return [_("Partner code"), _("Partner"), _("Type"), _("Tier"), _("Region"), _("Score"), _("Rank in type"),
            _("Rules version")] + [str(KPI_LABELS[name]) for name in EXPORT_KPIS]


def export_rows(rows: list[EvaluationRow]) -> list[list[object]]:
    versions = dict(db.session.execute(select(ScoringRules.id, ScoringRules.version)).all())
    table = []
    for row in rows:
        card, partner = row.card, row.partner
        values = [to_cents(row.kpi(name)) if name in MONEY_KPIS else row.kpi(name) for name in EXPORT_KPIS]
        table.append([partner.code, partner.legal_name, partner.partner_type.label, partner.tier.label,
                      partner.region.full_name, card.score if card else None, card.rank_in_type if card else None,
                      versions.get(card.rules_id) if card else None] + values)
    return table
