"""The sealer: chains committed events by SHA-256, off the writers' hot path.

Writers only append events (each takes a `seq` in its own transaction). The sealer, alone
at a time, hashes the committed unsealed events in `seq` order onto the chain head, giving
each a `position`, `prev_hash` and `hash`. An event that commits late (after a higher
`seq` was sealed) is simply sealed at a later position: the chain never waits on a gap.
"""

import threading

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection, Engine

from ledger.core.hashing import GENESIS, event_hash
from ledger.store.tables import events
from ledger.store.tx import in_transaction

BATCH = 2000
#: Opportunistic sealing once this many events were written by this process.
EVERY = 1000
#: PostgreSQL advisory lock key of the sealer ("LEDGSEAL").
LOCK_KEY = 0x4C454447_5345414C & 0x7FFFFFFFFFFFFFFF

_SEAL = (update(events).where(events.c.seq == bindparam("b_seq"))
         .values(position=bindparam("b_pos"), prev_hash=bindparam("b_prev"),
                 hash=bindparam("b_hash")))
_pending = {"count": 0}
_pending_lock = threading.Lock()


def seal(bind: Engine | Connection, *, wait: bool = True) -> int:
    """Seal every committed unsealed event; return how many were sealed."""
    total = 0
    while True:
        count = in_transaction(bind, lambda conn: seal_batch(conn, wait=wait))
        total += count
        if count < BATCH:
            return total


def seal_batch(conn: Connection, *, wait: bool = True) -> int:
    """Seal up to BATCH events in this transaction (0 if another sealer holds the lock)."""
    if conn.dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
        if conn.execute(select(lock(LOCK_KEY))).scalar() is False:
            return 0
    head = conn.execute(select(events.c.position, events.c.hash)
                        .where(events.c.position.is_not(None))
                        .order_by(events.c.position.desc()).limit(1)).one_or_none()
    position, prev = (head.position, head.hash) if head else (0, GENESIS)
    rows = conn.execute(select(events.c.seq, events.c.kind, events.c.transfer_id,
                               events.c.payload, events.c.created_at)
                        .where(events.c.position.is_(None))
                        .order_by(events.c.seq).limit(BATCH)).all()
    sealed = []
    for row in rows:
        position += 1
        digest = event_hash(prev, position=position, seq=row.seq, kind=row.kind,
                            transfer_id=row.transfer_id, payload=row.payload,
                            created_at=row.created_at)
        sealed.append({"b_seq": row.seq, "b_pos": position, "b_prev": prev, "b_hash": digest})
        prev = digest
    if sealed:
        conn.execute(_SEAL, sealed)
    return len(sealed)


def after_write(bind, count: int = 1) -> None:
    """Seal now and then, so the unsealed tail stays small; never blocks a writer."""
    if isinstance(bind, Connection) and bind.in_transaction():
        return  # inside the caller's unit of work: its commit is not ours to delay
    with _pending_lock:
        _pending["count"] += count
        if _pending["count"] < EVERY:
            return
        _pending["count"] = 0
    seal(bind, wait=False)
