"""Social currency programmes (recipients paid an allowance each period) and members'
donation rules (a share of their payments given to an association they chose)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from market.members.models import one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class ProgrammePeriod(StrEnum):
    """How often a programme pays its recipients."""

    monthly = "monthly"
    weekly = "weekly"


class Programme(db.Model):
    """A programme: every period, ``amount`` from the issuing account to each recipient."""

    __tablename__ = "currency_programmes"
    __table_args__ = (
        one_of("period", ProgrammePeriod),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The ledger currency it pays in (a currency policy's code).
    currency: Mapped[str] = mapped_column(ForeignKey("currency_policies.code"), index=True)
    #: The ledger account it pays from (by default the currency's issuance account).
    issuing_account_id: Mapped[int] = mapped_column(BigInteger)
    #: What each recipient receives per period, minor units.
    amount: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[str] = mapped_column(String(8))
    #: The first day it pays for (periods ending before it are never paid).
    start_date: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ProgrammeRecipient(db.Model):
    """A ledger account a programme pays, in the programme's currency."""

    __tablename__ = "currency_programme_recipients"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("currency_programmes.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class DonationRule(db.Model):
    """A member gives ``rate_bp`` of its payments in ``currency`` to an association member."""

    __tablename__ = "currency_donation_rules"
    __table_args__ = (
        CheckConstraint("rate_bp BETWEEN 1 AND 10000", name="rate_range"),
        CheckConstraint("member_id <> association_member_id", name="not_itself"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    currency: Mapped[str] = mapped_column(ForeignKey("currency_policies.code"),
                                          primary_key=True)
    #: The association it chose (a member with an account in the currency).
    association_member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: Basis points of each payment (10,000 is 100 %).
    rate_bp: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
