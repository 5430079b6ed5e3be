"""`flask ledger verify` catches tampering done directly in the database."""

import pytest
from sqlalchemy import delete, select, text, update

import ledger
from ledger.store.tables import accounts, events, postings, transfers
from ledger.testing import make_book


@pytest.fixture
def engine(db):
    return db.engine


@pytest.fixture
def book(engine):
    """A few transfers, a posted hold and a voided hold, all sealed."""
    book = make_book(engine, "EUR", limits=((None, None), (None, None)))
    a, b = book.members
    for amount in ("10.00", "20.00", "30.00"):
        ledger.transfer(engine, [{"from": book.system, "to": a, "amount": amount}])
    posted = ledger.hold(engine, [{"from": a, "to": b, "amount": "5.00"}])
    ledger.post_pending(engine, posted["id"])
    book.voided = ledger.hold(engine, [{"from": a, "to": b, "amount": "7.00"}])["id"]
    ledger.void_pending(engine, book.voided)
    ledger.transfer(engine, [{"from": b, "to": a, "amount": "1.00"}])
    return book


def verify(runner):
    return runner.invoke(args=["ledger", "verify"])


def test_an_honest_ledger_verifies_and_seals(runner, engine, book):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "ledger ok: 6 transfers, 8 events" in result.output
    with engine.connect() as conn:
        assert conn.execute(select(events.c.seq).where(events.c.hash.is_(None))).all() == []


def test_editing_a_postings_amount_is_caught(runner, engine, book):
    verify(runner)
    with engine.begin() as conn:
        target = conn.execute(select(postings.c.transfer_id).order_by(postings.c.id)
                              .offset(1).limit(1)).scalar_one()
        conn.execute(update(postings).where(postings.c.transfer_id == target)
                     .values(amount=postings.c.amount + 100))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"Transfer {target} does not match its hash" in result.output


def test_editing_an_unsealed_postings_amount_is_caught_too(runner, engine, book):
    with engine.begin() as conn:
        conn.execute(update(postings).where(postings.c.transfer_id == 1)
                     .values(amount=postings.c.amount + 100))
    result = verify(runner)
    assert result.exit_code == 1 and "Transfer 1 does not match its hash" in result.output


def test_flipping_a_voided_hold_to_posted_is_caught(runner, engine, book):
    verify(runner)
    with engine.begin() as conn:
        conn.execute(update(transfers).where(transfers.c.id == book.voided)
                     .values(status="posted", posted_at=transfers.c.created_at))
        a, b = book.members
        conn.execute(update(accounts).where(accounts.c.id == a)
                     .values(posted_debits=accounts.c.posted_debits + 700))
        conn.execute(update(accounts).where(accounts.c.id == b)
                     .values(posted_credits=accounts.c.posted_credits + 700))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"Transfer {book.voided} is posted but its events say voided" in result.output


def test_deleting_a_transfer_is_caught(runner, engine, book):
    verify(runner)
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.transfer_id == 2))
        conn.execute(delete(postings).where(postings.c.transfer_id == 2))
        conn.execute(delete(transfers).where(transfers.c.id == 2))
    result = verify(runner)
    assert result.exit_code == 1
    assert "Event chain broken at position 2" in result.output


def test_rewriting_an_event_is_caught(runner, engine, book):
    verify(runner)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_events SET kind = 'posted' WHERE kind = 'voided'"))
    result = verify(runner)
    assert result.exit_code == 1 and "does not match its hash" in result.output


def test_a_stored_balance_that_drifts_names_the_account(runner, engine, book):
    with engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == book.system)
                     .values(posted_debits=accounts.c.posted_debits + 1,
                             posted_credits=accounts.c.posted_credits + 1))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"Account {book.system}: stored balances differ" in result.output


def test_seal_and_expire_holds_commands_run(runner, book):
    assert "sealed 8 event(s)" in runner.invoke(args=["ledger", "seal"]).output
    assert "expired 0 hold(s)" in runner.invoke(args=["ledger", "expire-holds"]).output
