"""worker.py's worker with a gate, for tests/orders/test_real_worker.py (run as `huey_consumer
tests.orders.gated_worker.huey`): after an import's first progress report, with its first rows written inside the
still open transaction, it waits until the file named by QUDAO_TEST_GATE exists. A test can then watch the page
show progress mid-import, and kill the worker there."""

from __future__ import annotations

import os
import time
from pathlib import Path

from orders import uploads
from worker import app, huey  # noqa: F401  (what huey_consumer loads)

GATE = Path(os.environ["QUDAO_TEST_GATE"])
_record_sales_lines = uploads.record_sales_lines


def _record_behind_the_gate(read_rows, *, progress, **kwargs):
    def report(stage: str, count: int) -> None:
        progress(stage, count)
        while not GATE.exists():
            time.sleep(0.02)

    return _record_sales_lines(read_rows, progress=report, **kwargs)


uploads.record_sales_lines = _record_behind_the_gate
