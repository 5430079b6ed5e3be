"""Ledger use cases on SQLite and PostgreSQL: transfers, holds, reversals, batches, reads."""

from datetime import UTC, datetime, timedelta

import pytest

import ledger
from ledger.testing import invariant_problems, make_book


@pytest.fixture
def engine(db):
    return db.engine


@pytest.fixture
def book(engine):
    """EUR: system, a plain account, a credit line of 50 with max 100, a capped account."""
    return make_book(engine, "EUR", limits=((0, None), ("-50.00", "100.00"), (0, "20.00")))


def pay(engine, source, target, amount, **kwargs):
    return ledger.transfer(engine, [{"from": source, "to": target, "amount": amount}], **kwargs)


def balance(engine, account_id):
    return ledger.get_account(engine, account_id)["balance"]


def test_a_transfer_moves_money_and_returns_its_hash(engine, book):
    a, b, _ = book.members
    t = pay(engine, book.system, a, "30.00", description="top-up", reference="r1",
            metadata={"why": "test"})
    assert t["status"] == "posted" and len(t["hash"]) == 64
    assert t["postings"] == [{"from": book.system, "to": a, "amount": "30.00",
                              "currency": "EUR"}]
    pay(engine, a, b, "12.50")
    assert (balance(engine, a), balance(engine, b)) == ("17.50", "12.50")
    assert ledger.get_transfer(engine, t["id"]) == t
    assert invariant_problems(engine) == []


def test_transfer_beyond_credit_line_is_refused_and_writes_nothing(engine, book):
    a, b, _ = book.members
    pay(engine, b, a, "50.00")
    with pytest.raises(ledger.InsufficientFunds) as caught:
        pay(engine, b, a, "0.01")
    assert caught.value.code == "insufficient_funds"
    assert ledger.list_transfers(engine)["items"][-1]["postings"][0]["amount"] == "50.00"
    assert len(ledger.list_transfers(engine)["items"]) == 1


def test_credit_beyond_max_balance_is_limit_exceeded(engine, book):
    with pytest.raises(ledger.LimitExceeded):
        pay(engine, book.system, book.members[2], "20.01")
    pay(engine, book.system, book.members[2], "20.00")


def test_wrong_scale_float_and_zero_amounts_are_invalid(engine, book):
    for amount in ("1.5", 1.5, "0.00", "-1.00"):
        with pytest.raises(ledger.InvalidAmount):
            pay(engine, book.system, book.members[0], amount)


def test_unknown_account_and_other_currency_are_refused(engine, book):
    other = make_book(engine, "SOL")
    with pytest.raises(ledger.ValidationError) as caught:
        pay(engine, book.system, 99999, "1.00")
    assert caught.value.code == "validation_error"
    with pytest.raises(ledger.CurrencyMismatch):
        pay(engine, book.system, other.members[0], "1.00")


def test_frozen_and_closed_accounts_refuse_money(engine, book):
    a, b, c = book.members
    ledger.freeze_account(engine, a)
    with pytest.raises(ledger.InvalidState):
        pay(engine, book.system, a, "1.00")
    ledger.unfreeze_account(engine, a)
    pay(engine, book.system, a, "1.00")
    with pytest.raises(ledger.InvalidState):
        ledger.close_account(engine, a)
    assert ledger.close_account(engine, c)["status"] == "closed"
    with pytest.raises(ledger.AccountClosed):
        pay(engine, book.system, c, "1.00")


def test_a_hold_reserves_funds_then_posts_at_most_once(engine, book):
    a, b, _ = book.members
    pay(engine, book.system, a, "10.00")
    h = ledger.hold(engine, [{"from": a, "to": b, "amount": "8.00"}], timeout_seconds=60)
    assert ledger.get_account(engine, a)["available"] == "2.00"
    with pytest.raises(ledger.InsufficientFunds):
        pay(engine, a, b, "2.01")
    assert ledger.post_pending(engine, h["id"])["status"] == "posted"
    assert (balance(engine, a), balance(engine, b)) == ("2.00", "8.00")
    for again in (ledger.post_pending, ledger.void_pending):
        with pytest.raises(ledger.InvalidState):
            again(engine, h["id"])


