"""Verification: recompute every transfer hash, the event chain and every stored balance."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger import sealer
from ledger.core import rules
from ledger.core.hashing import GENESIS, event_hash, transfer_hash
from ledger.core.model import Delta
from ledger.store import repo
from ledger.store.tables import accounts, events, transfers

CHUNK = 5000
#: (status before, event kind) -> status after, replayed from the event log.
EVENT_TRANSITIONS = {
    (None, "created"): None,  # the payload says pending or posted
    (None, "reversed"): "posted",
    ("pending", "posted"): "posted",
    ("pending", "voided"): "voided",
    ("pending", "expired"): "expired",
}


@dataclass
class Report:
    """What verify found: counts, and the first problem (None when all agree)."""

    transfers: int = 0
    events: int = 0
    sealed: int = 0
    accounts: int = 0
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, **where) -> None:
        self.problems.append({"message": message, **where})

    def as_dict(self) -> dict:
        return {"ok": self.ok, "transfers": self.transfers, "events": self.events,
                "sealed": self.sealed, "accounts": self.accounts,
                "first_problem": self.problems[0] if self.problems else None,
                "problems": len(self.problems)}


def verify(bind, *, seal: bool = True) -> dict:
    """Check the whole ledger in one snapshot; seal the tail afterwards if all agree."""
    if isinstance(bind, Connection):
        report = _check(bind)
    else:
        options = {"isolation_level": "REPEATABLE READ"} \
            if bind.dialect.name == "postgresql" else {}
        with bind.connect().execution_options(**options) as conn, conn.begin():
            report = _check(conn)
    if seal and report.ok:
        sealer.seal(bind)
    return report.as_dict()


def _check(conn: Connection) -> Report:
    report = Report()
    _check_chain(conn, report)
    statuses = _replay_events(conn, report)
    sums = _check_transfers(conn, report, statuses)
    _check_accounts(conn, report, sums)
    return report


def _chunks(conn: Connection, query, key):
    """Stream a query in keyset pages ordered by `key`."""
    last = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = conn.execute(page.order_by(key).limit(CHUNK)).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        last = getattr(rows[-1], key.name)


def _check_chain(conn: Connection, report: Report) -> None:
    """Walk the sealed chain in position order, recomputing every link."""
    prev, expected = GENESIS, 1
    query = select(events).where(events.c.position.is_not(None))
    for row in _chunks(conn, query, events.c.position):
        report.sealed += 1
        where = {"event_seq": row.seq, "transfer_id": row.transfer_id, "position": row.position}
        digest = event_hash(prev, position=row.position, seq=row.seq, kind=row.kind,
                            transfer_id=row.transfer_id, payload=row.payload,
                            created_at=row.created_at)
        if row.position != expected or row.prev_hash != prev:
            report.fail(f"Event chain broken at position {expected}.", **where)
        elif row.hash != digest:
            report.fail(f"Event {row.seq} (transfer {row.transfer_id}) does not match "
                        "its hash.", **where)
        prev, expected = row.hash, row.position + 1


def _replay_events(conn: Connection, report: Report) -> dict[int, tuple]:
    """Replay the log in seq order: each transfer's status and hash as the events tell it."""
    told: dict[int, tuple] = {}
    query = select(events.c.seq, events.c.kind, events.c.transfer_id, events.c.payload,
                   events.c.position, events.c.hash)
    for row in _chunks(conn, query, events.c.seq):
        report.events += 1
        if row.position is None and row.hash is not None:
            report.fail(f"Event {row.seq} carries a hash outside the chain.",
                        event_seq=row.seq, transfer_id=row.transfer_id)
        status, digest = told.get(row.transfer_id, (None, None))
        after = EVENT_TRANSITIONS.get((status, row.kind), "invalid")
        if after is None:
            after = row.payload.get("status")
        if after == "invalid" or after != row.payload.get("status") \
                or digest not in (None, row.payload.get("hash")):
            report.fail(f"Events of transfer {row.transfer_id} are inconsistent at event "
                        f"{row.seq} ({row.kind}).", event_seq=row.seq,
                        transfer_id=row.transfer_id)
        told[row.transfer_id] = (after, row.payload.get("hash"))
    return told


def _check_transfers(conn: Connection, report: Report, told: dict) -> dict[int, Delta]:
    """Recompute each transfer's hash and sum its postings by the status the events tell."""
    sums: dict[int, Delta] = {}
    for page in _pages(conn):
        found = repo.load_postings(conn, [row.id for row in page])
        for row in page:
            report.transfers += 1
            items = found.get(row.id, [])
            status, logged = told.pop(row.id, (None, None))
            digest = transfer_hash(items, created_at=row.created_at, pending=row.pending,
                                   expires_at=row.expires_at, description=row.description,
                                   reference=row.reference, metadata=row.metadata,
                                   reverses=row.reverses, placed_by=row.placed_by,
                                   post_by=row.post_by)
            where = {"transfer_id": row.id}
            if logged is None:
                report.fail(f"Transfer {row.id} has no event in the log.", **where)
            elif not items or digest != row.hash or logged != row.hash:
                report.fail(f"Transfer {row.id} does not match its hash.", **where)
            elif status != row.status:
                report.fail(f"Transfer {row.id} is {row.status} but its events say "
                            f"{status}.", **where)
            deltas = (rules.create_deltas(items, False) if status == "posted" else
                      rules.create_deltas(items, True) if status == "pending" else {})
            for account_id, delta in deltas.items():
                sums.setdefault(account_id, Delta()).add(delta)
    for transfer_id in sorted(told):
        report.fail(f"Transfer {transfer_id} has events but no row.", transfer_id=transfer_id)
    return sums


def _pages(conn: Connection):
    """Transfers in pages of CHUNK rows, by id."""
    last = 0
    while True:
        page = conn.execute(select(transfers).where(transfers.c.id > last)
                            .order_by(transfers.c.id).limit(CHUNK)).all()
        if page:
            yield page
        if len(page) < CHUNK:
            return
        last = page[-1].id


def _check_accounts(conn: Connection, report: Report, sums: dict[int, Delta]) -> None:
    """Compare every stored balance with the sums recomputed from postings and events."""
    query = select(accounts.c.id, accounts.c.posted_debits, accounts.c.posted_credits,
                   accounts.c.pending_debits, accounts.c.pending_credits)
    for row in _chunks(conn, query, accounts.c.id):
        report.accounts += 1
        want = sums.pop(row.id, Delta())
        stored = (row.posted_debits, row.posted_credits, row.pending_debits,
                  row.pending_credits)
        if stored != (want.posted_debits, want.posted_credits, want.pending_debits,
                      want.pending_credits):
            report.fail(f"Account {row.id}: stored balances differ from its postings.",
                        account_id=row.id)
