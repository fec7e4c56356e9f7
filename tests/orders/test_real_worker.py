"""Large sales files through the real worker: a `huey_consumer` process on the test database (SQLite or
PostgreSQL), fed through the upload page by the web app's own queue (a SQLite queue file both open). Unlike the
rest of the suite, the data is committed for real, where another process can see it, and deleted afterwards."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from orders.intake import ReportingRules, record_sales_lines
from orders.models import CustomerMonthlySales, MonthlySales, SalesLine, SalesUpload, SubmissionSource, UploadStatus
from partners.models import Partner
from portal import create_app, tenancy
from portal.calendar import add_months, local_today, month_start
from portal.extensions import db
from portal.security import Role
from tests.builders import make_partner, make_product, make_user
from tests.conftest import delete_committed_rows, session_of

ROOT = Path(__file__).resolve().parents[2]
HUEY_CONSUMER = Path(sys.executable).with_name("huey_consumer")
DAY = add_months(month_start(date.today()), -1).replace(day=10)
HEADER = "order_no,line_no,order_date,customer_code,customer_name,sku,quantity,unit_price\n"
WAIT = 60  # seconds before a poll gives up; a healthy run needs a few


class Web:
    """The web app with a real queue, its test client logged in as the uploader, and the worker processes."""

    def __init__(self, app, tmp_path: Path):
        self.app, self.tmp_path = app, tmp_path
        self.client = app.test_client()
        self.gate = tmp_path / "gate"
        self.workers: list[subprocess.Popen] = []

    def start_worker(self, module: str) -> subprocess.Popen:
        environ = {
            name: value
            for name, value in os.environ.items()
            if name not in {"QUDAO_HUEY_IMMEDIATE", "TEST_DATABASE_URL", "QUDAO_CONFIG"}
        }
        environ.update(
            DATABASE_URL=self.app.config["SQLALCHEMY_DATABASE_URI"],
            HUEY_URL=self.app.config["HUEY_URL"],
            SECRET_KEY="worker-test-key",
            QUDAO_INSTANCE_DIR=str(self.tmp_path / "worker-instance"),
            QUDAO_TEST_GATE=str(self.gate),
            PYTHONPATH=str(ROOT),
            DEFAULT_LOCALE="en",
        )
        with (self.tmp_path / f"worker-{len(self.workers)}.log").open("wb") as log:
            worker = subprocess.Popen(
                [str(HUEY_CONSUMER), f"{module}.huey", "--workers", "1", "--delay", "0.05", "--max-delay", "0.2"],
                cwd=ROOT,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.workers.append(worker)
        return worker

    def worker_logs(self) -> str:
        logs = sorted(self.tmp_path.glob("worker-*.log"))
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in logs)

    def csrf_token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.client.get(path).get_data(as_text=True))[1]

    def upload(self, content: bytes) -> str:
        # Encoded in memory: the test client would spool a body this large to a file that it never closes.
        boundary, body = encode_multipart(
            {
                "csrf_token": self.csrf_token("/orders/upload"),
                "file": FileStorage(io.BytesIO(content), filename="sales.csv", content_type="text/csv"),
            }
        )
        response = self.client.post(
            "/orders/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        return response.headers["Location"]

    def retry(self, progress_url: str) -> None:
        response = self.client.post(f"{progress_url}/retry", data={"csrf_token": self.csrf_token(progress_url)})
        assert response.status_code == 303

    def poll(self, progress_url: str, until) -> str:
        """The page's upload state, polled as its htmx does, until `until(state)` holds."""
        deadline = time.monotonic() + WAIT
        while True:
            page = self.client.get(progress_url, headers={"HX-Request": "true"}).get_data(as_text=True)
            state = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip()
            if until(state):
                return state
            assert "Queued" in state or "Running" in state, f"the upload ended otherwise: {state}\n{self.worker_logs()}"
            assert time.monotonic() < deadline, f"still waiting; the page says: {state}\n{self.worker_logs()}"
            assert any(worker.poll() is None for worker in self.workers), f"no worker left:\n{self.worker_logs()}"
            time.sleep(0.1)

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # huey_consumer stops at once
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()


@pytest.fixture()
def web(app, tmp_path):
    """A second app on the test database with a SQLite queue file in a temporary folder, CSRF on as in a browser,
    a smaller background threshold, and a running upload counted as stopped after one silent second (so the test
    may retry a killed one)."""
    from portal.config import TestConfig  # imported here, or pytest would collect it as a test class

    class RealQueueConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        HUEY_IMMEDIATE = False
        HUEY_URL = f"sqlite:///{tmp_path / 'queue.db'}"
        WTF_CSRF_ENABLED = True
        UPLOAD_STALE_AFTER_SECONDS = 1
        SALES_BACKGROUND_BYTES = 150_000  # a file of some 1,700 lines goes to the worker: quick, yet two chunks

    app_with_queue = create_app(RealQueueConfig)
    web = Web(app_with_queue, tmp_path)
    try:
        yield web
    finally:
        web.stop_workers()
        with app_with_queue.app_context():  # everything committed here, the region tree excepted
            delete_committed_rows()
            db.session.remove()
            db.engine.dispose()


def _committed(web: Web, build):
    with web.app.app_context():
        with tenancy.every_partner(reason="test data, committed for the worker to see"):
            built = build()
            db.session.commit()
        return built


def _log_in(web: Web, role: Role):
    def build():
        partner = make_partner()
        make_product("DRILL", price="10")
        user = make_user(partner, role=role) if role is Role.PARTNER_USER else make_user(role=role)
        return partner.id, partner.code, session_of(user)

    partner_id, partner_code, session_id = _committed(web, build)
    with web.client.session_transaction() as session:
        session.update(session_id)
    return partner_id, partner_code


