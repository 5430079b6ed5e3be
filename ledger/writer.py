"""The write path shared by transfers, reversals and batches: check in memory, write in bulk."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ledger.core import rules
from ledger.core.errors import ValidationError
from ledger.core.hashing import transfer_hash
from ledger.core.model import POST_RULES, Posting
from ledger.serialize import transfer_dict
from ledger.store import repo
from ledger.store.repo import Locked

MAX_TIMEOUT = 366 * 24 * 3600


@dataclass
class NewTransfer:
    """A checked transfer, ready to be written."""

    postings: tuple[Posting, ...]
    description: str = ""
    reference: str | None = None
    metadata: dict = field(default_factory=dict)
    pending: bool = False
    expires_at: datetime | None = None
    reverses: int | None = None
    event: str = "created"
    placed_by: str | None = None
    post_by: str | None = None


def request_of(raw: Mapping, placed_by: str | None = None) -> dict:
    """Normalise one transfer request, refusing malformed fields before touching the db.

    `placed_by` is who makes it (the caller's word, not the request's).
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("A transfer is an object.", fields={"transfer": ["Not an object."]})
    description = raw.get("description") or ""
    reference = raw.get("reference")
    metadata = raw.get("metadata") or {}
    pending = raw.get("pending", False)
    timeout = raw.get("timeout_seconds")
    post_by = raw.get("post_by")
    fields = {}
    if not isinstance(description, str) or len(description) > 500 or "\x00" in description:
        fields["description"] = ["A text of at most 500 characters."]
    if reference is not None and (not isinstance(reference, str) or not 0 < len(reference) <= 128
                                  or "\x00" in reference):
        fields["reference"] = ["A text of 1 to 128 characters."]
    if not isinstance(metadata, dict):
        fields["metadata"] = ["An object."]
    if not isinstance(pending, bool):
        fields["pending"] = ["true or false."]
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int)
                                or not 0 < timeout <= MAX_TIMEOUT or not pending):
        fields["timeout_seconds"] = ["A positive number of seconds, for a pending transfer."]
    if placed_by is not None and (not isinstance(placed_by, str) or not 0 < len(placed_by) <= 128):
        fields["placed_by"] = ["A text of 1 to 128 characters."]
    if post_by is not None and (post_by not in POST_RULES or pending is not True):
        fields["post_by"] = [f"One of {', '.join(POST_RULES)}, for a pending transfer."]
    if fields:
        raise ValidationError("The transfer is not valid.", fields=fields)
    rules.posting_account_ids(raw.get("postings"))
    postings = [p if isinstance(p, Mapping) else
                {"from": p.source, "to": p.target, "amount": p.amount, "currency": p.currency}
                for p in raw["postings"]]
    return {"postings": postings, "description": description,
            "reference": reference, "metadata": metadata, "pending": pending,
            "timeout_seconds": timeout, "post_by": (post_by or "placer") if pending else None,
            "placed_by": placed_by}


def account_ids(requests: list) -> list[int]:
    """The accounts that normalised requests name, ascending (a batch's errors skipped)."""
    return sorted({a for r in requests if isinstance(r, dict)
                   for p in r["postings"] for a in (p["from"], p["to"])})


def check(request: dict, locked: Locked, now: datetime) -> NewTransfer:
    """Check one normalised request against locked accounts and reserve its effect in memory."""
    postings = rules.resolve_postings(request["postings"], locked.accounts, locked.scales)
    touched = {p.source for p in postings} | {p.target for p in postings}
    rules.check_movable(touched, locked.accounts)
    rules.check_limits(postings, locked.accounts, locked.scales)
    item = new_transfer(request, postings, now)
    reserve(item, locked)
    return item


def new_transfer(request: dict, postings: tuple[Posting, ...], now: datetime) -> NewTransfer:
    """The transfer a normalised request makes with its resolved postings."""
    timeout = request["timeout_seconds"]
    return NewTransfer(postings, request["description"], request["reference"],
                       request["metadata"], request["pending"],
                       now + timedelta(seconds=timeout) if timeout else None,
                       placed_by=request["placed_by"], post_by=request["post_by"])


def reserve(item: NewTransfer, locked: Locked) -> None:
    """Apply a transfer to the locked states, so later items of a batch see it; refuse it
    if an account's stored sums would pass their bound."""
    deltas = rules.create_deltas(item.postings, item.pending)
    rules.check_sums(deltas, locked.accounts)
    rules.apply_deltas(deltas, locked.accounts)
    if item.expires_at is not None:
        for account_id in deltas:
            current = locked.hold_expires_at.get(account_id)
            if current is None or item.expires_at < current:
                locked.hold_expires_at[account_id] = item.expires_at


def write(conn, items: list[NewTransfer], locked: Locked, now: datetime) -> list[dict]:
    """Write checked transfers, their postings, the account sums and the events, in bulk."""
    rows = [transfer_row(item, now) for item in items]
    ids = repo.insert_transfers(conn, rows)
    repo.insert_postings(conn, zip(ids, (item.postings for item in items), strict=True))
    deltas: dict = {}
    for item in items:
        for account_id, delta in rules.create_deltas(item.postings, item.pending).items():
            deltas.setdefault(account_id, type(delta)()).add(delta)
    repo.update_accounts(conn, deltas, locked)
    repo.insert_events(conn, [
        {"kind": item.event, "transfer_id": tid, "created_at": now,
         "payload": {"hash": row["hash"], "status": row["status"]}}
        for tid, item, row in zip(ids, items, rows, strict=True)])
    return [transfer_dict({**row, "id": tid}, item.postings, locked.scales, now)
            for tid, item, row in zip(ids, items, rows, strict=True)]


def transfer_row(item: NewTransfer, now: datetime) -> dict:
    """The ledger_transfers row of a checked transfer, its hash included."""
    digest = transfer_hash(item.postings, created_at=now, pending=item.pending,
                           expires_at=item.expires_at, description=item.description,
                           reference=item.reference, metadata=item.metadata,
                           reverses=item.reverses, placed_by=item.placed_by,
                           post_by=item.post_by)
    return {"status": "pending" if item.pending else "posted", "pending": item.pending,
            "expires_at": item.expires_at, "reference": item.reference,
            "description": item.description, "metadata": item.metadata,
            "reverses": item.reverses, "created_at": now,
            "posted_at": None if item.pending else now, "hash": digest,
            "placed_by": item.placed_by, "post_by": item.post_by}
