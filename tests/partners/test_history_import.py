"""Partners loaded with their history (partners/bulk_import.py): the day each joined, and a present status with the
day it began, so that coverage and scoring as of a past day see them as they were."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from partners.bulk_import import import_partners
from partners.coverage import status_on
from partners.models import Partner, PartnerStatus
from partners.regions import region_by_code
from performance.coverage import coverage_matrix
from portal.calendar import local_today
from portal.extensions import db as database
from portal.security import Role
from tests.builders import make_user

HEADER = "partner_code,name,type,country,province,joined_on,status,status_since\n"


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def run(admin, rows: str, header: str = HEADER):
    data = (header + rows).encode()
    return import_partners(io.BytesIO(data), "partners.csv", actor=admin, max_bytes=len(data))


def select_one(code: str) -> Partner:
    return database.session.scalars(select(Partner).where(Partner.code == code)).one()


def test_history_columns_set_the_day_a_partner_joined_and_when_its_status_began(db, admin):
    result = run(
        admin,
        "AW-001,A Bike Store,reseller,US,WA,2010-12-29,,\n"
        "AW-002,Bike World,reseller,US,CA,2011-05-31 00:00:00,terminated,2013-06-30\n"
        "AW-003,Fitness Toy Store,reseller,US,OR,,,\n",
    )
    assert result.ok, result.errors
    first, second, third = (select_one(code) for code in ("AW-001", "AW-002", "AW-003"))
    assert (first.joined_on, first.status, first.status_since) == (
        date(2010, 12, 29),
        PartnerStatus.ACTIVE,
        date(2010, 12, 29),
    )
    assert (second.joined_on, second.status, second.status_since) == (
        date(2011, 5, 31),
        PartnerStatus.TERMINATED,
        date(2013, 6, 30),
    )
    assert third.joined_on == local_today() and third.status is PartnerStatus.ACTIVE
    statuses = status_on([first, second, third], date(2012, 12, 31))
    assert statuses == {first.id: PartnerStatus.ACTIVE, second.id: PartnerStatus.ACTIVE, third.id: None}
    assert status_on([second], date(2013, 7, 1)) == {second.id: PartnerStatus.TERMINATED}


def test_chinese_headers_and_status_words(db, admin):
    header = "伙伴编码,名称,类型,国家,省份,合作开始日期,状态,状态开始日期\n"
    result = run(admin, "P-CN-0901,北方贸易,分销商,中国,北京,2012-03-01,暂停,2013-01-15\n", header=header)
    assert result.ok, result.errors
    partner = select_one("P-CN-0901")
    assert (partner.joined_on, partner.status, partner.status_since) == (
        date(2012, 3, 1),
        PartnerStatus.SUSPENDED,
        date(2013, 1, 15),
    )


def test_wrong_history_is_refused_row_and_column_and_nothing_is_written(db, admin):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    result = run(
        admin,
        "AW-101,One,reseller,US,WA,2010-13-01,,\n"
        f"AW-102,Two,reseller,US,WA,{tomorrow},,\n"
        "AW-103,Three,reseller,US,WA,2012-01-01,gone,\n"
        "AW-104,Four,reseller,US,WA,2012-01-01,,2013-01-01\n"
        "AW-105,Five,reseller,US,WA,2012-01-01,terminated,2011-12-31\n",
    )
    assert [(error.row, error.column) for error in result.errors] == [
        (2, "joined_on"),
        (3, "joined_on"),
        (4, "status"),
        (5, "status"),
        (6, "status_since"),
    ]
    assert "2010-13-01 is not a date" in str(result.errors[0].message)
    assert database.session.scalars(select(Partner).where(Partner.code.like("AW-1%"))).all() == []


def test_a_second_file_moves_a_known_partner_to_its_history_and_ends_its_users_sessions(db, admin):
    assert run(admin, "AW-201,Known,reseller,US,WA,,,\n").ok
    partner = select_one("AW-201")
    user = make_user(partner, role=Role.PARTNER_ADMIN)
    token = user.session_token
    again = run(admin, "AW-201,Known,reseller,US,WA,2011-02-01,terminated,2013-09-30\n")
    assert again.ok and again.updated == 1
    assert (partner.joined_on, partner.status, partner.status_since) == (
        date(2011, 2, 1),
        PartnerStatus.TERMINATED,
        date(2013, 9, 30),
    )
    assert user.session_token != token and not user.may_log_in
    assert run(admin, "AW-201,Known,reseller,US,WA,2011-02-01,terminated,2013-09-30\n").unchanged == 1


def test_the_coverage_matrix_of_a_past_day_counts_partners_loaded_with_their_history(db, admin):
    assert run(
        admin,
        "AW-301,Seattle Bikes,reseller,US,WA,2010-12-29,,\n"
        "AW-302,Portland Bikes,reseller,US,OR,2011-06-01,terminated,2012-06-30\n",
    ).ok
    matrix = coverage_matrix(parent=region_by_code("US"), by="type", as_of=date(2011, 12, 31))
    assert [p.code for p in matrix.cell(region_by_code("US-WA"), "reseller").partners] == ["AW-301"]
    assert [p.code for p in matrix.cell(region_by_code("US-OR"), "reseller").partners] == ["AW-302"]
    later = coverage_matrix(parent=region_by_code("US"), by="type", as_of=date(2012, 12, 31))
    assert later.cell(region_by_code("US-OR"), "reseller").partners == []
    before = coverage_matrix(parent=region_by_code("US"), by="type", as_of=date(2010, 6, 30))
    assert before.cell(region_by_code("US-WA"), "reseller").partners == []


def test_brand_staff_load_a_former_partners_lines_of_the_time_it_was_active(db, admin):
    from orders.intake import ReportingRules, record_sales_lines
    from orders.models import SubmissionSource
    from tests.builders import make_product

    assert run(admin, "AW-401,Gone Bikes,reseller,US,WA,2011-01-01,terminated,2012-07-01\n").ok
    make_product("BK-1")

    def lines(day: str):
        row = {
            "partner_code": "AW-401",
            "order_no": f"SO-{day}",
            "line_no": "1",
            "order_date": day,
            "customer_code": "STORE",
            "customer_name": "Store customers",
            "sku": "BK-1",
            "quantity": "1",
            "unit_price": "10",
        }
        rules = ReportingRules(today=local_today(), open_months=3, may_report_closed_periods=True)
        return record_sales_lines(
            lambda: iter([(2, row)]), actor=admin, source=SubmissionSource.UPLOAD, filename="h.csv", rules=rules
        )

    assert lines("2012-06-30").ok
    refused = lines("2012-07-01")
    assert [(error.row, error.column, str(error.message)) for error in refused.errors] == [
        (2, "partner_code", "Partner AW-401 is not active.")
    ]


def test_a_status_cannot_begin_before_a_known_partner_joined(db, admin):
    assert run(admin, "AW-501,Known,reseller,US,WA,2012-01-01,,\n").ok
    refused = run(admin, "AW-501,Known,reseller,US,WA,,terminated,2011-06-30\n")
    assert [(error.row, error.column) for error in refused.errors] == [(2, "status_since")]
    assert "2012-01-01" in str(refused.errors[0].message)
