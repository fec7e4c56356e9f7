"""Large files go to the background worker: kept in the database, all or nothing, progress, retry after a stop."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from orders import tasks, uploads
from orders.models import SalesLine, SalesUpload, UploadStatus
from portal.calendar import add_months, month_start
from portal.security import Role
from tests.builders import make_partner, make_product, make_user

DAY = add_months(month_start(date.today()), -1).replace(day=10).isoformat()
HEADER = "order_no,line_no,order_date,customer_code,customer_name,sku,quantity,unit_price\n"


@pytest.fixture()
def world(app, db, every_partner, monkeypatch):
    monkeypatch.setitem(app.config, "SALES_BACKGROUND_BYTES", 200)  # every test file counts as large
    partner = make_partner()
    make_product("DRILL", price="10")
    return {"partner": partner, "clerk": make_user(partner, role=Role.PARTNER_USER)}


def _file(rows: int, bad_row: int | None = None) -> bytes:
    lines = [
        f"SO-{n // 10},{n % 10 + 1},{DAY},C-{n % 7},Customer {n % 7},{'NOPE' if n == bad_row else 'DRILL'},1,10\n"
        for n in range(rows)
    ]
    return (HEADER + "".join(lines)).encode()


def _post(client, content):
    return client.post(
        "/orders/upload", data={"file": (io.BytesIO(content), "big.csv")}, content_type="multipart/form-data"
    )


def test_a_large_file_is_written_by_the_worker_and_the_page_shows_the_result(client, login, db, world):
    login(world["clerk"])
    response = _post(client, _file(2500))
    assert response.status_code == 303 and "/orders/uploads/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Completed" in page and "2,500 lines recorded" in page
    assert db.session.scalar(select(func.count()).select_from(SalesLine)) == 2500
    upload = db.session.scalars(select(SalesUpload)).one()
    assert upload.status is UploadStatus.COMPLETED and upload.content.startswith(b"order_no")
    assert tasks.read_progress(upload.id) == {"written": 2500}  # the last progress report: every row written


def test_a_large_file_with_a_bad_row_writes_nothing_and_lists_it(client, login, db, world):
    login(world["clerk"])
    response = _post(client, _file(1500, bad_row=1234))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 problem: nothing was imported." in page and '<td>1236</td><td translate="no">sku</td>' in page
    assert db.session.scalar(select(func.count()).select_from(SalesLine)) == 0


def test_a_worker_that_dies_leaves_nothing_and_the_upload_can_run_again(client, login, db, world, monkeypatch):
    login(world["clerk"])
    original = uploads.record_sales_lines

    def dies_while_writing(*args, **kwargs):
        original(*args, **kwargs)  # everything written inside the transaction …
        raise SystemError("worker killed")  # … and then the process goes

    monkeypatch.setattr(uploads, "record_sales_lines", dies_while_writing)
    location = _post(client, _file(300)).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "The worker stopped" in page
    assert db.session.scalar(select(func.count()).select_from(SalesLine)) == 0
    monkeypatch.setattr(uploads, "record_sales_lines", original)
    upload_id = int(location.rsplit("/", 1)[1])
    assert client.post(f"/orders/uploads/{upload_id}/retry").status_code == 303
    assert "300 lines recorded" in client.get(location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SalesLine)) == 300


@pytest.mark.parametrize("bad_row", [None, 1100], ids=["clean", "one_bad_row"])
@pytest.mark.parametrize("role", [Role.PARTNER_USER, Role.CHANNEL_MANAGER, Role.ADMIN])
def test_the_worker_runs_an_upload_as_its_uploader_with_no_request_around_it(app, db, world, role, bad_row):
    """The worker has no request: no login gate decided a tenant scope, and each of its commits and rollbacks
    expires what it had loaded (the uploader included). Brand staff's uploads belong to no partner."""
    partner = world["partner"]
    if role is Role.PARTNER_USER:
        uploader, content = make_user(partner, role=role), _file(1200, bad_row=bad_row)
    else:  # covering the partner's region (a manager), or every partner (an admin)
        uploader = make_user(role=role, regions=("CN-GD",) if role is Role.CHANNEL_MANAGER else ())
        content = _brand_file(partner.code, 1200, bad_row=bad_row)
    upload_id = uploads.store_upload(content, "big.csv", actor=uploader).id
    db.session.commit()
    tasks.process_upload(upload_id)  # immediate mode, but as the worker runs it: a session and context of its own
    upload = db.session.get(SalesUpload, upload_id, populate_existing=True)
    lines = db.session.scalar(select(func.count()).select_from(SalesLine).where(SalesLine.partner_id == partner.id))
    if bad_row is None:
        assert (upload.status, upload.rows, upload.errors, lines) == (UploadStatus.COMPLETED, 1200, None, 1200)
    else:
        assert (upload.status, upload.rows, lines) == (UploadStatus.REJECTED, 1200, 0)
        assert [(error["row"], error["column"]) for error in upload.errors] == [(bad_row + 2, "sku")]


def _brand_file(partner_code: str, rows: int, bad_row: int | None = None) -> bytes:
    lines = [
        f"{partner_code},SO-{n // 10},{n % 10 + 1},{DAY},C-{n % 7},Customer {n % 7},"
        f"{'NOPE' if n == bad_row else 'DRILL'},1,10\n"
        for n in range(rows)
    ]
    return ("partner_code," + HEADER + "".join(lines)).encode()


def test_a_channel_manager_follows_their_own_large_upload(client, login, db, world):
    """A brand upload belongs to no partner, so the tenant scope hid it from the manager who sent it (404)."""
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    other_manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    login(manager)
    response = client.post(
        "/orders/upload",
        data={"file": (io.BytesIO(_brand_file(world["partner"].code, 30)), "history.csv")},
        content_type="multipart/form-data",
    )
    progress = response.headers["Location"]
    page = client.get(progress)
    assert page.status_code == 200 and "30 lines recorded" in page.get_data(as_text=True)
    assert "history.csv" in client.get("/orders/upload").get_data(as_text=True)
    login(other_manager)
    assert client.get(progress).status_code == 404  # someone else's brand upload stays out of sight
    assert "history.csv" not in client.get("/orders/upload").get_data(as_text=True)


@pytest.mark.parametrize(("language", "reason"), [("en", "Unknown SKU NOPE."), ("zh_Hans_CN", "未知产品编码 NOPE。")])
def test_the_worker_keeps_the_problems_in_the_uploaders_language(app, db, world, language, reason):
    """The worker ran without a browser to ask and wrote every problem in the portal's default language, so an
    admin reading in English found the 10,000 problems of a file in Chinese."""
    uploader = make_user(world["partner"], role=Role.PARTNER_USER)
    uploader.locale = language
    upload_id = uploads.store_upload(_file(1200, bad_row=5), "big.csv", actor=uploader).id
    db.session.commit()
    tasks.process_upload(upload_id)
    upload = db.session.get(SalesUpload, upload_id, populate_existing=True)
    assert [error["reason"] for error in upload.errors] == [reason]
