"""Offer expiry: offers past their end date expire; those ending soon remind their member.

The job works in small batches, each its own transaction, so that it is safe to run again
and beside another run: on PostgreSQL a batch locks its rows (FOR UPDATE SKIP LOCKED: two
runs take different rows), on SQLite a batch holds the write lock (BEGIN IMMEDIATE); each
row is checked again once locked, so nothing expires or is reminded twice. A reminder goes
once per offer and window (``reminded_7_at``, ``reminded_1_at``; renewing clears both);
when the first reminder an offer gets is the one-day one, the seven-day one is not sent
after it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from market.notifications import services as notifications
from market.notifications.models import NotificationKind
from market.offers import services
from market.offers.models import Offer, OfferStatus
from market.platform.database import begin_write
from market.platform.time import now_utc

#: Statuses whose offers expire (and are reminded before they do).
RUNNING = (OfferStatus.published, OfferStatus.paused)
#: Reminder windows, the shortest first: (days before the end, the column recording it).
WINDOWS = ((1, "reminded_1_at"), (7, "reminded_7_at"))
BATCH = 100


@dataclass
class ExpiryReport:
    """What a run did."""

    expired: int = 0
    reminded: dict[int, int] = field(default_factory=lambda: {days: 0 for days, _ in WINDOWS})


def due_expiry(now: datetime):
    """The condition of offers to expire now."""
    return [Offer.status.in_(RUNNING), Offer.valid_until.is_not(None),
            Offer.valid_until <= now]


def due_reminder(now: datetime, days: int, column: str):
    """The condition of offers to remind ``days`` before their end."""
    return [Offer.status.in_(RUNNING), Offer.valid_until > now,
            Offer.valid_until <= now + timedelta(days=days), getattr(Offer, column).is_(None)]


def count_due(session, now: datetime) -> int:
    """How many offers a run would touch (an offer may count once per task)."""
    total = session.scalar(select(func.count()).select_from(Offer).where(*due_expiry(now)))
    for days, column in WINDOWS:
        total += session.scalar(select(func.count()).select_from(Offer)
                                .where(*due_reminder(now, days, column)))
    return total


def locked_batch(session, conditions, limit: int) -> list[Offer]:
    """Up to ``limit`` offers meeting ``conditions``, locked for this transaction."""
    ids = session.scalars(select(Offer.id).where(*conditions).order_by(Offer.id).limit(limit)
                          .with_for_update(skip_locked=True)).all()
    return [session.get(Offer, i) for i in ids]


def expire_batch(session, now: datetime, limit: int = BATCH) -> int:
    """Expire one batch of due offers; commit; return how many."""
    begin_write(session)
    offers = locked_batch(session, due_expiry(now), limit)
    for offer in offers:
        services.transition(session, offer, "expire", now=now)
    session.commit()
    return len(offers)


def remind_batch(session, now: datetime, days: int, column: str,
                 limit: int = BATCH) -> int:
    """Remind one batch of offers ending within ``days``; commit; return how many."""
    begin_write(session)
    offers = locked_batch(session, due_reminder(now, days, column), limit)
    for offer in offers:
        notifications.notify_member(
            session, offer.member_id, NotificationKind.offer_expiring,
            {"offer_title": offer.title, "expires_on": offer.valid_until.date().isoformat(),
             "offer_id": offer.id, "days": days}, f"/offres/{offer.id}#prolonger")
        for _days, later in WINDOWS:  # this window and the longer ones are done
            if _days >= days and getattr(offer, later) is None:
                setattr(offer, later, now)
    session.flush()
    session.commit()
    return len(offers)


def run(session, *, now: datetime | None = None, limit: int = BATCH,
        progress: Callable[[int], None] | None = None) -> ExpiryReport:
    """Expire what is due, then send the reminders due, batch by batch."""
    now = now or now_utc()
    report = ExpiryReport()
    tasks = [("expire", None, None)] + [("remind", days, column) for days, column in WINDOWS]
    for task, days, column in tasks:
        while True:
            if task == "expire":
                done = expire_batch(session, now, limit)
                report.expired += done
            else:
                done = remind_batch(session, now, days, column, limit)
                report.reminded[days] += done
            if progress is not None and done:
                progress(done)
            if done < limit:
                break
    return report
