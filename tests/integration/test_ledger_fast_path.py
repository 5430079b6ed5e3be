"""PostgreSQL's one-round-trip path: what ledger_apply writes, and when it hands over."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import ledger
from ledger import fastpath, services
from ledger.store import pgcache, pgfast
from ledger.store.tables import accounts, events, idempotency_keys, postings, transfers
from ledger.store.types import now_utc
from ledger.testing import invariant_problems, make_book

#: The fast path is PostgreSQL's own.
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def engine(db):
    return db.engine


@pytest.fixture
def paths(monkeypatch):
    """Count the calls of ledger_apply (True: applied, False: refused) and general runs."""
    seen = {"apply": [], "general": 0}
    apply, general = pgfast._apply, services.idempotency_run

    def spy_apply(*args):
        ids = apply(*args)
        seen["apply"].append(ids is not None)
        return ids

    def spy_general(*args):
        seen["general"] += 1
        return general(*args)
    monkeypatch.setattr(pgfast, "_apply", spy_apply)
    monkeypatch.setattr(services, "idempotency_run", spy_general)
    return seen


@pytest.fixture
def book(engine):
    """EUR: system, a plain account, a credit line of 50 with max 100, a capped account."""
    return make_book(engine, "EUR", limits=((0, None), ("-50.00", "100.00"), (0, "20.00")))


def pay(bind, source, target, amount, **kwargs):
    return ledger.transfer(bind, [{"from": source, "to": target, "amount": amount}], **kwargs)


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (transfers, postings, events))


def test_a_plain_transfer_takes_one_call_of_ledger_apply(engine, book, paths):
    a, b, _ = book.members
    first = pay(engine, book.system, a, "30.00", reference="r1", metadata={"why": "x"})
    second = pay(engine, a, b, "12.50")
    assert paths == {"apply": [True, True], "general": 0}
    assert second["id"] == first["id"] + 1
    assert ledger.get_transfer(engine, first["id"]) == first
    assert ledger.get_account(engine, a)["balance"] == "17.50"
    assert invariant_problems(engine) == []
    assert ledger.verify(engine)["ok"]


def test_an_overdraft_refused_by_the_function_raises_the_precise_error(engine, book, paths):
    a, b, _ = book.members
    pay(engine, book.system, a, "5.00")
    before = counts(engine)
    with pytest.raises(ledger.InsufficientFunds) as caught:
        pay(engine, a, b, "5.01")
    assert caught.value.details == {"account_id": a, "available": "5.00", "needed": "5.01"}
    assert paths == {"apply": [True, False], "general": 1}
    assert counts(engine) == before
    assert ledger.get_account(engine, a)["balance"] == "5.00"


def test_a_frozen_account_takes_the_fallback(engine, book, paths):
    a, b, _ = book.members
    pay(engine, book.system, a, "5.00")
    ledger.freeze_account(engine, a)
    before = counts(engine)
    with pytest.raises(ledger.AccountFrozen):
        pay(engine, a, b, "1.00")
    assert paths["apply"] == [True, False] and counts(engine) == before


def test_a_limit_breach_takes_the_fallback(engine, book, paths):
    _, _, capped = book.members
    with pytest.raises(ledger.LimitExceeded) as caught:
        pay(engine, book.system, capped, "20.01")
    assert caught.value.details["incoming"] == "20.01"
    assert paths["apply"] == [False] and counts(engine) == (0, 0, 0)


def test_a_currency_mismatch_falls_back_before_the_call(engine, book, paths):
    other = make_book(engine, "SOL", limits=((None, None),))
    with pytest.raises(ledger.CurrencyMismatch):
        pay(engine, book.system, other.system, "1.00")
    assert paths == {"apply": [], "general": 1} and counts(engine) == (0, 0, 0)


def test_a_stale_cached_currency_is_caught_and_forgotten(engine, book, paths):
    # Both accounts "SOL" in the cache: planned fine, refused by the function (LDG02).
    a, b, _ = book.members
    pay(engine, book.system, a, "5.00")
    pgcache.cache_for(engine).currency[a] = "SOL"
    pgcache.cache_for(engine).scales["SOL"] = 2
    pgcache.cache_for(engine).currency[book.system] = "SOL"
    pay(engine, book.system, a, "5.00")  # planned as SOL: refused, then done in EUR
    pay(engine, a, b, "1.00")
    assert paths == {"apply": [True, False, True], "general": 1}
    assert pgcache.cache_for(engine).currency[a] == "EUR"
    assert ledger.verify(engine)["ok"]


def test_a_reused_reference_is_a_conflict_with_nothing_written(engine, book, paths):
    a, _, _ = book.members
    pay(engine, book.system, a, "5.00", reference="once")
    before = counts(engine)
    with pytest.raises(ledger.Conflict):
        pay(engine, book.system, a, "5.00", reference="once")
    assert paths["apply"] == [True, False] and counts(engine) == before


def test_ids_stay_unique_and_ordered_over_many_transfers(engine, book, paths):
    a, b, _ = book.members
    with engine.connect() as conn:  # one connection, as a worker holds it
        ids = [pay(conn, book.system, a, "1.00")["id"] for _ in range(300)]
        ids += [pay(conn, a, book.system, "1.00")["id"] for _ in range(300)]
    assert ids == sorted(set(ids)) and all(paths["apply"]) and paths["general"] == 0
    assert ledger.get_account(engine, a)["balance"] == "0.00"
    report = ledger.verify(engine)
    assert report["ok"] and report["transfers"] == 600


def test_an_overdue_hold_sends_the_next_transfer_to_the_general_path(engine, book, paths):
    a, b, _ = book.members
    pay(engine, book.system, a, "10.00")
    held = ledger.hold(engine, [{"from": a, "to": b, "amount": "8.00"}], timeout_seconds=60)
    assert held["status"] == "pending"
    with pytest.raises(ledger.InsufficientFunds):
        pay(engine, a, b, "3.00")
    later = now_utc() + timedelta(seconds=120)
    pay(engine, a, b, "3.00", now=later)  # the hold expires first, in the general path
    assert paths["apply"] == [True, True, False, False]
    assert ledger.get_transfer(engine, held["id"], now=later)["status"] == "expired"
    assert ledger.verify(engine)["ok"]


def batch_items(book):
    a, b, _ = book.members
    return [{"postings": [{"from": book.system, "to": a, "amount": "40.00"}]},
            {"postings": [{"from": a, "to": b, "amount": "25.00"},
                          {"from": book.system, "to": b, "amount": "1.00"}]},
            {"postings": [{"from": b, "to": a, "amount": "3.00"}], "pending": True,
             "timeout_seconds": 600, "metadata": {"n": 1}},
            {"postings": [{"from": a, "to": book.system, "amount": "12.00"}]}]


def figures(engine, book):
    with engine.connect() as conn:
        rows = conn.execute(select(accounts).where(accounts.c.currency == book.currency)
                            .order_by(accounts.c.id)).all()
    return [(r.posted_debits, r.posted_credits, r.pending_debits, r.pending_credits,
             r.hold_expires_at is not None) for r in rows]


def test_a_batch_writes_what_the_general_path_writes(engine, paths, monkeypatch):
    limits = ((0, None), ("-50.00", "100.00"), (0, "20.00"))
    fast, general = (make_book(engine, code, limits=limits) for code in ("AAA", "BBB"))
    now = now_utc()
    fast_result = ledger.batch(engine, batch_items(fast), now=now)
    monkeypatch.setattr(fastpath, "usable", lambda *args: False)
    general_result = ledger.batch(engine, batch_items(general), now=now)
    assert paths == {"apply": [True], "general": 1}
    assert figures(engine, fast) == figures(engine, general)
    for one, other in zip(fast_result, general_result, strict=True):
        assert [p["amount"] for p in one["postings"]] == \
            [p["amount"] for p in other["postings"]]
        assert (one["status"], one["expires_at"], one["metadata"]) == \
            (other["status"], other["expires_at"], other["metadata"])
        assert ledger.get_transfer(engine, one["id"]) == one
    assert invariant_problems(engine) == [] and ledger.verify(engine)["ok"]


def test_a_batch_dipping_below_a_limit_midway_is_refused_at_that_item(engine, book, paths):
    a, b, _ = book.members
    items = [{"postings": [{"from": a, "to": b, "amount": "5.00"}]},
             {"postings": [{"from": book.system, "to": a, "amount": "10.00"}]}]
    with pytest.raises(ledger.InsufficientFunds) as caught:
        ledger.batch(engine, items)  # its net effect on `a` is fine; its first step is not
    assert caught.value.details["index"] == 0
    assert paths["apply"] == [False] and counts(engine) == (0, 0, 0)


def test_a_non_atomic_batch_with_a_refusal_reports_each_item(engine, book, paths):
    a, b, _ = book.members
    items = [{"postings": [{"from": book.system, "to": a, "amount": "5.00"}]},
             {"postings": [{"from": a, "to": b, "amount": "9.00"}]},
             {"postings": [{"from": a, "to": b, "amount": "2.00"}]}]
    results = ledger.batch(engine, items, atomic=False)
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"]["code"] == "insufficient_funds"
    assert paths["apply"] == [False] and paths["general"] == 1
    assert ledger.get_account(engine, a)["balance"] == "3.00"
    assert ledger.verify(engine)["ok"]


def test_a_cached_currency_that_disagrees_is_read_again(engine, book, paths):
    a, _, _ = book.members
    pay(engine, book.system, a, "5.00")
    pgcache.cache_for(engine).currency[a] = "SOL"  # a mismatch found while planning
    pgcache.cache_for(engine).scales["SOL"] = 2
    pay(engine, book.system, a, "5.00")
    pay(engine, book.system, a, "5.00")
    assert paths == {"apply": [True, True], "general": 1}


def test_metadata_is_stored_as_given_so_hashes_verify(engine, book, paths):
    a, _, _ = book.members
    metadata = {"z": 1.5, "a": {"big": 1e16, "list": [1, 2.0, None]}, "é": "ü\n\"q\""}
    t = pay(engine, book.system, a, "1.00", description="née", metadata=metadata)
    assert paths["apply"] == [True]
    assert ledger.get_transfer(engine, t["id"])["metadata"] == metadata
    assert ledger.verify(engine)["ok"]


def stored_keys(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(idempotency_keys.c.scope, idempotency_keys.c.key,
                                   idempotency_keys.c.result)).all()


def test_a_keyed_transfer_stores_its_key_in_the_same_call(engine, book, paths):
    a = book.members[0]
    key = ledger.Idempotency("token:1", "k1")
    first = pay(engine, book.system, a, "3.00", idempotency=key)
    assert paths == {"apply": [True], "general": 0} and not key.replayed
    (scope, name, result), = stored_keys(engine)
    assert (scope, name, result) == ("token:1", "k1", {"ok": first})
    again = ledger.Idempotency("token:1", "k1")
    assert pay(engine, book.system, a, "3.00", idempotency=again) == first
    assert again.replayed and paths == {"apply": [True, False], "general": 1}
    with pytest.raises(ledger.IdempotencyConflict):
        pay(engine, book.system, a, "4.00", idempotency=ledger.Idempotency("token:1", "k1"))
    assert counts(engine) == (1, 1, 1)
    assert ledger.get_account(engine, a)["balance"] == "3.00"
    # A replay takes no id: the next transfer follows the first.
    assert pay(engine, book.system, a, "1.00")["id"] == first["id"] + 1


def test_a_keyed_batch_replays_each_items_result(engine, book, paths):
    a, b, _ = book.members
    items = [{"postings": [{"from": book.system, "to": a, "amount": "2.00"}]},
             {"postings": [{"from": book.system, "to": b, "amount": "1.00"}]}]
    for atomic in (True, False):
        key = ledger.Idempotency("token:1", f"batch-{atomic}")
        first = ledger.batch(engine, items, atomic=atomic, idempotency=key)
        again = ledger.Idempotency("token:1", f"batch-{atomic}")
        assert ledger.batch(engine, items, atomic=atomic, idempotency=again) == first
        assert again.replayed and not key.replayed
    assert paths["apply"] == [True, False, True, False] and counts(engine)[0] == 4


def test_a_keyed_refusal_is_stored_by_the_general_path(engine, book, paths):
    a, b, _ = book.members
    with pytest.raises(ledger.InsufficientFunds):
        pay(engine, a, b, "1.00", idempotency=ledger.Idempotency("t", "r"))
    pay(engine, book.system, a, "5.00")
    key = ledger.Idempotency("t", "r")
    with pytest.raises(ledger.InsufficientFunds):
        pay(engine, a, b, "1.00", idempotency=key)
    assert key.replayed and counts(engine)[0] == 1


def test_concurrent_transfers_share_calls_and_each_gets_its_own_answer(engine, monkeypatch):
    """Eight threads pay round a ring of accounts with no overdraft: many refusals."""
    ring = make_book(engine, "RNG", limits=((0, None),) * 8)
    for account in ring.members:
        ledger.transfer(engine, [{"from": ring.system, "to": account, "amount": "3.00"}])
    group = pgcache.cache_for(engine).group
    sizes, run = [], group.run

    def counting(item, flush):
        return run(item, lambda plans: sizes.append(len(plans)) or flush(plans))
    monkeypatch.setattr(group, "run", counting)
    answers = {i: [] for i in range(8)}

    def pay_next(i):
        source, target = ring.members[i], ring.members[(i + 1) % 8]
        for _ in range(25):
            try:
                answers[i].append(ledger.transfer(
                    engine, [{"from": source, "to": target, "amount": "2.00"}],
                    debit_owners=[f"member:{i}"]))
            except ledger.InsufficientFunds as refused:
                answers[i].append(refused)

    threads = [threading.Thread(target=pay_next, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    paid = [t for i in range(8) for t in answers[i] if isinstance(t, dict)]
    assert all(len(answers[i]) == 25 for i in range(8))
    assert all(t["postings"][0]["from"] == ring.members[i]
               for i in range(8) for t in answers[i] if isinstance(t, dict))
    assert 0 < len(paid) < 200 and len({t["id"] for t in paid}) == len(paid)
    assert max(sizes) > 1  # transfers of several threads went in one call
    for t in paid:  # each as returned, and as stored with the time it was hashed with
        assert ledger.get_transfer(engine, t["id"]) == t
    assert invariant_problems(engine) == []
    assert ledger.verify(engine)["ok"]
