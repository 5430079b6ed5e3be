"""Hold rules that could break without any other test noticing: timeouts, their exact
boundary, expire_holds, frozen and closed accounts, timeouts without a hold, and
Idempotency-Key over HTTP on another path or method."""

import hashlib
from datetime import timedelta

import pytest
from flask import jsonify, make_response
from sqlalchemy import func, insert, select
from werkzeug import exceptions as http

import ledger
from ledger import holds
from ledger import idempotency as ledger_idempotency
from ledger.core.hashing import request_hash
from ledger.idempotency import CommitThenRaise
from ledger.store.tables import accounts, events, idempotency_keys, transfers
from ledger.store.types import now_utc
from ledger.testing import invariant_problems, make_book
from ledger.writer import MAX_TIMEOUT
from market.platform import connection
from market.web.errors import AppError
from market.web.idempotency import (
    as_app_error,
    current,
    fingerprint,
    idempotent,
    remember_refusal,
)
from market.web.refusals import MESSAGES
from tests.integration.ledger_api_helpers import error_of, make_world, pay, snapshot

MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def engine(db):
    return db.engine


@pytest.fixture
def book(engine):
    """HLD: the system account and three members a, b, c that cannot go below zero."""
    return make_book(engine, "HLD", limits=((0, None), (0, None), (0, None)))


@pytest.fixture
def t0(engine, book):
    """The time the test starts from; member a holds 10.00 from then on."""
    at = now_utc()
    ledger.transfer(engine, [{"from": book.system, "to": book.members[0], "amount": "10.00"}],
                    now=at)
    return at


def hold(engine, book, amount="4.00", source=0, target=1, timeout=5, at=None, **kwargs):
    legs = [{"from": book.members[source], "to": book.members[target], "amount": amount}]
    return ledger.hold(engine, legs, timeout_seconds=timeout, now=at, **kwargs)


def stored(engine, account_id: int) -> dict:
    """The figures of an account as stored, before any overdue hold is released on read."""
    with engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.id == account_id)).one()
    return {"balance": row.posted_credits - row.posted_debits,
            "pending_debits": row.pending_debits, "pending_credits": row.pending_credits,
            "hold_expires_at": row.hold_expires_at, "status": row.status}


def recorded_status(engine, transfer_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(transfers.c.status)
                            .where(transfers.c.id == transfer_id)).scalar_one()


def event_kinds(engine, transfer_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(events.c.kind).where(events.c.transfer_id == transfer_id)
                                 .order_by(events.c.seq)).scalars())


def overdue_ids(engine, at, account_ids=None) -> list[int]:
    with engine.begin() as conn:
        return holds.overdue(conn, at, account_ids)


def state_of_book(engine) -> tuple:
    """Every transfer's recorded status, every account's sums and the number of events."""
    with engine.connect() as conn:
        statuses = conn.execute(select(transfers.c.id, transfers.c.status)
                                .order_by(transfers.c.id)).all()
        sums = conn.execute(select(accounts.c.id, accounts.c.posted_debits,
                                   accounts.c.posted_credits, accounts.c.pending_debits,
                                   accounts.c.pending_credits, accounts.c.hold_expires_at)
                            .order_by(accounts.c.id)).all()
        count = conn.execute(select(func.count()).select_from(events)).scalar_one()
    return [tuple(r) for r in statuses], [tuple(r) for r in sums], count


# A hold posted (or voided) after its timeout, with nothing else touching it first.

@pytest.mark.parametrize("action", ["post", "void"])
def test_a_hold_first_touched_after_its_timeout_by_its_own_post_or_void_expires_instead(
        engine, book, t0, action):
    a, b, _ = book.members
    held = hold(engine, book, at=t0)
    later = t0 + timedelta(seconds=6)
    # Nothing has recorded the expiry yet: the reservation is still stored, reads hide it.
    assert recorded_status(engine, held["id"]) == "pending"
    assert (stored(engine, a)["pending_debits"], stored(engine, b)["pending_credits"]) \
        == (400, 400)
    assert ledger.get_account(engine, a, now=later)["available"] == "10.00"
    assert ledger.get_account(engine, b, now=later)["pending_credits"] == "0.00"
    assert ledger.get_transfer(engine, held["id"], now=later)["status"] == "expired"
    resolve = ledger.post_pending if action == "post" else ledger.void_pending
    with pytest.raises(ledger.InvalidState) as caught:
        resolve(engine, held["id"], now=later)
    assert caught.value.message == f"Transfer {held['id']} expired at {held['expires_at']}."
    assert caught.value.details == {"transfer_id": held["id"], "status": "expired"}
    assert recorded_status(engine, held["id"]) == "expired"
    assert stored(engine, a) == {"balance": 1000, "pending_debits": 0, "pending_credits": 0,
                                 "hold_expires_at": None, "status": "open"}
    assert stored(engine, b)["balance"] == 0 and stored(engine, b)["pending_credits"] == 0
    assert event_kinds(engine, held["id"]) == ["created", "expired"]
    # Asking again is refused for the recorded status, and records nothing more.
    with pytest.raises(ledger.InvalidState) as again:
        resolve(engine, held["id"], now=later)
    assert again.value.message == f"Transfer {held['id']} is expired, not pending."
    assert again.value.details == {"transfer_id": held["id"], "status": "expired"}
    assert ledger.expire_holds(engine, now=later) == 0
    assert event_kinds(engine, held["id"]) == ["created", "expired"]
    assert invariant_problems(engine, "HLD") == []
    assert ledger.verify(engine)["ok"]


