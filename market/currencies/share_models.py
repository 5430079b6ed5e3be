"""The cooperative share register: append-only events from which holdings are derived."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from market.members.models import one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class CooperativeCapital(db.Model):
    """A cooperative's share capital: its share currency and its equity accounts (EUR)."""

    __tablename__ = "cooperative_capitals"
    __table_args__ = (
        CheckConstraint("nominal_minor > 0", name="nominal_positive"),
        CheckConstraint("highest_capital_minor >= 0", name="highest_not_negative"),
    )

    #: The cooperative (a member) whose capital this is.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    #: Ledger code of its share currency (kind share, scale 0: one unit is one share).
    share_code: Mapped[str] = mapped_column(String(16), unique=True)
    #: Nominal value of one share, in euro cents.
    nominal_minor: Mapped[int] = mapped_column(BigInteger)
    #: Ledger accounts (EUR, the cooperative's): paid-up capital (receives the euros),
    #: called-unpaid and subscribed-uncalled capital, and subscribers' receivable
    #: (unbounded below: what subscribers still owe).
    paid_account_id: Mapped[int] = mapped_column(BigInteger)
    called_account_id: Mapped[int] = mapped_column(BigInteger)
    uncalled_account_id: Mapped[int] = mapped_column(BigInteger)
    receivable_account_id: Mapped[int] = mapped_column(BigInteger)
    #: The share currency's issuance account (units come from it and go back to it).
    issuance_account_id: Mapped[int] = mapped_column(BigInteger)
    #: Highest subscribed capital ever reached (cents): the withdrawal floor is a quarter.
    highest_capital_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ShareEventKind(StrEnum):
    """What a register event records."""

    subscription = "subscription"
    call = "call"
    payment = "payment"
    transfer = "transfer"
    withdrawal = "withdrawal"


class ShareEvent(db.Model):
    """One line of the register: how one holder's holding changed, and the ledger transfer.

    Append-only (never updated nor deleted): holdings are the sums of these changes."""

    __tablename__ = "share_events"
    __table_args__ = (
        one_of("kind", ShareEventKind),
        CheckConstraint("paid + called + uncalled = units * nominal_minor",
                        name="parts_sum_to_nominal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The cooperative whose register this is.
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative_capitals.member_id", ondelete="CASCADE"), index=True)
    #: The holder whose holding changes.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: market.currencies.share_models.ShareEventKind.
    kind: Mapped[str] = mapped_column(String(16))
    #: Changes (signed) of the holder's units and of its paid, called-unpaid and uncalled
    #: capital (cents); they always sum to units times the nominal.
    units: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    called: Mapped[int] = mapped_column(BigInteger, default=0)
    uncalled: Mapped[int] = mapped_column(BigInteger, default=0)
    nominal_minor: Mapped[int] = mapped_column(BigInteger)
    #: A transfer's other side; the share offer of a subscription.
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    #: The ledger transfer that booked it.
    transfer_id: Mapped[int] = mapped_column(BigInteger)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ShareRequestKind(StrEnum):
    withdrawal = "withdrawal"
    transfer = "transfer"


class ShareRequestStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    refused = "refused"


class ShareRequest(db.Model):
    """A holder's request the cooperative decides: a withdrawal or a transfer of shares."""

    __tablename__ = "share_requests"
    __table_args__ = (
        one_of("kind", ShareRequestKind),
        one_of("status", ShareRequestStatus),
        CheckConstraint("units > 0", name="units_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative_capitals.member_id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    units: Mapped[int] = mapped_column(Integer)
    #: A transfer's receiving member.
    to_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16), default=ShareRequestStatus.requested)
    reason: Mapped[str] = mapped_column(Text, default="")
    transfer_id: Mapped[int | None] = mapped_column(BigInteger)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@event.listens_for(ShareEvent, "before_update")
@event.listens_for(ShareEvent, "before_delete")
def _append_only(_mapper, _connection, target):
    """The register is never edited in place: a correction is a new event."""
    raise RuntimeError("share_events is append-only")
