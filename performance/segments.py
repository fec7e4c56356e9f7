"""Segments: RFM classes of partners and of the end customers they report, ABC (Pareto) classes of partners, and
the partners at risk. Everything reads the monthly roll-ups; docs/kpis.md defines the classes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from orders.models import CustomerMonthlySales, MonthlySales, PeriodReport
from orders.periods import deadline
from partners.models import Partner, PartnerStatus, Region
from portal.calendar import MonthRange, add_months, month_start, months_between
from portal.database import utcnow
from portal.extensions import db
from service.figures import complaints_by_month, service_figures
from training.services import required_completion_rates

_Key = TypeVar("_Key", bound=Hashable)  # a partner id, or (partner id, customer id)
WINDOW = 12  # months looked at, ending with the chosen month
RFM_CLASSES = {
    "high_value": _l("High value"),
    "loyal": _l("Loyal"),
    "occasional": _l("Occasional"),
    "at_risk": _l("At risk"),
    "dormant": _l("Dormant"),
}
ABC_SHARES = (("A", Decimal("0.80")), ("B", Decimal("0.95")))  # cumulative share of sales up to which a class runs


@dataclass(frozen=True)
class Rfm:
    """Recency in months since the last month with a purchase (0 = the chosen month), frequency in months with a
    purchase out of the last 12, monetary value as net sales of those 12 months."""

    recency: int | None  # None: no purchase in the window
    frequency: int
    monetary: Decimal
    segment: str


def classify(recency: int | None, frequency: int, monetary: Decimal, high_value_from: Decimal | None) -> str:
    """Dormant: nothing bought for 6 months or more. At risk: the last purchase 3 to 5 months ago. The rest bought
    within the last 3 months: high value when their 12-month value is in the top fifth of their set, loyal when
    they bought in at least 6 of the 12 months, otherwise occasional."""
    if recency is None or recency >= 6:
        return "dormant"
    if recency >= 3:
        return "at_risk"
    if high_value_from is not None and monetary >= high_value_from and monetary > 0:
        return "high_value"
    return "loyal" if frequency >= 6 else "occasional"


def _top_fifth(values: list[Decimal]) -> Decimal | None:
    ranked = sorted((v for v in values if v > 0), reverse=True)
    return ranked[max(0, len(ranked) // 5 - 1)] if ranked else None


def _rfm(months: Mapping[_Key, dict[date, Decimal]], last: date) -> dict[_Key, Rfm]:
    """RFM of each key (partner or customer) from its months with a purchase and their net amounts."""
    first = add_months(last, 1 - WINDOW)
    raw = {}
    for key, bought in months.items():
        in_window = {m: v for m, v in bought.items() if first <= m <= last}
        latest = max(in_window, default=None)
        recency = None if latest is None else months_between(latest, last)
        raw[key] = (recency, len(in_window), sum(in_window.values(), Decimal(0)))
    threshold = _top_fifth([monetary for _, _, monetary in raw.values()])
    return {key: Rfm(r, f, m, classify(r, f, m, threshold)) for key, (r, f, m) in raw.items()}


def partner_rfm(partners: list[Partner], last: date) -> dict[int, Rfm]:
    """RFM of partners from the partner roll-up: a month counts as a purchase when its net sales are positive."""
    months: dict[int, dict[date, Decimal]] = {p.id: {} for p in partners}
    for partner_id, period, net in db.session.execute(
        select(MonthlySales.partner_id, MonthlySales.period, MonthlySales.net_amount).where(
            MonthlySales.partner_id.in_(list(months)),
            MonthlySales.period.between(add_months(last, 1 - WINDOW), last),
            MonthlySales.net_amount > 0,
        )
    ):
        months[partner_id][period] = net
    return _rfm(months, last)


@dataclass(frozen=True)
class SegmentSummary:
    segment: str
    count: int
    monetary: Decimal


def customer_rfm(last: date, *, partner_ids: list[int] | None = None) -> dict[tuple[int, int], Rfm]:
    """RFM of the end customers in scope (optionally of some partners), keyed (partner id, customer id), from the
    customer roll-up: a month counts as a purchase when the customer bought (a line that is not a return).
    Customers who bought nothing in the 12 months are dormant."""
    first = add_months(last, 1 - WINDOW)
    scope = [CustomerMonthlySales.sale_lines > 0]
    if partner_ids is not None:
        scope.append(CustomerMonthlySales.partner_id.in_(partner_ids))
    months: dict[tuple[int, int], dict[date, Decimal]] = defaultdict(dict)
    for partner_id, customer_id, period, net in db.session.execute(
        select(
            CustomerMonthlySales.partner_id,
            CustomerMonthlySales.customer_id,
            CustomerMonthlySales.period,
            CustomerMonthlySales.net_amount,
        ).where(*scope, CustomerMonthlySales.period.between(first, last))
    ):
        months[(partner_id, customer_id)][period] = net
    for partner_id, customer_id in db.session.execute(
        select(CustomerMonthlySales.partner_id, CustomerMonthlySales.customer_id)
        .distinct()
        .where(*scope, CustomerMonthlySales.period < first)
    ):
        months.setdefault((partner_id, customer_id), {})  # bought before the window, not in it: dormant
    return _rfm(months, last)


def summarise(rfm: Mapping[_Key, Rfm]) -> list[SegmentSummary]:
    counts = Counter(r.segment for r in rfm.values())
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rfm.values():
        totals[r.segment] += r.monetary
    return [SegmentSummary(name, counts.get(name, 0), totals[name]) for name in RFM_CLASSES]


def abc_classes(sales: dict[int, Decimal]) -> dict[int, str]:
    """Pareto classes by sales: the biggest sellers that together make up to 80 % of positive sales are A, the
    next up to 95 % B, the rest (and anyone without positive sales) C."""
    total = sum((v for v in sales.values() if v > 0), Decimal(0))
    classes, running = {}, Decimal(0)
    for key, value in sorted(sales.items(), key=lambda item: (-item[1], item[0])):
        if value <= 0 or not total:
            classes[key] = "C"
            continue
        share_before = running / total
        running += value
        classes[key] = next((name for name, limit in ABC_SHARES if share_before < limit), "C")
    return classes


def partners_in(region: Region | None) -> list[Partner]:
    query = select(Partner).where(Partner.status == PartnerStatus.ACTIVE).order_by(Partner.code)
    if region is not None:
        query = query.join(Region, Region.id == Partner.region_id).where(Region.path.startswith(region.path))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class AtRisk:
    partner: Partner
    reasons: list[str]


# Complaints rising: the last three months hold at least this many, and half as many again as the three before.
COMPLAINTS_RISING_MIN = 3
COMPLAINTS_RISING_FACTOR = Decimal("1.5")
NPS_MIN_ANSWERS = 3  # fewer answers say too little about a partner's NPS


def _service_warnings(partners: list[Partner], last: date) -> dict[int, list[str]]:
    """Complaints rising, and the partner's NPS of the last six months below AT_RISK_NPS_BELOW."""
    from flask import current_app

    ids = [p.id for p in partners]
    six = MonthRange(add_months(last, -5), last)
    by_month = complaints_by_month(ids, six)
    figures = service_figures(ids, six)
    threshold = current_app.config["AT_RISK_NPS_BELOW"]
    warnings: dict[int, list[str]] = defaultdict(list)
    for partner in partners:
        counts = by_month.get(partner.id, Counter())
        before = sum(counts[add_months(last, -n)] for n in (3, 4, 5))
        recent = sum(counts[add_months(last, -n)] for n in (0, 1, 2))
        if recent >= COMPLAINTS_RISING_MIN and recent >= before * COMPLAINTS_RISING_FACTOR and recent > before:
            warnings[partner.id].append(
                str(
                    _l(
                        "Complaints rising: %(recent)d in the last 3 months, %(before)d before",
                        recent=recent,
                        before=before,
                    )
                )
            )
        answers = figures[partner.id].partner_answers
        if answers.nps is not None and answers.nps_answers >= NPS_MIN_ANSWERS and answers.nps < threshold:
            warnings[partner.id].append(
                str(
                    _l("NPS %(nps)s over 6 months, below %(threshold)d", nps=f"{answers.nps:+.1f}", threshold=threshold)
                )
            )
    return warnings


