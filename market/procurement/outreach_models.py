"""Reaching structures for a lot: who was told and what they said, questions, the
network's procurement settings."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.members.models import Member
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class Interest(StrEnum):
    """What a structure told the buyer about a lot it was notified of."""

    interested = "interested"
    not_interested = "not_interested"
    as_grouping = "as_grouping"


class NotInterestedReason(StrEnum):
    """Why a structure will not answer (the buyer learns what stops structures)."""

    capacity = "capacity"  # too big for us, or not now
    distance = "distance"
    sector = "sector"  # not our trade
    deadline = "deadline"  # too little time
    price = "price"  # the value does not cover the work
    other = "other"


class LotOpportunity(db.Model):
    """A structure matched to a published lot: when it was told, saw it, and what it said."""

    __tablename__ = "lot_opportunities"
    __table_args__ = (
        UniqueConstraint("lot_id", "member_id"),
        CheckConstraint("interest IS NULL OR interest IN "
                        "('interested', 'not_interested', 'as_grouping')",
                        name="interest_valid"),
        CheckConstraint("reason IS NULL OR reason IN "
                        "('capacity', 'distance', 'sector', 'deadline', 'price', 'other')",
                        name="reason_valid"),
        # The next batch: the lot's matches not notified yet, best first.
        Index("ix_lot_opportunities_lot_notified", "lot_id", "notified_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    #: Its place in the lot's matches when the lot was published (1: the best).
    rank: Mapped[int] = mapped_column(Integer)
    #: The match's score (0-100) when the lot was published.
    score: Mapped[int] = mapped_column(Integer, default=0)
    #: The batch (1, 2, ...) that notified it; None while it waits for its turn.
    batch: Mapped[int | None] = mapped_column(Integer)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interest: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16))
    #: Free words with the answer ("not before March").
    comment: Mapped[str] = mapped_column(Text, default="")
    #: The grouping it means to answer with (interest ``as_grouping``), if formed already.
    grouping_id: Mapped[int | None] = mapped_column(
        ForeignKey("groupings.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class LotQuestion(db.Model):
    """A structure's question on a lot; the buyer's answer is read by every structure."""

    __tablename__ = "lot_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), index=True)
    #: The structure that asked (shown to the buyer only: others read the question alone).
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class ProcurementSettings(db.Model):
    """The network's procurement rules a network admin sets: one row (id 1).

    Defaults follow common practice of French clause facilitators: an insertion clause
    asks for value x labour share x insertion share / hourly cost hours.
    """

    __tablename__ = "procurement_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("batch_size BETWEEN 1 AND 1000", name="batch_size_range"),
        CheckConstraint("enough_interested BETWEEN 1 AND 1000", name="enough_range"),
        CheckConstraint("reserve_min_answers BETWEEN 1 AND 1000", name="reserve_range"),
        CheckConstraint("clause_min_answers BETWEEN 0 AND 1000", name="clause_range"),
        CheckConstraint("labour_share_pct BETWEEN 1 AND 100", name="labour_range"),
        CheckConstraint("insertion_share_pct BETWEEN 1 AND 100", name="insertion_range"),
        CheckConstraint("hourly_cost_minor > 0", name="hourly_cost_positive"),
        CheckConstraint("catalogue_threshold_minor >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    #: Structures notified per lot and per day once the lot is published.
    batch_size: Mapped[int] = mapped_column(Integer, default=20)
    #: No more batches once this many structures said they are interested.
    enough_interested: Mapped[int] = mapped_column(Integer, default=5)
    #: Advice: reserve the lot when at least this many eligible answers (singles and
    #: groupings) exist in its area.
    reserve_min_answers: Mapped[int] = mapped_column(Integer, default=3)
    #: Advice: an insertion clause when at least this many structures can support it.
    clause_min_answers: Mapped[int] = mapped_column(Integer, default=1)
    #: Share of the lot's value that is labour (percent).
    labour_share_pct: Mapped[int] = mapped_column(Integer, default=40)
    #: Share of the labour given to insertion (percent).
    insertion_share_pct: Mapped[int] = mapped_column(Integer, default=7)
    #: Cost of an hour of insertion work, in euro cents.
    hourly_cost_minor: Mapped[int] = mapped_column(Integer, default=3000)
    #: Largest catalogue purchase, in euro cents (the 40,000 EUR of purchases without
    #: publicity by default).
    catalogue_threshold_minor: Mapped[int] = mapped_column(Integer, default=4_000_000)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


def settings(session) -> ProcurementSettings:
    """The network's procurement settings (the defaults until an admin changes one)."""
    found = session.get(ProcurementSettings, 1)
    return found if found is not None else ProcurementSettings(
        **{c.name: c.default.arg for c in ProcurementSettings.__table__.columns
           if c.default is not None and not callable(c.default.arg)})
