"""The monthly roll-up always equals a fresh aggregate of the lines, after any sequence of imports, re-imports
(changing amounts, dates and partners' months) and reverts."""

from __future__ import annotations

import random
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest

from orders import rollup
from orders.catalog import ProductFields, save_product
from orders.intake import ReportingRules, record_sales_lines
from orders.models import SubmissionSource
from orders.services import revert_submission
from portal.security import Role
from tests.builders import make_partner, make_product, make_product_line, make_user

RULES = ReportingRules(today=date(2026, 11, 23), open_months=3, may_report_closed_periods=True)


def _random_rows(rng: random.Random, count: int) -> list[tuple[int, dict[str, str]]]:
    rows, used = [], set()
    while len(rows) < count:
        key = (rng.choice(["P-R1", "P-R2"]), f"SO-{rng.randrange(12)}", rng.randrange(1, 4))
        if key in used:
            continue
        used.add(key)
        quantity = rng.choice(["1", "2.5", "-1", "10", "0.0001"])
        rows.append(
            (
                len(rows) + 2,
                {
                    "partner_code": key[0],
                    "order_no": key[1],
                    "line_no": str(key[2]),
                    "order_date": (date(2026, 6, 1) + timedelta(days=rng.randrange(150))).isoformat(),
                    "customer_code": f"C-{rng.randrange(4)}",
                    "customer_name": "Customer",
                    "sku": rng.choice(["ROLL", "ROLL-2", "ROLL-3"]),
                    "quantity": quantity,
                    "unit_price": rng.choice(["3.1416", "899.5", "0.0001", "12"]),
                    "discount": rng.choice(["0", "0.27", ""]),
                },
            )
        )
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_rollup_equals_a_fresh_aggregate_after_any_sequence(db, every_partner, seed):
    rng = random.Random(seed)
    make_partner(code="P-R1")
    make_partner(code="P-R2")
    lines = [make_product_line(), make_product_line()]
    products = [make_product(sku, line=lines[n % 2]) for n, sku in enumerate(("ROLL", "ROLL-2", "ROLL-3"))]
    admin = make_user(role=Role.ADMIN)
    submissions = []
    for step in range(12):
        action = rng.random()
        holding = [submission for submission in submissions if submission.held_count]
        if action < 0.25 and holding:
            submission = holding[rng.randrange(len(holding))]
            revert_submission(submission, actor=admin)
        elif action < 0.35:  # a product moves to the other line, taking its sums along
            product = rng.choice(products)
            other = lines[1] if product.product_line is lines[0] else lines[0]
            save_product(
                ProductFields(product.sku, product.name_en, product.name_zh, other, product.unit, product.list_price),
                actor=admin,
                product=product,
            )
        else:
            rows = _random_rows(rng, rng.randrange(1, 15))
            result = record_sales_lines(
                lambda rows=rows: iter(rows),
                actor=admin,
                source=SubmissionSource.UPLOAD,
                filename=f"step-{step}.csv",
                rules=RULES,
            )
            assert result.ok, result.errors
            submissions += result.submissions
        assert rollup.stored() == rollup.fresh_aggregate(), f"seed {seed}, step {step}"
        assert rollup.stored_customers() == rollup.fresh_customer_aggregate(), f"customers: seed {seed}, step {step}"
        assert rollup.stored_products() == rollup.fresh_product_aggregate(), f"products: seed {seed}, step {step}"
        assert rollup.stored_lines() == rollup.fresh_line_aggregate(), f"lines: seed {seed}, step {step}"
        # What the submissions say they hold adds up to the lines, whatever was re-sent or reverted.
        fresh = rollup.fresh_aggregate().values()
        assert sum(s.held_count for s in submissions) == sum(count for *_sums, count in fresh)
        assert sum((s.held_amount for s in submissions), Decimal(0)) == sum((net for net, *_r in fresh), Decimal(0))


def test_a_month_emptied_by_a_revert_leaves_no_row(db, every_partner):
    make_partner(code="P-R1")
    make_product("ROLL")
    admin = make_user(role=Role.ADMIN)
    rows = [
        (
            2,
            {
                "partner_code": "P-R1",
                "order_no": "X",
                "line_no": "1",
                "order_date": "2026-10-01",
                "customer_code": "C",
                "customer_name": "C",
                "sku": "ROLL",
                "quantity": "2",
                "unit_price": "1.5",
            },
        )
    ]
    result = record_sales_lines(
        lambda: iter(rows), actor=admin, source=SubmissionSource.FORM, filename=None, rules=RULES
    )
    assert rollup.stored() == {
        (result.submissions[0].partner_id, date(2026, 10, 1)): (Decimal("3"), Decimal(0), Decimal(2), 1)
    }
    revert_submission(result.submissions[0], actor=admin)
    assert rollup.stored() == {} and rollup.stored_customers() == {}
    assert rollup.stored_products() == {} and rollup.stored_lines() == {}


def test_period_states_count_each_months_lines(app, db, every_partner):
    from datetime import datetime

    from orders.periods import period_states
    from tests.builders import joined, make_sales_line

    partner = joined(make_partner(), datetime(2026, 1, 1, tzinfo=UTC))
    for day in (date(2026, 10, 3), date(2026, 10, 30), date(2026, 9, 9)):
        make_sales_line(partner, order_date=day)
    counts = {state.period: state.line_count for state in period_states(partner, months=3, today=date(2026, 11, 23))}
    assert counts == {date(2026, 10, 1): 2, date(2026, 9, 1): 1, date(2026, 8, 1): 0}


def test_the_home_page_keeps_every_month_still_owed(app, db, every_partner):
    """Home once listed only the last three months while older ones were overdue."""
    from datetime import datetime

    from orders.models import PeriodReport, PeriodStatus
    from orders.periods import periods_for_home
    from tests.builders import joined

    partner = joined(make_partner(), datetime(2026, 1, 1, tzinfo=UTC))
    for month in range(4, 8):  # April to July declared; January to March and August to October not
        db.session.add(PeriodReport(partner_id=partner.id, period=date(2026, month, 1), status=PeriodStatus.NO_SALES))
    db.session.flush()
    shown = [state.period.month for state in periods_for_home(partner, today=date(2026, 11, 23))]
    assert shown == [10, 9, 8, 3, 2, 1]
