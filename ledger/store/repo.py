"""Reads and writes of the ledger's rows, few round trips each (Core, executemany, RETURNING)."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from ledger.core.errors import TransferNotFound
from ledger.core.model import AccountState, Delta, Posting
from ledger.store import sqliteraw
from ledger.store.tables import accounts, currencies, events, postings, transfers

_LOCK_ACCOUNTS = (
    select(accounts.c.id, accounts.c.currency, accounts.c.status, accounts.c.min_balance,
           accounts.c.max_balance, accounts.c.posted_debits, accounts.c.posted_credits,
           accounts.c.pending_debits, accounts.c.pending_credits, accounts.c.hold_expires_at,
           currencies.c.scale)
    .join(currencies, currencies.c.code == accounts.c.currency)
    .where(accounts.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(accounts.c.id)
    # FOR NO KEY UPDATE: the foreign-key checks of postings (FOR KEY SHARE) do not wait on
    # it, so ledger_apply can insert its rows before it locks the accounts.
    .with_for_update(of=accounts, key_share=True)
)

_UPDATE_ACCOUNT = (
    update(accounts)
    .where(accounts.c.id == bindparam("b_id"))
    .values(posted_debits=accounts.c.posted_debits + bindparam("b_pd"),
            posted_credits=accounts.c.posted_credits + bindparam("b_pc"),
            pending_debits=accounts.c.pending_debits + bindparam("b_qd"),
            pending_credits=accounts.c.pending_credits + bindparam("b_qc"),
            hold_expires_at=bindparam("b_hx"))
)


#: Most ids one statement names: a batch may name tens of thousands of accounts, more than
#: a statement may carry parameters (65,535 on PostgreSQL, 32,766 in SQLite's default build).
CHUNK = 1000


def chunked(ids: list) -> list[list]:
    """``ids`` in runs of CHUNK, order kept (ascending ids stay ascending across runs)."""
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _sqlite(conn: Connection) -> bool:
    # SQLite's hot statements skip SQLAlchemy's execution layer (ledger.store.sqliteraw).
    return conn.dialect.name == "sqlite"


class Locked:
    """Accounts locked for the rest of a transaction: states, scales and hold expiries."""

    def __init__(self) -> None:
        self.accounts: dict[int, AccountState] = {}
        self.scales: dict[str, int] = {}
        self.hold_expires_at: dict[int, datetime | None] = {}

    def due(self, now: datetime) -> list[int]:
        """Ids of locked accounts that may carry a hold past its timeout."""
        return [i for i, at in self.hold_expires_at.items() if at is not None and at <= now]


def lock_accounts(conn: Connection, ids: Iterable[int], into: Locked | None = None) -> Locked:
    """Lock accounts in ascending id order (PostgreSQL FOR UPDATE; SQLite holds the db lock)."""
    locked = into or Locked()
    wanted = sorted(set(ids) - locked.accounts.keys())
    rows = [row for run in chunked(wanted)
            for row in (sqliteraw.lock_accounts(conn, run) if _sqlite(conn)
                        else conn.execute(_LOCK_ACCOUNTS, {"ids": run}))]
    for *state, hold_expires_at, scale in rows:
        locked.accounts[state[0]] = AccountState(*state)
        locked.scales[state[1]] = scale
        locked.hold_expires_at[state[0]] = hold_expires_at
    return locked


def update_accounts(conn: Connection, deltas: Mapping[int, Delta], locked: Locked) -> None:
    """Add deltas to the stored sums of locked accounts, in one executemany."""
    rows = []
    for account_id in sorted(deltas):
        d = deltas[account_id]
        rows.append({"b_id": account_id, "b_pd": d.posted_debits, "b_pc": d.posted_credits,
                     "b_qd": d.pending_debits, "b_qc": d.pending_credits,
                     "b_hx": locked.hold_expires_at.get(account_id)})
    if rows and _sqlite(conn):
        sqliteraw.update_accounts(conn, [tuple(row.values()) for row in rows])
    elif rows:
        conn.execute(_UPDATE_ACCOUNT, rows)


def insert_transfers(conn: Connection, rows: list[dict]) -> list[int]:
    """Insert transfers in one statement and return their ids in the same order."""
    if _sqlite(conn):
        return sqliteraw.insert(conn, transfers, rows, returning_ids=True)
    stmt = insert(transfers).returning(transfers.c.id, sort_by_parameter_order=True)
    if len(rows) == 1:
        return [conn.execute(stmt, rows[0]).scalar_one()]
    return list(conn.execute(stmt, rows).scalars())


def insert_postings(conn: Connection, transfer_postings: Iterable[tuple[int, Iterable[Posting]]]
                    ) -> None:
    """Insert the postings of several transfers in one statement."""
    rows = [{"transfer_id": tid, "debit_account_id": p.source, "credit_account_id": p.target,
             "amount": p.amount, "currency": p.currency}
            for tid, items in transfer_postings for p in items]
    if _sqlite(conn):
        sqliteraw.insert(conn, postings, rows)
    else:
        conn.execute(insert(postings), rows)


def insert_events(conn: Connection, rows: list[dict]) -> None:
    """Append events to the log (unsealed: the sealer chains them later)."""
    if rows and _sqlite(conn):
        sqliteraw.insert(conn, events, rows)
    elif rows:
        conn.execute(insert(events), rows)


def lock_transfer(conn: Connection, transfer_id: int):
    """Lock one transfer row for a change of status, or raise TransferNotFound."""
    if isinstance(transfer_id, bool) or not isinstance(transfer_id, int):
        raise TransferNotFound(f"Transfer {transfer_id!r} does not exist.")
    row = conn.execute(select(transfers).where(transfers.c.id == transfer_id)
                       .with_for_update()).one_or_none()
    if row is None:
        raise TransferNotFound(f"Transfer {transfer_id} does not exist.",
                               transfer_id=transfer_id)
    return row


def load_postings(conn: Connection, transfer_ids: Iterable[int]) -> dict[int, list[Posting]]:
    """Return the postings of the given transfers, in insertion order."""
    found: dict[int, list[Posting]] = {}
    for run in chunked(list(transfer_ids)):
        query = (select(postings.c.transfer_id, postings.c.debit_account_id,
                        postings.c.credit_account_id, postings.c.amount, postings.c.currency)
                 .where(postings.c.transfer_id.in_(run)).order_by(postings.c.id))
        for row in conn.execute(query):
            found.setdefault(row.transfer_id, []).append(
                Posting(row.debit_account_id, row.credit_account_id, row.amount, row.currency))
    return found


def owners_of(conn: Connection, account_ids) -> dict[int, str | None]:
    """Map each existing account among `account_ids` to its owner_ref."""
    found = {}
    for run in chunked(sorted(set(account_ids))):
        query = select(accounts.c.id, accounts.c.owner_ref).where(accounts.c.id.in_(run))
        found.update({row.id: row.owner_ref for row in conn.execute(query)})
    return found


def load_scales(conn: Connection) -> dict[str, int]:
    """Return every currency's scale."""
    return dict(conn.execute(select(currencies.c.code, currencies.c.scale)).all())


def set_status(conn: Connection, transfer_id: int, status: str,
               posted_at: datetime | None = None) -> None:
    """Change the status of a pending transfer (the only update a transfer ever gets)."""
    values = {"status": status}
    if posted_at is not None:
        values["posted_at"] = posted_at
    conn.execute(update(transfers).where(transfers.c.id == transfer_id).values(**values))
