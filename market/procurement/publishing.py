"""Telling structures of a published lot: its matches ranked once, at publication, then
notified in daily batches, best first, until enough said they are interested or the
tender's deadline passes.

Every structure the engine proposes gets one row per lot (LotOpportunity), alone or as a
member of a proposed or persistent grouping, at the rank of its best answer. A batch is
the next ``batch_size`` rows by rank, at most one a day per lot: each lot is locked while
its batch is chosen and checked again once locked, so a second run (or one beside it)
sends nothing twice. Services take the session, flush and never commit.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from market.matching import Matches, Rules
from market.notifications import services as notifications
from market.notifications.models import NotificationKind
from market.platform.time import now_utc
from market.procurement import matches
from market.procurement.models import Lot, Tender, TenderStatus
from market.procurement.outreach_models import Interest, LotOpportunity, settings

#: A lot's next batch waits this long after its last one.
BATCH_EVERY = timedelta(hours=24)
#: Answers that count towards "enough interested".
INTERESTED = (Interest.interested, Interest.as_grouping)
#: The engine's rules for publication: every single structure that can answer is ranked (a
#: page of matches shows the best 20; the batches go further down the list).
RULES = dataclasses.replace(Rules(), max_structures=5_000)
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Sent:
    """What a run of the batches did."""

    lots: int = 0
    structures: int = 0


def ranked_members(found: Matches) -> list[tuple[int, int]]:
    """(member id, score) of every structure in the answers, alone or grouped, by its best
    score (the best first; equal scores by member id)."""
    best: dict[int, float] = {}
    for match in (*found.structures, *found.groupings):
        for member_id in match.structure_ids:
            best[member_id] = max(best.get(member_id, match.score), match.score)
    order = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return [(member_id, round(score)) for member_id, score in order]


def open_lots(session, tender: Tender) -> int:
    """Write the ranked opportunities of each lot of ``tender`` (none notified yet); a row
    already there is kept. Return how many were written."""
    found_directory = matches.directory(session)
    written = 0
    for lot in tender.lots:
        found = found_directory.match(matches.engine_lot(lot), RULES)
        known = set(session.scalars(select(LotOpportunity.member_id)
                                    .where(LotOpportunity.lot_id == lot.id)))
        for rank, (member_id, score) in enumerate(ranked_members(found), start=1):
            if member_id not in known:
                session.add(LotOpportunity(lot_id=lot.id, member_id=member_id, rank=rank,
                                           score=score))
                written += 1
    session.flush()
    return written


def open_lot_ids(session, now: datetime, tender_id: int | None = None) -> list[int]:
    """The published lots whose tender is published and its deadline still ahead."""
    stmt = (select(Lot.id).join(Tender, Lot.tender_id == Tender.id)
            .where(Lot.status == TenderStatus.published,
                   Tender.status == TenderStatus.published, Tender.deadline > now)
            .order_by(Lot.id))
    if tender_id is not None:
        stmt = stmt.where(Lot.tender_id == tender_id)
    return list(session.scalars(stmt))


def send_batches(session, now: datetime | None = None, *,
                 tender_id: int | None = None) -> Sent:
    """Notify the next batch of each open lot (``tender_id``: of that tender's only) that
    still lacks interested structures and had no batch in the last 24 hours."""
    now = now or now_utc()
    rules = settings(session)
    sent = Sent()
    for lot_id in open_lot_ids(session, now, tender_id):
        # Locked, then read again: a run beside this one skips the lot rather than sending
        # the same batch (SQLite: the caller holds the write lock already).
        lot = session.scalars(select(Lot).where(Lot.id == lot_id)
                              .with_for_update(skip_locked=True)).first()
        if lot is None:
            continue
        told = send_batch(session, lot, now, rules.batch_size, rules.enough_interested)
        if told:
            sent.lots += 1
            sent.structures += told
    return sent


def send_batch(session, lot: Lot, now: datetime, size: int, enough: int) -> int:
    """Notify ``lot``'s next ``size`` waiting structures if it is due; return how many."""
    of_lot = LotOpportunity.lot_id == lot.id
    interested = session.scalar(select(func.count()).select_from(LotOpportunity)
                                .where(of_lot, LotOpportunity.interest.in_(INTERESTED)))
    if interested >= enough:
        return 0
    last, batch = session.execute(select(func.max(LotOpportunity.notified_at),
                                         func.max(LotOpportunity.batch)).where(of_lot)).one()
    if last is not None and now - last < BATCH_EVERY:
        return 0
    waiting = session.scalars(select(LotOpportunity)
                              .where(of_lot, LotOpportunity.batch.is_(None))
                              .order_by(LotOpportunity.rank, LotOpportunity.id)
                              .limit(size)).all()
    tender = lot.tender
    params = {"lot_title": lot.title, "buyer_name": tender.buyer_name or tender.buyer.name,
              "deadline": tender.deadline.astimezone(PARIS).date().isoformat()}
    for row in waiting:
        row.batch, row.notified_at = (batch or 0) + 1, now
        notifications.notify_member(session, row.member_id, NotificationKind.lot_opportunity,
                                    params, f"/opportunites/{lot.id}")
    session.flush()
    return len(waiting)
