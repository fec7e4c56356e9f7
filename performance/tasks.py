"""Background work of the performance domain: scoring a range of months (history) month by month, with progress
the page polls. create_app() registers TASKS on the app's queue (portal/queue.py)."""

from __future__ import annotations

import traceback

from flask import current_app

from performance.scoring import run_scoring
from portal import queue


def queue_run(run_id: int) -> None:
    """Hand a committed scoring run to the worker."""
    queue.enqueue(score_run, run_id)


def score_run(run_id: int) -> None:
    """The task: the worker must survive a run that fails (run_scoring marks it stopped); the page shows where."""
    try:
        run_scoring(run_id)
    except Exception:
        current_app.logger.error("scoring run %s failed:\n%s", run_id, traceback.format_exc())


TASKS = [score_run]
