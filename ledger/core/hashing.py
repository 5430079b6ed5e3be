"""Canonical serialisation and SHA-256 hashes of transfers, events and requests."""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from ledger.core.model import Posting

GENESIS = "0" * 64


def canonical(value) -> bytes:
    """Serialise JSON-ready data one way only: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default).encode()


def _default(value):
    """Write datetimes as ISO 8601 so they hash the same wherever they come from."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not canonical JSON")


def sha256(value) -> str:
    """Hex SHA-256 of the canonical form of `value`."""
    return hashlib.sha256(canonical(value)).hexdigest()


def transfer_hash(postings: Sequence[Posting], *, created_at: datetime, pending: bool,
                  expires_at: datetime | None, description: str, reference: str | None,
                  metadata: dict, reverses: int | None, placed_by: str | None = None,
                  post_by: str | None = None) -> str:
    """Hash what a transfer is: its postings and everything said about it when created.

    Who placed it and who may post it are hashed only when stated, so that the hashes of
    transfers written before they existed stay the same.
    """
    value = {
        "postings": [[p.source, p.target, p.amount, p.currency] for p in postings],
        "created_at": created_at, "pending": pending, "expires_at": expires_at,
        "description": description, "reference": reference, "metadata": metadata,
        "reverses": reverses,
    }
    if placed_by is not None:
        value["placed_by"] = placed_by
    if post_by is not None:
        value["post_by"] = post_by
    return sha256(value)


def event_hash(prev_hash: str, *, position: int, seq: int, kind: str, transfer_id: int,
               payload: dict, created_at: datetime) -> str:
    """Chain an event to its predecessor: SHA-256 over the previous hash and the event."""
    return sha256({
        "prev": prev_hash, "position": position, "seq": seq, "kind": kind,
        "transfer_id": transfer_id, "payload": payload, "created_at": created_at,
    })


def request_hash(operation: str, arguments) -> str:
    """Fingerprint a request so that a reused idempotency key with another body is caught."""
    return sha256({"operation": operation, "arguments": arguments})
