"""Fixtures of the hardening tests: an app whose requests commit for real, so that requests sent at the same
moment run side by side as in production (each with its own connection), not inside one test transaction."""

from __future__ import annotations

import re
import threading

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import IsolatedClient, delete_committed_rows

PARALLEL = 20


@pytest.fixture()
def committed(app):
    """A second app on the test database whose writes are committed for real, and deleted afterwards."""
    from portal.config import TestConfig  # imported here, or pytest would collect it as a test class

    class CommittedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": PARALLEL, "max_overflow": 5}

    committed_app = create_app(CommittedConfig)
    committed_app.test_client_class = IsolatedClient
    try:
        yield committed_app
    finally:
        with committed_app.app_context():
            delete_committed_rows()
            db.session.remove()
            db.engine.dispose()


def csrf_token_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def submission_key_of(page: str) -> str:
    return re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)[1]


def at_once(*requests):
    """Run the callables at the same moment, one thread each; their results in order."""
    start = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index, request):
        start.wait()
        results[index] = request()

    threads = [threading.Thread(target=run, args=(index, request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
