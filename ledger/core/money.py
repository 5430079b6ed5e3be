"""Money as integer minor units: parse and format decimal strings with a currency's scale."""

import re

from ledger.core.errors import InvalidAmount

MAX_SCALE = 18
#: Amounts stay well inside a signed 64-bit column, sums included.
MAX_MINOR = 10**17

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


def parse_amount(value: str | int, scale: int, *, signed: bool = False) -> int:
    """Turn "12.50" (exactly `scale` decimals) or an int of minor units into minor units."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidAmount(
            "Amounts are decimal strings or integer minor units, never floats.",
            amount=repr(value))
    minor = value if isinstance(value, int) else _parse_text(value, scale)
    if abs(minor) >= MAX_MINOR:
        raise InvalidAmount("Amount out of range.", amount=str(value))
    if not signed and minor <= 0:
        raise InvalidAmount("Amounts must be positive.", amount=str(value))
    return minor


def _parse_text(text: str, scale: int) -> int:
    """Parse a decimal string that has exactly `scale` digits after the point."""
    if not _DECIMAL.fullmatch(text):
        raise InvalidAmount(f"{text!r} is not a decimal amount.", amount=text)
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(fraction) != scale:
        raise InvalidAmount(f"{text!r} must have exactly {scale} decimal(s).",
                            amount=text, scale=scale)
    minor = int(whole + fraction)
    return -minor if text.startswith("-") else minor


def format_amount(minor: int | None, scale: int) -> str | None:
    """Write minor units as a decimal string with exactly `scale` decimals (None stays None)."""
    if minor is None:
        return None
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(scale + 1, "0")
    if scale == 0:
        return sign + digits
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"