def test_a_keyed_post_of_an_expired_hold_stores_its_refusal_with_the_expiry(engine, book, t0):
    held = hold(engine, book, at=t0)
    later = t0 + timedelta(seconds=5)
    key = ledger.Idempotency("test", "post-late")
    with pytest.raises(ledger.InvalidState) as first:
        ledger.post_pending(engine, held["id"], idempotency=key, now=later)
    assert key.replayed is False
    again = ledger.Idempotency("test", "post-late")
    with pytest.raises(ledger.InvalidState) as replayed:
        ledger.post_pending(engine, held["id"], idempotency=again, now=later)
    assert again.replayed is True and replayed.value.replayed is True
    assert not hasattr(first.value, "replayed")
    assert (replayed.value.message, replayed.value.details) == (first.value.message,
                                                                first.value.details)
    assert event_kinds(engine, held["id"]) == ["created", "expired"]


# Idempotency keys in the ledger: conflicts, and a concurrent request storing a key first.

def test_another_request_under_a_used_key_is_a_conflict_that_names_the_key(engine, book, t0):
    a, b, _ = book.members
    ledger.transfer(engine, [{"from": a, "to": b, "amount": "1.00"}],
                    idempotency=ledger.Idempotency("test", "k"), now=t0)
    before = state_of_book(engine)
    other = ledger.Idempotency("test", "k")
    with pytest.raises(ledger.IdempotencyConflict) as caught:
        ledger.transfer(engine, [{"from": a, "to": b, "amount": "2.00"}], idempotency=other,
                        now=t0)
    assert caught.value.message == "This idempotency key was used for another request."
    assert caught.value.details == {"key": "k"} and other.replayed is False
    assert state_of_book(engine) == before


def test_a_keyed_request_runs_once_and_another_operation_under_its_key_conflicts(engine):
    calls = []

    def work(conn):
        calls.append(conn)
        return {"n": len(calls)}

    assert ledger_idempotency.run(engine, "post", {"transfer_id": 1},
                                  ledger.Idempotency("test", "once"), work) == {"n": 1}
    again = ledger.Idempotency("test", "once")
    assert ledger_idempotency.run(engine, "post", {"transfer_id": 1}, again, work) == {"n": 1}
    assert again.replayed is True and len(calls) == 1  # a replay never runs the use case
    with pytest.raises(ledger.IdempotencyConflict):
        ledger_idempotency.run(engine, "void", {"transfer_id": 1},
                               ledger.Idempotency("test", "once"), work)
    assert len(calls) == 1


def store_key(engine, digest: str, result: dict) -> None:
    """What a concurrent request with the same key commits."""
    with engine.begin() as conn:
        conn.execute(insert(idempotency_keys).values(scope="test", key="race",
                                                     request_hash=digest, result=result,
                                                     created_at=now_utc()))


@pytest.mark.parametrize("same_request", [True, False])
def test_a_refusal_whose_key_another_request_stored_meanwhile_answers_as_that_one(
        engine, monkeypatch, same_request):
    digest = request_hash("op", {"n": 1})
    real = ledger_idempotency.in_transaction
    calls = []

    def racing(bind, work):
        calls.append(work)
        if len(calls) == 2:  # about to store the refusal: the other request came first
            store_key(engine, digest if same_request else "another", {"ok": {"id": 7}})
        return real(bind, work)

    def refuse(conn):
        raise ledger.InsufficientFunds("No funds.")

    monkeypatch.setattr(ledger_idempotency, "in_transaction", racing)
    idem = ledger.Idempotency("test", "race")
    if same_request:
        assert ledger_idempotency.run(engine, "op", {"n": 1}, idem, refuse) == {"id": 7}
        assert idem.replayed is True
    else:
        with pytest.raises(ledger.IdempotencyConflict):
            ledger_idempotency.run(engine, "op", {"n": 1}, idem, refuse)
    assert len(calls) == 3


