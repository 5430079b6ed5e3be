"""On SQLite the ledger writes its hot rows on the driver's connection (ledger.store.sqliteraw):
what it stores must be exactly what SQLAlchemy would have stored, and errors must mean the
same."""

import pytest
from sqlalchemy import insert, select, update

import ledger
from ledger.store.tables import accounts, events, transfers
from ledger.testing import make_book

pytestmark = pytest.mark.sqlite_only

STORED = "SELECT {columns} FROM {table} WHERE {key} IN ({a}, {b}) ORDER BY {key}"


def stored_text(conn, table, key, a, b, columns):
    """The two rows as SQLite holds them (text, integers), not as SQLAlchemy reads them."""
    sql = STORED.format(columns=", ".join(columns), table=table.name, key=key, a=a, b=b)
    return [tuple(row) for row in conn.exec_driver_sql(sql)]


def test_rows_are_stored_as_sqlalchemy_stores_them(db):
    engine = db.engine
    book = make_book(engine, "RAW", limits=((0, None),))
    ledger.transfer(engine, [{"from": book.system, "to": book.members[0], "amount": "50.00"}])
    held = ledger.hold(engine, [{"from": book.members[0], "to": book.system,
                                 "amount": "12.34"}], timeout_seconds=600,
                       reference="raw-1", description="Réservé", metadata={"lot": "é", "n": 2})
    with engine.begin() as conn:
        row = conn.execute(select(transfers).where(transfers.c.id == held["id"])).one()._asdict()
        copy = conn.execute(insert(transfers).values(
            {**row, "id": None, "reference": "raw-2"}).returning(transfers.c.id)).scalar_one()
        columns = ("status", "pending", "expires_at", "description", "metadata", "created_at",
                   "posted_at", "hash")
        mine, theirs = stored_text(conn, transfers, "id", held["id"], copy, columns)
        assert mine == theirs

        event = conn.execute(select(events).where(events.c.transfer_id == held["id"])
                             ).one()._asdict()
        again = conn.execute(insert(events).values(
            {**event, "seq": None, "position": None, "prev_hash": None, "hash": None,
             "transfer_id": copy}).returning(events.c.seq)).scalar_one()
        mine, theirs = stored_text(conn, events, "seq", event["seq"], again,
                                   ("kind", "payload", "created_at"))
        assert mine == theirs

        account = conn.execute(select(accounts).where(accounts.c.id == book.members[0])
                               ).one()._asdict()
        before = stored_text(conn, accounts, "id", account["id"], account["id"],
                             ("hold_expires_at", "pending_debits"))
        conn.execute(update(accounts).where(accounts.c.id == account["id"])
                     .values(hold_expires_at=account["hold_expires_at"]))
        after = stored_text(conn, accounts, "id", account["id"], account["id"],
                            ("hold_expires_at", "pending_debits"))
        assert before == after
        assert before[0][0] is not None and before[0][1] == 1234
        conn.rollback()
    assert ledger.verify(engine)["ok"]


def test_driver_errors_mean_what_they_mean_on_the_core_path(db):
    engine = db.engine
    book = make_book(engine, "RAW", limits=((None, None),))
    legs = [{"from": book.members[0], "to": book.system, "amount": "1.00"}]
    ledger.transfer(engine, legs, reference="once")
    with pytest.raises(ledger.Conflict):
        ledger.transfer(engine, legs, reference="once")
    assert len(ledger.list_transfers(engine)["items"]) == 1
