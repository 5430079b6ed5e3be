"""Fixtures shared by every test: `app`, `client`, `runner` and a `db` on each database.

Integration tests run once on SQLite and, when TEST_DATABASE_URL is set, once more on
PostgreSQL. Both schemas come from the Alembic migrations, built once per session: SQLite
tests copy a migrated template file; PostgreSQL tests truncate every table afterwards.
Under pytest-xdist each worker has a PostgreSQL database of its own (``test_gw0``...), made
beside TEST_DATABASE_URL's, so that workers never truncate each other's tables.
With CI=true a missing PostgreSQL or Chromium fails the run instead of skipping.
"""

import os
import shutil
import sqlite3

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ledger import sealer
from market import create_app
from market.platform.config import TestConfig, database_url
from market.platform.extensions import db as _db
from tests import app_reuse

PG_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])
app_reuse.install(_db)


def pytest_configure(config):
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests "
                                "would not run.")
    if IN_CI and not os.path.exists(CHROMIUM):
        raise pytest.UsageError(f"CI=true but {CHROMIUM} is missing: browser tests would not run.")


def pytest_collection_modifyitems(config, items):
    """Run tests marked postgresql_only (sqlite_only) on that database alone: deselect the
    other variant."""
    kept, dropped = [], []
    for item in items:
        database = getattr(item, "callspec", None) and item.callspec.params.get("database")
        other = {"sqlite": "postgresql_only", "postgresql": "sqlite_only"}.get(database)
        (dropped if other and item.get_closest_marker(other) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def make_config(url: str, **overrides) -> type:
    """Return a TestConfig subclass pointing at ``url``."""
    return type("BoundTestConfig", (TestConfig,),
                {"SQLALCHEMY_DATABASE_URI": url, **overrides})


def migrate_schema(url: str) -> None:
    """Bring the database at ``url`` to the latest migration."""
    from flask_migrate import upgrade

    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate_schema(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return str(path)


def worker_database(url: str) -> str:
    """This xdist worker's own database beside ``url`` (created when missing), else ``url``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                            {"name": name}).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL test database, emptied and migrated once per session."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = worker_database(database_url(PG_URL))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate_schema(url)
    return url


def truncate_all(url: str) -> None:
    """Empty every table of the PostgreSQL test database, keeping the schema, and restart
    its sequences. Only the tables a test filled are emptied: most tests fill a few of the
    schema's tables."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()
        probes = [f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables]
        filled = conn.execute(text(" UNION ALL ".join(probes))).scalars().all() if tables else []
        if filled:
            # DELETE, not TRUNCATE: on a few rows it takes a millisecond where TRUNCATE makes
            # new files for each table and its indexes (~5 ms a table). The replica role
            # skips foreign keys and the append-only triggers while the tables empty.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica; " + " ".join(
                f'DELETE FROM "{t}";' for t in filled))
        # What RESTART IDENTITY did, for every sequence: a rolled-back insert moves one too.
        conn.execute(text(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database(request, tmp_path) -> str:
    """A migrated, empty database URL: SQLite, then PostgreSQL when configured."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        yield url
        truncate_all(url)


@pytest.fixture(autouse=True)
def sealer_counter():
    """Start every test with the sealer's per-process count at zero: a test that began near
    its threshold would see the background sealer wake up halfway through."""
    sealer.reset_counter()
    yield
    sealer.reset_counter()


@pytest.fixture
def app(database):
    """The application bound to the test database, inside an application context."""
    app = create_app(make_config(database))
    app_reuse.share_templates(app)

    def forget_request_globals(*_args):
        # Requests reuse the test's long-lived app context, so without this `g` (flask-login's
        # user, the CSRF token, the request's connection) would leak between requests.
        g.__dict__.clear()

    def end_transaction(*_args):
        # In production each request has its own app context, whose end removes the session;
        # here the test's context outlives requests, so end the request's transaction (and
        # its SQLite write lock) as that would, keeping the test's objects attached.
        _db.session.rollback()

    # First before every other hook, and last after every other teardown (they run reversed).
    app.before_request_funcs.setdefault(None, []).insert(0, forget_request_globals)
    app.teardown_request_funcs.setdefault(None, []).insert(0, forget_request_globals)
    app.teardown_request_funcs[None].insert(0, end_transaction)

    with app.app_context():
        yield app
        if (callers := app.extensions.get("api_callers")) is not None:
            callers.stop()  # its listening connection closes within a second
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()


@pytest.fixture
def db(app):
    """The SQLAlchemy handle of the test database (its session is ``db.session``)."""
    return _db


@pytest.fixture
def client(app):
    """A test client that keeps cookies between requests."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the `flask` CLI commands."""
    return app.test_cli_runner()