def test_a_voided_hold_gives_its_reservation_back(engine, book):
    a, b, _ = book.members
    pay(engine, book.system, a, "10.00")
    h = ledger.hold(engine, [{"from": a, "to": b, "amount": "8.00"}])
    assert ledger.void_pending(engine, h["id"])["status"] == "voided"
    assert ledger.get_account(engine, a)["available"] == "10.00"
    with pytest.raises(ledger.InvalidState):
        ledger.post_pending(engine, h["id"])


def test_a_hold_past_its_timeout_is_expired_at_once_and_never_posts(engine, book):
    a, b, _ = book.members
    pay(engine, book.system, a, "10.00")
    h = ledger.hold(engine, [{"from": a, "to": b, "amount": "8.00"}], timeout_seconds=5)
    later = datetime.now(UTC) + timedelta(seconds=10)
    assert ledger.get_transfer(engine, h["id"], now=later)["status"] == "expired"
    assert ledger.get_account(engine, a, now=later)["available"] == "10.00"
    pay(engine, a, b, "9.00", now=later)  # the expired reservation no longer counts
    with pytest.raises(ledger.InvalidState):
        ledger.post_pending(engine, h["id"], now=later)
    assert ledger.expire_holds(engine, now=later) == 0
    assert ledger.verify(engine)["ok"]


def test_expire_holds_records_each_expiry_once(engine, book):
    a, b, _ = book.members
    pay(engine, book.system, a, "10.00")
    for _ in range(3):
        ledger.hold(engine, [{"from": a, "to": b, "amount": "1.00"}], timeout_seconds=1)
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert ledger.expire_holds(engine, now=later) == 3
    assert ledger.expire_holds(engine, now=later) == 0
    assert ledger.get_account(engine, a)["pending_debits"] == "0.00"
    assert ledger.verify(engine)["ok"]


def test_a_reversal_is_linked_and_happens_at_most_once(engine, book):
    a, b, _ = book.members
    t = pay(engine, book.system, a, "10.00")
    r = ledger.reverse(engine, t["id"])
    assert r["reverses"] == t["id"]
    assert ledger.get_transfer(engine, t["id"])["reversed_by"] == r["id"]
    assert r["postings"][0]["from"] == a and balance(engine, a) == "0.00"
    with pytest.raises(ledger.InvalidState):
        ledger.reverse(engine, t["id"])


def test_a_reversal_obeys_the_same_limits(engine, book):
    a, b, _ = book.members
    t = pay(engine, book.system, a, "10.00")
    pay(engine, a, b, "10.00")
    with pytest.raises(ledger.InsufficientFunds):
        ledger.reverse(engine, t["id"])


def test_an_atomic_batch_writes_all_or_nothing(engine, book):
    a, b, _ = book.members
    items = [{"postings": [{"from": book.system, "to": a, "amount": "5.00"}]},
             {"postings": [{"from": a, "to": b, "amount": "5.00"}]}]
    assert [t["status"] for t in ledger.batch(engine, items)] == ["posted", "posted"]
    bad = items + [{"postings": [{"from": a, "to": b, "amount": "0.01"}]}]
    with pytest.raises(ledger.InsufficientFunds) as caught:
        ledger.batch(engine, bad)
    assert caught.value.details["index"] == 2
    assert len(ledger.list_transfers(engine)["items"]) == 2


def test_a_non_atomic_batch_reports_each_item(engine, book):
    a, b, _ = book.members
    items = [{"postings": [{"from": a, "to": b, "amount": "5.00"}]},
             {"postings": [{"from": book.system, "to": a, "amount": "5.00"}], "reference": "x"},
             {"postings": [{"from": book.system, "to": a, "amount": "5.00"}], "reference": "x"},
             {"postings": [{"from": a, "to": b, "amount": 1.5}]}]
    results = ledger.batch(engine, items, atomic=False)
    assert [r["ok"] for r in results] == [False, True, False, False]
    assert [r["error"]["code"] for r in results if not r["ok"]] == [
        "insufficient_funds", "conflict", "invalid_amount"]
    assert results[3]["error"]["details"]["index"] == 3


