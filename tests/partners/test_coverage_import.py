"""Coverage assignments imported with their effective days (partners/coverage_import.py): the rules of assigning by
hand against the database and the file's other rows, all rows or none, the same file twice changes nothing, and
the coverage matrix of a past day shows the history."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from partners import coverage
from partners.bulk_import import import_partners
from partners.coverage_import import import_coverage
from partners.models import CoverageAssignment, Partner, ProductLine
from partners.regions import region_by_code
from performance.coverage import coverage_matrix
from portal.audit import AuditEntry
from portal.extensions import db as database
from portal.security import PermissionDenied, Role
from portal.tabular import TableRejected, write_xlsx
from tests.builders import joined, make_partner, make_user

HEADER = "partner_code,country,province,city,product_line,exclusive,effective_from,effective_to,reason\n"
LIMIT = 5 * 1024 * 1024


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


@pytest.fixture()
def partners(db, every_partner):
    return {code: joined(make_partner(code=code, region="CN-GD")) for code in ("CV-A", "CV-B", "CV-C")}


@pytest.fixture()
def road(db):
    line = ProductLine(code="ROAD", name_en="Road bikes", name_zh="公路车")
    database.session.add(line)
    database.session.flush()
    return line


def run(actor, rows: str, *, header: str = HEADER, filename: str = "coverage.csv", encoding: str = "utf-8"):
    data = (header + rows).encode(encoding)
    return import_coverage(io.BytesIO(data), filename, actor=actor, max_bytes=LIMIT)


def held(partner: Partner) -> list[tuple[str, str | None, bool, date, date | None, str]]:
    """The partner's assignments: region, line, exclusive, from, to, reason; oldest first."""
    return [
        (a.region.code, a.product_line.code if a.product_line else None, a.is_exclusive, a.effective_from)
        + (a.effective_to, a.reason)
        for a in sorted(coverage.assignment_history(partner), key=lambda a: (a.effective_from, a.region.code))
    ]


def count_assignments() -> int:
    return database.session.scalar(select(func.count(CoverageAssignment.id)))


def coverage_entries() -> list[AuditEntry]:
    return list(
        database.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "coverage_assignments").order_by(AuditEntry.id)
        )
    )


def problems(result) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in result.errors]


def test_a_valid_file_lands_the_history_by_names_codes_and_cities_with_audit_entries(db, admin, partners, road):
    result = run(
        admin,
        "CV-A,中国,广东省,,ROAD,是,2011-01-01,2012-07-01,plan 2011\n"
        "cv-a,CN,Guangdong,,road,1,2012-07-01,,\n"  # the next one may begin on the first day the last no longer holds
        "CV-B,China,CN-GX,,Road bikes,no,2011-06-01 00:00:00,,\n"
        "CV-B,CN,广东,深圳市,,,2012-03-01,2013-01-01,Shenzhen pilot\n",
    )
    assert result.ok, result.problems()
    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 4, 0, 0)
    assert held(partners["CV-A"]) == [
        ("CN-GD", "ROAD", True, date(2011, 1, 1), date(2012, 7, 1), "plan 2011"),
        ("CN-GD", "ROAD", True, date(2012, 7, 1), None, "import coverage.csv"),
    ]
    assert held(partners["CV-B"]) == [
        ("CN-GX", "ROAD", False, date(2011, 6, 1), None, "import coverage.csv"),
        ("CN-440300", None, False, date(2012, 3, 1), date(2013, 1, 1), "Shenzhen pilot"),
    ]
    entries = coverage_entries()
    assert [entry.action for entry in entries] == ["assign"] * 4
    assert entries[0].actor_id == admin.id and entries[0].partner_id == partners["CV-A"].id
    assert entries[0].changes["effective_to"] == [None, "2012-07-01"] and entries[0].reason == "plan 2011"