def _rows(count: int) -> list[tuple[str, int, int]]:
    """(order_no, line_no, quantity) of each line of the file."""
    return [(f"SO-{n // 10:06d}", n % 10 + 1, n % 5 + 1) for n in range(count)]


def _file(rows, partner_code: str | None = None) -> bytes:
    prefix = f"{partner_code}," if partner_code else ""
    lines = "".join(
        f"{prefix}{order},{line},{DAY.isoformat()},C-{line % 7},Customer {line % 7},DRILL,{quantity},10\n"
        for order, line, quantity in rows
    )
    return (("partner_code," if partner_code else "") + HEADER + lines).encode()


def _over_the_threshold(web: Web, partner_code: str | None = None):
    """A file just over SALES_BACKGROUND_BYTES: the page hands it to the worker."""
    threshold, count = web.app.config["SALES_BACKGROUND_BYTES"], 1000
    while len(content := _file(rows := _rows(count), partner_code)) <= threshold:
        count += 1000
    return rows, content


def _checked(state: str) -> int:
    found = re.search(r"Rows checked: ([\d,]+)", state)
    return int(found[1].replace(",", "")) if found else 0


def _mid_import(state: str) -> bool:
    """The page shows a running upload with rows checked. (It reads the two at different moments: a page may
    show rows checked beside "Queued" when the worker started in between.)"""
    return "Running" in state and _checked(state) > 0


def _in_database(web: Web, partner_id: int):
    """The partner's lines as (order_no, line_no, quantity), its roll-ups, and every upload's status."""
    with web.app.app_context(), tenancy.every_partner(reason="the test reads what the worker wrote"):
        lines = sorted(
            (line.order_no, line.line_no, int(line.quantity))
            for line in db.session.scalars(select(SalesLine).where(SalesLine.partner_id == partner_id))
        )
        rollups = sorted(
            (row.period, row.net_amount, row.line_count)
            for row in db.session.scalars(select(MonthlySales).where(MonthlySales.partner_id == partner_id))
        )
        customer_rollups = db.session.scalar(select(func.count()).select_from(CustomerMonthlySales))
        statuses = list(db.session.scalars(select(SalesUpload.status)))
        db.session.remove()
    return lines, rollups, customer_rollups, statuses


def test_a_file_over_the_threshold_is_written_by_the_real_worker_while_the_page_shows_progress(web):
    partner_id, partner_code = _log_in(web, Role.ADMIN)  # brand staff loading a partner's history
    rows, content = _over_the_threshold(web, partner_code)
    web.start_worker("tests.orders.gated_worker")

    progress_url = web.upload(content)
    state = web.poll(progress_url, _mid_import)
    assert 0 < _checked(state) < len(rows)
    web.gate.touch()
    state = web.poll(progress_url, lambda state: "Running" not in state and "Queued" not in state)

    assert "Completed" in state and f"{len(rows):,} lines recorded" in state, state
    lines, rollups, _customers, statuses = _in_database(web, partner_id)
    assert lines == sorted(rows) and statuses == [UploadStatus.COMPLETED]
    assert rollups == [(DAY.replace(day=1), Decimal(10 * sum(quantity for *_, quantity in rows)), len(rows))]


def test_a_worker_killed_mid_import_writes_nothing_and_the_upload_runs_again(web):
    partner_id, _code = _log_in(web, Role.PARTNER_USER)
    _committed(web, lambda: _report_earlier_line(partner_id))  # its month has a roll-up already
    before = _in_database(web, partner_id)
    rows, content = _over_the_threshold(web)
    first = web.start_worker("tests.orders.gated_worker")

    progress_url = web.upload(content)
    web.poll(progress_url, _mid_import)  # its first rows are written, inside the transaction still open
    first.send_signal(signal.SIGKILL)
    first.wait()
    web.start_worker("worker")  # worker.py as deployed; idle until the retry (the killed task left the queue)

    lines, rollups, customers, statuses = _in_database(web, partner_id)
    assert (lines, rollups, customers) == before[:3] and statuses == [UploadStatus.RUNNING]
    # Silent for UPLOAD_STALE_AFTER_SECONDS, the upload counts as stopped.
    state = web.poll(progress_url, lambda state: "Run it again" in state)
    assert "Nothing was written" in state

    web.retry(progress_url)
    state = web.poll(progress_url, lambda state: "Completed" in state or "Rejected" in state)

    assert f"{len(rows):,} lines recorded" in state, state
    lines, rollups, _customers, statuses = _in_database(web, partner_id)
    assert lines == sorted([*rows, ("EARLIER", 1, 3)]) and statuses == [UploadStatus.COMPLETED]
    assert rollups == [(DAY.replace(day=1), Decimal(21 + 10 * sum(quantity for *_, quantity in rows)), len(rows) + 1)]


def _report_earlier_line(partner_id: int) -> None:
    row = {
        "order_no": "EARLIER",
        "line_no": "1",
        "order_date": DAY.isoformat(),
        "customer_code": "C-1",
        "customer_name": "Customer 1",
        "sku": "DRILL",
        "quantity": "3",
        "unit_price": "7",
    }
    clerk = db.session.get(Partner, partner_id).users[0]
    rules = ReportingRules(today=local_today(), open_months=3, may_report_closed_periods=False)
    result = record_sales_lines(
        lambda: iter([(2, row)]), actor=clerk, source=SubmissionSource.FORM, filename=None, rules=rules
    )
    assert result.ok, result.errors
