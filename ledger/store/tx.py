"""One transaction per use case, with bounded retries of serialisation failures and deadlocks."""

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

MAX_ATTEMPTS = 10
#: PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
RETRY_SQLSTATES = {"40001", "40P01", "55P03"}
SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")


def is_retryable(exc: DBAPIError) -> bool:
    """Tell whether a database error only means "try again": a conflict, not a bug."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return any(text in str(orig) for text in SQLITE_BUSY)


def in_transaction(bind: Engine | Connection, work: Callable[[Connection], T]) -> T:
    """Run `work(conn)` in one transaction: commit on success, roll back on any error.

    Given an Engine, each attempt takes a connection (SQLite writers take the lock up front
    with BEGIN IMMEDIATE) and conflicts are retried. Given a Connection already inside the
    caller's transaction, the work runs in a savepoint of it and the caller commits.
    """
    if isinstance(bind, Connection):
        if bind.in_transaction():
            with bind.begin_nested():
                return work(bind)
        return _retrying(lambda: _once(bind, work))
    return _retrying(lambda: _with_connection(bind, work))


def _with_connection(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work` in a fresh connection's transaction."""
    with engine.connect() as conn:
        return _once(conn, work)


def _once(conn: Connection, work: Callable[[Connection], T]) -> T:
    """Run `work` in one transaction of `conn`."""
    conn.execution_options(sqlite_immediate=True)
    with conn.begin():
        return work(conn)


def _retrying(attempt: Callable[[], T]) -> T:
    """Call `attempt` until it stops failing with a retryable error, a bounded number of times."""
    for number in range(1, MAX_ATTEMPTS + 1):
        try:
            return attempt()
        except DBAPIError as exc:
            if number == MAX_ATTEMPTS or not is_retryable(exc):
                raise
            # Jitter, so that transactions which collided do not collide again in step.
            time.sleep(random.uniform(0, 0.002 * number))
    raise AssertionError("unreachable")