def test_debits_are_limited_to_the_owners_given_before_any_other_check(engine, book):
    a, b, _ = book.members  # owned by member:0 and member:1; the system account by nobody
    mine = ["member:0"]
    pay(engine, book.system, a, "10.00")
    assert pay(engine, a, b, "1.00", debit_owners=mine)["status"] == "posted"
    for source in (b, book.system):
        # A forbidden debit is refused before its amount: 1,000.00 would be insufficient.
        with pytest.raises(ledger.Forbidden) as caught:
            pay(engine, source, a, "1000.00", debit_owners=mine)
        assert caught.value.details == {"account_id": source, "index": 0}
    with pytest.raises(ledger.UnknownAccount):  # an unknown account is not "someone else's"
        pay(engine, 10**9, a, "1.00", debit_owners=mine)
    items = [{"postings": [{"from": a, "to": b, "amount": "1.00"}]},
             {"postings": [{"from": b, "to": a, "amount": "1.00"}]}]
    for atomic in (True, False):  # one forbidden item refuses even a non-atomic batch
        with pytest.raises(ledger.Forbidden) as caught:
            ledger.batch(engine, items, atomic=atomic, debit_owners=mine)
        assert caught.value.details["index"] == 1
    assert len(ledger.list_transfers(engine)["items"]) == 2
    assert (balance(engine, a), balance(engine, b)) == ("9.00", "1.00")
    assert pay(engine, b, a, "1.00", debit_owners=None)["status"] == "posted"


def test_a_batch_of_1001_is_refused(engine, book):
    item = {"postings": [{"from": book.system, "to": book.members[0], "amount": "0.01"}]}
    with pytest.raises(ledger.ValidationError):
        ledger.batch(engine, [item] * 1001)
    assert len(ledger.batch(engine, [item] * 1000)) == 1000


def test_a_reference_is_unique(engine, book):
    pay(engine, book.system, book.members[0], "1.00", reference="inv-1")
    with pytest.raises(ledger.Conflict):
        pay(engine, book.system, book.members[0], "1.00", reference="inv-1")


def test_a_replayed_key_returns_the_first_result(engine, book):
    key = ledger.Idempotency("token:1", "k")
    first = pay(engine, book.system, book.members[0], "1.00", idempotency=key)
    again = ledger.Idempotency("token:1", "k")
    assert pay(engine, book.system, book.members[0], "1.00", idempotency=again) == first
    assert again.replayed and not key.replayed
    assert len(ledger.list_transfers(engine)["items"]) == 1
    other = ledger.Idempotency("token:2", "k")
    assert pay(engine, book.system, book.members[0], "1.00", idempotency=other) != first


def test_the_same_key_with_another_body_is_a_conflict(engine, book):
    pay(engine, book.system, book.members[0], "1.00", idempotency=ledger.Idempotency("t", "k"))
    with pytest.raises(ledger.IdempotencyConflict):
        pay(engine, book.system, book.members[0], "2.00",
            idempotency=ledger.Idempotency("t", "k"))


def test_a_refusal_is_replayed_too(engine, book):
    a, b, _ = book.members
    with pytest.raises(ledger.InsufficientFunds):
        pay(engine, a, b, "5.00", idempotency=ledger.Idempotency("t", "k"))
    pay(engine, book.system, a, "10.00")
    key = ledger.Idempotency("t", "k")
    with pytest.raises(ledger.InsufficientFunds):
        pay(engine, a, b, "5.00", idempotency=key)
    assert key.replayed


def test_statement_shows_a_running_balance_over_a_period(engine, book):
    a, b, _ = book.members
    start = datetime.now(UTC)
    pay(engine, book.system, a, "10.00")
    pay(engine, a, b, "3.00")
    middle = datetime.now(UTC)
    pay(engine, a, b, "2.00")
    whole = ledger.statement(engine, a)
    assert [line["balance"] for line in whole["lines"]] == ["10.00", "7.00", "5.00"]
    tail = ledger.statement(engine, a, start=middle)
    assert (tail["opening_balance"], tail["closing_balance"]) == ("7.00", "5.00")
    assert ledger.statement(engine, a, end=start)["lines"] == []
    as_of = {r["account_id"]: r["balance"] for r in ledger.balances_as_of(engine, middle)}
    assert (as_of[a], as_of[b]) == ("7.00", "3.00")


