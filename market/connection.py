"""The request's own database connection, for reads that are one statement and ledger writes.

The ORM session opens a transaction on first use and ends it with a ROLLBACK when the app
context ends: on PostgreSQL that is a BEGIN and a ROLLBACK round trip, and psycopg answers
every ROLLBACK by dropping its prepared statements (DEALLOCATE ALL, then parse them again).
A read that is one statement (a bearer token with its user and roles, the owners of some
accounts) sees one consistent snapshot without any transaction, so here it runs in
autocommit: one round trip, and the connection goes back to the pool with nothing to undo.
The ledger's writes take the same connection (one pool checkout per request); it is handed
over outside any transaction and in the default isolation level, so the ledger runs its
one-statement path or opens its own transaction, exactly as with the engine.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from market.extensions import db

T = TypeVar("T")
#: Where the connection is kept: on the request, which the test fixture's `g` reset spares.
ATTRIBUTE = "_intercoop_connection"
AUTOCOMMIT = "AUTOCOMMIT"
#: A pooled connection idle for longer is pinged before use (market.config says why).
IDLE_PING_SECONDS = 30.0


def connection() -> Connection:
    """This request's connection (checked out on first use, returned when the request ends)."""
    conn = getattr(request, ATTRIBUTE, None)
    if conn is None:
        conn = db.engine.connect()
        setattr(request, ATTRIBUTE, conn)
    return conn


def read(work: Callable[[Connection], T]) -> T:
    """Run ``work(conn)``, a read of one statement, outside any transaction (PostgreSQL)."""
    conn = connection()
    if conn.dialect.name == "postgresql" and conn.get_execution_options().get(
            "isolation_level") != AUTOCOMMIT:
        conn.execution_options(isolation_level=AUTOCOMMIT)
    try:
        result = work(conn)
    except BaseException:
        conn.rollback()
        raise
    # Ends SQLAlchemy's bookkeeping transaction: no round trip in autocommit; on SQLite it
    # commits the BEGIN that market.database emits.
    conn.commit()
    return result


def for_ledger() -> Connection:
    """The connection, outside any transaction and in the default isolation, for the ledger."""
    conn = connection()
    if conn.in_transaction():
        conn.commit()
    if conn.get_execution_options().get("isolation_level") == AUTOCOMMIT:
        conn.execution_options(isolation_level=conn.default_isolation_level)
    return conn


def release(_exc: BaseException | None = None) -> None:
    """Return the request's connection to the pool (rolling back anything left open)."""
    conn = getattr(request, ATTRIBUTE, None)
    if conn is not None:
        delattr(request, ATTRIBUTE)
        conn.close()


def init_app(app: Flask) -> None:
    """Release each request's connection when the request ends."""
    app.teardown_request(release)


@event.listens_for(Pool, "checkin")
def _note_idle(_dbapi_connection, record) -> None:
    """Remember when a connection went back to the pool."""
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, proxy) -> None:
    """Ping a connection that sat idle a while; a dead one is replaced, not handed out."""
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
        return
    try:
        proxy._pool._dialect.do_ping(dbapi_connection)
    except Exception as exc:
        raise DisconnectionError("the pooled connection no longer answers") from exc
