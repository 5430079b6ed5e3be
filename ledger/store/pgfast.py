"""The PostgreSQL fast path of transfers: two round trips, whatever the size of the batch.

Round trip 1 sends `BEGIN`, takes transfer ids from the sequence and locks the accounts in
ascending id order; Python checks the rules (ledger.core) on the locked rows; round trip 2
sends every insert and update and `COMMIT` at once, so row locks are held for one round
trip and the commit. psycopg's pipeline mode sends several statements per round trip, and
they stay prepared on the server; arrays (unnest) keep their text the same for any size.
Used only outside a caller's transaction and without idempotency keys or references;
everything else takes the general path (same rules, SQLAlchemy Core).
"""

import json
from collections.abc import Callable
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import Connection, Engine

from ledger.core.model import AccountState, Delta
from ledger.store.repo import Locked
from ledger.store.tx import RETRY_SQLSTATES

MAX_ATTEMPTS = 10

_IDS = ("SELECT nextval(pg_get_serial_sequence('ledger_transfers', 'id')) "
        "FROM generate_series(1, %s)")
_LOCK = (
    "SELECT a.id, a.currency, a.status, a.min_balance, a.max_balance, a.posted_debits, "
    "a.posted_credits, a.pending_debits, a.pending_credits, a.hold_expires_at, c.scale "
    "FROM ledger_accounts a JOIN ledger_currencies c ON c.code = a.currency "
    "WHERE a.id = ANY(%s::bigint[]) ORDER BY a.id FOR UPDATE OF a"
)

_WRITES = (
    "INSERT INTO ledger_transfers (id, status, pending, expires_at, reference, description, "
    "metadata, reverses, created_at, posted_at, hash) "
    "SELECT i, s, p, x, NULL, d, m::json, NULL, %s, CASE WHEN p THEN NULL ELSE %s END, h "
    "FROM unnest(%s::bigint[], %s::text[], %s::bool[], %s::timestamptz[], %s::text[], "
    "%s::text[], %s::text[]) AS v(i, s, p, x, d, m, h)",
    "INSERT INTO ledger_postings (transfer_id, debit_account_id, credit_account_id, amount, "
    "currency) SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::text[])",
    "UPDATE ledger_accounts a SET posted_debits = a.posted_debits + v.pd, "
    "posted_credits = a.posted_credits + v.pc, pending_debits = a.pending_debits + v.qd, "
    "pending_credits = a.pending_credits + v.qc, hold_expires_at = v.hx "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::timestamptz[]) AS v(id, pd, pc, qd, qc, hx) WHERE a.id = v.id",
    "INSERT INTO ledger_events (kind, transfer_id, payload, created_at) "
    "SELECT 'created', t, p::json, %s FROM unnest(%s::bigint[], %s::text[]) AS v(t, p)",
)
#: How many parameters each write statement takes, in the order of _parameters().
_WRITE_ARITY = (9, 5, 6, 3)


def usable(bind) -> bool:
    """Tell whether the fast path applies: PostgreSQL with psycopg, not in a transaction."""
    if bind.dialect.name != "postgresql" or bind.dialect.driver != "psycopg":
        return False
    return isinstance(bind, Engine) or not bind.in_transaction()


@contextmanager
def _raw(bind):
    """The psycopg connection under `bind`, in autocommit so that we send BEGIN ourselves."""
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
            if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raw.execute("ROLLBACK")
            raw.autocommit = False
    finally:
        if owned:
            conn.close()


def run(bind, count: int, account_ids, decide: Callable, now):
    """Lock, let `decide(locked, ids)` check and return (rows, result), write, commit.

    `decide` returns None to ask for the general path (e.g. a hold is due to expire).
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with _raw(bind) as raw:
            try:
                return _attempt(raw, count, sorted(set(account_ids)), decide, now)
            except psycopg.Error as exc:
                if attempt == MAX_ATTEMPTS or exc.sqlstate not in RETRY_SQLSTATES:
                    raise
    raise AssertionError("unreachable")


def _attempt(raw, count: int, account_ids: list[int], decide: Callable, now):
    with raw.pipeline() as pipeline:
        raw.execute("BEGIN")
        ids_cursor = raw.execute(_IDS, [count])
        lock_cursor = raw.execute(_LOCK, [account_ids])
        pipeline.sync()
        ids = [row[0] for row in ids_cursor.fetchall()]
        locked = Locked()
        for row in lock_cursor.fetchall():
            locked.accounts[row[0]] = AccountState(*row[:9])
            locked.hold_expires_at[row[0]] = row[9]
            locked.scales[row[1]] = row[10]
        decided = decide(locked, ids)  # a LedgerError leaves, and _raw rolls back
        if decided is None:
            return None
        rows, result = decided
        if not rows:
            return result
        params = iter(_parameters(rows, locked, now))
        for statement, arity in zip(_WRITES, _WRITE_ARITY, strict=True):
            raw.execute(statement, [next(params) for _ in range(arity)])
        raw.execute("COMMIT")
    return result


def _parameters(rows: list[dict], locked: Locked, now) -> list:
    """The arrays of the write statement, from the new transfers' rows and postings."""
    deltas: dict[int, Delta] = {}
    for row in rows:
        for account_id, delta in row["deltas"].items():
            deltas.setdefault(account_id, Delta()).add(delta)
    accounts = sorted(deltas)
    legs = [(row["id"], p) for row in rows for p in row["postings"]]
    return [
        now, now, [r["id"] for r in rows], [r["status"] for r in rows],
        [r["pending"] for r in rows],
        [r["expires_at"] for r in rows], [r["description"] for r in rows],
        [json.dumps(r["metadata"]) for r in rows], [r["hash"] for r in rows],
        [t for t, _ in legs], [p.source for _, p in legs], [p.target for _, p in legs],
        [p.amount for _, p in legs], [p.currency for _, p in legs],
        accounts, [deltas[a].posted_debits for a in accounts],
        [deltas[a].posted_credits for a in accounts],
        [deltas[a].pending_debits for a in accounts],
        [deltas[a].pending_credits for a in accounts],
        [locked.hold_expires_at.get(a) for a in accounts],
        now, [r["id"] for r in rows],
        [json.dumps({"hash": r["hash"], "status": r["status"]}) for r in rows],
    ]
