"""Telling wants of the offers that fit them: once per (want, offer), ever.

A published offer (new, or back from a pause or an expiry) is matched against the current
wants (market.offers.wants); each fitting want not told of it yet is recorded in
want_matches and its member's admins and staff, and its author, are notified. The record
is inserted with ON CONFLICT DO NOTHING, so two publications at once tell a want once.
"""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from market.notifications import services as notifications
from market.notifications.models import NotificationKind
from market.offers.models import Offer, OfferStatus, WantMatch
from market.offers.wants import wants_for_offer
from market.platform.time import now_utc

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def record_match(session, want_id: int, offer_id: int, now: datetime) -> bool:
    """Record that want ``want_id`` is told of offer ``offer_id``; False if it already was."""
    insert = INSERTS[session.get_bind().dialect.name]
    inserted = session.execute(insert(WantMatch)
                               .values(want_id=want_id, offer_id=offer_id, told_at=now)
                               .on_conflict_do_nothing().returning(WantMatch.want_id))
    return inserted.first() is not None


def notify_matching(session, offer: Offer, *, now: datetime | None = None) -> int:
    """Tell each want ``offer`` fits, once per (want, offer), if it is published; return how
    many were told. Call when an offer is published; flush, no commit."""
    if offer.status != OfferStatus.published:
        return 0
    now = now or now_utc()
    count = 0
    for want in wants_for_offer(session, offer, now=now):
        if not record_match(session, want.id, offer.id, now):
            continue
        notifications.notify(session, notifications.member_users(session, want.member_id,
                                                                 also=want.user_id),
                             NotificationKind.want_match,
                             {"want_title": want.title, "offer_title": offer.title,
                              "want_id": want.id, "offer_id": offer.id},
                             f"/offres/{offer.id}")
        count += 1
    return count
