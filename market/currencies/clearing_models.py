"""Clearing agreements between networks: rate, limit and each side's clearing account."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class ClearingAgreement(db.Model):
    """Two networks agree to clear payments between their currencies at a rate, within a limit.

    Side A pays side B at ``rate`` (units of B per unit of A); B pays A at its inverse. Each
    side owns a clearing account in its currency whose ledger ``min_balance`` is minus its
    limit: the side that pays out goes negative, and the ledger itself refuses beyond it.
    """

    __tablename__ = "clearing_agreements"
    __table_args__ = (
        CheckConstraint("network_a_id <> network_b_id", name="two_networks"),
        CheckConstraint("currency_a <> currency_b", name="two_currencies"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("limit_a >= 0 AND limit_b >= 0", name="limits_positive"),
        UniqueConstraint("network_a_id", "network_b_id", "currency_a", "currency_b"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The two networks and the currency each brings (a CurrencyPolicy it runs).
    network_a_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    network_b_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    currency_a: Mapped[str] = mapped_column(String(16))
    currency_b: Mapped[str] = mapped_column(String(16))
    #: Units of B for one unit of A, exact (never a float).
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 12))
    #: How far each side's clearing account may go below zero, in its minor units
    #: (``limit_b`` is ``limit_a`` at the rate, rounded down).
    limit_a: Mapped[int] = mapped_column(BigInteger)
    limit_b: Mapped[int] = mapped_column(BigInteger)
    #: The ledger clearing accounts, owned by each network ("network:<id>").
    account_a_id: Mapped[int] = mapped_column(BigInteger)
    account_b_id: Mapped[int] = mapped_column(BigInteger)
    #: An inactive agreement clears nothing (its positions stay readable).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