def test_a_success_whose_key_another_request_stored_meanwhile_is_undone_and_replays_it(
        engine, book, t0, monkeypatch):
    a, b, _ = book.members
    digest = request_hash("op", {"n": 1})
    store_key(engine, digest, {"ok": {"id": 7}})
    real = ledger_idempotency._find
    seen = []

    def late(conn, idem):  # the other request commits just after this one looked
        seen.append(idem.key)
        return None if len(seen) == 1 else real(conn, idem)

    def work(conn):
        ledger.transfer(conn, [{"from": a, "to": b, "amount": "1.00"}], now=t0)
        return {"id": 1}

    monkeypatch.setattr(ledger_idempotency, "_find", late)
    before = state_of_book(engine)
    idem = ledger.Idempotency("test", "race")
    assert ledger_idempotency.run(engine, "op", {"n": 1}, idem, work) == {"id": 7}
    assert idem.replayed is True and seen == ["race", "race"]
    assert state_of_book(engine) == before


def test_a_caller_the_rule_does_not_name_is_forbidden_even_after_the_timeout(engine, book, t0):
    held = hold(engine, book, at=t0, placed_by="user:1")
    later = t0 + timedelta(seconds=6)
    with pytest.raises(ledger.Forbidden):
        ledger.post_pending(engine, held["id"], now=later, by="user:2",
                            controls=["member:0"])
    assert recorded_status(engine, held["id"]) == "pending"  # the rule is checked first
    with pytest.raises(ledger.InvalidState):
        ledger.post_pending(engine, held["id"], now=later, by="user:1",
                            controls=["member:0"])
    assert recorded_status(engine, held["id"]) == "expired"
    # Once the expiry is recorded, anyone is told that it is no longer pending.
    with pytest.raises(ledger.InvalidState):
        ledger.void_pending(engine, held["id"], now=later, by="user:2", controls=[])


def test_a_posted_hold_records_when_it_was_posted_and_a_voided_one_never_is(engine, book, t0):
    posted, voided = hold(engine, book, "1.00", at=t0), hold(engine, book, "1.00", at=t0)
    at = t0 + timedelta(seconds=1)
    answer = ledger.post_pending(engine, posted["id"], now=at)
    assert answer["posted_at"] == at.isoformat()
    assert ledger.get_transfer(engine, posted["id"], now=at)["posted_at"] == at.isoformat()
    answer = ledger.void_pending(engine, voided["id"], now=at)
    assert answer["posted_at"] is None and answer["status"] == "voided"
    assert ledger.get_transfer(engine, voided["id"], now=at)["posted_at"] is None


def test_a_write_records_the_expiry_of_overdue_holds_on_its_own_accounts_only(
        engine, book, t0):
    a, b, c = book.members
    ledger.transfer(engine, [{"from": book.system, "to": c, "amount": "1.00"}], now=t0)
    mine = hold(engine, book, "1.00", at=t0)
    other = ledger.hold(engine, [{"from": c, "to": book.system, "amount": "1.00"}],
                        timeout_seconds=5, now=t0)
    ledger.transfer(engine, [{"from": a, "to": b, "amount": "0.01"}],
                    now=t0 + timedelta(seconds=5))
    assert recorded_status(engine, mine["id"]) == "expired"
    assert recorded_status(engine, other["id"]) == "pending"
    assert ledger.get_transfer(engine, other["id"], now=t0 + timedelta(seconds=5))["status"] \
        == "expired"


def test_a_write_records_every_overdue_hold_on_its_accounts_not_only_a_round_of_500(
        engine, book, t0):
    a, b, _ = book.members
    items = [{"postings": [{"from": a, "to": b, "amount": 1}], "pending": True,
              "timeout_seconds": 1} for _ in range(501)]
    ledger.batch(engine, items, now=t0)
    ledger.transfer(engine, [{"from": a, "to": b, "amount": "1.00"}],
                    now=t0 + timedelta(seconds=1))
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(transfers)
                            .where(transfers.c.status == "pending")).scalar_one()
    assert left == 0 and stored(engine, a)["pending_debits"] == 0


# The boundary: a hold whose expires_at equals now is expired; a microsecond before, not.

@pytest.mark.parametrize(("offset", "expired"), [(-MICROSECOND, False), (timedelta(0), True),
                                                 (MICROSECOND, True)])
def test_overdue_and_resolve_agree_on_the_exact_microsecond_a_hold_expires(
        engine, book, t0, offset, expired):
    held = hold(engine, book, at=t0)
    at = t0 + timedelta(seconds=5) + offset
    assert held["expires_at"] == (t0 + timedelta(seconds=5)).isoformat()
    a = book.members[0]
    assert (held["id"] in overdue_ids(engine, at)) is expired
    assert (held["id"] in overdue_ids(engine, at, [a])) is expired
    assert (held["id"] in overdue_ids(engine, at, [book.members[1]])) is expired
    assert (held["id"] in overdue_ids(engine, at, [book.members[2]])) is False
    assert ledger.get_account(engine, book.members[1], now=at)["pending_credits"] == \
        ("0.00" if expired else "4.00")
    assert ledger.get_transfer(engine, held["id"], now=at)["status"] == \
        ("expired" if expired else "pending")
    assert ledger.get_account(engine, a, now=at)["available"] == \
        ("10.00" if expired else "6.00")
    with engine.begin() as conn:
        result = holds.resolve(conn, held["id"], "post", at)
    assert isinstance(result, CommitThenRaise) is expired
    assert recorded_status(engine, held["id"]) == ("expired" if expired else "posted")


