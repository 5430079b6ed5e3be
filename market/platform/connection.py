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

from market.platform.extensions import db

T = TypeVar("T")
#: Where the connection is kept: on the request, which the test fixture's `g` reset spares.
ATTRIBUTE = "_intercoop_connection"
#: A pooled connection idle for longer is pinged before use (market.platform.config says why).
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
    # psycopg's autocommit is a flag on the client (no round trip); SQLAlchemy's own
    # isolation switch would cost more CPU here and again when the pool takes it back.
    raw = conn.connection.driver_connection if conn.dialect.name == "postgresql" else None
    if raw is not None:
        raw.autocommit = True
    try:
        result = work(conn)
        # Ends SQLAlchemy's bookkeeping transaction: no round trip in autocommit; on SQLite
        # it commits the BEGIN that market.platform.database emits.
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        if raw is not None:
            raw.autocommit = False
    return result


def read_rows(statement, params: dict) -> list[tuple]:
    """The rows of a one-statement read, outside any transaction (see ``read``).

    On PostgreSQL the statement goes to psycopg directly, compiled once per process and
    prepared on each connection: on the API's hot path SQLAlchemy's execution layer cost
    twice the CPU of the query itself. Elsewhere it runs through SQLAlchemy.
    """
    conn = connection()
    if conn.dialect.name != "postgresql":
        return read(lambda c: [tuple(row) for row in c.execute(statement, params)])
    sql = _COMPILED.get(statement)
    if sql is None:
        sql = _COMPILED[statement] = str(statement.compile(dialect=conn.dialect))
    raw = conn.connection.driver_connection
    raw.autocommit = True
    try:
        return raw.execute(sql, params, prepare=True).fetchall()
    finally:
        raw.autocommit = False


#: SQL text of the statements ``read_rows`` sent to psycopg, by statement.
_COMPILED: dict = {}


def write(statement, params: dict) -> None:
    """Run one writing statement on its own, committed with it (see ``read``): a small
    bookkeeping write, such as a token's last use, outside the request's use case."""
    read(lambda conn: conn.execute(statement, params))


def for_ledger() -> Connection:
    """The connection, outside any transaction, for the ledger to write with."""
    conn = connection()
    if conn.in_transaction():
        conn.commit()
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
