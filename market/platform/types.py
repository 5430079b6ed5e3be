"""Column types of the market's models: the ledger's, so both store time the same way."""

from ledger.store.types import UTCDateTime

__all__ = ["UTCDateTime"]