@pytest.mark.parametrize(("offset", "expired"), [(-MICROSECOND, False), (timedelta(0), True)])
def test_expire_holds_counts_a_hold_from_the_exact_microsecond_it_expires(
        engine, book, t0, offset, expired):
    held = hold(engine, book, at=t0)
    at = t0 + timedelta(seconds=5) + offset
    assert ledger.expire_holds(engine, now=at) == int(expired)
    assert recorded_status(engine, held["id"]) == ("expired" if expired else "pending")
    with pytest.raises(ledger.InvalidState) if expired else _nothing():
        ledger.post_pending(engine, held["id"], now=at)


@pytest.mark.parametrize(("offset", "expired"), [(-MICROSECOND, False), (timedelta(0), True)])
def test_a_write_at_the_exact_microsecond_a_hold_expires_may_spend_what_it_reserved(
        engine, book, t0, offset, expired):
    a, _, c = book.members
    held = hold(engine, book, "10.00", at=t0)
    at = t0 + timedelta(seconds=5) + offset
    spend = [{"from": a, "to": c, "amount": "10.00"}]
    if expired:
        ledger.transfer(engine, spend, now=at)
        assert recorded_status(engine, held["id"]) == "expired"
        assert event_kinds(engine, held["id"]) == ["created", "expired"]
    else:
        with pytest.raises(ledger.InsufficientFunds):
            ledger.transfer(engine, spend, now=at)
        assert recorded_status(engine, held["id"]) == "pending"
    assert invariant_problems(engine, "HLD") == []


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# expire_holds with holds due and not due.

def test_expire_holds_expires_only_the_due_holds_and_records_each_expiry_once(
        engine, book, t0):
    a, b, c = book.members
    due_first = hold(engine, book, "1.00", target=1, timeout=5, at=t0)
    due_last = hold(engine, book, "2.00", target=2, timeout=10, at=t0)
    later = hold(engine, book, "3.00", target=2, timeout=30, at=t0)
    forever = hold(engine, book, "0.50", target=1, timeout=None, at=t0)
    voided = hold(engine, book, "0.25", target=1, timeout=5, at=t0)
    ledger.void_pending(engine, voided["id"], now=t0)
    at = t0 + timedelta(seconds=10)
    assert sorted(overdue_ids(engine, at)) == sorted([due_first["id"], due_last["id"]])

    assert ledger.expire_holds(engine, now=at) == 2

    statuses = {h["id"]: recorded_status(engine, h["id"])
                for h in (due_first, due_last, later, forever, voided)}
    assert statuses == {due_first["id"]: "expired", due_last["id"]: "expired",
                        later["id"]: "pending", forever["id"]: "pending",
                        voided["id"]: "voided"}
    # Only what the due holds reserved is released, and the accounts they touched keep the
    # expiry of their next timed hold, debited or credited (b has none left).
    assert (stored(engine, a)["pending_debits"], stored(engine, b)["pending_credits"],
            stored(engine, c)["pending_credits"]) == (350, 50, 300)
    assert stored(engine, a)["hold_expires_at"] == t0 + timedelta(seconds=30)
    assert stored(engine, b)["hold_expires_at"] is None
    assert stored(engine, c)["hold_expires_at"] == t0 + timedelta(seconds=30)
    assert ledger.get_account(engine, a, now=at)["available"] == "6.50"
    for h in (due_first, due_last):
        assert event_kinds(engine, h["id"]) == ["created", "expired"]
    for h in (later, forever):
        assert event_kinds(engine, h["id"]) == ["created"]

    before = state_of_book(engine)
    assert ledger.expire_holds(engine, now=at) == 0
    assert state_of_book(engine) == before

    assert ledger.post_pending(engine, later["id"], now=at)["status"] == "posted"
    assert ledger.post_pending(engine, forever["id"], now=at)["status"] == "posted"
    assert ledger.get_account(engine, a, now=at)["balance"] == "6.50"
    assert invariant_problems(engine, "HLD") == []
    assert ledger.verify(engine)["ok"]


@pytest.mark.parametrize("action", ["post", "void"])
def test_a_hold_resolved_before_its_timeout_is_not_released_again_once_it_passes(
        engine, book, t0, action):
    a, b, _ = book.members
    held = hold(engine, book, at=t0)
    resolve = ledger.post_pending if action == "post" else ledger.void_pending
    resolve(engine, held["id"], now=t0 + timedelta(seconds=1))
    # The accounts still carry the hold's expiry (early is harmless), but reads past it
    # must not give back a reservation that is gone already.
    assert stored(engine, a)["hold_expires_at"] == t0 + timedelta(seconds=5)
    later = t0 + timedelta(seconds=6)
    moved = "4.00" if action == "post" else "0.00"
    got = ledger.get_account(engine, a, now=later)
    assert (got["pending_debits"], got["available"]) == ("0.00", f"{10 - int(moved[0])}.00")
    got = ledger.get_account(engine, b, now=later)
    assert (got["pending_credits"], got["balance"]) == ("0.00", moved)
    assert ledger.expire_holds(engine, now=later) == 0