def partners_at_risk(last: date, *, now: datetime | None = None) -> list[AtRisk]:
    """Active partners in scope with any warning sign as of month `last`: net sales falling three periods running
    (each of the last three months below the one before), any of the last three due months reported late or not
    at all, required training not complete (a required course without a valid certificate), complaints rising,
    or the partner's NPS below the threshold (`_service_warnings`)."""
    now = now or utcnow()
    partners = partners_in(None)
    ids = [p.id for p in partners]
    first = add_months(last, -3)
    sales: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for partner_id, period, net in db.session.execute(
        select(MonthlySales.partner_id, MonthlySales.period, MonthlySales.net_amount).where(
            MonthlySales.partner_id.in_(ids), MonthlySales.period.between(first, last)
        )
    ):
        sales[partner_id][period] = net
    due = [m for m in (add_months(last, -n) for n in range(3)) if deadline(m) <= now]
    reports = (
        {
            (p, m): late
            for p, m, late in db.session.execute(
                select(PeriodReport.partner_id, PeriodReport.period, PeriodReport.is_late).where(
                    PeriodReport.partner_id.in_(ids), PeriodReport.period.in_(due)
                )
            )
        }
        if due
        else {}
    )
    training = required_completion_rates(partners, at=now)
    service_warnings = _service_warnings(partners, last)
    result = []
    for partner in partners:
        reasons = []
        series = [sales[partner.id].get(add_months(first, n), Decimal(0)) for n in range(4)]
        if all(later < earlier for earlier, later in zip(series, series[1:], strict=False)):
            reasons.append(
                str(
                    _l(
                        "Sales fell three months running: %(series)s",
                        series=" → ".join(f"{value:,.2f}" for value in series),
                    )
                )
            )
        joined = month_start(partner.joined_on)
        owed = [m for m in due if m >= joined]
        missing = [m for m in owed if (partner.id, m) not in reports]
        late = [m for m in owed if reports.get((partner.id, m))]
        if missing:
            reasons.append(str(_l("No report for %(months)s", months=", ".join(m.strftime("%Y-%m") for m in missing))))
        if late:
            reasons.append(str(_l("Reported late: %(months)s", months=", ".join(m.strftime("%Y-%m") for m in late))))
        rate = training[partner.id]
        if rate is not None and rate < 1:
            reasons.append(str(_l("Required training %(rate)s complete", rate=f"{rate * 100:.0f} %")))
        reasons.extend(service_warnings.get(partner.id, []))
        if reasons:
            result.append(AtRisk(partner, reasons))
    return result
