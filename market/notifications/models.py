"""Notifications shown to users, and the outbox of the emails that tell them by mail."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class NotificationKind(StrEnum):
    """What happened; each kind has its message in market.notifications.messages."""

    order_requested = "order_requested"
    order_changed = "order_changed"
    question = "question"
    answer = "answer"
    want_match = "want_match"
    offer_expiring = "offer_expiring"
    lot_opportunity = "lot_opportunity"
    lot_answer = "lot_answer"
    grouping_invitation = "grouping_invitation"
    grouping_changed = "grouping_changed"
    bid_received = "bid_received"
    contract_awarded = "contract_awarded"
    invoice_paid = "invoice_paid"
    hours_reviewed = "hours_reviewed"


class EmailStatus(StrEnum):
    """An outbox email waits (pending), went out once (sent) or was given up (failed)."""

    pending = "pending"
    sent = "sent"
    failed = "failed"


def one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    """Constrain ``column`` to the values of an enumeration, in the database too."""
    listed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


class Notification(db.Model):
    """Something a user should know about, shown on their notifications page until read."""

    __tablename__ = "notifications"
    __table_args__ = (
        one_of("kind", NotificationKind),
        # The header counts a user's unread notifications on every page they open.
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        # The list pages through a user's notifications newest first, by id.
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    #: Surrogate key; also the keyset of the list (newest first).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The user it is for; their notifications go with their account.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: market.notifications.models.NotificationKind.
    kind: Mapped[str] = mapped_column(String(32))
    #: What the message needs, as plain JSON values (offer title, order id, state...): the
    #: text is rendered from it in the reader's language (market.notifications.messages).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Where it leads: a path inside the site ("/commandes/12").
    url: Mapped[str] = mapped_column(String(500))
    #: When it was written (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: When its user marked it read; null while unread.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxEmail(db.Model):
    """An email written in the transaction of the use case that caused it, and sent after
    that transaction committed (market.notifications.mail): a rollback sends nothing, and a
    row marked sent is never sent again."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        one_of("status", EmailStatus),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # Senders look for pending rows whose next attempt is due.
        Index("ix_outbox_emails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    #: Surrogate key; also the email's Message-ID, so that a resent copy is recognised.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The notification it tells of; null once that notification is gone.
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), index=True)
    #: Recipient address, copied when written (the user may change theirs later).
    to_address: Mapped[str] = mapped_column(String(254))
    #: Subject, already in the recipient's language.
    subject: Mapped[str] = mapped_column(String(300))
    #: Plain-text body, already in the recipient's language.
    body: Mapped[str] = mapped_column(Text)
    #: market.notifications.models.EmailStatus.
    status: Mapped[str] = mapped_column(String(16), default=EmailStatus.pending)
    #: Sending attempts made so far (successful or not).
    attempts: Mapped[int] = mapped_column(default=0)
    #: A sender may take it from then on (later after each failure: exponential back-off).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: A sender has taken it until then; others leave it alone meanwhile. Null: not taken.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the last attempt failed (the SMTP error), for whoever looks into it.
    last_error: Mapped[str | None] = mapped_column(Text)
    #: When the SMTP server accepted it; null until then.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was written (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
