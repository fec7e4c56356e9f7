"""Sales targets: one by one and from a spreadsheet, all rows or none, inside the manager's regions."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from performance import targets
from performance.models import SalesTarget
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import make_partner, make_user

WINDOW = targets.open_target_months(date(2026, 11, 23), 3)  # August 2026 to November 2028


def _csv(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def _all_targets():
    return {(t.partner.code, t.period, t.amount) for t in db.session.scalars(select(SalesTarget))}


def test_open_months_run_from_the_last_open_reporting_month_to_two_years_ahead():
    assert WINDOW == (date(2026, 8, 1), date(2028, 11, 1))


@pytest.mark.parametrize(
    "period, amount, field",
    [
        (date(2026, 7, 1), "100", "period"),  # closed
        (date(2028, 12, 1), "100", "period"),  # too far ahead
        (date(2026, 12, 1), "-1", "amount"),
        (date(2026, 12, 1), "1.00001", "amount"),
    ],
)
def test_a_target_for_a_closed_month_or_a_wrong_amount_is_refused(db, every_partner, period, amount, field):
    partner, admin = make_partner(), make_user(role=Role.ADMIN)
    with pytest.raises(RuleViolation) as refused:
        targets.set_target(partner, period, Decimal(amount), actor=admin, window=WINDOW)
    assert refused.value.field == field
    assert not _all_targets()


def test_setting_the_same_target_twice_changes_nothing_and_partners_cannot_set_targets(db, every_partner):
    partner, admin = make_partner(), make_user(role=Role.ADMIN)
    assert targets.set_target(partner, date(2026, 12, 1), Decimal("100.5"), actor=admin, window=WINDOW)[1]
    assert not targets.set_target(partner, date(2026, 12, 1), Decimal("100.50"), actor=admin, window=WINDOW)[1]
    with pytest.raises(PermissionDenied):
        targets.set_target(partner, date(2026, 12, 1), Decimal(1), actor=make_user(partner), window=WINDOW)


def test_import_with_chinese_headers_in_gbk_and_twice_changes_nothing(db, every_partner):
    make_partner(code="P-CN-0001")
    make_partner(code="P-CN-0002")
    admin = make_user(role=Role.ADMIN)
    file = '伙伴编码,月份,目标金额\nP-CN-0001,2026-12,"120,000.00"\np-cn-0002,2027-01,88000.1234\n'
    first = targets.import_targets(_csv(file, "gbk"), "targets.csv", actor=admin, max_bytes=1 << 20, window=WINDOW)
    assert first.ok and (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = targets.import_targets(_csv(file, "gbk"), "targets.csv", actor=admin, max_bytes=1 << 20, window=WINDOW)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _all_targets() == {
        ("P-CN-0001", date(2026, 12, 1), Decimal(120000)),
        ("P-CN-0002", date(2027, 1, 1), Decimal("88000.1234")),
    }


def test_an_import_with_one_bad_row_writes_nothing_and_names_every_bad_row(db, every_partner):
    make_partner(code="P-CN-0001")
    admin = make_user(role=Role.ADMIN)
    file = (
        "partner_code,period,target\nP-CN-0001,2026-12,100\nP-XX-9999,2026-12,100\nP-CN-0001,2026-05,100\n"
        "P-CN-0001,2026-13,abc\nP-CN-0001,2026-12,200\n"
    )
    result = targets.import_targets(_csv(file), "t.csv", actor=admin, max_bytes=1 << 20, window=WINDOW)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "partner_code"),
        (4, "period"),
        (5, "period"),
        (5, "target"),
        (6, "period"),
    ]
    assert "row 2" in str(result.errors[-1].message)
    assert not _all_targets()


def test_a_manager_imports_only_for_partners_of_their_regions(db, as_user):
    make_partner(code="P-GD-0001", region="CN-GD")
    make_partner(code="P-DE-0001", region="DE-BY")
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    as_user(manager)
    file = "partner_code,period,target\nP-GD-0001,2026-12,100\nP-DE-0001,2026-12,100\n"
    result = targets.import_targets(_csv(file), "t.csv", actor=manager, max_bytes=1 << 20, window=WINDOW)
    assert [(e.row, e.column) for e in result.errors] == [(3, "partner_code")]