def test_trial_balance_sums_to_zero_in_every_currency(engine, book):
    other = make_book(engine, "SOL", scale=0, limits=((-5, None),))
    pay(engine, book.system, book.members[0], "10.00")
    ledger.transfer(engine, [{"from": other.members[0], "to": other.system, "amount": "5"}])
    totals = ledger.trial_balance(engine)["totals"]
    assert [(t["currency"], t["balance"]) for t in totals] == [("EUR", "0.00"), ("SOL", "0")]
    assert {t["debits"] for t in totals} == {"10.00", "5"}


def test_accounts_are_listed_a_page_at_a_time_for_the_owners_given(engine, book):
    a, b, c = book.members  # member:0, member:1, member:2; then the unowned system account
    mine = ledger.list_accounts(engine, owner_refs=["member:0", "member:2"])
    assert [x["id"] for x in mine] == [a, c]
    assert ledger.list_accounts(engine, owner_refs=[]) == []
    every = [x["id"] for x in ledger.list_accounts(engine)]
    assert every == sorted([book.system, a, b, c])
    first = ledger.list_accounts(engine, limit=2)
    rest = ledger.list_accounts(engine, after=first[-1]["id"], limit=2)
    assert [x["id"] for x in first + rest] == every
    assert ledger.list_accounts(engine, after=every[-1]) == []


def test_accounts_list_by_owner_and_limits_default_to_no_overdraft(engine, book):
    account = ledger.create_account(engine, "EUR", "shop", owner_ref=42)
    assert account["min_balance"] == "0.00" and account["max_balance"] is None
    assert [a["id"] for a in ledger.list_accounts(engine, owner_ref=42)] == [account["id"]]
    unbounded = ledger.create_account(engine, "EUR", "sys", min_balance=None)
    assert unbounded["available"] is None
    with pytest.raises(ledger.ValidationError):
        ledger.create_account(engine, "XXX", "nope")
    with pytest.raises(ledger.Conflict):
        ledger.create_currency(engine, "EUR", "Euro", 2, "fiat")


def test_a_transfer_joins_the_callers_transaction(engine, book):
    with engine.connect() as conn:
        with conn.begin() as outer:
            pay(conn, book.system, book.members[0], "4.00")
            with pytest.raises(ledger.InsufficientFunds):
                pay(conn, book.members[0], book.members[1], "9.00")
            outer.rollback()
    assert balance(engine, book.members[0]) == "0.00"
    assert ledger.list_transfers(engine)["items"] == []


def test_a_statement_goes_a_page_at_a_time_with_its_running_balance(engine, book):
    a, b, _ = book.members
    first = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(7):
        pay(engine, book.system, a, f"{day + 1}.00", now=first + timedelta(days=day))
    whole = ledger.statement(engine, a)
    pages, after = [], None
    while True:
        page = ledger.statement(engine, a, limit=3, after=after)
        pages.append(page)
        after = page["next"]
        if after is None:
            break
    assert [len(p["lines"]) for p in pages] == [3, 3, 1]
    assert [line for p in pages for line in p["lines"]] == whole["lines"]
    assert [p["opening_balance"] for p in pages] == ["0.00", "6.00", "21.00"]
    assert [p["closing_balance"] for p in pages] == ["6.00", "21.00", "28.00"]
    # Within a period, the pages start from the period's opening balance.
    since = ledger.statement(engine, a, start=first + timedelta(days=2), limit=2)
    assert (since["opening_balance"], since["closing_balance"]) == ("3.00", "10.00")
    rest = ledger.statement(engine, a, start=first + timedelta(days=2), limit=10,
                            after=since["next"])
    assert [line["amount"] for line in rest["lines"]] == ["5.00", "6.00", "7.00"]
    assert rest["next"] is None and rest["opening_balance"] == "10.00"
    with pytest.raises(ledger.ValidationError):
        ledger.statement(engine, a, limit=0)
