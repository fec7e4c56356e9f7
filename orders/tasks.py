"""Background work of the orders domain: large sales files are checked and written by the worker, with progress
the page polls. The queue is the app's (portal/queue.py): create_app() registers TASKS on it, and a worker runs
them after `huey_consumer worker.huey`."""

from __future__ import annotations

import traceback

from flask import current_app

from orders.uploads import mark_failed, run_upload
from portal import queue


def progress_key(upload_id: int) -> str:
    return f"upload-progress:{upload_id}"


def read_progress(upload_id: int) -> dict:
    """Rows checked and written so far, kept in the queue's storage: the app database's write lock belongs to
    the import while it runs, so progress cannot be committed there."""
    return queue.current_huey().get(progress_key(upload_id), peek=True) or {}


def process_upload(upload_id: int) -> None:
    """Hand a stored, committed upload to the worker."""
    queue.enqueue(import_upload, upload_id)


def import_upload(upload_id: int) -> None:
    """The task, in the worker's app context: the worker must survive a bad upload; the page shows that it
    stopped."""
    huey = queue.current_huey()
    try:
        run_upload(upload_id, report=lambda stage, count: huey.put(progress_key(upload_id), {stage: count}))
    except Exception:
        current_app.logger.error("upload %s failed:\n%s", upload_id, traceback.format_exc())
        mark_failed(upload_id)


TASKS = [import_upload]
