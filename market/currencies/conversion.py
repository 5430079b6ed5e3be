"""Exact conversions between a currency's minor units and euro cents at its parity."""

from decimal import Decimal

CENTS = 2


def euro_cents(minor: int, scale: int, parity: Decimal) -> int | None:
    """The euro cents ``minor`` units are worth at ``parity`` euros per unit, or None when
    they are not worth a whole number of cents (money is never rounded silently)."""
    cents = Decimal(minor) * parity * Decimal(10) ** (CENTS - scale)
    return int(cents) if cents == cents.to_integral_value() else None