def test_every_kind_of_wrong_row_is_named_by_row_and_column_and_nothing_is_written(db, admin, partners, road):
    result = run(
        admin,
        "CV-A,CN,CN-GD,,,,2011-01-01,,\n"  # 2: right, yet not written
        "CV-ZZ,CN,CN-GD,,,,2011-01-01,,\n"  # 3: unknown partner
        ",CN,CN-GD,,,,2011-01-01,,\n"  # 4: no partner code
        "CV-A,Frnace,,,,,2011-01-01,,\n"  # 5: unknown country, with the nearest one
        "CV-A,CN,Guangdongg,,,,2011-01-01,,\n"  # 6: unknown province
        "CV-A,US,Washington,Seattle,,,2011-01-01,,\n"  # 7: a city the tree does not hold
        "CV-A,CN,,深圳市,,,2011-01-01,,\n"  # 8: a city without its province
        "CV-A,FR,Essonne,,,,2011-01-01,,\n"  # 9: a département: the tree's node is Île-de-France
        "CV-A,CN,CN-GD,,MTB,,2011-01-01,,\n"  # 10: unknown product line
        "CV-A,CN,CN-GD,,,maybe,2011-01-01,,\n"  # 11: exclusive neither yes nor no
        "CV-A,CN,CN-GD,,,,,,\n"  # 12: no start
        "CV-A,CN,CN-GD,,,,2011-02-30,,\n"  # 13: not a date
        "CV-A,CN,CN-GD,,,,2011-01-01,2011-01-01,\n"  # 14: ends the day it begins
        f"CV-A,CN,CN-GD,,,,2011-01-01,,{'x' * 301}\n",  # 15: reason too long
    )
    assert problems(result) == [
        (3, "partner_code"),
        (4, "partner_code"),
        (5, "country"),
        (6, "province"),
        (7, "city"),
        (8, "province"),
        (9, "province"),
        (10, "product_line"),
        (11, "exclusive"),
        (12, "effective_from"),
        (13, "effective_from"),
        (14, "effective_to"),
        (15, "reason"),
    ]
    messages = [str(error.message) for error in result.errors]
    assert messages[0] == "Unknown partner code CV-ZZ."
    assert "did you mean France?" in messages[2]
    assert "Seattle is not a city of the region tree" in messages[4]
    assert "Essonne is not in the region tree: assign Île-de-France" in messages[6]
    assert "2011-02-30 is not a date" in messages[10]
    assert "after the start (2011-01-01)" in messages[11]
    assert count_assignments() == 0 and coverage_entries() == []


def test_overlapping_periods_of_one_partner_region_and_line_are_refused_within_the_file(db, admin, partners, road):
    result = run(
        admin,
        "CV-A,CN,CN-GD,,,,2011-01-01,2012-07-01,\n"
        "CV-A,CN,CN-GD,,,,2012-07-01,,\n"  # follows on: fine
        "CV-A,CN,CN-GD,,,,2012-01-01,2012-03-01,\n"  # 4: inside row 2's period
        "CV-A,CN,CN-GD,,,,2010-01-01,,\n"  # 5: open, so it runs into row 2
        "CV-A,CN,CN-GD,,ROAD,,2011-06-01,,\n"  # another line: fine
        "CV-B,CN,CN-GD,,,,2011-06-01,,\n"  # another partner: fine
        "CV-A,CN,CN-GD,深圳市,,,2011-06-01,,\n",  # a city within: another region, fine
    )
    assert problems(result) == [(4, "effective_from"), (5, "effective_to")]
    assert str(result.errors[0].message) == (
        "CV-A holds this region and product line in row 2 (2011-01-01 → 2012-07-01): the periods overlap."
    )
    assert count_assignments() == 0


