"""The migrated schema is the models' schema, and the embedded database is set up as promised."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from portal.database import Base
from portal.extensions import db as _db


def test_migrations_match_the_models(db):
    """conftest built the schema with `flask db upgrade`; autogenerate must find nothing left to do."""
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    assert compare_metadata(context, _db.metadata) == []


def test_models_are_declared_on_the_typed_base():
    """Every model subclasses portal.database.Base, which mypy understands. Flask-SQLAlchemy's db.Model is a
    sibling it builds from Base's namespace, not a subclass: it must share Base's registry and metadata."""
    assert _db.Model.registry is Base.registry and _db.metadata is Base.metadata
    assert Base.registry.mappers and all(issubclass(mapper.class_, Base) for mapper in Base.registry.mappers)


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


def test_migrations_fill_what_they_add_from_the_lines_already_reported(tmp_path):
    """An installation with sales lines upgrades to the customer roll-up with its months filled in, exactly, and
    its submissions count the lines that later deliveries took over. (A database of its own, on SQLite: the
    migrations' Python sums are the same on both databases.)"""
    from decimal import Decimal

    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'upgrade.db'}"

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="2ec2cc043a50")  # the revision before the customer roll-up
        now = "2026-01-01 00:00:00"
        with _db.engine.begin() as connection:
            for statement in (
                "INSERT INTO regions (id, code, level, name_en, name_zh, path) VALUES (1, 'CN', 'country', 'China', "
                "'中国', '/CN/')",
                "INSERT INTO partners (id, code, legal_name, name_key, partner_type, tier, status, region_id, "
                f"created_at, updated_at, version_id) VALUES (1, 'P-1', 'P', 'p', 'agent', 'registered', 'active', 1, "
                f"'{now}', '{now}', 1)",
                "INSERT INTO product_lines (id, code, name_en, name_zh, is_active) VALUES (1, 'L', 'L', 'L', 1)",
                "INSERT INTO products (id, sku, name_en, name_zh, product_line_id, unit, list_price, is_active, "
                f"created_at, updated_at) VALUES (1, 'S', 'S', 'S', 1, 'pcs', '1', 1, '{now}', '{now}')",
                "INSERT INTO submissions (id, partner_id, source, status, created_at, row_count, total_amount) "
                f"VALUES (1, 1, 'upload', 'completed', '{now}', 3, '10.1236')",
                # delivered two lines for 5.5; line SO-2/1 (2.5) is still its own, the other moved to submission 1
                "INSERT INTO submissions (id, partner_id, source, status, created_at, row_count, total_amount) "
                f"VALUES (2, 1, 'upload', 'completed', '{now}', 2, '5.5')",
                "INSERT INTO customers (id, partner_id, code, name, name_key, created_at, updated_at) VALUES "
                f"(1, 1, 'C', 'C', 'c', '{now}', '{now}')",
                "INSERT INTO monthly_sales (partner_id, period, net_amount, returns_amount, line_count) VALUES "
                "(1, '2026-09-01', '2.5', '0', 1), (1, '2026-10-01', '10.1236', '-0.1234', 3)",
            ):
                connection.execute(text(statement))
            for line_no, (quantity, net, is_return) in enumerate(
                [("2", "0.2469", 0), ("3", "10.0001", 0), ("-1", "-0.1234", 1)], start=1
            ):
                connection.execute(
                    text(
                        "INSERT INTO sales_lines (partner_id, submission_id, order_no, line_no, order_date, period, "
                        "customer_id, product_id, quantity, unit_price, discount, net_amount, is_return, created_at, "
                        "updated_at) VALUES (1, 1, 'SO', :line_no, '2026-10-05', '2026-10-01', 1, 1, :quantity, '1', "
                        f"'0', :net, :is_return, '{now}', '{now}')"
                    ),
                    {"line_no": line_no, "quantity": quantity, "net": net, "is_return": is_return},
                )
            connection.execute(
                text(
                    "INSERT INTO sales_lines (partner_id, submission_id, order_no, line_no, order_date, period, "
                    "customer_id, product_id, quantity, unit_price, discount, net_amount, is_return, created_at, "
                    "updated_at) VALUES (1, 2, 'SO-2', 1, '2026-09-05', '2026-09-01', 1, 1, '1', '2.5', '0', '2.5', "
                    f"0, '{now}', '{now}')"
                )
            )
        upgrade()
        with _db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT partner_id, customer_id, period, net_amount, sale_lines, line_count "
                    "FROM customer_monthly_sales ORDER BY period"
                )
            ).all()
            moved = connection.execute(
                text("SELECT id, superseded_count, superseded_amount FROM submissions ORDER BY id")
            ).all()
            by_item = {
                table: connection.execute(
                    text(
                        f"SELECT partner_id, {key}, period, net_amount, returns_amount, quantity, line_count "
                        f"FROM {table} ORDER BY period"
                    )
                ).all()
                for table, key in (("product_monthly_sales", "product_id"), ("line_monthly_sales", "product_line_id"))
            }
            quantities = connection.execute(text("SELECT period, quantity FROM monthly_sales ORDER BY period")).all()
    assert [(p, c, str(m), Decimal(net), sales, count) for p, c, m, net, sales, count in rows] == [
        (1, 1, "2026-09-01", Decimal("2.5"), 1, 1),
        (1, 1, "2026-10-01", Decimal("10.1236"), 2, 3),
    ]  # 0.2469 + 10.0001 − 0.1234
    assert [(i, count, Decimal(amount)) for i, count, amount in moved] == [(1, 0, 0), (2, 1, Decimal("3.0"))]
    for rows in by_item.values():  # product 1 is the one product of line 1
        assert [(p, k, str(m), Decimal(net), Decimal(ret), Decimal(q), n) for p, k, m, net, ret, q, n in rows] == [
            (1, 1, "2026-09-01", Decimal("2.5"), 0, 1, 1),
            (1, 1, "2026-10-01", Decimal("10.1236"), Decimal("-0.1234"), 4, 3),
        ]
    assert [(str(m), Decimal(q)) for m, q in quantities] == [("2026-09-01", 1), ("2026-10-01", 4)]


def test_migrations_use_only_their_frozen_types_never_the_apps_modules():
    """A migration replays history: importing the app's types or helpers would let a later change rewrite it."""
    import re
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    app_modules = re.compile(
        r"^\s*(?:from|import)\s+(portal\.(?!migration_types)|partners|orders|performance|training)"
    )
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in sorted(versions.glob("*.py"))
        for line in path.read_text().splitlines()
        if app_modules.match(line) or "portal.database." in line
    ]
    assert offenders == []
