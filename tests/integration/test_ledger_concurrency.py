"""Concurrent writers, each with its own connection: no overdraft, no lost update, no deadlock."""

import random
import threading

import ledger
from ledger.testing import invariant_problems, make_book

REFUSALS = {"insufficient_funds", "limit_exceeded"}


def hammer(engine, book, seed: int, operations: int, outcomes: list, failures: list) -> None:
    """One worker: transfers, holds and batches over a few tight accounts and one hot one."""
    rng = random.Random(seed)
    hot, *tight = book.members
    with engine.connect() as conn:
        for _ in range(operations):
            source, target = rng.sample([hot, *tight, book.system], 2)
            if rng.random() < 0.4:
                source = hot  # the hot account pays most of the time
                target = rng.choice(tight) if target == hot else target
            legs = [{"from": source, "to": target, "amount": f"{rng.randint(1, 40)}.00"}]
            try:
                roll = rng.random()
                if roll < 0.15:
                    held = ledger.hold(conn, legs, timeout_seconds=60)
                    finish = ledger.post_pending if rng.random() < 0.5 else ledger.void_pending
                    finish(conn, held["id"])
                elif roll < 0.25:
                    ledger.batch(conn, [{"postings": legs}] * 3, atomic=rng.random() < 0.5)
                else:
                    ledger.transfer(conn, legs)
                outcomes.append("ok")
            except ledger.LedgerError as error:
                outcomes.append(error.code)
            except Exception as error:  # noqa: BLE001 - any other failure is what we look for
                failures.append(repr(error))


def run_threads(engine, threads: int, operations: int):
    book = make_book(engine, "HOT", limits=(("-200.00", "300.00"),)
                     + (("-50.00", "60.00"),) * 4)
    ledger.transfer(engine, [{"from": book.system, "to": book.members[0], "amount": "100.00"}])
    outcomes, failures = [], []
    workers = [threading.Thread(target=hammer,
                                args=(engine, book, seed, operations, outcomes, failures))
               for seed in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return book, outcomes, failures


def test_concurrent_writers_keep_every_invariant(db, database):
    # PostgreSQL gets the full 8 threads; SQLite (one writer at a time) a smaller run.
    on_postgres = database.startswith("postgresql")
    threads, operations = (8, 120) if on_postgres else (4, 30)
    book, outcomes, failures = run_threads(db.engine, threads, operations)
    assert failures == []
    assert len(outcomes) == threads * operations
    assert set(outcomes) - {"ok"} <= REFUSALS
    assert outcomes.count("ok") > len(outcomes) // 4
    assert invariant_problems(db.engine, book.currency) == []
    report = ledger.verify(db.engine)
    assert report["ok"], report["first_problem"]