def test_an_account_a_hold_nets_to_zero_on_still_gets_its_next_expiry_rewritten(
        engine, book, t0):
    a, b, c = book.members
    ledger.transfer(engine, [{"from": book.system, "to": b, "amount": "1.00"}], now=t0)
    first = ledger.hold(engine, [{"from": b, "to": c, "amount": "0.50"}], timeout_seconds=5,
                        now=t0)
    through = ledger.hold(engine, [{"from": a, "to": b, "amount": "1.00"},
                                   {"from": b, "to": c, "amount": "1.00"}],
                          timeout_seconds=10, now=t0)
    assert stored(engine, b)["hold_expires_at"] == t0 + timedelta(seconds=5)
    assert ledger.expire_holds(engine, now=t0 + timedelta(seconds=5)) == 1
    assert stored(engine, b)["hold_expires_at"] == t0 + timedelta(seconds=10)
    assert ledger.expire_holds(engine, now=t0 + timedelta(seconds=10)) == 1
    assert [recorded_status(engine, h["id"]) for h in (first, through)] == ["expired"] * 2
    assert stored(engine, b)["hold_expires_at"] is None
    assert (stored(engine, a)["pending_debits"], stored(engine, b)["pending_debits"],
            stored(engine, c)["pending_credits"]) == (0, 0, 0)


def test_expire_holds_with_nothing_due_changes_nothing(engine, book, t0):
    hold(engine, book, at=t0)
    hold(engine, book, "1.00", timeout=None, at=t0)
    before = state_of_book(engine)
    assert ledger.expire_holds(engine, now=t0 + timedelta(seconds=5) - MICROSECOND) == 0
    assert state_of_book(engine) == before


def test_expire_holds_goes_on_past_a_round_of_five_hundred(engine, book, t0):
    a, b, _ = book.members
    items = [{"postings": [{"from": a, "to": b, "amount": 1}], "pending": True,
              "timeout_seconds": 1} for _ in range(501)]
    made = ledger.batch(engine, items, now=t0)
    ledger.hold(engine, [{"from": a, "to": b, "amount": 1}], timeout_seconds=60, now=t0)
    # One round locks at most 500, the oldest first.
    assert overdue_ids(engine, t0 + timedelta(seconds=1)) == [t["id"] for t in made[:500]]
    assert ledger.expire_holds(engine, now=t0 + timedelta(seconds=1)) == 501
    assert stored(engine, a)["pending_debits"] == 1
    assert ledger.expire_holds(engine, now=t0 + timedelta(seconds=1)) == 0


def test_expire_holds_without_a_time_uses_the_clock(engine, book):
    ledger.transfer(engine, [{"from": book.system, "to": book.members[0], "amount": "1.00"}])
    held = hold(engine, book, "1.00", timeout=1, at=now_utc() - timedelta(seconds=2))
    assert ledger.expire_holds(engine) == 1
    assert recorded_status(engine, held["id"]) == "expired"


# Frozen and closed accounts: posting and reversing are refused, voiding is allowed.

@pytest.mark.parametrize("side", [0, 1])
def test_posting_a_hold_is_refused_while_an_account_it_moves_is_frozen(engine, book, t0, side):
    held = hold(engine, book, at=t0, timeout=None)
    frozen = book.members[side]
    ledger.freeze_account(engine, frozen)
    before = state_of_book(engine)
    with pytest.raises(ledger.AccountFrozen) as caught:
        ledger.post_pending(engine, held["id"], now=t0)
    assert caught.value.details == {"account_id": frozen}
    assert state_of_book(engine) == before
    ledger.unfreeze_account(engine, frozen)
    assert ledger.post_pending(engine, held["id"], now=t0)["status"] == "posted"


@pytest.mark.parametrize("side", [0, 1])
def test_voiding_a_hold_is_allowed_while_an_account_it_moves_is_frozen(engine, book, t0, side):
    a = book.members[0]
    held = hold(engine, book, at=t0, timeout=None)
    ledger.freeze_account(engine, book.members[side])
    assert ledger.void_pending(engine, held["id"], now=t0)["status"] == "voided"
    assert stored(engine, a)["pending_debits"] == 0
    assert ledger.get_account(engine, book.members[side])["status"] == "frozen"
    assert invariant_problems(engine, "HLD") == []


