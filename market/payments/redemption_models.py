"""Redemptions: a member converting backed units back to euros, held until a treasurer decides."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.members.models import one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class RedemptionStatus(StrEnum):
    """Where a redemption stands: asked (units held), approved (paid) or refused (released)."""

    requested = "requested"
    approved = "approved"
    refused = "refused"


class Redemption(db.Model):
    """A member's request to turn ``amount`` backed units into euros, less the fee.

    Asking places a ledger hold (``hold_transfer_id``): amount − fee to the issuance account
    (destroyed when posted) and the fee to the network's fee account. Approving posts the hold
    and pays the euros from the reserve (``payout_transfer_id``); refusing voids the hold.
    """

    __tablename__ = "redemptions"
    __table_args__ = (
        one_of("status", RedemptionStatus),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0 AND fee < amount", name="fee_range"),
        CheckConstraint("euro_cents > 0", name="euros_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member redeeming, the ledger account its units come from, and their currency.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16), index=True)
    #: Units redeemed and the fee kept (CurrencyPolicy.redemption_fee_bp, rounded down),
    #: minor units.
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    #: Euros paid on approval: (amount − fee) at the euro parity, in cents, rounded down.
    euro_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=RedemptionStatus.requested,
                                        index=True)
    #: The pending transfer holding the units, then the euro payout once approved.
    hold_transfer_id: Mapped[int] = mapped_column(BigInteger)
    payout_transfer_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The bank transfer's reference given by the treasurer, or why it was refused.
    payout_reference: Mapped[str | None] = mapped_column(String(200))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
