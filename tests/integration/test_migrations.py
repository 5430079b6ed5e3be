"""The Alembic migrations create exactly the tables the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.store import pgfunctions
from market import create_app
from market.platform.database import include_object, schema_metadata
from market.platform.extensions import db as _db
from tests.conftest import make_config


def test_models_and_migrations_agree(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                          "include_object": include_object})
        differences = compare_metadata(context, schema_metadata())
    assert differences == []


def function_sources(conn) -> dict[str, str]:
    """The body of each fast-path function in the database, by name."""
    rows = conn.execute(text("SELECT proname, prosrc FROM pg_proc WHERE proname IN "
                             "('ledger_apply', 'ledger_apply_keyed')"))
    return {name: source.strip() for name, source in rows}


def declared_body(statement: str) -> str:
    """The body of a CREATE FUNCTION statement (between its $fn$ quotes)."""
    return statement.split("$fn$")[1].strip()


@pytest.mark.postgresql_only
def test_the_migrations_head_creates_the_functions_the_ledger_expects(db):
    with db.engine.connect() as conn:
        found = function_sources(conn)
    assert found == {"ledger_apply": declared_body(pgfunctions.APPLY),
                     "ledger_apply_keyed": declared_body(pgfunctions.APPLY_KEYED)}


@pytest.fixture
def scratch_postgresql(database):
    """An empty PostgreSQL database of its own, dropped afterwards."""
    url = make_url(database)
    scratch = url.set(database=f"{url.database}_scratch")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch.database}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{scratch.database}"')
    yield scratch.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.postgresql_only
def test_a_released_migration_creates_the_same_whatever_the_ledger_code_says(
        monkeypatch, scratch_postgresql):
    # Today's library changing its functions must not change what an old revision creates.
    monkeypatch.setattr(pgfunctions, "APPLY", "SELECT 'not a function'")
    monkeypatch.setattr(pgfunctions, "APPLY_KEYED", "SELECT 'not a function'")
    # No caller cache: its listener would hold a connection to the scratch database.
    app = create_app(make_config(scratch_postgresql, API_CALLER_CACHE_SECONDS=0))
    with app.app_context():
        upgrade(revision="0003")
        engine = create_engine(scratch_postgresql)
        with engine.connect() as conn:
            found = function_sources(conn)
        engine.dispose()
        _db.session.remove()
        for bound in _db.engines.values():
            bound.dispose()
    assert set(found) == {"ledger_apply", "ledger_apply_keyed"}
    assert "owner_ref" not in found["ledger_apply"]  # who may debit is checked from 0004 on


def test_0016_copies_the_wants_already_told_from_their_notifications(app, runner, db):
    # The demo tells a want of an offer; back at 0015 that lives only in the notifications.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    told = db.session.execute(text("SELECT want_id, offer_id FROM want_matches")).all()
    assert len(told) == 1
    db.session.commit()
    try:
        downgrade(revision="0015")
        _db.session.remove()
        upgrade()
        _db.session.remove()
    finally:
        upgrade()  # whatever happened, the schema of the other tests is the head's
    again = db.session.execute(text("SELECT want_id, offer_id FROM want_matches")).all()
    assert again == told