def test_a_hold_through_a_closed_account_cannot_be_posted_but_can_be_voided(engine, book, t0):
    a, _, c = book.members
    # Postings that cancel out reserve nothing, so c stays at zero and can be closed.
    legs = [{"from": a, "to": c, "amount": "1.00"}, {"from": c, "to": a, "amount": "1.00"}]
    first = ledger.hold(engine, legs, now=t0)
    second = ledger.hold(engine, legs, now=t0)
    assert ledger.close_account(engine, c)["status"] == "closed"
    with pytest.raises(ledger.AccountClosed) as caught:
        ledger.post_pending(engine, first["id"], now=t0)
    assert caught.value.details == {"account_id": c}
    assert ledger.void_pending(engine, second["id"], now=t0)["status"] == "voided"
    assert recorded_status(engine, first["id"]) == "pending"


@pytest.mark.parametrize("status", ["frozen", "closed"])
def test_reversing_is_refused_while_an_account_it_moves_is_frozen_or_closed(
        engine, book, t0, status):
    a, b, _ = book.members
    there = ledger.transfer(engine, [{"from": a, "to": b, "amount": "1.00"}], now=t0)
    back = ledger.transfer(engine, [{"from": b, "to": a, "amount": "1.00"}], now=t0)
    (ledger.freeze_account if status == "frozen" else ledger.close_account)(engine, b)
    before = state_of_book(engine)
    with pytest.raises(ledger.InvalidState) as caught:
        ledger.reverse(engine, there["id"], now=t0)
    assert caught.value.details == {"account_id": b}
    assert type(caught.value) is (ledger.AccountFrozen if status == "frozen"
                                  else ledger.AccountClosed)
    assert state_of_book(engine) == before
    if status == "frozen":
        ledger.unfreeze_account(engine, b)
        assert ledger.reverse(engine, back["id"], now=t0)["reverses"] == back["id"]


def test_an_overdue_hold_on_a_frozen_account_still_expires_and_gives_its_funds_back(
        engine, book, t0):
    a = book.members[0]
    first = hold(engine, book, at=t0)
    second = hold(engine, book, "1.00", at=t0)
    ledger.freeze_account(engine, a)
    later = t0 + timedelta(seconds=5)
    with pytest.raises(ledger.InvalidState) as caught:
        ledger.post_pending(engine, first["id"], now=later)
    assert caught.value.details["status"] == "expired"  # the expiry, not the freeze
    assert ledger.expire_holds(engine, now=later) == 1
    assert recorded_status(engine, second["id"]) == "expired"
    assert stored(engine, a)["pending_debits"] == 0 and stored(engine, a)["status"] == "frozen"


def test_an_account_whose_only_hold_has_expired_can_be_closed(engine, book):
    a, b, _ = book.members
    past = now_utc() - timedelta(seconds=60)
    ledger.transfer(engine, [{"from": book.system, "to": a, "amount": "1.00"}], now=past)
    ledger.hold(engine, [{"from": a, "to": b, "amount": "1.00"}], timeout_seconds=5, now=past)
    assert ledger.get_account(engine, b)["pending_credits"] == "0.00"
    assert ledger.close_account(engine, b)["status"] == "closed"


# timeout_seconds belongs to holds only, and is a whole number of seconds up to a year.

def batch_of(item, atomic):
    def send(engine):
        return ledger.batch(engine, [item], atomic=atomic)
    return send


@pytest.mark.parametrize("how", ["transfer", "atomic batch", "batch"])
def test_a_timeout_without_pending_is_refused_before_anything_is_written(engine, book, t0,
                                                                          how):
    a, b, _ = book.members
    body = {"postings": [{"from": a, "to": b, "amount": "1.00"}], "timeout_seconds": 30}
    before = state_of_book(engine)
    if how == "transfer":
        with pytest.raises(ledger.ValidationError) as caught:
            ledger.transfer(engine, body["postings"], timeout_seconds=30)
        assert set(caught.value.details["fields"]) == {"timeout_seconds"}
    elif how == "atomic batch":
        with pytest.raises(ledger.ValidationError) as caught:
            ledger.batch(engine, [body])
        assert caught.value.details["index"] == 0
        assert set(caught.value.details["fields"]) == {"timeout_seconds"}
    else:
        [result] = ledger.batch(engine, [body], atomic=False)
        assert result["ok"] is False and result["error"]["code"] == "validation_error"
        assert set(result["error"]["details"]["fields"]) == {"timeout_seconds"}
    assert state_of_book(engine) == before


@pytest.mark.parametrize("timeout", [0, -1, True, 1.5, "5", MAX_TIMEOUT + 1])
def test_a_timeout_is_a_whole_positive_number_of_seconds(engine, book, t0, timeout):
    with pytest.raises(ledger.ValidationError) as caught:
        hold(engine, book, timeout=timeout, at=t0)
    assert set(caught.value.details["fields"]) == {"timeout_seconds"}


def test_the_longest_timeout_is_a_leap_year(engine, book, t0):
    held = hold(engine, book, timeout=MAX_TIMEOUT, at=t0)
    assert held["expires_at"] == (t0 + timedelta(days=366)).isoformat()


