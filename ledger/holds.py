"""Two-phase transfers: post or void a hold, and expire holds past their timeout."""

from datetime import datetime

from sqlalchemy import func, select, union_all, update
from sqlalchemy.engine import Connection

from ledger.core import rules
from ledger.core.errors import InvalidState
from ledger.core.model import AccountState, Delta
from ledger.idempotency import CommitThenRaise
from ledger.serialize import transfer_dict
from ledger.store import repo
from ledger.store.repo import Locked
from ledger.store.tables import postings, transfers
from ledger.store.tx import in_transaction
from ledger.store.types import now_utc

#: What each action does to a pending transfer: (new status, deltas of its postings).
HOLD_TRANSITIONS = {
    "post": ("posted", rules.post_deltas),
    "void": ("voided", rules.release_deltas),
}


def resolve(conn: Connection, transfer_id: int, action: str, now: datetime,
            by: str | None = None, controls=None):
    """Post or void one pending transfer, at most once; an overdue hold expires instead.

    With `controls` the caller `by` must be one the hold's rule names (rules.check_resolver).
    """
    row = repo.lock_transfer(conn, transfer_id)
    items = repo.load_postings(conn, [transfer_id]).get(transfer_id, [])
    if controls is not None and row.status == "pending":
        owners = repo.owners_of(conn, {a for p in items for a in (p.source, p.target)})
        rules.check_resolver(action, row._mapping, items, owners, by, controls)
    if row.status != "pending":
        raise InvalidState(f"Transfer {transfer_id} is {row.status}, not pending.",
                           transfer_id=transfer_id, status=row.status)
    if row.expires_at is not None and row.expires_at <= now:
        expire(conn, [transfer_id], Locked(), now)
        return CommitThenRaise(InvalidState(
            f"Transfer {transfer_id} expired at {row.expires_at.isoformat()}.",
            transfer_id=transfer_id, status="expired"))
    locked = repo.lock_accounts(conn, {p.source for p in items} | {p.target for p in items})
    status, deltas_of = HOLD_TRANSITIONS[action]
    if action == "post":
        rules.check_movable(locked.accounts, locked.accounts)
    deltas = deltas_of(items)
    rules.check_sums(deltas, locked.accounts)
    rules.apply_deltas(deltas, locked.accounts)
    repo.update_accounts(conn, deltas, locked)
    repo.set_status(conn, transfer_id, status, now if status == "posted" else None)
    repo.insert_events(conn, [{"kind": status, "transfer_id": transfer_id, "created_at": now,
                               "payload": {"hash": row.hash, "status": status}}])
    fields = {**row._mapping, "status": status,
              "posted_at": now if status == "posted" else None}
    return transfer_dict(fields, items, locked.scales, now)


def overdue(conn: Connection, now: datetime, account_ids=None, limit: int = 500) -> list[int]:
    """Lock and return the ids of pending transfers past their timeout."""
    query = (select(transfers.c.id)
             .where(transfers.c.status == "pending", transfers.c.expires_at <= now)
             .order_by(transfers.c.id).limit(limit).with_for_update())
    if account_ids is None:
        return list(conn.execute(query).scalars())
    found: set[int] = set()
    for run in repo.chunked(sorted(account_ids)):
        touching = union_all(
            select(postings.c.transfer_id).where(postings.c.debit_account_id.in_(run)),
            select(postings.c.transfer_id).where(postings.c.credit_account_id.in_(run)))
        found.update(conn.execute(query.where(
            transfers.c.id.in_(touching.scalar_subquery()))).scalars())
    return sorted(found)[:limit]


def expire(conn: Connection, transfer_ids: list[int], locked: Locked, now: datetime) -> int:
    """Expire locked, overdue holds: release their reservations and record the events."""
    if not transfer_ids:
        return 0
    items = repo.load_postings(conn, transfer_ids)
    touched = {a for ps in items.values() for p in ps for a in (p.source, p.target)}
    repo.lock_accounts(conn, touched, into=locked)
    deltas: dict[int, Delta] = {}
    for ps in items.values():
        for account_id, delta in rules.release_deltas(ps).items():
            deltas.setdefault(account_id, Delta()).add(delta)
    rules.apply_deltas(deltas, locked.accounts)
    conn.execute(update(transfers).where(transfers.c.id.in_(transfer_ids))
                 .values(status="expired"))
    hashes = dict(conn.execute(select(transfers.c.id, transfers.c.hash)
                               .where(transfers.c.id.in_(transfer_ids))).all())
    locked.hold_expires_at.update(next_expiries(conn, touched))
    for account_id in touched:
        deltas.setdefault(account_id, Delta())  # so that its hold expiry is rewritten
    repo.update_accounts(conn, deltas, locked)
    repo.insert_events(conn, [
        {"kind": "expired", "transfer_id": tid, "created_at": now,
         "payload": {"hash": hashes[tid], "status": "expired"}} for tid in sorted(transfer_ids)])
    return len(transfer_ids)


def next_expiries(conn: Connection, account_ids) -> dict[int, datetime | None]:
    """The earliest expiry among the holds still pending on each account."""
    ids = sorted(account_ids)
    found = {account_id: None for account_id in ids}
    for run in repo.chunked(ids):
        legs = union_all(
            select(postings.c.debit_account_id.label("account_id"), postings.c.transfer_id)
            .where(postings.c.debit_account_id.in_(run)),
            select(postings.c.credit_account_id.label("account_id"), postings.c.transfer_id)
            .where(postings.c.credit_account_id.in_(run))).subquery()
        query = (select(legs.c.account_id, func.min(transfers.c.expires_at))
                 .join(transfers, transfers.c.id == legs.c.transfer_id)
                 .where(transfers.c.status == "pending", transfers.c.expires_at.is_not(None))
                 .group_by(legs.c.account_id))
        found.update(dict(conn.execute(query).all()))
    return found


def expire_due(conn: Connection, locked: Locked, now: datetime) -> None:
    """Expire, inside a writing transaction, the overdue holds on accounts it has locked."""
    due = locked.due(now)
    if due:
        expire(conn, overdue(conn, now, due, limit=10_000), locked, now)


def released_state(conn: Connection, row, state: AccountState, now: datetime) -> AccountState:
    """The state of an account once its overdue holds are released (read only)."""
    if row["hold_expires_at"] is None or row["hold_expires_at"] > now:
        return state
    account_id = row["id"]
    query = (select(transfers.c.id).where(transfers.c.status == "pending",
                                          transfers.c.expires_at <= now)
             .where(transfers.c.id.in_(union_all(
                 select(postings.c.transfer_id).where(postings.c.debit_account_id == account_id),
                 select(postings.c.transfer_id)
                 .where(postings.c.credit_account_id == account_id)).scalar_subquery())))
    due = list(conn.execute(query).scalars())
    for items in repo.load_postings(conn, due).values():
        if (delta := rules.release_deltas(items).get(account_id)) is not None:
            delta.apply(state)
    return state


def expire_holds(bind, *, now: datetime | None = None) -> int:
    """Record the expiry of every hold past its timeout; return how many expired."""
    at = now or now_utc()
    total = 0
    while True:
        count = in_transaction(bind, lambda conn: expire(conn, overdue(conn, at), Locked(), at))
        total += count
        if count < 500:
            return total
