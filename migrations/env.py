"""Alembic environment for Flask-Migrate: the app's engine and metadata, batch mode for SQLite."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)  # only when run from a shell, never over a test's logging

target_metadata = current_app.extensions["migrate"].db.metadata


def _engine():
    return current_app.extensions["migrate"].db.engine


def run_migrations_offline() -> None:
    url = _engine().url.render_as_string(hide_password=False).replace("%", "%%")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def frozen_types(type_, obj, autogen_context):
    """A new migration names the frozen copy of an app column type (portal/migration_types.py), so that a later
    change to the app's type does not change what the migration does."""
    import portal.migration_types

    if type_ == "type" and type(obj).__module__ == "portal.database":
        if hasattr(portal.migration_types, type(obj).__name__):
            autogen_context.imports.add("import portal.migration_types")
            return f"portal.migration_types.{obj!r}"
    return False


def run_migrations_online() -> None:
    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logging.getLogger("alembic.env").info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    conf_args.setdefault("render_item", frozen_types)
    with _engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode changes a table by copying it, dropping the old one and renaming the copy. With foreign
            # keys on, the drop would first delete the table's rows, cascading into every table that refers to
            # them. So they are off while migrating (possible only outside a transaction) and checked at the end.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            # One transaction on SQLite too (it has transactional DDL): a check that fails undoes the upgrade.
            context.configure(
                connection=connection, target_metadata=target_metadata, transactional_ddl=True, **conf_args
            )
            with context.begin_transaction():
                found = set(connection.exec_driver_sql("PRAGMA foreign_key_check").all()) if sqlite else set()
                context.run_migrations()
                if sqlite and (broken := set(connection.exec_driver_sql("PRAGMA foreign_key_check").all()) - found):
                    raise RuntimeError(f"the migration broke foreign keys: {sorted(broken)[:5]}")
        finally:
            if sqlite:
                connection.invalidate()  # the pool's next connection is made afresh, with foreign keys on


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