def test_periods_are_checked_against_the_assignments_held_as_they_will_stand(db, admin, partners):
    partner = partners["CV-A"]
    coverage.assign_coverage(
        partner,
        region_by_code("CN-GD"),
        None,
        exclusive=False,
        effective_from=date(2011, 1, 1),
        reason="by hand",
        actor=admin,
    )
    refused = run(admin, "CV-A,CN,CN-GD,,,,2013-01-01,,\nCV-A,CN,CN-GD,,,,2010-01-01,2011-02-01,\n")
    assert problems(refused) == [(2, "effective_from"), (3, "effective_to")]
    assert str(refused.errors[0].message) == (
        "CV-A holds this region and product line already (2011-01-01 →, by hand): the periods overlap."
    )
    # The first row restates the assignment held (same start) and ends it, so the second may follow it.
    result = run(admin, "CV-A,CN,CN-GD,,,,2011-01-01,2012-07-01,\nCV-A,CN,CN-GD,,,,2012-07-01,,\n")
    assert result.ok, result.problems()
    assert (result.created, result.updated) == (1, 1)
    assert held(partner) == [
        ("CN-GD", None, False, date(2011, 1, 1), date(2012, 7, 1), "by hand"),
        ("CN-GD", None, False, date(2012, 7, 1), None, "import coverage.csv"),
    ]


def test_overlapping_exclusive_assignments_of_two_partners_land_as_by_hand_and_are_named(db, admin, partners, road):
    coverage.assign_coverage(
        partners["CV-C"],
        region_by_code("CN-GX"),
        None,
        exclusive=True,
        effective_from=date(2012, 1, 1),
        reason="by hand",
        actor=admin,
    )
    result = run(
        admin,
        "CV-A,CN,CN-GD,,,yes,2011-01-01,2012-07-01,\n"
        "CV-B,CN,CN-GD,深圳市,ROAD,yes,2012-06-01,,\n"  # 3: within Guangdong, one line of every line, a month over
        "CV-B,CN,CN-GD,,,yes,2012-07-01,,\n"  # begins as row 2 ends: no overlap
        "CV-A,CN,CN-GX,,ROAD,yes,2011-01-01,2012-02-01,\n"  # 5: a month into CV-C's
        "CV-A,CN,CN-GX,,,no,2013-01-01,,\n",  # not exclusive
    )
    assert result.ok, result.problems()
    assert [(overlap.row, overlap.column) for overlap in result.overlaps] == [(3, "exclusive"), (5, "exclusive")]
    assert str(result.overlaps[0].message) == (
        "Row 3 overlaps the exclusive assignment of CV-A for China › Guangdong (every line, "
        "2011-01-01 → 2012-07-01) in row 2."
    )
    assert str(result.overlaps[1].message) == (
        "Row 5 overlaps the exclusive assignment of CV-C for China › Guangxi (every line, 2012-01-01 →) held already."
    )
    assert result.created == 5


def test_the_same_file_twice_changes_nothing_and_a_changed_row_updates_with_an_audit_entry(db, admin, partners):
    content = "CV-A,CN,CN-GD,,,yes,2011-01-01,2012-07-01,plan 2011\nCV-B,CN,CN-GX,,,,2011-01-01,,\n"
    assert run(admin, content).created == 2
    entries = len(coverage_entries())
    again = run(admin, content, filename="coverage copy.csv")  # a row without a reason keeps the one it has
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert len(coverage_entries()) == entries and count_assignments() == 2
    version = partners["CV-A"].version_id
    changed = run(admin, "CV-A,CN,CN-GD,,,no,2011-01-01,2013-01-01,plan 2011 revised\n", filename="fix.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    assert held(partners["CV-A"]) == [
        ("CN-GD", None, False, date(2011, 1, 1), date(2013, 1, 1), "plan 2011 revised"),
    ]
    entry = coverage_entries()[-1]
    assert entry.action == "update" and entry.reason == "import fix.csv"
    assert entry.changes == {
        "effective_to": ["2012-07-01", "2013-01-01"],
        "is_exclusive": [True, False],
        "reason": ["plan 2011", "plan 2011 revised"],
    }
    assert partners["CV-A"].version_id != version  # a page opened before the import is refused, as by hand


