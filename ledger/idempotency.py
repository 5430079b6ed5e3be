"""Idempotency keys: the first result of a request is stored with it, and replayed after."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ledger.core.errors import (
    Conflict,
    IdempotencyConflict,
    InvalidState,
    LedgerError,
    ValidationError,
    rebuild_error,
)
from ledger.core.hashing import request_hash
from ledger.store.tables import idempotency_keys
from ledger.store.tx import in_transaction
from ledger.store.types import now_utc


@dataclass
class Idempotency:
    """A caller's key for one request; `replayed` turns True when a stored result is returned.

    `request_hash` defaults to a hash of the operation and its arguments; an HTTP layer may
    pass its own (method, path and body) instead.
    """

    scope: str
    key: str
    request_hash: str | None = None
    replayed: bool = False


@dataclass
class CommitThenRaise:
    """Returned by a use case whose writes must stand although it answers with an error."""

    error: LedgerError


@dataclass
class _Replay:
    stored: dict


def run(bind, operation: str, arguments, idem: Idempotency | None,
        work: Callable[[Connection], object]):
    """Run a use case once per idempotency key, storing its result in the same transaction."""
    if idem is None:
        return _finish(_mapped(lambda: in_transaction(bind, work)))
    _check_key(idem)
    digest = idem.request_hash or request_hash(operation, arguments)

    def attempt(conn: Connection):
        stored = _find(conn, idem)
        if stored is not None:
            return _Replay(stored)
        result = work(conn)
        _save(conn, idem, digest, result)
        return result

    try:
        outcome = _mapped(lambda: in_transaction(bind, attempt))
    except _KeyTaken:
        outcome = _Replay(in_transaction(bind, lambda conn: _find(conn, idem)))
    except LedgerError as error:
        outcome = _record_error(bind, idem, digest, error)
    if isinstance(outcome, _Replay):
        return _replay(outcome.stored, digest, idem)
    return _finish(outcome)


def fast_key(operation: str, arguments, idem: Idempotency) -> dict:
    """The key as the fast path stores it with its writes: scope, key, the request's hash."""
    _check_key(idem)
    return {"s": idem.scope, "k": idem.key,
            "h": idem.request_hash or request_hash(operation, arguments)}


def _record_error(bind, idem: Idempotency, digest: str, error: LedgerError):
    """Store a refusal under its key (nothing else was written), then raise it."""
    try:
        _mapped(lambda: in_transaction(bind, lambda conn: _save(
            conn, idem, digest, CommitThenRaise(error))))
    except _KeyTaken:
        return _Replay(in_transaction(bind, lambda conn: _find(conn, idem)))
    raise error


def _finish(result):
    """Return a use case's result, or raise the error it committed with."""
    if isinstance(result, CommitThenRaise):
        raise result.error
    return result


def _replay(stored: dict, digest: str, idem: Idempotency):
    """Answer a reused key: the first result again, or a conflict for another request."""
    if stored["request_hash"] != digest:
        raise IdempotencyConflict("This idempotency key was used for another request.",
                                  key=idem.key)
    idem.replayed = True
    result = stored["result"]
    if "error" in result:
        error = rebuild_error(result["error"])
        error.replayed = True
        raise error
    return result["ok"]


def _check_key(idem: Idempotency) -> None:
    """Refuse keys that do not fit the table."""
    if not (isinstance(idem.key, str) and 0 < len(idem.key) <= 255
            and isinstance(idem.scope, str) and len(idem.scope) <= 128):
        raise ValidationError("An idempotency key is 1 to 255 characters.",
                              fields={"Idempotency-Key": ["1 to 255 characters."]})


def _find(conn: Connection, idem: Idempotency) -> dict | None:
    row = conn.execute(select(idempotency_keys.c.request_hash, idempotency_keys.c.result)
                       .where(idempotency_keys.c.scope == idem.scope,
                              idempotency_keys.c.key == idem.key)).one_or_none()
    return None if row is None else {"request_hash": row.request_hash, "result": row.result}


def _save(conn: Connection, idem: Idempotency, digest: str, result) -> None:
    if isinstance(result, CommitThenRaise):
        stored = {"error": result.error.as_dict()}
    else:
        stored = {"ok": result}
    conn.execute(insert(idempotency_keys).values(
        scope=idem.scope, key=idem.key, request_hash=digest, result=stored,
        created_at=now_utc()))


class _KeyTaken(Exception):
    """A concurrent request with the same key committed first."""


def _mapped(call: Callable[[], object]):
    """Turn unique violations into what they mean for the caller."""
    try:
        return call()
    except IntegrityError as exc:
        text = str(exc.orig)
        if _violates(text, "pk_ledger_idempotency_keys", "ledger_idempotency_keys.scope"):
            raise _KeyTaken() from exc
        if _violates(text, "uq_ledger_transfers_reference", "ledger_transfers.reference"):
            raise Conflict("This reference is already used by another transfer.") from exc
        if _violates(text, "uq_ledger_transfers_reverses", "ledger_transfers.reverses"):
            raise InvalidState("This transfer has already been reversed.") from exc
        if _violates(text, "pk_ledger_currencies", "ledger_currencies.code"):
            raise Conflict("This currency code already exists.") from exc
        raise


def _violates(text: str, pg_name: str, sqlite_columns: str) -> bool:
    """Tell whether a unique violation is that of one constraint, on either database."""
    return f'"{pg_name}"' in text or f"UNIQUE constraint failed: {sqlite_columns}" in text
