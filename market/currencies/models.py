"""What a network decides about a currency the ledger holds: its policy and the log of the
credit lines it grants."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.members.models import one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime

#: Rates are kept in basis points: 10,000 is 100 % (no float, ever).
WHOLE = 10_000


class DemurragePeriod(StrEnum):
    """How often a demurrage charge is booked."""

    daily = "daily"
    monthly = "monthly"


class CurrencyPolicy(db.Model):
    """A currency's governance: who runs it, its euro parity and the rules it follows.

    One row per ledger currency created through the market (``code`` is the ledger's
    currency code; the ledger holds kind, scale and name). Account ids name ledger accounts.
    """

    __tablename__ = "currency_policies"
    __table_args__ = (
        one_of("demurrage_period", DemurragePeriod),
        CheckConstraint("euro_parity > 0", name="parity_positive"),
        CheckConstraint("default_credit_line >= 0", name="credit_line_positive"),
        CheckConstraint("redemption_fee_bp BETWEEN 0 AND 10000", name="fee_range"),
        CheckConstraint("merchant_fee_bp BETWEEN 0 AND 10000", name="merchant_fee_range"),
        CheckConstraint("demurrage_rate_bp BETWEEN 0 AND 10000", name="demurrage_range"),
        CheckConstraint("demurrage_free_base >= 0", name="free_base_positive"),
    )

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The network that runs it (None: the whole platform's, like the euro).
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    #: Euros for one unit, for reporting (and the rate at which backed units are bought).
    euro_parity: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(1))
    #: Mutual credit: the credit line new member accounts get, minor units (>= 0).
    default_credit_line: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The network's unbounded account that creates and destroys units.
    issuance_account_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Backed: the euro account holding the reserve that covers the units in circulation.
    reserve_account_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Backed: share of a redemption kept as a fee, in basis points, to ``fee_account_id``.
    redemption_fee_bp: Mapped[int] = mapped_column(Integer, default=0)
    #: The network's account in this currency that receives fees.
    fee_account_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Share of every payment received that goes to ``fund_account_id`` (basis points).
    merchant_fee_bp: Mapped[int] = mapped_column(Integer, default=0)
    fund_account_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Demurrage: yearly rate in basis points above a free base, booked per period to the
    #: commons account. None period: no demurrage.
    demurrage_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    demurrage_free_base: Mapped[int] = mapped_column(BigInteger, default=0)
    demurrage_period: Mapped[str | None] = mapped_column(String(8))
    commons_account_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class CreditLineChange(db.Model):
    """One change of an account's credit line: who, when, why, from what to what.

    Append-only: the account's current line is the ledger's ``min_balance``; this is its
    history.
    """

    __tablename__ = "credit_line_changes"
    __table_args__ = (
        CheckConstraint("old_line >= 0 AND new_line >= 0", name="lines_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger, index=True)
    currency: Mapped[str] = mapped_column(String(16))
    #: The lines, as positive minor units (a line of 500.00 is min_balance -500.00).
    old_line: Mapped[int] = mapped_column(BigInteger)
    new_line: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
