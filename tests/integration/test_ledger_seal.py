"""The sealer: one statement per round, crash-safe rounds, late commits, background sealing."""

import time

import pytest
from sqlalchemy import event, select

import ledger
from ledger import sealer
from ledger.core.hashing import GENESIS, event_hash
from ledger.store.tables import events
from ledger.store.tx import in_transaction
from ledger.testing import make_book


@pytest.fixture
def engine(db):
    return db.engine


@pytest.fixture
def book(engine):
    return make_book(engine, "EUR", limits=((None, None), (None, None), (None, None)))


def pay(bind, book, target=1):
    return ledger.transfer(bind, [{"from": book.members[0], "to": book.members[target],
                                   "amount": "1.00"}])


def chain(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(events).order_by(events.c.seq)).all()


def test_a_round_writes_every_link_in_one_statement(engine, book, monkeypatch):
    # Writers seal now and then by themselves: not during these five.
    monkeypatch.setitem(sealer._pending, "count", 0)
    for _ in range(5):
        pay(engine, book)
    seen = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE"):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert ledger.seal(engine) == 5
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert len(seen) == 1
    prev = GENESIS
    for position, row in enumerate(chain(engine), 1):
        assert (row.position, row.prev_hash) == (position, prev)
        prev = event_hash(prev, position=position, seq=row.seq, kind=row.kind,
                          transfer_id=row.transfer_id, payload=row.payload,
                          created_at=row.created_at)
        assert row.hash == prev
    assert ledger.verify(engine)["ok"]


def test_a_crash_mid_seal_leaves_the_chain_as_it_was(engine, book):
    pay(engine, book)
    ledger.seal(engine)
    pay(engine, book)
    pay(engine, book)

    def crash(conn):
        assert sealer.seal_batch(conn) == 2
        raise RuntimeError("power cut")
    with pytest.raises(RuntimeError):
        in_transaction(engine, crash)
    assert [row.position for row in chain(engine)] == [1, None, None]
    report = ledger.verify(engine, seal=False)
    assert report["ok"] and report["sealed"] == 1 and report["events"] == 3
    assert ledger.seal(engine) == 2
    assert [row.position for row in chain(engine)] == [1, 2, 3]
    assert ledger.verify(engine)["ok"]


@pytest.mark.postgresql_only  # SQLite has one writer at a time: no commit overtakes another
def test_an_event_committed_late_is_sealed_at_a_later_position(engine, book):
    with engine.connect() as late:
        tx = late.begin()
        slow = pay(late, book)  # takes its seq now, commits after the next one
        fast = ledger.transfer(engine, [{"from": book.system, "to": book.members[2],
                                         "amount": "1.00"}])
        assert ledger.seal(engine) == 1
        tx.commit()
    assert ledger.seal(engine) == 1
    order = {row.transfer_id: (row.seq, row.position) for row in chain(engine)}
    assert order[slow["id"]][0] < order[fast["id"]][0]
    assert order[slow["id"]][1] > order[fast["id"]][1]
    assert ledger.verify(engine)["ok"]


def test_writers_wake_the_background_sealer(engine, book, database, monkeypatch):
    monkeypatch.setattr(sealer, "EVERY", 3)
    for _ in range(3):
        pay(engine, book)
    if database.startswith("postgresql"):
        deadline = time.monotonic() + 30
        while any(row.hash is None for row in chain(engine)) and time.monotonic() < deadline:
            time.sleep(0.02)
    assert all(row.hash is not None for row in chain(engine))
    assert ledger.verify(engine)["ok"]
