"""Small reads for the ledger's API and pages: who owns accounts, a transfer's events."""

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger.accounts import read
from ledger.serialize import iso
from ledger.store import repo
from ledger.store.tables import accounts, events

#: Largest account or transfer id (a signed 64-bit column).
MAX_ID = 2**63 - 1


def account_owners(bind, account_ids) -> dict[int, str | None]:
    """Map each existing account among `account_ids` to its owner_ref, in one query."""
    wanted = sorted({i for i in account_ids
                     if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID})
    if not wanted:
        return {}
    return read(bind, lambda conn: repo.owners_of(conn, wanted))


def account_labels(bind, account_ids) -> dict[int, dict]:
    """Name, currency and owner_ref of each existing account among `account_ids`."""
    wanted = sorted(set(account_ids))
    query = (select(accounts.c.id, accounts.c.name, accounts.c.currency, accounts.c.owner_ref)
             .where(accounts.c.id.in_(wanted)))
    return read(bind, lambda conn: {row.id: dict(row._mapping)
                                    for row in conn.execute(query)}) if wanted else {}


def transfer_events(bind, transfer_id: int) -> list[dict]:
    """The events of one transfer, in log order, with their place in the hash chain."""
    query = (select(events.c.seq, events.c.kind, events.c.created_at, events.c.position,
                    events.c.prev_hash, events.c.hash)
             .where(events.c.transfer_id == transfer_id).order_by(events.c.seq))

    def work(conn: Connection) -> list[dict]:
        return [{**row._mapping, "created_at": iso(row.created_at)}
                for row in conn.execute(query)]
    return read(bind, work)
