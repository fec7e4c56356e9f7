"""The KPIs of a partner over a range of months, worked out for many partners at once. docs/kpis.md defines each
one; a KPI without the data it needs is None ("no data"), never 0."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from orders.models import CustomerMonthlySales, DealRegistration, DealStatus, MonthlySales, PeriodReport
from orders.periods import deadline
from partners.coverage import tier_on
from partners.models import Partner, PartnerFacts, PartnerTier, PartnerType
from performance.models import SalesTarget
from portal.calendar import MonthRange, add_months, local_day, month_begins, month_end, month_start
from portal.database import among, utcnow
from portal.extensions import db
from service.figures import ServiceFigures, service_figures
from training.services import required_completion_rates


@dataclass(frozen=True)
class PartnerKpis:
    """One partner's KPIs over one range. Money exact; ratios as Decimal fractions (0.25 = 25 %)."""

    partner_id: int
    net_sales: Decimal | None
    target: Decimal | None
    target_attainment: Decimal | None
    growth_yoy: Decimal | None
    growth_prev: Decimal | None
    active_customers: int | None
    new_customers: int | None
    returns_ratio: Decimal | None
    deal_win_rate: Decimal | None
    training_completion: Decimal | None
    on_time_reporting: Decimal | None
    cases_per_million: Decimal | None = None
    median_first_response: Decimal | None = None
    median_resolution: Decimal | None = None
    complaints_per_100_customers: Decimal | None = None
    complaint_resolution_rate: Decimal | None = None
    partner_nps: Decimal | None = None
    customer_csat: Decimal | None = None
    reported: bool = False  # some month of the range has lines or was declared: without that, no score

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("partner_id", "reported")}


# What customer service adds (service/figures.py counts it): the brand's cases and the partner's complaints and
# satisfaction. Rules saved before them weigh them 0.
SERVICE_KPIS = (
    "cases_per_million",
    "median_first_response",
    "median_resolution",
    "complaints_per_100_customers",
    "complaint_resolution_rate",
    "partner_nps",
    "customer_csat",
)
# The KPIs a scorecard may weigh (net sales and the target are money; the rest are ratios or counts).
SCORED_KPIS = (
    "net_sales",
    "target_attainment",
    "growth_yoy",
    "growth_prev",
    "active_customers",
    "new_customers",
    "returns_ratio",
    "deal_win_rate",
    "training_completion",
    "on_time_reporting",
    *SERVICE_KPIS,
)
# The order pages, exports and the PDF show the KPIs in: net sales with its target beside it, then the others.
DISPLAY_KPIS = ("net_sales", "target", *[name for name in SCORED_KPIS if name != "net_sales"])
KPI_LABELS = {
    "net_sales": _l("Net sales"),
    "target": _l("Target"),
    "target_attainment": _l("Target attainment"),
    "growth_yoy": _l("Growth vs last year"),
    "growth_prev": _l("Growth vs previous period"),
    "active_customers": _l("Active customers"),
    "new_customers": _l("New customers"),
    "returns_ratio": _l("Returns ratio"),
    "deal_win_rate": _l("Deal win rate"),
    "training_completion": _l("Required training completed"),
    "on_time_reporting": _l("On-time reporting"),
    "cases_per_million": _l("Support cases per 1M net sales"),
    "median_first_response": _l("Median first response"),
    "median_resolution": _l("Median resolution time"),
    "complaints_per_100_customers": _l("Complaints per 100 active customers"),
    "complaint_resolution_rate": _l("Complaint resolution rate"),
    "partner_nps": _l("Partner NPS"),
    "customer_csat": _l("End-customer CSAT"),
}
# One line each, for people reading a scorecard; docs/kpis.md has the full definitions and the no-data cases.
KPI_DEFINITIONS = {
    "net_sales": _l("Quantity × unit price − discount of every line in the months; returns count as negative amounts."),
    "target": _l("The sum of the monthly targets set for the months."),
    "target_attainment": _l("Net sales of the months with a target ÷ those targets."),
    "growth_yoy": _l("Change of net sales against the same months a year before."),
    "growth_prev": _l("Change of net sales against the same number of months just before."),
    "active_customers": _l("End customers who bought something (not only returned) in the months."),
    "new_customers": _l("Active customers whose first purchase ever falls in the months."),
    "returns_ratio": _l("Value returned ÷ value sold."),
    "deal_win_rate": _l("Registered deals won ÷ those won or lost in the months."),
    "training_completion": _l("Share of the partner's users × required courses with a valid certificate."),
    "on_time_reporting": _l("Share of the months due that were declared by their deadline."),
    "cases_per_million": _l("Support cases the partner opened in the months × 1,000,000 ÷ its net sales."),
    "median_first_response": _l("Median business hours from opening to the brand's first reply, of the cases opened."),
    "median_resolution": _l("Median business hours from opening to resolution, of the cases opened and resolved."),
    "complaints_per_100_customers": _l("End-customer complaints logged in the months × 100 ÷ active customers."),
    "complaint_resolution_rate": _l(
        "Complaints of the months resolved by the partner, or escalated and the case resolved, ÷ all of them."
    ),
    "partner_nps": _l("Share of promoters (9–10) less share of detractors (0–6) among the partner's users, in points."),
    "customer_csat": _l("Mean 1–5 satisfaction of the partner's end customers in customer surveys."),
}
MONEY_KPIS = ("net_sales", "target")
COUNT_KPIS = ("active_customers", "new_customers")
# How the other KPIs read: a share is a fraction shown in %, the rest as KPI_UNITS say.
KPI_UNITS = {
    "cases_per_million": "rate",
    "complaints_per_100_customers": "rate",
    "median_first_response": "hours",
    "median_resolution": "hours",
    "partner_nps": "points",
    "customer_csat": "out_of_5",
}
# Lower is better: sorting by them puts the lowest first.
LOWER_IS_BETTER = (
    "returns_ratio",
    "cases_per_million",
    "median_first_response",
    "median_resolution",
    "complaints_per_100_customers",
)


