"""The migrated schema is the models' schema, and the embedded database is set up as promised."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from portal.extensions import db as _db


def test_migrations_match_the_models(db):
    """conftest built the schema with `flask db upgrade`; autogenerate must find nothing left to do."""
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    assert compare_metadata(context, _db.metadata) == []


def test_sqlite_runs_with_foreign_keys_and_wal(db):
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        assert connection.dialect.name == "postgresql"
        return
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_constraint_names_are_stable(db):
    names = {constraint.name for table in _db.metadata.sorted_tables for constraint in table.constraints}
    assert "uq_partners_code" in names and "pk_users" in names
    assert all(name for name in names)
    assert db.session.execute(text("SELECT 1")).scalar() == 1
