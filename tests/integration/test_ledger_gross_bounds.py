"""Gross sums stay bounded: postings that cancel out cannot grow an account past 64 bits."""

import pytest
from sqlalchemy import select

import ledger
from ledger.core.model import MAX_ACCOUNT_SUM, MAX_TRANSFER
from ledger.core.money import MAX_MINOR
from ledger.store.tables import accounts
from ledger.testing import invariant_problems, make_book
from tests.integration.ledger_api_helpers import make_world, snapshot

#: The largest amount a posting may carry, in minor units.
BIG = MAX_MINOR - 1


@pytest.fixture
def book(db):
    """Two unbounded accounts: limits never stop them, only the gross bounds do."""
    return make_book(db.engine, "BIG", scale=0, limits=((None, None), (None, None)))


def round_trip(book, times: int = 1) -> list[dict]:
    """Postings a -> b and b -> a of the largest amount: zero net effect on both."""
    a, b = book.members
    return [{"from": a, "to": b, "amount": BIG}, {"from": b, "to": a, "amount": BIG}] * times


def stored_sums(db, account_id: int) -> tuple:
    with db.engine.connect() as conn:
        row = conn.execute(select(accounts.c.posted_debits, accounts.c.posted_credits,
                                  accounts.c.pending_debits, accounts.c.pending_credits)
                           .where(accounts.c.id == account_id)).one()
    return tuple(row)


def test_a_transfer_whose_postings_add_up_past_the_bound_is_an_invalid_amount(db, book):
    postings = round_trip(book, times=MAX_TRANSFER // (2 * BIG) + 1)
    with pytest.raises(ledger.InvalidAmount) as caught:
        ledger.transfer(db.engine, postings)
    assert caught.value.code == "invalid_amount"
    assert stored_sums(db, book.members[0]) == (0, 0, 0, 0)


@pytest.mark.parametrize("pending", [False, True])
def test_zero_net_transfers_cannot_grow_an_account_past_its_bound(db, book, pending):
    per_transfer = MAX_TRANSFER // (2 * BIG)
    written = 0
    with pytest.raises(ledger.InvalidAmount):
        for _ in range(MAX_ACCOUNT_SUM // (per_transfer * BIG) + 2):
            made = ledger.transfer(db.engine, round_trip(book, per_transfer), pending=pending)
            if pending:
                ledger.post_pending(db.engine, made["id"])
            written += 1
    debits, credits, *_ = stored_sums(db, book.members[0])
    assert isinstance(debits, int) and isinstance(credits, int)  # never a float on SQLite
    assert debits == credits == written * per_transfer * BIG <= MAX_ACCOUNT_SUM
    assert invariant_problems(db.engine, "BIG") == []
    assert ledger.verify(db.engine)["ok"]


def test_a_reversal_cannot_grow_an_account_past_its_bound_either(db, book):
    per_transfer = MAX_TRANSFER // (2 * BIG)
    made = [ledger.transfer(db.engine, round_trip(book, per_transfer))]
    with pytest.raises(ledger.InvalidAmount):
        for _ in range(MAX_ACCOUNT_SUM // (per_transfer * BIG) + 2):
            made.append(ledger.transfer(db.engine, round_trip(book, per_transfer)))
    before = stored_sums(db, book.members[0])
    with pytest.raises(ledger.InvalidAmount):
        ledger.reverse(db.engine, made[0]["id"])
    assert stored_sums(db, book.members[0]) == before


def test_over_http_growing_an_account_past_its_bound_is_a_422_that_writes_nothing(
        client, db):
    world = make_world(db)
    a, line = world.accounts["a"], world.accounts["a_line"]
    big = f"{BIG // 100}.{BIG % 100:02d}"
    body = {"postings": [{"from": a, "to": line, "amount": big},
                         {"from": line, "to": a, "amount": big}] * 5}
    headers = world.as_("treasurer_a")
    for _ in range(MAX_ACCOUNT_SUM // (5 * BIG) + 2):
        before = snapshot(db)
        response = client.post("/api/v1/transfers", json=body, headers=headers)
        if response.status_code != 201:
            break
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_amount"
    assert snapshot(db) == before
