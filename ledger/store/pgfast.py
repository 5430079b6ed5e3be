"""The PostgreSQL fast path of new transfers: one statement, so one round trip, commit included.

The caller plans the whole write in Python (postings, hashes, deltas) and
`SELECT ledger_apply(now, doc)` runs in autocommit: its implicit transaction commits with
the statement, and it returns the new transfers' ids. The statement text never changes,
so it stays prepared. A refusal of the function (SQLSTATE LDG01/LDG02), a constraint or a
malformed value sends the request to the general path (same rules, SQLAlchemy Core),
which names the error; deadlocks and serialisation failures are retried. Used only
outside a caller's transaction.
"""

import random
import time
from collections.abc import Callable
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import Connection, Engine

from ledger.store import pgcache
from ledger.store.pgfunctions import FALLBACK_SQLSTATE, STALE_SQLSTATE
from ledger.store.tx import MAX_ATTEMPTS, RETRY_SQLSTATES

_APPLY = "SELECT ledger_apply(%s, %s::jsonb)"
#: The same, storing the request's idempotency key with its result (ledger.store.pgfunctions).
_APPLY_KEYED = "SELECT ledger_apply_keyed(%s, %s::jsonb)"
#: Data exceptions and integrity violations: the general path meets (and reports) them too.
FALLBACK_CLASSES = ("22", "23")
FOREIGN_KEY_VIOLATION = "23503"


def usable(bind) -> bool:
    """Tell whether the fast path applies: PostgreSQL with psycopg, not in a transaction."""
    if bind.dialect.name != "postgresql" or bind.dialect.driver != "psycopg":
        return False
    return isinstance(bind, Engine) or not bind.in_transaction()


@contextmanager
def _raw(bind):
    """The psycopg connection under `bind`, in autocommit: one statement, one transaction."""
    if isinstance(bind, Connection):
        conn, owned = bind, False
    else:
        conn, owned = bind.connect(), True
    try:
        raw = conn.connection.driver_connection
        raw.autocommit = True
        try:
            yield raw
        finally:
            raw.autocommit = False
    finally:
        if owned:
            conn.close()


@contextmanager
def _planned(bind, account_ids: list[int], plan: Callable):
    """The raw connection, the process's cache (taught the currencies of `account_ids`) and
    what `plan(cache)` makes of them."""
    cache = pgcache.cache_for(bind)
    with _raw(bind) as raw:
        cache.learn(raw, account_ids)
        yield raw, cache, plan(cache)


def run(bind, account_ids: list[int], plan: Callable, now, keyed: bool = False):
    """Apply what `plan(cache)` returns as (doc, finish); None means take the general path.

    `plan` gets the per-process cache (currencies of `account_ids` loaded when they exist)
    and returns None itself when it cannot plan; `finish(ids)` makes the result. `keyed`:
    the document carries an idempotency key to store with the writes.
    """
    with _planned(bind, account_ids, plan) as (raw, cache, planned):
        if planned is None:
            return None
        doc, finish = planned
        ids = _apply(raw, cache, account_ids, _APPLY_KEYED if keyed else _APPLY, doc, now)
    return None if ids is None else finish(ids)


def run_grouped(bind, account_ids: list[int], plan: Callable, document: Callable):
    """Apply `plan(cache)` (a fastpath.Plan, or None: general path) grouped with others.

    Threads of this process writing at the same time share one ledger_apply call
    (ledger.store.groupcommit); `document(plans)` makes its document. Returns the written
    transfers, or None. A refused group is applied again one plan at a time, each by its
    own thread, so that the refusal falls on the transfer it concerns. A failure of the
    leader's connection reaches the whole group: the group may have committed before it
    failed, so writing its transfers again could write them twice.
    """
    with _planned(bind, account_ids, plan) as (raw, cache, planned):
        if planned is None:
            return None

        def flush(plans: list) -> list:
            ids = _apply(raw, cache, sorted({a for p in plans for a in p.account_ids}),
                         _APPLY, document(plans), max(p.now for p in plans))
            if ids is None:
                return [_ALONE if len(plans) > 1 else None] * len(plans)
            cuts = iter(ids)
            return [[next(cuts) for _ in p.rows] for p in plans]

        ids = cache.group.run(planned, flush)
        if ids is _ALONE:
            ids = _apply(raw, cache, account_ids, _APPLY, document([planned]), planned.now)
    return None if ids is None else planned.finish(ids)


#: A group's answer to each of its plans when ledger_apply refused the group as a whole.
_ALONE = object()


def _apply(raw, cache, account_ids: list[int], statement: str, doc: str,
           now) -> list[int] | None:
    """Call ledger_apply, retrying conflicts; None when the function or a constraint refused."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return raw.execute(statement, [now, doc], prepare=True).fetchone()[0]
        except psycopg.Error as exc:
            state = exc.sqlstate or ""
            if state in RETRY_SQLSTATES and attempt < MAX_ATTEMPTS:
                # Jitter, so that transactions which collided do not collide again in step.
                time.sleep(random.uniform(0, 0.002 * attempt))
                continue
            if state in (STALE_SQLSTATE, FOREIGN_KEY_VIOLATION):
                cache.forget(account_ids)  # a currency or an account that is not (any more)
            elif state != FALLBACK_SQLSTATE and state[:2] not in FALLBACK_CLASSES:
                raise
            return None
    raise AssertionError("unreachable")
