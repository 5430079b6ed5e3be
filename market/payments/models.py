"""Euro top-ups through Stripe and the Stripe events received, each recorded once."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.members.models import one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class TopUpStatus(StrEnum):
    """Where a top-up stands: Stripe's answer, as its webhook told us."""

    created = "created"
    succeeded = "succeeded"
    failed = "failed"
    refunded = "refunded"


class EventOutcome(StrEnum):
    """What a Stripe event did to the books."""

    credited = "credited"
    failed = "failed"
    refunded = "refunded"
    #: Nothing to do: the top-up already stood there (e.g. succeeded twice).
    ignored = "ignored"
    #: Its amount, currency or reference did not match the top-up: nothing moved (logged).
    mismatch = "mismatch"
    #: A refund the ledger refused (the units were spent): a treasurer settles it.
    refused = "refused"


class TopUp(db.Model):
    """A member buying backed units (or euros on its euro account) with a card via Stripe."""

    __tablename__ = "topups"
    __table_args__ = (
        one_of("status", TopUpStatus),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("euro_cents > 0", name="euros_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member that pays, and whose ledger account is credited.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The ledger account credited: a backed-currency account or the member's euro account.
    account_id: Mapped[int] = mapped_column(BigInteger)
    #: That account's currency (ledger code).
    currency: Mapped[str] = mapped_column(String(16))
    #: Units credited, in the currency's minor units.
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: Euros charged by Stripe, in cents (amount at the currency's euro parity, exact).
    euro_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=TopUpStatus.created)
    #: Our reference: in the PaymentIntent's metadata, its idempotency key and the ledger's.
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    #: Stripe's PaymentIntent id ("pi_...").
    payment_intent: Mapped[str] = mapped_column(String(255), unique=True)
    #: What the page gives Stripe.js to confirm the payment (the paying member's only).
    client_secret: Mapped[str] = mapped_column(String(255), default="")
    #: The ledger transfer that credited it, and the one that reversed it on a refund.
    transfer_id: Mapped[int | None] = mapped_column(BigInteger)
    reversal_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Why Stripe declined it, as Stripe said.
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class StripeEvent(db.Model):
    """A Stripe event handled once: its id is the key that makes a replay change nothing."""

    __tablename__ = "stripe_events"
    __table_args__ = (one_of("outcome", EventOutcome),)

    #: Stripe's event id ("evt_..."), unique by being the key.
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: The top-up it concerns.
    topup_id: Mapped[int | None] = mapped_column(ForeignKey("topups.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
