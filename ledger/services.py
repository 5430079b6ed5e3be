"""The ledger's use cases: one transaction each, explicit dependencies, plain data back.

Every function takes a SQLAlchemy Engine (it opens its own transaction and retries
conflicts) or a Connection (inside the caller's transaction: it writes in a savepoint and
the caller commits). Amounts come in as decimal strings with the currency's scale
("12.50") or ints of minor units, and go out as decimal strings.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger import fastpath, holds, idempotency, sealer, writer
from ledger.core import rules
from ledger.core.errors import Conflict, InvalidState, LedgerError, ValidationError
from ledger.core.model import MAX_BATCH, MAX_BATCH_POSTINGS
from ledger.idempotency import Idempotency, fast_key
from ledger.lookups import account_owners
from ledger.store import repo
from ledger.store.tables import transfers
from ledger.store.types import now_utc


def transfer(bind, postings: Sequence[Mapping], *, description: str = "",
             reference: str | None = None, metadata: dict | None = None,
             pending: bool = False, timeout_seconds: int | None = None,
             idempotency: Idempotency | None = None, now: datetime | None = None,
             debit_owners: Collection[str] | None = None, placed_by: str | None = None,
             post_by: str | None = None) -> dict:
    """Move money: postings [{from, to, amount, currency?}], all or nothing.

    `debit_owners`, when given, are the owner references whose accounts the caller may
    debit: any other `from` account is refused with Forbidden, before amounts and limits.
    `placed_by` records who makes the transfer (opaque, e.g. "user:12"); a hold's
    `post_by` says who may post it (ledger.core.model.POST_RULES; "placer" by default).
    """
    raw = {"postings": postings, "description": description, "reference": reference,
           "metadata": metadata, "pending": pending, "timeout_seconds": timeout_seconds,
           "post_by": post_by}
    try:
        request = writer.request_of(raw, placed_by)
    except LedgerError as error:
        return refused("transfer", bind, raw, idempotency, error)
    at = now or now_utc()
    if fastpath.usable(bind, [request]):
        if idempotency is None:
            written = fastpath.run_grouped(bind, request, at, debit_owners)
        else:
            key = fast_key("transfer", request, idempotency)
            result = fastpath.run(bind, [request], True, at, key, one=True,
                                  debit_owners=debit_owners)
            written = None if result is None else result[0]
        if written is not None:
            sealer.after_write(bind)
            return written
    return idempotency_run(bind, "transfer", request, idempotency,
                           lambda conn: _transfer(conn, request, at, debit_owners))


def hold(bind, postings: Sequence[Mapping], timeout_seconds: int | None = None, **kwargs) -> dict:
    """Reserve funds with a pending transfer, to post or void later (or let expire)."""
    return transfer(bind, postings, pending=True, timeout_seconds=timeout_seconds, **kwargs)


def _transfer(conn: Connection, request: dict, now: datetime,
              debit_owners: Collection[str] | None) -> dict:
    _check_debit_owners(conn, [request], debit_owners)
    locked = repo.lock_accounts(conn, writer.account_ids([request]))
    holds.expire_due(conn, locked, now)
    item = writer.check(request, locked, now)
    return writer.write(conn, [item], locked, now)[0]


def post_pending(bind, transfer_id: int, *, idempotency: Idempotency | None = None,
                 now: datetime | None = None, by: str | None = None,
                 controls: Collection[str] | None = None) -> dict:
    """Post a pending transfer (at most once; never once it has expired).

    With `controls` (the owners whose accounts the caller `by` controls), only a caller the
    hold's `post_by` rule names may post it (Forbidden otherwise); without, anyone may.
    """
    return idempotency_run(bind, "post", {"transfer_id": transfer_id}, idempotency,
                           lambda conn: holds.resolve(conn, transfer_id, "post",
                                                      now or now_utc(), by, controls))


def void_pending(bind, transfer_id: int, *, idempotency: Idempotency | None = None,
                 now: datetime | None = None, by: str | None = None,
                 controls: Collection[str] | None = None) -> dict:
    """Void a pending transfer, releasing what it reserved (at most once).

    With `controls`, only the one who placed it (`by` equal to its `placed_by`) may.
    """
    return idempotency_run(bind, "void", {"transfer_id": transfer_id}, idempotency,
                           lambda conn: holds.resolve(conn, transfer_id, "void",
                                                      now or now_utc(), by, controls))


def reverse(bind, transfer_id: int, *, description: str | None = None,
            idempotency: Idempotency | None = None, now: datetime | None = None) -> dict:
    """Undo a posted transfer with a linked opposite one (at most once, same limits)."""
    arguments = {"transfer_id": transfer_id, "description": description}
    return idempotency_run(bind, "reverse", arguments, idempotency,
                           lambda conn: _reverse(conn, transfer_id, description,
                                                 now or now_utc()))


def _reverse(conn: Connection, transfer_id: int, description: str | None,
             now: datetime) -> dict:
    original = repo.lock_transfer(conn, transfer_id)
    if original.status != "posted":
        raise InvalidState(f"Transfer {transfer_id} is {original.status}; only posted "
                           "transfers can be reversed.", transfer_id=transfer_id,
                           status=original.status)
    taken = conn.execute(select(transfers.c.id).where(transfers.c.reverses == transfer_id))
    if (by := taken.scalar()) is not None:
        raise InvalidState(f"Transfer {transfer_id} was already reversed by {by}.",
                           transfer_id=transfer_id, reversed_by=by)
    items = rules.reversed_postings(repo.load_postings(conn, [transfer_id])[transfer_id])
    locked = repo.lock_accounts(conn, {a for p in items for a in (p.source, p.target)})
    holds.expire_due(conn, locked, now)
    rules.check_movable(locked.accounts, locked.accounts)
    rules.check_limits(items, locked.accounts, locked.scales)
    item = writer.NewTransfer(items, description or f"Reversal of transfer {transfer_id}",
                              metadata={}, reverses=transfer_id, event="reversed")
    writer.reserve(item, locked)
    return writer.write(conn, [item], locked, now)[0]


def batch(bind, items: Sequence[Mapping], *, atomic: bool = True,
          idempotency: Idempotency | None = None, now: datetime | None = None,
          debit_owners: Collection[str] | None = None, placed_by: str | None = None) -> list:
    """Apply 1 to 1,000 transfers in order, locking every touched account once.

    `debit_owners` as for `transfer`: one forbidden debit refuses the whole batch, even when
    not atomic (`details.index` names the item); `placed_by` as for `transfer`, for each.

    Atomic: the list of transfers, or the first item's error (with `details.index`) and
    nothing written. Not atomic: one {"ok": True, "transfer": ...} or {"ok": False,
    "error": ...} per item.
    """
    try:
        _check_batch_shape(items)
        requests = [_indexed(index, lambda item=item: writer.request_of(item, placed_by),
                             atomic) for index, item in enumerate(items)]
    except LedgerError as error:
        return refused("batch", bind, {"atomic": atomic, "transfers": items}, idempotency,
                       error)
    return _fast_or_general(bind, requests, atomic, idempotency, now or now_utc(),
                            debit_owners)


def _check_batch_shape(items) -> None:
    """Refuse a batch of no transfer or too many, or holding too many postings in all."""
    if not isinstance(items, list | tuple) or not 1 <= len(items) <= MAX_BATCH:
        raise ValidationError(f"A batch has 1 to {MAX_BATCH} transfers.",
                              fields={"transfers": [f"Between 1 and {MAX_BATCH} items."]})
    held = sum(len(item.get("postings") or ()) for item in items if isinstance(item, Mapping)
               and isinstance(item.get("postings"), list | tuple))
    if held > MAX_BATCH_POSTINGS:
        raise ValidationError(f"A batch holds at most {MAX_BATCH_POSTINGS} postings in all.",
                              fields={"transfers": [f"At most {MAX_BATCH_POSTINGS} postings "
                                                    "in all."]})


def refused(operation: str, bind, raw, idem: Idempotency | None, error: LedgerError):
    """Answer a request refused before its use case (malformed): under a key, the refusal is
    stored like any other, so that the key is bound to this request and replays it."""
    if idem is None:
        raise error

    def refuse(_conn):
        raise error

    return idempotency_run(bind, operation, {"malformed": repr(raw)[:10_000]}, idem, refuse)


def _indexed(index: int, call, atomic: bool):
    """Run one item's step; tag its error with the item's index (kept, if not atomic)."""
    try:
        return call()
    except LedgerError as error:
        error.details["index"] = index
        if atomic:
            raise
        return error


def _batch(conn: Connection, requests: list, atomic: bool, now: datetime,
           debit_owners: Collection[str] | None) -> list:
    _check_debit_owners(conn, requests, debit_owners)
    locked = repo.lock_accounts(conn, writer.account_ids(requests))
    holds.expire_due(conn, locked, now)
    taken = _taken_references(conn, [r for r in requests if isinstance(r, dict)])
    checked = _check_all(requests, atomic, locked, taken, now)
    good = [c for c in checked if isinstance(c, writer.NewTransfer)]
    return _shape(checked, writer.write(conn, good, locked, now) if good else [], atomic)


def _fast_or_general(bind, requests: list, atomic: bool, idem, now: datetime,
                     debit_owners: Collection[str] | None) -> list:
    """Take the fast path when it applies (PostgreSQL), else the general one."""
    arguments = {"atomic": atomic, "transfers": [r if isinstance(r, dict) else None
                                                 for r in requests]}
    if fastpath.usable(bind, requests):
        key = idem and fast_key("batch", arguments, idem)
        result = fastpath.run(bind, requests, atomic, now, key, debit_owners=debit_owners)
        if result is not None:
            sealer.after_write(bind, len(result))
            return result
    return idempotency_run(bind, "batch", arguments, idem,
                           lambda conn: _batch(conn, requests, atomic, now, debit_owners))


def _check_debit_owners(conn: Connection, requests: list,
                        debit_owners: Collection[str] | None) -> None:
    """Refuse debits from accounts whose owner is not among `debit_owners` (when given)."""
    if debit_owners is None:
        return
    postings = [r["postings"] if isinstance(r, dict) else () for r in requests]
    owners = account_owners(conn, [p["from"] for items in postings for p in items])
    rules.check_debit_owners(postings, owners, set(debit_owners))


def _check_all(requests: list, atomic: bool, locked, taken: set, now: datetime) -> list:
    """Check every item in order against the state the items before it left."""
    return [r if not isinstance(r, dict) else
            _indexed(i, lambda r=r: _check_batch_item(r, locked, taken, now), atomic)
            for i, r in enumerate(requests)]


def _shape(checked: list, written: list, atomic: bool) -> list:
    """The batch's answer: the transfers, or one result per item when not atomic."""
    if atomic:
        return written
    results = iter(written)
    return [{"ok": True, "transfer": next(results)} if isinstance(c, writer.NewTransfer)
            else {"ok": False, "error": c.as_dict()} for c in checked]


def _taken_references(conn: Connection, requests: list[dict]) -> set[str]:
    """References of this batch that earlier transfers already use."""
    wanted = {r["reference"] for r in requests if r["reference"]}
    if not wanted:
        return set()
    query = select(transfers.c.reference).where(transfers.c.reference.in_(sorted(wanted)))
    return set(conn.execute(query).scalars())


def _check_batch_item(request: dict, locked, taken: set[str], now: datetime):
    """Check one item of a batch against the state left by the items before it."""
    if request["reference"] in taken:
        raise Conflict("This reference is already used by another transfer.",
                       reference=request["reference"])
    item = writer.check(request, locked, now)
    if item.reference:
        taken.add(item.reference)
    return item


def idempotency_run(bind, operation: str, arguments, idem, work):
    """Run a write use case under an optional idempotency key, then seal now and then."""
    result = idempotency.run(bind, operation, arguments, idem, work)
    sealer.after_write(bind, len(result) if isinstance(result, list) else 1)
    return result
