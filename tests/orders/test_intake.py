"""The one way in for sales lines: every validation rule, all or nothing, idempotent, exact to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from orders.intake import ReportingRules, record_sales_lines
from orders.models import Customer, SalesLine, Submission, SubmissionSource
from orders.services import may_revert, revert_submission
from partners.models import PartnerStatus
from portal.database import exact_sum
from portal.money import to_cents
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import make_partner, make_product, make_user

TODAY = date(2026, 11, 23)
RULES = ReportingRules(today=TODAY, open_months=3, may_report_closed_periods=False)


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(code="P-A")
    return {
        "partner": partner,
        "clerk": make_user(partner, role=Role.PARTNER_USER),
        "other": make_partner(code="P-B"),
        "drill": make_product("DRILL-18V", price="899.5"),
        "cable": make_product("CABLE-M", price="3.1416"),
        "admin": make_user(role=Role.ADMIN),
    }


def line(**values) -> dict[str, str]:
    row = {
        "order_no": "SO-1",
        "line_no": "1",
        "order_date": "2026-11-02",
        "customer_code": "C-1",
        "customer_name": "宏达机电",
        "sku": "DRILL-18V",
        "quantity": "2",
        "unit_price": "899.5",
        "discount": "0",
    }
    row.update(values)
    return row


def record(actor, rows, rules=RULES):
    numbered = [(n, row) for n, row in enumerate(rows, start=2)]
    return record_sales_lines(
        lambda: iter(numbered), actor=actor, source=SubmissionSource.UPLOAD, filename="sales.csv", rules=rules
    )


def count(db, model=SalesLine) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_lines_are_recorded_with_customer_and_submission(db, world):
    result = record(
        world["clerk"],
        [line(), line(line_no="2", sku="CABLE-M", quantity="12.5", unit_price="3.1416", discount="0.27")],
    )
    assert result.ok and result.rows == 2
    submission = result.submissions[0]
    assert (submission.partner_id, submission.row_count, submission.filename) == (world["partner"].id, 2, "sales.csv")
    # 2 × 899.5 = 1799.0000; 12.5 × 3.1416 − 0.27 = 39.2700 − 0.27 = 39.0000; total 1838.0000
    assert submission.total_amount == Decimal("1838")
    cable = db.session.scalars(select(SalesLine).where(SalesLine.line_no == 2)).one()
    assert cable.net_amount == Decimal("39.0000") and cable.quantity == Decimal("12.5")
    assert cable.customer.name == "宏达机电" and cable.period == date(2026, 11, 1)


def test_amounts_stay_exact_beyond_cents(db, world):
    # 3 × 3.1416 = 9.4248 exactly; three such lines sum to 28.2744, shown as 28.27.
    record(world["clerk"], [line(line_no=str(n), sku="CABLE-M", quantity="3", unit_price="3.1416") for n in (1, 2, 3)])
    total = db.session.scalar(select(exact_sum(SalesLine.net_amount)))
    assert total == Decimal("28.2744") and to_cents(total) == Decimal("28.27")


def test_half_up_rounding_only_for_display():
    assert to_cents(Decimal("0.125")) == Decimal("0.13") and to_cents(Decimal("-0.125")) == Decimal("-0.13")


def test_a_negative_quantity_is_a_return(db, world):
    result = record(world["clerk"], [line(quantity="-1")])
    assert result.ok and result.returns == 1
    returned = db.session.scalars(select(SalesLine)).one()
    assert returned.is_return and returned.net_amount == Decimal("-899.5")


def test_sending_the_same_lines_again_updates_them(db, world):
    record(world["clerk"], [line(), line(line_no="2")])
    second = record(world["clerk"], [line(quantity="3"), line(line_no="2")])
    assert second.ok and count(db) == 2
    first_line = db.session.scalars(select(SalesLine).where(SalesLine.line_no == 1)).one()
    assert first_line.quantity == 3 and first_line.submission_id == second.submissions[0].id
    assert count(db, Customer) == 1


@pytest.mark.parametrize(
    "values, column, reason",
    [
        ({"sku": "NOPE"}, "sku", "Unknown SKU"),
        ({"order_date": "2026/11/02"}, "order_date", "YYYY-MM-DD"),
        ({"order_date": "2026-02-30"}, "order_date", "not a date"),
        ({"order_date": "2026-11-24"}, "order_date", "future"),
        ({"order_date": "2026-07-31"}, "order_date", "closed for reporting"),
        ({"quantity": "abc"}, "quantity", "not a number"),
        ({"quantity": "0"}, "quantity", "quantity of 0"),
        ({"quantity": ""}, "quantity", "Fill in"),
        ({"unit_price": "1.23456"}, "unit_price", "4 decimal places"),
        ({"unit_price": "-1"}, "unit_price", "0 or more"),
        ({"unit_price": "NaN"}, "unit_price", "not a number"),
        ({"discount": "1" + "0" * 30}, "discount", "too large"),
        ({"line_no": "0"}, "line_no", "whole number"),
        ({"line_no": "1.5"}, "line_no", "whole number"),
        ({"order_no": ""}, "order_no", "Fill in"),
        ({"order_no": "x" * 65}, "order_no", "at most 64"),
        ({"customer_name": ""}, "customer_name", "Fill in"),
        ({"partner_code": "P-B"}, "partner_code", "own organisation"),
    ],
)
def test_each_rule_names_the_row_and_column(db, world, values, column, reason):
    result = record(world["clerk"], [line(line_no="1"), line(**{"line_no": "2", **values})])
    assert not result.ok and count(db) == 0 and count(db, Submission) == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert reason in str(result.errors[0].message)


def test_august_is_still_open_on_the_23rd_of_november(db, world):
    assert record(world["clerk"], [line(order_date="2026-08-01")]).ok


def test_thousands_separators_are_read(db, world):
    assert record(world["clerk"], [line(unit_price="1,234.5")]).ok
    assert db.session.scalars(select(SalesLine)).one().unit_price == Decimal("1234.5")


def test_the_same_order_line_twice_in_one_file(db, world):
    result = record(world["clerk"], [line(), line(quantity="5")])
    assert [(e.row, e.column) for e in result.errors] == [(3, "line_no")]
    assert "row 2" in str(result.errors[0].message)


def test_an_inactive_product_is_refused(db, world):
    make_product("OLD-1", is_active=False)
    assert "no longer sold" in str(record(world["clerk"], [line(sku="OLD-1")]).errors[0].message)


def test_brand_staff_name_the_partner_and_may_load_history(db, world):
    rules = ReportingRules(today=TODAY, open_months=3, may_report_closed_periods=True)
    result = record(
        world["admin"],
        [line(partner_code="P-A", order_date="2023-01-05"), line(partner_code="p-b", order_date="2024-06-30")],
        rules,
    )
    assert result.ok and {s.partner_id for s in result.submissions} == {world["partner"].id, world["other"].id}
    missing = record(world["admin"], [line(order_no="SO-9")], rules)
    assert missing.errors[0].column == "partner_code"


def test_a_channel_manager_reports_only_for_partners_in_their_regions(db, world, as_user):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("US",))
    as_user(manager)
    result = record(manager, [line(partner_code="P-A")])
    assert "Unknown partner code" in str(result.errors[0].message)


def test_a_suspended_partner_takes_no_lines(db, world):
    rules = ReportingRules(today=TODAY, open_months=3, may_report_closed_periods=True)
    make_partner(code="P-SUS", status=PartnerStatus.SUSPENDED)
    assert "not active" in str(record(world["admin"], [line(partner_code="P-SUS")], rules).errors[0].message)


def test_revert_removes_exactly_the_submissions_lines(db, world):
    first = record(world["clerk"], [line(), line(line_no="2")]).submissions[0]
    second = record(world["clerk"], [line(line_no="2", quantity="4"), line(line_no="3")]).submissions[0]
    assert revert_submission(first, actor=world["admin"]) == 1  # line 2 belongs to the second submission now
    assert sorted(db.session.scalars(select(SalesLine.line_no))) == [2, 3]
    assert revert_submission(second, actor=world["admin"]) == 2
    assert count(db) == 0


def test_a_submission_shows_what_it_holds_now_and_what_later_deliveries_replaced(db, world):
    """A re-sent submission once kept "81 lines, 263,338.42" while holding no line, and reverting it said
    "0 lines removed": the submissions then added up to three times the real total."""
    first = record(world["clerk"], [line(), line(line_no="2", sku="CABLE-M", quantity="10", unit_price="3.1416")])
    first = first.submissions[0]  # 1799.0000 + 31.4160 = 1830.4160
    second = record(world["clerk"], [line(quantity="3"), line(line_no="3")]).submissions[0]  # 2698.5 + 1799
    assert (first.row_count, first.superseded_count, first.held_count) == (2, 1, 1)
    assert first.superseded_amount == Decimal("1799") and first.held_amount == Decimal("31.4160")
    assert (second.held_count, second.held_amount) == (2, Decimal("4497.5"))
    lines_total = db.session.scalar(select(exact_sum(SalesLine.net_amount)))
    assert first.held_amount + second.held_amount == lines_total == Decimal("4528.9160")
    third = record(world["clerk"], [line(line_no="2", sku="CABLE-M", quantity="1", unit_price="3.1416")])
    assert first.held_count == 0 and first.superseded_amount == Decimal("1830.4160")
    with pytest.raises(RuleViolation, match="Nothing to revert"):
        revert_submission(first, actor=world["admin"])
    assert revert_submission(second, actor=world["admin"]) == 2
    assert (second.held_count, second.lines_not_superseded, second.held_amount) == (0, 2, Decimal(0))
    assert third.submissions[0].held_amount == db.session.scalar(select(exact_sum(SalesLine.net_amount)))


def test_only_admins_revert(db, world):
    submission = record(world["clerk"], [line()]).submissions[0]
    with pytest.raises(PermissionDenied):
        revert_submission(submission, actor=world["clerk"])


def test_who_may_revert_a_submission_is_what_the_service_enforces(db, world):
    first = record(world["clerk"], [line()]).submissions[0]
    assert may_revert(first, world["admin"]) and not may_revert(first, world["clerk"])
    record(world["clerk"], [line(quantity="2")])  # the later delivery takes the only line over
    assert not may_revert(first, world["admin"])
    with pytest.raises(RuleViolation, match="Nothing to revert"):
        revert_submission(first, actor=world["admin"])


def test_nothing_to_record(db, world):
    assert "no sales lines" in str(record(world["clerk"], []).errors[0].message)


def test_two_partners_may_use_the_same_order_numbers(db, world):
    rules = ReportingRules(today=TODAY, open_months=3, may_report_closed_periods=True)
    assert record(world["admin"], [line(partner_code="P-A"), line(partner_code="P-B")], rules).ok
    assert count(db) == 2


def test_a_delivery_racing_another_for_the_same_lines_writes_nothing_and_says_so(db, world, monkeypatch):
    """Two users sending the same partner's lines at once on PostgreSQL: the second meets the unique key."""
    from sqlalchemy.exc import IntegrityError

    import orders.intake as intake

    def collides(*args, **kwargs):
        raise IntegrityError("INSERT INTO sales_lines", {}, Exception("duplicate key value"))

    monkeypatch.setattr(intake, "_write_chunk", collides)
    result = record(world["clerk"], [line()])
    assert not result.ok and "at the same moment" in str(result.errors[0].message)
    assert count(db) == 0 and count(db, Submission) == 0
