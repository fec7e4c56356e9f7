"""Fixtures: one app and schema per run (SQLite file, or TEST_DATABASE_URL for PostgreSQL), a rolled-back
transaction per test, a test client, and login helpers."""

from __future__ import annotations

import contextvars
import hashlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from portal import create_app, tenancy
from portal.auth.sessions import SESSION_KEY, UserSession
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.extensions import limiter

pytest_plugins = ["tests.browser.fixtures"]


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so that it gets its own app context, `g` and session as in
    production, although the test keeps an app context open around it. CSRF protection is on, as in
    production: every POST carries the session's token in the X-CSRFToken header, as htmx sends it from
    base.html (csrf=False sends none, as a forged request would)."""

    def open(self, *args, csrf: bool = True, **kwargs):
        if csrf and str(kwargs.get("method", "GET")).upper() not in {"GET", "HEAD", "OPTIONS"}:
            # A browser also names the page it posts from; over HTTPS Flask-WTF insists on that.
            base_url = kwargs.get("base_url", "http://localhost")
            kwargs["headers"] = {
                "X-CSRFToken": self.csrf_token(base_url),
                "Referer": base_url.rstrip("/") + "/",
                **dict(kwargs.get("headers") or {}),
            }
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, base_url: str = "http://localhost") -> str:
        """The token Flask-WTF's csrf_token() puts in a page for this client's session."""
        with self.session_transaction(base_url=base_url) as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'qudao-test.db'}"


@pytest.fixture(scope="session")
def app():
    tmp_dir = Path(tempfile.mkdtemp(prefix="qudao-test-"))
    os.environ["QUDAO_INSTANCE_DIR"] = str(tmp_dir / "instance")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(tmp_dir)

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        engine = _db.engine
        if engine.dialect.name != "sqlite":
            with engine.begin() as connection:  # a clean schema every run
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        from partners.regions import load_regions

        load_regions()
        _db.session.commit()
        _db.session.remove()
        # Each test's session joins the outer test transaction through a SAVEPOINT, so code may commit.
        _db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        _db.engine.dispose()
    shutil.rmtree(tmp_dir, ignore_errors=True)


@pytest.fixture()
def db(app):
    """The database inside a transaction that is rolled back after the test."""
    with app.app_context():
        engines = app.extensions["sqlalchemy"]._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        try:
            yield _db
        finally:
            _db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()
            limiter.reset()


@pytest.fixture()
def client(app, db):
    return app.test_client()


def delete_committed_rows() -> None:
    """Empty every table but those the schema fills (the region tree, version 1 of the scoring rules), for the
    tests that commit for real (another process or thread must see their rows)."""
    with tenancy.every_partner(_db.session(), reason="removing a test's committed rows"):
        for table in reversed(_db.metadata.sorted_tables):
            if table.name not in ("regions", "scoring_rules"):
                _db.session.execute(table.delete())
        rules = _db.metadata.tables["scoring_rules"]  # the demo saves a version 2
        _db.session.execute(rules.delete().where(rules.c.version > 1))
        _db.session.commit()


def session_of(user) -> dict:
    """The cookie values of a logged-in browser of `user`, with its session recorded on the server (flushed into
    the caller's transaction, or committed by the caller)."""
    key = secrets.token_urlsafe(32)
    _db.session.add(UserSession(user_id=user.id, key_hash=hashlib.sha256(key.encode()).hexdigest()))
    _db.session.flush()
    return {"_user_id": user.get_id(), "_fresh": True, SESSION_KEY: key}


@pytest.fixture()
def login(client):
    """Log a user in by writing Flask-Login's session keys (only the auth tests use the form)."""

    def log_in(user):
        with client.session_transaction() as session:
            session.update(session_of(user))
        return client

    return log_in


@pytest.fixture()
def as_user(db):
    """Set the tenant scope for service tests, as the login gate does for a request."""

    def scope(user):
        tenancy.set_scope(db.session(), user)
        return user

    return scope


@pytest.fixture()
def every_partner(db):
    """Builders and checks that look at all partners' rows, as seeding does."""
    with tenancy.every_partner(db.session(), reason="test setup"):
        yield