def test_chinese_headers_in_a_gbk_file(db, admin, partners):
    header = "伙伴编码,国家,省份,城市,产品线,独家,生效日期,失效日期,原因\n"
    result = run(admin, "CV-A,中国,广东省,广州市,,是,2011-01-01,2012-07-01,年度规划\n", header=header, encoding="gbk")
    assert result.ok, result.problems()
    assert held(partners["CV-A"]) == [("CN-440100", None, True, date(2011, 1, 1), date(2012, 7, 1), "年度规划")]
    bad = run(admin, "CV-A,中国,广东省,,,,2011-13-01,,\n", header=header, encoding="gbk")
    assert bad.problems() == [
        {"row": 2, "column": "生效日期", "reason": "2011-13-01 is not a date: write it as YYYY-MM-DD."}
    ]


def test_an_xlsx_file_with_date_cells(db, admin, partners):
    content = write_xlsx(
        ["partner_code", "country", "province", "effective_from", "effective_to"],
        [["CV-A", "CN", "CN-GD", date(2011, 1, 1), date(2012, 7, 1)]],
    )
    result = import_coverage(io.BytesIO(content), "coverage.xlsx", actor=admin, max_bytes=LIMIT)
    assert result.ok, result.problems()
    assert held(partners["CV-A"])[0][3:5] == (date(2011, 1, 1), date(2012, 7, 1))


def test_a_manager_imports_inside_their_regions_and_partners_not_at_all(db, every_partner, as_user, partners):
    manager = as_user(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    result = run(
        manager, "CV-A,CN,CN-GD,深圳市,,,2011-01-01,,\nCV-A,CN,CN-GX,,,,2011-01-01,,\nCV-A,CN,,,,,2011-01-01,,\n"
    )
    assert problems(result) == [(3, "province"), (4, "country")]
    assert str(result.errors[0].message) == "China › Guangxi is outside your regions."
    assert run(manager, "CV-A,CN,CN-GD,深圳市,,,2011-01-01,,\n").created == 1
    with pytest.raises(PermissionDenied):
        run(make_user(partners["CV-A"], role=Role.PARTNER_ADMIN), "CV-A,CN,CN-GD,,,,2011-01-01,,\n")


def test_an_empty_file_and_missing_columns_are_refused(db, admin):
    assert [error.message for error in run(admin, "").errors] == ["The file has a header but no rows."]
    with pytest.raises(TableRejected) as rejected:
        run(admin, "CV-A,CN\n", header="partner_code,country\n")
    assert [error.column for error in rejected.value.errors] == ["effective_from / 生效日期"]


def test_the_coverage_matrix_of_past_days_shows_the_imported_history(db, admin):
    partners_file = (
        b"partner_code,name,type,country,province,joined_on\n"
        b"HX-A,Canton Cycles,distributor,CN,CN-GD,2011-01-01\n"
        b"HX-B,Min Cycles,distributor,CN,CN-FJ,2013-03-01\n"
    )
    assert import_partners(io.BytesIO(partners_file), "partners.csv", actor=admin, max_bytes=LIMIT).ok
    result = run(
        admin,
        "HX-A,CN,CN-GD,,,yes,2011-01-01,,\n"
        "HX-A,CN,CN-GX,,,yes,2011-01-01,2013-07-01,handed over\n"
        "HX-B,CN,CN-GX,,,yes,2013-07-01,,took over\n",
    )
    assert result.ok and result.overlaps == [], result.problems()
    china, gd, gx, fj = (region_by_code(code) for code in ("CN", "CN-GD", "CN-GX", "CN-FJ"))

    def covering(matrix, region):
        return [partner.code for partner in matrix.cell(region, "distributor").partners]

    end_2012 = coverage_matrix(parent=china, by="type", as_of=date(2012, 12, 31))
    assert covering(end_2012, gd) == ["HX-A"] and covering(end_2012, gx) == ["HX-A"]
    assert covering(end_2012, fj) == [] and fj in end_2012.white_space  # HX-B had not joined yet
    assert gd not in end_2012.white_space and gx not in end_2012.white_space
    end_2013 = coverage_matrix(parent=china, by="type", as_of=date(2013, 12, 31))
    assert covering(end_2013, gd) == ["HX-A"] and covering(end_2013, gx) == ["HX-B"]
    assert fj in end_2013.white_space  # HX-B is based there but covers only Guangxi
    assert gx not in end_2013.white_space and end_2013.overlaps == []
