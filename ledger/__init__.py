"""The ledger's public API: what the market, the HTTP API and the CLI call.

Every function takes a SQLAlchemy Engine (own transaction, conflicts retried) or a
Connection (runs inside the caller's transaction, in a savepoint). Amounts go in as
decimal strings with exactly the currency's scale ("12.50") or ints of minor units, and
come out as decimal strings. Refusals are LedgerError subclasses with a stable `code`,
`details` and an `http_status` hint.
"""

from ledger.accounts import change_status as _change_status
from ledger.accounts import (
    create_account,
    create_currency,
    list_currencies,
    set_limits,
)
from ledger.core.errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    Conflict,
    CurrencyMismatch,
    Forbidden,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidState,
    LedgerError,
    LimitExceeded,
    NotFound,
    TransferNotFound,
    UnknownAccount,
    UnknownCurrency,
    ValidationError,
)
from ledger.core.money import format_amount, parse_amount
from ledger.holds import expire_holds
from ledger.idempotency import Idempotency
from ledger.reads import (
    balances_as_of,
    get_account,
    get_transfer,
    list_accounts,
    list_transfers,
    statement,
    trial_balance,
)
from ledger.sealer import seal
from ledger.services import batch, hold, post_pending, reverse, transfer, void_pending
from ledger.verify import verify


def freeze_account(bind, account_id: int) -> dict:
    """Freeze an open account: nothing moves through it until it is unfrozen."""
    return _change_status(bind, account_id, "freeze")


def unfreeze_account(bind, account_id: int) -> dict:
    """Reopen a frozen account."""
    return _change_status(bind, account_id, "unfreeze")


def close_account(bind, account_id: int) -> dict:
    """Close an account for good; it must stand at zero with nothing pending."""
    return _change_status(bind, account_id, "close")


#: The same as get_account: balance, pending sums and available.
balances = get_account

__all__ = [
    "AccountClosed", "AccountFrozen", "AccountNotFound", "Conflict", "CurrencyMismatch",
    "Forbidden", "Idempotency", "IdempotencyConflict", "InsufficientFunds", "InvalidAmount",
    "InvalidState", "LedgerError", "LimitExceeded", "NotFound", "TransferNotFound",
    "UnknownAccount", "UnknownCurrency", "ValidationError", "balances", "balances_as_of",
    "batch", "close_account", "create_account", "create_currency", "expire_holds",
    "format_amount", "freeze_account", "get_account", "get_transfer", "hold",
    "list_accounts", "list_currencies", "list_transfers", "parse_amount", "post_pending",
    "reverse", "seal", "set_limits", "statement", "transfer", "trial_balance", "unfreeze_account",
    "verify", "void_pending",
]
