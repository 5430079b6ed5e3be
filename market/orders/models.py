"""Orders between members, the ledger hold that settles each, and references after a trade."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.members.models import Member, one_of
from market.offers.models import Offer
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class OrderState(StrEnum):
    """requested -> accepted -> delivered -> completed, or rejected, cancelled, expired."""

    requested = "requested"
    accepted = "accepted"
    delivered = "delivered"
    completed = "completed"
    rejected = "rejected"
    cancelled = "cancelled"
    expired = "expired"


class Rating(StrEnum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"


class Order(db.Model):
    """A member's order of another member's offer; its money is held, then posted."""

    __tablename__ = "orders"
    __table_args__ = (
        one_of("state", OrderState),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("buyer_member_id <> seller_member_id", name="not_own_offer"),
        Index("ix_orders_buyer_state", "buyer_member_id", "state"),
        Index("ix_orders_seller_state", "seller_member_id", "state"),
    )

    #: Surrogate key; also the keyset of paginated lists.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The offer ordered (kept: orders are records).
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"),
                                          index=True)
    #: Who buys (and pays), who sells (and is paid), and the user who placed the order.
    buyer_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    seller_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    buyer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    #: market.orders.models.OrderState.
    state: Mapped[str] = mapped_column(String(16), default=OrderState.requested)
    #: Units ordered, and the unit price then, in minor units of ``currency``.
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16))
    #: The delivery method chosen (a copy: the offer may change) and its fixed fee, if any.
    delivery: Mapped[dict] = mapped_column(JSON)
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Price times quantity plus the fixed fee, in minor units of ``currency``.
    total_minor: Mapped[int] = mapped_column(BigInteger)
    #: The payment mix fixed at request time: [{"currency": code, "minor": int}], summing to
    #: the total (complementary currencies count at par with the price's currency).
    payment: Mapped[list] = mapped_column(JSON)
    #: A note from the buyer to the seller.
    note: Mapped[str] = mapped_column(Text, default="")
    #: The ledger's pending transfer holding the buyer's funds (from acceptance on).
    transfer_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    #: Units taken from the offer's stock (given back when the hold is voided or expires).
    stock_taken: Mapped[int] = mapped_column(Integer, default=0)
    #: Why the last step was refused (e.g. the buyer's funds at acceptance), for both sides.
    refusal: Mapped[dict | None] = mapped_column(JSON)
    #: When it was placed and last changed, and when each step happened (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer: Mapped[Offer] = relationship(lazy="joined", innerjoin=True)
    buyer: Mapped[Member] = relationship(foreign_keys=[buyer_member_id], lazy="joined",
                                         innerjoin=True)
    seller: Mapped[Member] = relationship(foreign_keys=[seller_member_id], lazy="joined",
                                          innerjoin=True)


class Reference(db.Model):
    """What one side of a completed order says of the other (one each, with one reply)."""

    __tablename__ = "order_references"
    __table_args__ = (
        one_of("rating", Rating),
        Index("uq_order_references_author", "order_id", "author_member_id", unique=True),
        Index("ix_order_references_subject", "subject_member_id", "rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    #: Who writes it, and of whom.
    author_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    subject_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: market.orders.models.Rating, a comment, and the subject's one reply.
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
