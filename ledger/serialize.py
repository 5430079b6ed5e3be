"""Plain, JSON-ready data for what the services return: amounts as decimal strings."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from ledger.core.model import AccountState, Posting
from ledger.core.money import format_amount


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with timezone, or None."""
    return value.isoformat() if value is not None else None


def shown_status(status: str, expires_at: datetime | None, now: datetime) -> str:
    """A pending hold past its timeout is expired at once, even before expiry is recorded."""
    if status == "pending" and expires_at is not None and expires_at <= now:
        return "expired"
    return status


def posting_dict(p: Posting, scales: Mapping[str, int]) -> dict:
    """One posting: from, to, amount (decimal string) and currency."""
    return {"from": p.source, "to": p.target,
            "amount": format_amount(p.amount, scales[p.currency]), "currency": p.currency}


def transfer_dict(row: Mapping, items: Sequence[Posting], scales: Mapping[str, int],
                  now: datetime, reversed_by: int | None = None) -> dict:
    """A transfer as plain data; `row` has the columns of ledger_transfers."""
    return {
        "id": row["id"],
        "status": shown_status(row["status"], row["expires_at"], now),
        "pending": row["pending"],
        "postings": [posting_dict(p, scales) for p in items],
        "description": row["description"],
        "reference": row["reference"],
        "metadata": row["metadata"],
        "expires_at": iso(row["expires_at"]),
        "reverses": row["reverses"],
        "reversed_by": reversed_by,
        "created_at": iso(row["created_at"]),
        "posted_at": iso(row["posted_at"]),
        "hash": row["hash"],
        "placed_by": row["placed_by"],
        "post_by": row["post_by"],
    }


def account_dict(row: Mapping, state: AccountState, scale: int) -> dict:
    """An account with its balances as decimal strings."""
    return {
        "id": row["id"],
        "currency": row["currency"],
        "name": row["name"],
        "owner_ref": row["owner_ref"],
        "status": row["status"],
        "balance": format_amount(state.balance, scale),
        "pending_debits": format_amount(state.pending_debits, scale),
        "pending_credits": format_amount(state.pending_credits, scale),
        "available": format_amount(state.available, scale),
        "min_balance": format_amount(row["min_balance"], scale),
        "max_balance": format_amount(row["max_balance"], scale),
        "posted_debits": format_amount(state.posted_debits, scale),
        "posted_credits": format_amount(state.posted_credits, scale),
        "created_at": iso(row["created_at"]),
    }