@dataclass(frozen=True)
class _PartnerThen:
    """A partner's facts with the tier it held at the end of a range (tier_on): what its required courses read."""

    id: int
    partner_type: PartnerType
    tier: PartnerTier
    joined_on: date


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


def _growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Change against a base period; no data when the base had no sales or sold nothing net (≤ 0)."""
    if now is None or before is None or before <= 0:
        return None
    return (now - before) / before


def _monthly_sums(partner_ids: list[int], months: list[date]) -> dict[int, dict[date, tuple[Decimal, Decimal]]]:
    """(net, returns) per partner and month from the roll-up; months without lines are absent."""
    sums: dict[int, dict[date, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for partner_id, period, net, returns in db.session.execute(
        select(
            MonthlySales.partner_id, MonthlySales.period, MonthlySales.net_amount, MonthlySales.returns_amount
        ).where(among(MonthlySales.partner_id, partner_ids), MonthlySales.period.in_(months))
    ):
        sums[partner_id][period] = (net, returns)
    return sums


def _net(sums: dict[date, tuple[Decimal, Decimal]], months: MonthRange) -> Decimal | None:
    values = [sums[m][0] for m in months.months() if m in sums]
    return sum(values, Decimal(0)) if values else None


def compute_kpis(
    partners: Sequence[PartnerFacts], months: MonthRange, *, now: datetime | None = None
) -> dict[int, PartnerKpis]:
    """Every KPI of every given partner (Partner objects, or rows with their id, type, tier and joined_on) over
    `months`, in a fixed number of queries whatever the number of partners (pages and scorecards call this for
    thousands), each partner with the tier it held at the end of `months`. Sales and customers come from the
    monthly roll-ups (per partner and per end customer), never from the lines. Runs in the caller's tenant
    scope."""
    now = now or utcnow()
    ids = [partner.id for partner in partners]
    if not ids:
        return {}
    sums = _monthly_sums(ids, sorted({*months.months(), *months.previous().months(), *months.last_year().months()}))

    targets: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for partner_id, period, amount in db.session.execute(
        select(SalesTarget.partner_id, SalesTarget.period, SalesTarget.amount).where(
            among(SalesTarget.partner_id, ids), SalesTarget.period.between(months.first, months.last)
        )
    ):
        targets[partner_id][period] = amount

    bought = (among(CustomerMonthlySales.partner_id, ids), CustomerMonthlySales.sale_lines > 0)
    active = dict(
        db.session.execute(
            select(CustomerMonthlySales.partner_id, func.count(func.distinct(CustomerMonthlySales.customer_id)))
            .where(*bought, CustomerMonthlySales.period.between(months.first, months.last))
            .group_by(CustomerMonthlySales.partner_id)
        ).all()
    )
    earlier = aliased(CustomerMonthlySales)
    bought_before = (
        select(earlier.id)
        .where(
            earlier.customer_id == CustomerMonthlySales.customer_id,
            earlier.period < months.first,
            earlier.sale_lines > 0,
        )
        .exists()
    )
    new = dict(
        db.session.execute(
            select(CustomerMonthlySales.partner_id, func.count(func.distinct(CustomerMonthlySales.customer_id)))
            .where(*bought, CustomerMonthlySales.period.between(months.first, months.last), ~bought_before)
            .group_by(CustomerMonthlySales.partner_id)
        ).all()
    )

    deals: dict[int, dict[DealStatus, int]] = defaultdict(lambda: defaultdict(int))
    for partner_id, status, count in db.session.execute(
        select(DealRegistration.partner_id, DealRegistration.status, func.count())
        .where(
            among(DealRegistration.partner_id, ids),
            DealRegistration.status.in_([DealStatus.WON, DealStatus.LOST]),
            DealRegistration.decided_at >= month_begins(months.first),
            DealRegistration.decided_at < month_begins(add_months(months.last, 1)),
        )
        .group_by(DealRegistration.partner_id, DealRegistration.status)
    ):
        deals[partner_id][status] = count

    due = {m for m in months.months() if deadline(m) <= now}
    declared: dict[tuple[int, date], bool] = {  # (partner, month) → declared on time
        (partner_id, period): not is_late
        for partner_id, period, is_late in db.session.execute(
            select(PeriodReport.partner_id, PeriodReport.period, PeriodReport.is_late).where(
                among(PeriodReport.partner_id, ids), PeriodReport.period.between(months.first, months.last)
            )
        )
    }

    end_of_range = min(now, month_begins(add_months(months.last, 1)))
    # The courses required of a partner over a past range are those of the tier it held at the range's end.
    tiers = tier_on(partners, min(month_end(months.last), local_day(now)))
    training = required_completion_rates(
        [_PartnerThen(p.id, p.partner_type, tiers[p.id], p.joined_on) for p in partners], at=end_of_range
    )
    service = service_figures(ids, months)

    result = {}
    for partner in partners:
        own = sums.get(partner.id, {})
        in_range = [own[m] for m in months.months() if m in own]
        net = sum((n for n, _ in in_range), Decimal(0)) if in_range else None
        returned = -sum((r for _, r in in_range), Decimal(0))
        sold = (net or Decimal(0)) + returned
        own_targets = targets.get(partner.id, {})
        target = sum(own_targets.values(), Decimal(0)) if own_targets else None
        net_in_target_months = sum((own[m][0] for m in own_targets if m in own), Decimal(0))
        # Sales of a target month are known when it has lines or was declared (reported, or "no sales").
        sales_known = any(m in own or (partner.id, m) in declared for m in own_targets)
        won, lost = deals[partner.id][DealStatus.WON], deals[partner.id][DealStatus.LOST]
        rate = training[partner.id]
        joined = month_start(partner.joined_on)
        owed = [m for m in sorted(due) if m >= joined]  # no report is owed for a month before the partner joined
        result[partner.id] = PartnerKpis(
            partner_id=partner.id,
            net_sales=net,
            target=target,
            target_attainment=_ratio(net_in_target_months, target) if target and sales_known else None,
            growth_yoy=_growth(net, _net(own, months.last_year())),
            growth_prev=_growth(net, _net(own, months.previous())),
            active_customers=active.get(partner.id, 0) if net is not None else None,
            new_customers=new.get(partner.id, 0) if net is not None else None,
            returns_ratio=_ratio(returned, sold) if sold > 0 else None,
            deal_win_rate=_ratio(won, won + lost),
            training_completion=None if rate is None else Decimal(str(round(rate, 6))),
            on_time_reporting=_ratio(sum(declared.get((partner.id, m), False) for m in owed), len(owed)),
            **_service_kpis(service[partner.id], net, active.get(partner.id, 0) if net is not None else None),
            reported=bool(in_range) or any((partner.id, m) in declared for m in months.months()),
        )
    return result


def _service_kpis(figures: ServiceFigures, net: Decimal | None, active: int | None) -> dict[str, Decimal | None]:
    """The service KPIs of one partner from its service figures (docs/kpis.md)."""
    per_million = _ratio(figures.cases * 1_000_000, net) if net is not None and net > 0 else None
    per_hundred = _ratio(figures.complaints * 100, active) if active else None
    return {
        "cases_per_million": None
        if per_million is None
        else per_million.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "median_first_response": figures.median_first_response_hours,
        "median_resolution": figures.median_resolution_hours,
        "complaints_per_100_customers": None
        if per_hundred is None
        else per_hundred.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "complaint_resolution_rate": _ratio(figures.complaints_resolved, figures.complaints),
        "partner_nps": figures.partner_answers.nps,
        "customer_csat": figures.customer_answers.csat,
    }


@dataclass(frozen=True)
class MonthFigures:
    period: date
    net_sales: Decimal | None
    target: Decimal | None


def monthly_figures(partner: Partner, months: MonthRange) -> list[MonthFigures]:
    """Net sales and target of each month of the range, for the scorecard's trend chart."""
    sums = _monthly_sums([partner.id], months.months()).get(partner.id, {})
    targets = dict(
        db.session.execute(
            select(SalesTarget.period, SalesTarget.amount).where(
                SalesTarget.partner_id == partner.id, SalesTarget.period.between(months.first, months.last)
            )
        ).all()
    )
    return [MonthFigures(m, sums[m][0] if m in sums else None, targets.get(m)) for m in months.months()]
