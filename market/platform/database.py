"""Database engine behaviour shared by every store: SQLite pragmas and explicit transactions."""

import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

BUSY_TIMEOUT_MS = 30_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
    # Statistics read at most about 1,000 rows of each index: a few milliseconds.
    "PRAGMA analysis_limit=1000",
)
#: A pooled SQLite connection refreshes the planner's statistics at most this often.
OPTIMIZE_SECONDS = 300.0


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    """Turn on WAL and foreign keys, and let SQLAlchemy own the transaction boundaries."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own implicit BEGIN would defeat BEGIN IMMEDIATE; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@event.listens_for(Pool, "checkin")
def _sqlite_optimize(dbapi_connection, record):
    """Keep SQLite's planner statistics current, as PostgreSQL's autovacuum does: without
    them it walks every published offer by date instead of seeking the few a filter finds.

    PRAGMA optimize analyses the tables the connection used whose statistics are missing or
    stale (a no-op otherwise), as SQLite advises for long-lived connections: on a pooled
    connection's first return to the pool, then every OPTIMIZE_SECONDS. It never waits for
    a writer: if the database is busy it is left for next time.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    now = time.monotonic()
    last = record.info.get("optimized_at")
    if last is not None and now - last < OPTIMIZE_SECONDS:
        return
    record.info["optimized_at"] = now
    try:
        dbapi_connection.execute("PRAGMA busy_timeout=0")
        dbapi_connection.execute("PRAGMA optimize")
    except sqlite3.OperationalError:
        pass  # locked by a writer: the statistics can wait for the next period
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    """Start SQLite transactions explicitly; writers that ask for it take the lock up front."""
    if conn.dialect.name != "sqlite":
        return
    if conn.get_execution_options().get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def begin_write(session) -> None:
    """Start a use case that writes: on SQLite its transaction takes the write lock first.

    A deferred SQLite transaction that read first cannot write once another connection has
    written since (SQLITE_BUSY at once, no waiting), so writers queue up front instead. A
    transaction already open that wrote nothing is ended first (nothing to lose).
    """
    session = session() if callable(session) else session  # a scoped session's own
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


def is_sqlite(engine) -> bool:
    """Tell whether an engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def schema_metadata() -> list:
    """Every MetaData whose tables the migrations own: the market's and the ledger's."""
    from market.platform.extensions import db

    metadata = [db.metadata]
    try:
        from ledger.store.tables import metadata as ledger_metadata
    except ImportError:  # the ledger's store is not installed yet
        return metadata
    return metadata + [ledger_metadata]


#: Objects the search keeps beside the models (market.offers.search_index): PostgreSQL's
#: generated tsvector column and its index, SQLite's FTS5 table and its shadow tables.
SEARCH_INDEX_COLUMNS = frozenset({"search_vector"})
SEARCH_INDEX_PREFIX = "offers_fts"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the search index out of the comparison of models and migrations."""
    if type_ == "table" and name and name.startswith(SEARCH_INDEX_PREFIX):
        return False
    if type_ == "column" and name in SEARCH_INDEX_COLUMNS:
        return False
    return not (type_ == "index" and name == "ix_offers_search")
