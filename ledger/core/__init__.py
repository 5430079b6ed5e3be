"""The pure core of the ledger (standard library only): money, postings, rules, hashes."""

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
from ledger.core.model import AccountState, Delta, Posting, TransferSpec
from ledger.core.money import format_amount, parse_amount

__all__ = [
    "AccountClosed", "AccountFrozen", "AccountNotFound", "AccountState", "Conflict",
    "CurrencyMismatch", "Delta", "Forbidden", "IdempotencyConflict", "InsufficientFunds",
    "InvalidAmount", "InvalidState", "LedgerError", "LimitExceeded", "NotFound", "Posting",
    "TransferNotFound", "TransferSpec", "UnknownAccount", "UnknownCurrency", "ValidationError",
    "format_amount", "parse_amount",
]
