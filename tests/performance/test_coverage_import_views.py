"""The coverage import page through HTTP, CSRF on: reached from the coverage page, a refused file keeps every problem
with its row and column, a clean one lands and says what it did, and only those who assign coverage get in."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from partners.models import CoverageAssignment
from portal.extensions import db
from portal.security import Role
from tests.builders import joined, make_partner, make_user
from tests.hardening.conftest import submission_key_of

URL = "/performance/coverage/import"
HEADER = "partner_code,country,province,city,product_line,exclusive,effective_from,effective_to,reason\n"


@pytest.fixture()
def admin(db):
    return make_user(role=Role.ADMIN)


@pytest.fixture()
def partners(db, every_partner):
    return [joined(make_partner(code=code, region="CN-GD")) for code in ("VW-A", "VW-B")]


def send(client, content: bytes, filename: str = "coverage.csv", **kwargs):
    page = client.get(URL)
    return client.post(
        URL,
        data={"file": (io.BytesIO(content), filename), "submission_key": submission_key_of(page.text)},
        content_type="multipart/form-data",
        **kwargs,
    )


def count_assignments() -> int:
    return db.session.scalar(select(func.count(CoverageAssignment.id)))


def test_the_coverage_page_leads_to_the_import_page_with_its_columns_and_template(client, login, admin):
    login(admin)
    assert f'href="{URL}"' in client.get("/performance/coverage").text
    page = client.get(URL)
    assert page.status_code == 200
    assert "Import coverage assignments" in page.text and "effective_from" in page.text and "生效日期" in page.text
    template = client.get(f"{URL}/template.xlsx")
    sheet = load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert [cell.value for cell in sheet[1]][:2] == ["partner_code", "country"]


def test_a_refused_file_lists_each_problem_with_row_and_column_and_writes_nothing(client, login, admin, partners):
    login(admin)
    content = (
        "伙伴编码,国家,省份,生效日期,失效日期\n"
        "VW-A,中国,广东省,2011-01-01,2012-07-01\n"
        "VW-A,中国,广东省,2012-01-01,\n"
        "VW-Q,中国,广东省,2011-01-01,\n"
    ).encode("gbk")
    response = send(client, content)
    assert response.status_code == 422
    html = response.text
    assert "2 problems: nothing was imported." in html
    assert '<td>3</td><td translate="no">生效日期</td>' in html
    assert "VW-A holds this region and product line in row 2 (2011-01-01 → 2012-07-01): the periods overlap." in html
    assert '<td>4</td><td translate="no">伙伴编码</td>' in html and "Unknown partner code VW-Q." in html
    assert count_assignments() == 0


def test_a_clean_file_lands_says_what_it_did_and_names_exclusive_overlaps(client, login, admin, partners):
    login(admin)
    content = (HEADER + "VW-A,CN,CN-GD,,,yes,2011-01-01,2012-07-01,\nVW-B,CN,CN-GD,深圳市,,yes,2012-06-01,,\n").encode()
    landed = send(client, content, follow_redirects=True)
    assert landed.status_code == 200 and landed.request.path == "/performance/coverage"
    assert "Imported 2 rows: 2 assignments created, 0 updated, 0 unchanged." in landed.text
    assert "Row 3 overlaps the exclusive assignment of VW-A for China › Guangdong" in landed.text
    assert count_assignments() == 2
    again = send(client, content, follow_redirects=True)
    assert "Imported 2 rows: 0 assignments created, 0 updated, 2 unchanged." in again.text
    assert count_assignments() == 2


def test_a_forged_post_is_refused(client, login, admin, partners):
    login(admin)
    content = (HEADER + "VW-A,CN,CN-GD,,,,2011-01-01,,\n").encode()
    response = client.post(
        URL, data={"file": (io.BytesIO(content), "c.csv")}, content_type="multipart/form-data", csrf=False
    )
    assert response.status_code == 400 and count_assignments() == 0


def test_partners_may_not_import_coverage_and_channel_managers_may_inside_their_regions(client, login, partners):
    login(make_user(partners[0], role=Role.PARTNER_ADMIN))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/template.xlsx").status_code == 403
    content = (HEADER + "VW-A,CN,CN-GD,,,,2011-01-01,,\nVW-A,CN,CN-GX,,,,2011-01-01,,\n").encode()
    assert client.post(URL, data={"file": (io.BytesIO(content), "c.csv")}).status_code == 403
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    assert "Import coverage assignments" in client.get("/performance/coverage").text
    refused = send(client, content)
    assert refused.status_code == 422 and "China › Guangxi is outside your regions." in refused.text
    assert count_assignments() == 0
