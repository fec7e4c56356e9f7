"""The complaint analysis, counted by hand: every count is the rows its drill-down lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.calendar import MonthRange
from portal.extensions import db
from portal.security import Role
from service import analysis, cases, complaints
from service.models import CaseCategory, SupportCase
from tests.builders import make_case, make_complaint, make_customer, make_partner, make_product, make_user

OCTOBER, NOVEMBER = datetime(2026, 10, 15, 4, tzinfo=UTC), datetime(2026, 11, 10, 4, tzinfo=UTC)
AUTUMN = MonthRange(datetime(2026, 10, 1).date(), datetime(2026, 11, 1).date())


@pytest.fixture()
def world(db, every_partner):
    guangdong, bavaria = make_partner(code="P-GD-1", region="CN-GD"), make_partner(code="P-DE-1", region="DE-BY")
    clerk, other = make_user(guangdong, role=Role.PARTNER_USER), make_user(bavaria, role=Role.PARTNER_USER)
    drill = make_product("DRILL-A")
    customer = make_customer(guangdong)
    make_case(clerk, now=OCTOBER, with_file=False)  # product quality, Guangdong
    make_case(clerk, now=NOVEMBER, with_file=False)
    make_case(other, now=NOVEMBER, with_file=False)
    make_case(other, now=datetime(2026, 9, 30, 17, tzinfo=UTC), with_file=False)  # 01:00 on 1 October in Beijing
    make_complaint(clerk, customer, product=drill, now=OCTOBER)
    repeat = make_complaint(clerk, customer, product=drill, now=NOVEMBER)  # same customer and product, 26 days on
    return {"clerk": clerk, "drill": drill, "repeat": repeat}


def test_counts_by_partner_category_product_and_month_worked_by_hand(world):
    by_partner = {row.key: (row.cases, row.complaints) for row in analysis.breakdown("partner", AUTUMN)}
    assert by_partner == {"P-GD-1": (2, 2), "P-DE-1": (2, 0)}
    by_category = analysis.breakdown("category", AUTUMN)
    assert [(row.key, row.cases, row.complaints) for row in by_category] == [("product_quality", 4, 2)]
    assert [(row.key, row.cases, row.complaints) for row in analysis.breakdown("product", AUTUMN)] == [
        ("DRILL-A", 0, 2)
    ]
    assert analysis.monthly_trend(AUTUMN) == (["2026-10", "2026-11"], [2, 2], [1, 1])
    assert analysis.repeat_complaints(AUTUMN) == [world["repeat"]]


def test_a_count_drills_down_to_exactly_its_rows(world):
    drill = analysis.Drill(months=AUTUMN)
    for row in analysis.breakdown("partner", AUTUMN):
        args = drill.args("partner", row.key)
        listed = analysis.Drill.from_args(args)
        found_cases = db.session.scalars(
            cases.queue_query(cases.QueueCriteria(status="all", drill=listed), actor=world["clerk"])
        ).all()
        found_complaints = db.session.scalars(complaints.complaints_query(drill=listed)).all()
        assert (len(found_cases), len(found_complaints)) == (row.cases, row.complaints)
    guangdong = analysis.Drill.from_args({"region": "CN-GD", "category": CaseCategory.PRODUCT_QUALITY.value})
    assert len(db.session.scalars(guangdong.apply(select(SupportCase), SupportCase)).all()) == 2
    assert analysis.Drill.from_args({"category": "weather", "first": "2026-13"}) == analysis.Drill()
