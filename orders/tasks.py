"""Background work: large sales files are checked and written by a Huey worker, with progress the page polls.

The queue lives in SQLite next to the app database by default (instance/huey.db) and in Redis when HUEY_URL is set,
as it must be when several app instances and workers run. Start a worker with `huey_consumer orders.tasks.huey`."""
from __future__ import annotations

import os
import traceback

from flask import current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey

from portal.config import INSTANCE_DIR


def _make_huey():
    url = os.environ.get("HUEY_URL", "")
    if url.startswith("redis://"):
        return RedisHuey("qudao", url=url)
    if url == "memory://" or os.environ.get("QUDAO_HUEY_IMMEDIATE"):
        return MemoryHuey("qudao", immediate=True)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("qudao", filename=str(url.removeprefix("sqlite:///") or INSTANCE_DIR / "huey.db"))


huey = _make_huey()
_worker_app = None


def progress_key(upload_id: int) -> str:
    return f"upload-progress:{upload_id}"


def read_progress(upload_id: int) -> dict:
    """Rows checked and written so far, kept in the queue's storage: the app database's write lock belongs to
    the import while it runs, so progress cannot be committed there."""
    return huey.get(progress_key(upload_id), peek=True) or {}


def _run_upload(upload_id: int) -> None:
    from orders.uploads import mark_failed, run_upload

    try:
        run_upload(upload_id, report=lambda stage, count: huey.put(progress_key(upload_id), {stage: count}))
    except Exception:  # the worker must survive a bad upload; the page shows that it stopped
        current_app.logger.error("upload %s failed:\n%s", upload_id, traceback.format_exc())
        mark_failed(upload_id)


@huey.task()
def process_upload(upload_id: int) -> None:
    """In a worker process: one Flask app per process. Immediate mode (tests) runs inside the caller's app."""
    global _worker_app
    if has_app_context():
        _run_upload(upload_id)
        return
    if _worker_app is None:
        from portal import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        _run_upload(upload_id)
