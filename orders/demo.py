"""Demo data for `make run`: a catalog, months of sales for each demo partner, customers, deal registrations."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from orders.intake import ReportingRules, record_sales_lines
from orders.models import DealRegistration, DealStatus, PeriodReport, PeriodStatus, Product, SubmissionSource
from partners.models import OnboardingStep, Partner
from partners.onboarding import record_milestone
from partners.product_lines import product_lines_by_code
from portal.auth.models import User
from portal.calendar import add_months, local_today, month_start
from portal.extensions import db
from portal.security import Role

PRODUCTS = [
    # sku, English, Chinese, line, unit, list price
    ("PWR-DRILL-18V", "Cordless drill 18 V", "18V 无刷电钻", "PWR", "pcs", "899.0000"),
    ("PWR-GRIND-125", "Angle grinder 125 mm", "125mm 角磨机", "PWR", "pcs", "459.5000"),
    ("HND-SET-72", "Socket set, 72 pieces", "72件套筒组套", "HND", "set", "329.0000"),
    ("HND-TAPE-5M", "Tape measure 5 m", "5米卷尺", "HND", "pcs", "18.8800"),
    ("SAF-GLOVE-L", "Cut-resistant gloves, L", "防割手套 L码", "SAF", "pair", "12.3456"),
    ("SAF-CABLE-M", "Safety cable, per metre", "安全绳（按米）", "SAF", "m", "3.1416"),
]
CUSTOMERS = {
    "P-GD-0001": [
        ("C-001", "深圳宏达机电有限公司", "深圳"),
        ("C-002", "东莞精工模具厂", "东莞"),
        ("C-003", "广州南沙建设工程有限公司", "广州"),
    ],
    "P-US-0001": [("C-100", "Rainier Builders LLC", "Seattle"), ("C-101", "Puget Sound Marine Inc.", "Tacoma")],
    "P-CN-0001": [
        ("N-01", "北京城建五金采购中心", "北京"),
        ("N-02", "成都西部工具城有限公司", "成都"),
        ("N-03", "武汉长江机电设备有限公司", "武汉"),
        ("N-04", "杭州钱塘建材市场", "杭州"),
    ],
}


def seed_demo() -> list[tuple[str, str, str]]:
    """Products, then eleven months of sales through the real intake. The caller commits."""
    lines = product_lines_by_code()
    db.session.add_all(
        Product(sku=sku, name_en=en, name_zh=zh, product_line=lines[code], unit=unit, list_price=Decimal(price))
        for sku, en, zh, code, unit, price in PRODUCTS
    )
    db.session.flush()
    rng = random.Random(2026)
    today = local_today()
    admin = db.session.scalars(select(User).where(User.role == Role.ADMIN)).first()
    assert admin is not None, "the partners' demo seeds the admin first"
    partners = {p.code: p for p in db.session.scalars(select(Partner))}
    rows, number = [], 1
    for code, customers in CUSTOMERS.items():
        partner = partners[code]
        scale = {"P-GD-0001": 3, "P-US-0001": 2, "P-CN-0001": 4}[code]
        for months_back in range(11, 0, -1):
            period = add_months(month_start(today), -months_back)
            if period < month_start(partner.joined_on):
                continue
            for order in range(scale * 2):
                customer = rng.choice(customers)
                order_no = f"{code[-4:]}-{period:%y%m}-{order + 1:03d}"
                for line_no, (sku, *_rest, price) in enumerate(rng.sample(PRODUCTS, 2), start=1):
                    quantity = rng.choice([1, 2, 5, 10, 20]) * (-1 if rng.random() < 0.04 else 1)
                    rows.append(
                        (
                            number,
                            {
                                "partner_code": code,
                                "order_no": order_no,
                                "line_no": str(line_no),
                                # never before the partner joined (a sale before it was a partner is not reported here)
                                "order_date": max(
                                    period + timedelta(days=rng.randrange(27)), partner.joined_on
                                ).isoformat(),
                                "customer_code": customer[0],
                                "customer_name": customer[1],
                                "customer_region": customer[2],
                                "sku": sku,
                                "quantity": str(quantity),
                                "unit_price": price,
                                # now and then a small discount: up to 5 % of the line
                                "discount": "0"
                                if quantity < 5 or rng.random() < 0.7
                                else str((Decimal(price) * quantity * Decimal("0.05")).quantize(Decimal("0.01"))),
                            },
                        )
                    )
                    number += 1
    for code in CUSTOMERS:  # the first report came some days into the partner's first month, not today
        first = min(date.fromisoformat(values["order_date"]) for _n, values in rows if values["partner_code"] == code)
        record_milestone(
            partners[code].id,
            OnboardingStep.SALES_REPORT,
            at=datetime.combine(first + timedelta(days=12), datetime.min.time(), tzinfo=UTC),
        )
    rules = ReportingRules(today=today, open_months=24, may_report_closed_periods=True)
    result = record_sales_lines(
        lambda: iter(rows), actor=admin, source=SubmissionSource.UPLOAD, filename="demo-history.xlsx", rules=rules
    )
    assert result.ok, result.errors[:5]
    # 深圳华南 declared its months on time but the last; Cascade reported two months late, the national agent one.
    for code, late in (("P-GD-0001", ()), ("P-US-0001", (3, 5)), ("P-CN-0001", (2,))):
        for months_back in range(2, 10):
            db.session.add(
                PeriodReport(
                    partner_id=partners[code].id,
                    period=add_months(month_start(today), -months_back),
                    status=PeriodStatus.SUBMITTED,
                    is_late=months_back in late,
                )
            )
    huanan_clerk = db.session.scalars(select(User).where(User.email == "sales@huanan.example")).one()
    db.session.add_all(
        [
            DealRegistration(
                partner_id=partners["P-GD-0001"].id,
                customer_name="佛山顺德家电集团有限公司",
                customer_region="佛山",
                products="PWR-DRILL-18V × 500",
                estimated_value=Decimal("420000"),
                expected_close=today + timedelta(days=45),
                created_by_id=huanan_clerk.id,
                conflict_note=None,
            ),
            DealRegistration(
                partner_id=partners["P-GD-0001"].id,
                customer_name="深圳宏达机电有限公司",
                customer_region="深圳",
                products="HND-SET-72 × 120",
                estimated_value=Decimal("39480"),
                expected_close=today + timedelta(days=20),
                status=DealStatus.APPROVED,
                protected_until=today + timedelta(days=80),
                created_by_id=huanan_clerk.id,
            ),
        ]
    )
    db.session.flush()
    return []
