"""Time helpers: every timestamp is timezone-aware UTC."""

from datetime import UTC, datetime


def now_utc() -> datetime:
    """Return the current time in UTC (pass the function, not its result, as a default)."""
    return datetime.now(UTC)
