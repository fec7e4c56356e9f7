"""Demo data for `make run`: monthly targets for the demo partners, a second version of the scoring rules that
weighs partner satisfaction and complaint handling, and a year of scorecards."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from partners.models import CoverageAssignment, Partner
from partners.product_lines import product_lines_by_code
from partners.regions import region_by_code
from performance.models import SalesTarget
from performance.scoring import DEFAULT_WEIGHTS, RulesFields, compute_recent_scorecards, save_rules, stored_rules
from portal.auth.models import User
from portal.calendar import add_months, local_today, month_start
from portal.extensions import db
from portal.security import Role

# Monthly targets (net sales) that the demo's sales meet some months and miss others.
TARGETS = {
    "P-GD-0001": Decimal("45000"),
    "P-US-0001": Decimal("20000"),
    "P-DE-0001": Decimal("15000"),
    "P-CN-0001": Decimal("70000"),
}


def seed_demo() -> list[tuple[str, str, str]]:
    """Targets from a year back to three months ahead, then the scorecards of the last 12 months. Runs after the
    sales and training demos, whose data the scores read. The caller commits."""
    this_month = month_start(local_today())
    partners = {p.code: p for p in db.session.scalars(select(Partner).where(Partner.code.in_(list(TARGETS))))}
    for code, amount in TARGETS.items():
        for offset in range(-12, 4):
            month = add_months(this_month, offset)
            if month < month_start(partners[code].joined_on):
                continue  # no target before the partner joined
            # a seasonal plan: more in spring and autumn
            factor = Decimal("1.2") if month.month in (3, 4, 9, 10) else Decimal("1")
            db.session.add(SalesTarget(partner_id=partners[code].id, period=month, amount=amount * factor))
    db.session.flush()
    _seed_coverage(partners)
    _seed_rules()
    compute_recent_scorecards(add_months(this_month, -1))
    return []


def _seed_rules() -> None:
    """Version 2: partner NPS and complaint resolution weigh 5 each, taken from target attainment and training."""
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id).limit(1))
    assert admin is not None, "the partners demo makes the admin"
    weights = DEFAULT_WEIGHTS | {
        "target_attainment": 20,
        "training_completion": 5,
        "partner_nps": 5,
        "complaint_resolution_rate": 5,
    }
    save_rules(
        RulesFields(
            weights=weights,
            silver_min=50,
            gold_min=65,
            platinum_min=80,
            recommendation_months=3,
            note="Partner satisfaction and complaint handling count, 5 % each.",
        ),
        actor=admin,
        based_on=stored_rules().version,
    )


def _seed_coverage(partners: dict[str, Partner]) -> None:
    """Assignments with an overlap (the agent's exclusive power tools in Guangdong against 华南's exclusive
    Guangdong) and white space (most provinces, Guangxi among them; most US states and German Länder)."""
    lines = product_lines_by_code()
    start = add_months(month_start(local_today()), -10)
    for code, region, line, exclusive, reason in (
        ("P-GD-0001", "CN-GD", None, True, "Exclusive distribution agreement for Guangdong"),
        ("P-CN-0001", "CN-BJ", None, False, "Home market"),
        ("P-CN-0001", "CN-GD", "PWR", True, "Power tools agency for Guangdong"),
        ("P-US-0001", "US-WA", None, False, "Washington State"),
        ("P-DE-0001", "DE-BY", None, False, "Bayern"),
    ):
        db.session.add(
            CoverageAssignment(
                partner=partners[code],
                region=region_by_code(region),
                product_line=lines[line] if line else None,
                is_exclusive=exclusive,
                effective_from=start,
                reason=reason,
            )
        )
    db.session.flush()
