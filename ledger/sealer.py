"""The sealer: chains committed events by SHA-256, off the writers' hot path.

Writers only append events (each takes a `seq` in its own transaction). The sealer, alone
at a time, hashes the committed unsealed events in `seq` order onto the chain head, giving
each a `position`, `prev_hash` and `hash`, and writes them back in one statement per round,
in one transaction: a crash mid-seal leaves the chain as the last round left it. An event
that commits late (after a higher `seq` was sealed) is simply sealed at a later position:
the chain never waits on a gap.

Writers call `after_write`; once a process has written EVERY events it seals. On
PostgreSQL a background thread of the process does it, so no request waits for it; the
advisory lock is only tried, so a sealer never waits for another either.
"""

import atexit
import logging
import os
import threading

from sqlalchemy import bindparam, create_engine, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from ledger.core.hashing import GENESIS, event_hash
from ledger.store.tables import events
from ledger.store.tx import in_transaction

BATCH = 5000
#: Seal once this many events were written by this process since it last sealed.
EVERY = 500
#: PostgreSQL advisory lock key of the sealer ("LEDGSEAL").
LOCK_KEY = 0x4C454447_5345414C & 0x7FFFFFFFFFFFFFFF

_HEAD = (select(events.c.position, events.c.hash).where(events.c.position.is_not(None))
         .order_by(events.c.position.desc()).limit(1))
_UNSEALED = (select(events.c.seq, events.c.kind, events.c.transfer_id, events.c.payload,
                    events.c.created_at)
             .where(events.c.position.is_(None)).order_by(events.c.seq)
             .limit(bindparam("b_limit")))
#: PostgreSQL: one set-based statement per round. The links travel as two comma-joined
#: texts (cheaper to send than arrays); each prev_hash is the hash before it in the round.
_SEAL_PG = text(
    "UPDATE ledger_events AS e SET position = v.position, prev_hash = v.prev, hash = v.hash "
    "FROM (SELECT u.seq, :first + u.n - 1 AS position, u.hash, "
    "coalesce(lag(u.hash) OVER (ORDER BY u.n), :prev) AS prev "
    "FROM unnest(CAST(string_to_array(:seqs, ',') AS bigint[]), string_to_array(:hashes, ',')) "
    "WITH ORDINALITY AS u(seq, hash, n)) AS v "
    "WHERE e.seq = v.seq AND e.position IS NULL")
#: SQLite: one executemany (one prepared statement, no round trips to save).
_SEAL_ROWS = (update(events).where(events.c.seq == bindparam("b_seq"))
              .values(position=bindparam("b_pos"), prev_hash=bindparam("b_prev"),
                      hash=bindparam("b_hash")))

log = logging.getLogger(__name__)
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


def seal_batch(conn: Connection, *, wait: bool = True, limit: int = BATCH) -> int:
    """Seal up to `limit` events in this transaction (0 if another sealer holds the lock)."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
        if conn.execute(select(lock(LOCK_KEY))).scalar() is False:
            return 0
    head = conn.execute(_HEAD).one_or_none()
    position, prev = (head.position, head.hash) if head else (0, GENESIS)
    rows = conn.execute(_UNSEALED, {"b_limit": limit}).all()
    if not rows:
        return 0
    start, prevs, seqs, hashes = prev, [], [], []
    for seq, kind, transfer_id, payload, created_at in rows:
        position += 1
        prevs.append(prev)
        # The very function verify recomputes: the chain stays exactly checkable.
        prev = event_hash(prev, position=position, seq=seq, kind=kind,
                          transfer_id=transfer_id, payload=payload, created_at=created_at)
        seqs.append(seq)
        hashes.append(prev)
    first = position - len(seqs) + 1
    if postgres:
        done = conn.execute(_SEAL_PG, {
            "first": first, "prev": start, "seqs": ",".join(map(str, seqs)),
            "hashes": ",".join(hashes)}).rowcount
    else:
        done = conn.execute(_SEAL_ROWS, [
            {"b_seq": s, "b_pos": first + n, "b_prev": v, "b_hash": h}
            for n, (s, v, h) in enumerate(zip(seqs, prevs, hashes, strict=True))]).rowcount
    if done != len(seqs):
        # Only another sealer could have sealed them, and the lock rules that out.
        raise RuntimeError(f"sealed {done} of {len(seqs)} events: the chain head moved")
    return len(seqs)


def reset_counter() -> None:
    """Forget the events written since this process last sealed (tests start from zero)."""
    with _pending_lock:
        _pending["count"] = 0


def after_write(bind, count: int = 1) -> None:
    """Seal now and then, so the unsealed tail stays small; never blocks a writer."""
    if isinstance(bind, Connection) and bind.in_transaction():
        return  # inside the caller's unit of work: its commit is not ours to delay
    with _pending_lock:
        _pending["count"] += count
        if _pending["count"] < EVERY:
            return
        _pending["count"] = 0
    if bind.dialect.name == "postgresql":
        _background.wake(bind.engine)
    else:
        seal(bind, wait=False)  # SQLite has one writer at a time: a thread would queue


class _Background:
    """One daemon thread per process that seals the databases it is woken for.

    It has its own engine per database (one connection, closed at exit): it never takes a
    connection from the writers' pool, nor returns one into a pool the caller disposed.
    """

    def __init__(self) -> None:
        self.engines: dict[str, Engine] = {}
        self.reset()

    def reset(self) -> None:
        """Start afresh (in a forked child, whose copy of a lock may be held by no one)."""
        # The parent's connections are not the child's to close: kept, never used.
        self.inherited = [*getattr(self, "inherited", []), *self.engines.values()]
        self.engines = {}
        self.lock = threading.Lock()
        self.due: dict[str, object] = {}
        self.wakeup = threading.Event()
        self.pid = None

    def wake(self, engine: Engine) -> None:
        with self.lock:
            self.due[engine.url.render_as_string(hide_password=False)] = engine.url
            if self.pid != os.getpid():  # first use, or a forked child: start its own
                self.pid = os.getpid()
                threading.Thread(target=self.loop, name="ledger-sealer", daemon=True).start()
        self.wakeup.set()

    def loop(self) -> None:
        while True:
            self.wakeup.wait()
            self.wakeup.clear()
            with self.lock:
                due, self.due = self.due, {}
            for key, url in due.items():
                try:
                    if key not in self.engines:
                        # Rare use: a ping first costs nothing and survives a server restart.
                        self.engines[key] = create_engine(url, pool_size=1, max_overflow=0,
                                                          pool_pre_ping=True)
                    seal(self.engines[key], wait=False)
                except Exception:  # noqa: BLE001  the next wake-up, or `ledger seal`, retries
                    log.warning("background sealing failed", exc_info=True)

    def close(self) -> None:
        """Close this process's own connections (at exit)."""
        if self.pid == os.getpid():
            for engine in self.engines.values():
                engine.dispose()


_background = _Background()
os.register_at_fork(after_in_child=_background.reset)
atexit.register(_background.close)
