"""Database engine behaviour shared by every store: SQLite pragmas and explicit transactions."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA synchronous=NORMAL",
)


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
