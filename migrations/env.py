"""Alembic environment: the market's and the ledger's tables, on SQLite and PostgreSQL."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

from market.platform.database import include_object, schema_metadata

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def render_item(type_, obj, autogen_context):
    """Write our TypeDecorators as their plain SQLAlchemy type, so revisions import nothing."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{obj.impl!r}"
    return False


def process_revision_directives(context_, revision, directives):
    """Write no empty revision when autogenerate finds nothing."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online():
    """Run the migrations against the application's engine."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations recreate tables that others reference; SQLite honours this
            # only outside a transaction, hence on the driver's connection, before any.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=schema_metadata(),
            render_item=render_item,
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
            check = "PRAGMA foreign_key_check"
            dangling = connection.exec_driver_sql(check).all() if sqlite else []
            if dangling:
                # (table, rowid, referenced table, foreign key index): enough to find the rows.
                raise RuntimeError("the migrations left rows whose foreign keys point nowhere: "
                                   + ", ".join(str(tuple(row)) for row in dangling[:5]))
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `flask db upgrade`")
run_migrations_online()