def test_over_http_a_timeout_without_pending_is_a_422(client, db):
    world = make_world(db)
    before = snapshot(db)
    response = client.post("/api/v1/transfers", json=pay(world.accounts["a"],
                                                         world.accounts["b"],
                                                         timeout_seconds=30),
                           headers=world.as_("treasurer_a"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"
    assert snapshot(db) == before


# Idempotency-Key over HTTP: the method and the path are part of the request.

@pytest.fixture
def world(db):
    return make_world(db)


def keyed(world, user, key):
    return world.as_(user, **{"Idempotency-Key": key})


def test_the_same_key_and_empty_body_on_another_path_is_an_idempotency_conflict(
        client, db, world):
    held = client.post("/api/v1/transfers", json=pay(world.accounts["a"], world.accounts["b"],
                                                     pending=True),
                       headers=world.as_("treasurer_a")).get_json()
    headers = keyed(world, "treasurer_a", "k-1")
    posted = client.post(f"/api/v1/transfers/{held['id']}/post", headers=headers)
    assert posted.status_code == 200
    before = snapshot(db)
    voided = client.post(f"/api/v1/transfers/{held['id']}/void", headers=headers)
    assert voided.status_code == 409 and error_of(voided)["code"] == "idempotency_conflict"
    assert "Idempotency-Replayed" not in voided.headers
    assert snapshot(db) == before
    again = client.post(f"/api/v1/transfers/{held['id']}/post", headers=headers)
    assert again.status_code == 200 and again.get_json() == posted.get_json()
    assert again.headers["Idempotency-Replayed"] == "true"


def test_the_same_key_and_body_on_another_path_is_an_idempotency_conflict(client, db, world):
    body = pay(world.accounts["a"], world.accounts["b"], "1.00")
    headers = keyed(world, "treasurer_a", "k-2")
    first = client.post("/api/v1/transfers", json=body, headers=headers)
    assert first.status_code == 201
    before = snapshot(db)
    other = client.post("/api/v1/transfers/batch", json=body, headers=headers)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"
    assert snapshot(db) == before


def test_the_same_key_and_body_with_another_method_is_an_idempotency_conflict(
        app, client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]

    def move():
        result = ledger.transfer(connection.for_ledger(),
                                 [{"from": a, "to": b, "amount": "1.00"}],
                                 idempotency=current())
        return make_response(jsonify(result), 201)

    app.add_url_rule("/api/v1/test-idempotency", "test_idempotency", idempotent(move),
                     methods=["POST", "PUT"])
    headers = keyed(world, "treasurer_a", "k-3")
    first = client.post("/api/v1/test-idempotency", json={"n": 1}, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/test-idempotency", json={"n": 1}, headers=headers)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotency-Replayed"] == "true"
    before = snapshot(db)
    other = client.put("/api/v1/test-idempotency", json={"n": 1}, headers=headers)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"
    assert snapshot(db) == before


def test_the_same_json_with_other_spacing_and_key_order_is_the_same_request(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    headers = {**keyed(world, "treasurer_a", "k-4"), "Content-Type": "application/json"}
    compact = f'{{"postings":[{{"from":{a},"to":{b},"amount":"1.00"}}],"description":"x"}}'
    spaced = (f'{{ "description": "x",\n  "postings": [ {{"amount": "1.00", "to": {b}, '
              f'"from": {a}}} ] }}')
    first = client.post("/api/v1/transfers", data=compact, headers=headers)
    assert first.status_code == 201
    before = snapshot(db)
    again = client.post("/api/v1/transfers", data=spaced, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert snapshot(db) == before


def test_a_body_that_is_not_json_is_refused_and_its_refusal_replayed_by_its_bytes(
        client, db, world):
    headers = {**keyed(world, "treasurer_a", "k-5"), "Content-Type": "application/json"}
    before = snapshot(db)
    first = client.post("/api/v1/transfers", data="{not json", headers=headers)
    assert first.status_code == 400 and error_of(first) == {
        "code": "bad_request", "message": "Le corps de la requête n'est pas du JSON valide.",
        "details": {}}
    assert "Idempotency-Replayed" not in first.headers
    again = client.post("/api/v1/transfers", data="{not json", headers=headers)
    assert again.status_code == 400 and again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = client.post("/api/v1/transfers", data="{not json!", headers=headers)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"
    assert snapshot(db) == before


def test_a_first_refusal_by_the_ledger_is_not_marked_as_a_replay(client, db, world):
    body = pay(world.accounts["a"], world.accounts["b"], "500.00")
    headers = keyed(world, "treasurer_a", "k-6")
    first = client.post("/api/v1/transfers", json=body, headers=headers)
    assert first.status_code == 422 and error_of(first)["code"] == "insufficient_funds"
    assert error_of(first)["message"] == str(MESSAGES["insufficient_funds"])
    assert error_of(first)["details"]["account_id"] == world.accounts["a"]
    assert "Idempotency-Replayed" not in first.headers
    again = client.post("/api/v1/transfers", json=body, headers=headers)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()


def test_a_request_is_fingerprinted_by_method_path_and_canonical_json(app):
    body = '{ "b": 1,\n  "a": [1, "\u00e9"] }'
    with app.test_request_context("/api/v1/transfers", method="POST", data=body,
                                  content_type="application/json"):
        expected = b'POST\n/api/v1/transfers\n{"a":[1,"\\u00e9"],"b":1}'
        assert fingerprint() == hashlib.sha256(expected).hexdigest()
    with app.test_request_context("/api/v1/transfers/3/post", method="PUT", data=b"{x"):
        assert fingerprint() == hashlib.sha256(b"PUT\n/api/v1/transfers/3/post\n{x").hexdigest()


class Teapot(http.HTTPException):
    code = 418
    description = None


def http_error(cls, data=None):
    error = cls()
    if data is not None:
        error.data = data
    return error


def test_only_refusals_below_500_are_answered_and_stored(app):
    with app.test_request_context("/api/v1/transfers", method="POST"):
        own = AppError("Mine.", code="mine")
        assert as_app_error(own) is own
        refused = as_app_error(ledger.InsufficientFunds("No.", account_id=1))
        assert (refused.status, refused.code, refused.details["account_id"]) == (
            422, "insufficient_funds", 1)
        for unexpected in (RuntimeError("boom"), http.InternalServerError(),
                           http.ServiceUnavailable(), http.HTTPException()):
            assert as_app_error(unexpected) is None
        fields = {"json": {"amount": ["Bad."]}, "query": {"limit": ["Too big."]}}
        invalid = as_app_error(http_error(http.UnprocessableEntity, {"messages": fields}))
        assert (invalid.status, invalid.code, invalid.details) == (
            422, "validation_error", {"fields": {"amount": ["Bad."], "limit": ["Too big."]}})
        bare = as_app_error(http.UnprocessableEntity())
        assert (bare.status, bare.code, bare.message) == (
            422, "validation_error", http.UnprocessableEntity.description)
        for bad in (http.BadRequest(), http_error(http.BadRequest, {"messages": fields})):
            error = as_app_error(bad)
            assert (error.status, error.code, error.message) == (
                400, "bad_request", "Le corps de la requête n'est pas du JSON valide.")
        missing = as_app_error(http.NotFound())
        assert (missing.status, missing.code, missing.message, missing.details) == (
            404, "not_found", http.NotFound.description, {})
        teapot = as_app_error(Teapot())
        assert (teapot.status, teapot.code, teapot.message) == (418, "error", "I'm a teapot")


def test_a_refusal_of_a_malformed_transfer_binds_its_key_like_any_other(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    headers = keyed(world, "treasurer_a", "k-7")
    first = client.post("/api/v1/transfers", json=pay(a, b, timeout_seconds=30),
                        headers=headers)
    assert first.status_code == 422 and error_of(first)["code"] == "validation_error"
    again = client.post("/api/v1/transfers", json=pay(a, b, timeout_seconds=30),
                        headers=headers)
    assert again.headers.get("Idempotency-Replayed") == "true"
    other = client.post("/api/v1/transfers", json=pay(a, b), headers=headers)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"


def app_error_of(code: str, status: int, message: str = "Nope.") -> AppError:
    error = AppError(message, code=code)
    error.status = status
    return error


def test_a_refusal_met_before_the_ledger_is_stored_under_its_key_once(app, db):
    with app.test_request_context("/api/v1/transfers/1/post", method="POST"):
        refused = app_error_of("forbidden", 403)
        idem = ledger.Idempotency("user:1", "r-1", "fingerprint")
        assert remember_refusal(idem, refused) is refused and idem.replayed is False
    with app.test_request_context("/api/v1/transfers/1/post", method="POST"):
        # The same request refused otherwise later still answers with the first refusal.
        again = ledger.Idempotency("user:1", "r-1", "fingerprint")
        answer = remember_refusal(again, app_error_of("not_found", 404))
        assert (answer.code, answer.status, again.replayed) == ("forbidden", 403, True)
        other = ledger.Idempotency("user:1", "r-1", "another request")
        assert remember_refusal(other, app_error_of("not_found", 404)).code \
            == "idempotency_conflict"


def test_a_refusal_under_a_key_that_holds_a_success_is_answered_but_not_as_a_replay(app, db):
    ledger_idempotency.run(db.engine, "http", None,
                           ledger.Idempotency("user:1", "r-2", "fingerprint"),
                           lambda conn: {"id": 1})
    with app.test_request_context("/api/v1/transfers/1/post", method="POST"):
        refused = app_error_of("forbidden", 403)
        idem = ledger.Idempotency("user:1", "r-2", "fingerprint")
        assert remember_refusal(idem, refused) is refused
        assert idem.replayed is False
