"""RFM and ABC classes and the at-risk list, against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.models import PeriodReport, PeriodStatus
from performance import segments
from portal.security import Role
from tests.builders import joined, make_course, make_partner, make_sales_line, make_user

OCTOBER = date(2026, 10, 1)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "recency, frequency, monetary, segment",
    [
        (None, 0, Decimal(0), "dormant"),
        (6, 2, Decimal(500), "dormant"),
        (3, 9, Decimal(900), "at_risk"),
        (0, 2, Decimal(1000), "high_value"),  # top fifth from 1000
        (1, 7, Decimal(10), "loyal"),
        (2, 1, Decimal(10), "occasional"),
    ],
)
def test_rfm_classes_follow_their_definition(recency, frequency, monetary, segment):
    assert segments.classify(recency, frequency, monetary, Decimal(1000)) == segment


def test_abc_classes_split_sales_at_80_and_95_percent():
    # 700 + 150 + 100 + 50 = 1000: the first takes 0–70 % (A), the second starts at 70 % (A), the third at 85 %
    # (B), the fourth at 95 % (C); no sales is C.
    sales = {1: Decimal(700), 2: Decimal(150), 3: Decimal(100), 4: Decimal(50), 5: Decimal(0)}
    assert segments.abc_classes(sales) == {1: "A", 2: "A", 3: "B", 4: "C", 5: "C"}


def test_customer_rfm_from_the_customer_roll_up(db, every_partner):
    partner = joined(make_partner())
    for month in range(1, 11):  # C-LOYAL buys every month of 2026 up to October: 10 × 10
        make_sales_line(
            partner, order_date=date(2026, month, 5), quantity="1", unit_price="10", customer_code="C-LOYAL"
        )
    make_sales_line(partner, order_date=date(2026, 9, 5), quantity="1", unit_price="5000", customer_code="C-BIG")
    make_sales_line(partner, order_date=date(2026, 6, 5), quantity="1", unit_price="50", customer_code="C-FADING")
    make_sales_line(partner, order_date=date(2025, 3, 5), quantity="1", unit_price="50", customer_code="C-GONE")
    make_sales_line(partner, order_date=date(2026, 10, 6), quantity="-1", unit_price="10", customer_code="C-RET")
    rfm = {key[1]: value for key, value in segments.customer_rfm(OCTOBER).items()}
    codes = {line.customer_id: line.customer.code for line in partner_lines(partner)}
    by_code = {codes[customer_id]: value for customer_id, value in rfm.items()}
    assert by_code["C-LOYAL"] == segments.Rfm(0, 10, Decimal(100), "loyal")
    assert by_code["C-BIG"] == segments.Rfm(1, 1, Decimal(5000), "high_value")  # top fifth of 3 buyers: the first
    assert by_code["C-FADING"].segment == "at_risk"  # last bought 4 months before October
    assert by_code["C-GONE"] == segments.Rfm(None, 0, Decimal(0), "dormant")
    assert "C-RET" not in by_code  # only returned goods: never a buyer
    summary = {s.segment: (s.count, s.monetary) for s in segments.summarise(by_code)}
    assert summary["loyal"] == (1, Decimal(100)) and summary["dormant"] == (1, Decimal(0))


def partner_lines(partner):
    from orders.lines import LineCriteria, iter_lines

    return list(iter_lines(LineCriteria(partner_id=partner.id)))


def test_a_partner_sees_the_rfm_of_its_own_customers_only(db, as_user):
    mine, other = joined(make_partner()), joined(make_partner())
    make_sales_line(mine, order_date=date(2026, 10, 5), customer_code="C-MINE")
    make_sales_line(other, order_date=date(2026, 10, 5), customer_code="C-OTHER")
    as_user(make_user(mine, role=Role.PARTNER_USER))
    assert {key[0] for key in segments.customer_rfm(OCTOBER)} == {mine.id}


def test_partners_at_risk_name_their_reasons(db, every_partner):
    falling = joined(make_partner())
    for month, price in ((7, "400"), (8, "300"), (9, "200"), (10, "100")):
        make_sales_line(falling, order_date=date(2026, month, 3), quantity="1", unit_price=price)
    steady = joined(make_partner())
    make_course(types=("distributor",))
    make_user(steady, role=Role.PARTNER_USER)  # has a required course and no certificate
    for partner in (falling, steady):
        for month in (8, 9, 10):
            db.session.add(
                PeriodReport(
                    partner_id=partner.id,
                    period=date(2026, month, 1),
                    status=PeriodStatus.SUBMITTED,
                    is_late=partner is steady and month == 9,
                )
            )
    db.session.flush()
    found = {row.partner.id: row.reasons for row in segments.partners_at_risk(OCTOBER, now=NOW)}
    assert any(
        "fell three months" in reason and "400.00 → 300.00 → 200.00 → 100.00" in reason for reason in found[falling.id]
    )
    assert "Reported late: 2026-09" in found[steady.id]
    assert "Required training 0 % complete" in found[steady.id]
