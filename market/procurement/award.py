"""After a lot's deadline: its buyer compares the bids, marks their quality, awards one;
the contract records the award. Before the deadline the bids stay sealed (409).

The contracts are then read by their buyer, holder and grouping members, the network's
admins and the clause facilitators of the lot's department; by nobody else (404).
"""

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from market.matching import bid_scoring
from market.platform.time import now_utc
from market.procurement.bids import MAX_ID, deadline_passed
from market.procurement.contract_models import (
    Bid,
    BidShare,
    BidStatus,
    Contract,
    FacilitatorDepartment,
)
from market.procurement.models import Lot, Tender, TenderStatus
from market.web.errors import InvalidState, NotFound, ValidationError

#: Lot statuses a tender is done with: once every lot is one of these, it is awarded.
SETTLED = (TenderStatus.awarded, TenderStatus.cancelled)


@dataclass(frozen=True)
class Compared:
    """A bid next to its score on the lot's criteria."""

    bid: Bid
    scored: bid_scoring.ScoredBid


@dataclass(frozen=True)
class Comparison:
    """A lot's bids side by side, best score first, and the weights they were scored on."""

    lot: Lot
    weights: dict[str, Fraction]
    items: list[Compared]


def buyer_lot(session, lot_id: int, buyer_ids: set[int], *, lock: bool = False) -> Lot:
    """A lot of a tender of one of ``buyer_ids``; any other is NotFound."""
    lot = None
    if 0 < lot_id <= MAX_ID:
        stmt = select(Lot).join(Tender).where(Lot.id == lot_id,
                                              Tender.buyer_id.in_(sorted(buyer_ids)))
        if lock:
            stmt = stmt.with_for_update(of=Lot).execution_options(populate_existing=True)
        lot = session.scalars(stmt).first()
    if lot is None:
        raise NotFound(_("Lot introuvable."))
    return lot


def check_unsealed(lot: Lot, now: datetime) -> None:
    """Refuse (409) to show or judge bids before the deadline: they are sealed until then."""
    if not deadline_passed(lot, now):
        deadline = lot.tender.deadline
        raise InvalidState(_("Les offres restent scellées jusqu'à la date limite de remise "
                             "des offres."),
                           {"deadline": deadline.isoformat() if deadline else None})


def lot_weights(lot: Lot) -> dict[str, Fraction]:
    """The weight of each kind of the lot's criteria (price 60 quality 40 without any)."""
    return bid_scoring.weights([(c.kind, None if c.weight is None else Fraction(c.weight))
                                for c in lot.criteria])


def compare(session, lot: Lot, *, now: datetime | None = None) -> Comparison:
    """The lot's bids (withdrawn ones aside), scored and sorted, once the deadline is past."""
    check_unsealed(lot, now or now_utc())
    bids = session.scalars(select(Bid).where(Bid.lot_id == lot.id,
                                             Bid.status != BidStatus.withdrawn)).all()
    weights = lot_weights(lot)
    scored = bid_scoring.score_bids(
        [bid_scoring.BidFacts(b.id, b.price_minor, b.insertion_hours, b.quality_mark)
         for b in bids], weights)
    by_id = {b.id: b for b in bids}
    return Comparison(lot, weights, [Compared(by_id[s.id], s) for s in scored])


def lot_bid(session, bid_id: int, buyer_ids: set[int], *, lock: bool = False) -> Bid:
    """A bid on a lot of one of ``buyer_ids``; any other is NotFound."""
    bid = None
    if 0 < bid_id <= MAX_ID:
        stmt = (select(Bid).join(Lot, Lot.id == Bid.lot_id).join(Tender)
                .where(Bid.id == bid_id, Tender.buyer_id.in_(sorted(buyer_ids))))
        bid = session.scalars(stmt.with_for_update(of=Bid) if lock else stmt).first()
    if bid is None:
        raise NotFound(_("Offre introuvable."))
    return bid


def mark_quality(session, bid: Bid, mark: int, *, now: datetime | None = None) -> Bid:
    """Give a bid its quality mark (0 to 20), after the deadline and before the award."""
    lot = session.get(Lot, bid.lot_id)
    check_unsealed(lot, now or now_utc())
    if bid.status != BidStatus.submitted or lot.status in SETTLED:
        raise InvalidState(_("Seule une offre en lice, sur un lot pas encore attribué, "
                             "reçoit une note."), {"status": bid.status})
    bid.quality_mark = mark
    session.flush()
    return bid


def award(session, lot: Lot, bid_id: int, user_id: int | None, *,
          now: datetime | None = None) -> Contract:
    """Award ``lot`` to one of its bids: the others are rejected and a contract is made."""
    now = now or now_utc()
    check_unsealed(lot, now)
    if lot.status in SETTLED or lot.tender.status in SETTLED:
        raise InvalidState(_("Ce lot est déjà attribué (ou annulé)."), {"status": lot.status})
    if lot.status not in (TenderStatus.published, TenderStatus.closed):
        raise InvalidState(_("Ce lot n'est pas publié."), {"status": lot.status})
    bids = session.scalars(select(Bid).where(Bid.lot_id == lot.id)
                           .with_for_update(of=Bid)).all()
    chosen = next((b for b in bids if b.id == bid_id), None)
    if chosen is None:
        raise ValidationError({"bid_id": [_("Aucune offre de ce numéro sur ce lot.")]})
    if chosen.status != BidStatus.submitted:
        raise InvalidState(_("Cette offre n'est plus en lice."), {"status": chosen.status})
    for bid in bids:
        if bid.status == BidStatus.submitted:
            bid.status = BidStatus.awarded if bid is chosen else BidStatus.rejected
            bid.updated_at = now
    lot.status = TenderStatus.awarded
    if all(other.status in SETTLED for other in lot.tender.lots):
        lot.tender.status = TenderStatus.awarded
    contract = Contract(lot_id=lot.id, bid_id=chosen.id, buyer_id=lot.tender.buyer_id,
                        holder_id=chosen.member_id, grouping_id=chosen.grouping_id,
                        amount_minor=chosen.price_minor, currency=chosen.currency,
                        insertion_hours=chosen.insertion_hours, awarded_by=user_id,
                        awarded_at=now)
    session.add(contract)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another award of this lot committed first
        raise InvalidState(_("Ce lot est déjà attribué.")) from None
    tell_parties(session, contract, "contract_awarded",
                 {"lot_title": lot.title, "holder_name": chosen.member.name},
                 f"/contrats/{contract.id}")
    return contract


def parties(contract: Contract) -> list[int]:
    """The members doing the contract's work: its holder, then the grouping's others."""
    shares = [s.member_id for s in contract.bid.shares]
    return list(dict.fromkeys([contract.holder_id, *shares]))


def tell_parties(session, contract: Contract, kind: str, params: dict, url: str) -> None:
    """Notify the people of the holder and of each member of its grouping."""
    from market.notifications import services as notifications

    for member_id in parties(contract):
        notifications.notify_member(session, member_id, kind, params, url)


def reader_filter(members: set[int], admin: bool, departments: set[str]):
    """The condition a contract the caller may read meets (see the module's docstring)."""
    if admin:
        return None
    shared = select(BidShare.bid_id).where(BidShare.member_id.in_(sorted(members)))
    conditions = [Contract.buyer_id.in_(sorted(members)), Contract.holder_id.in_(sorted(members)),
                  Contract.bid_id.in_(shared)]
    if departments:
        conditions.append(Contract.lot_id.in_(select(Lot.id).where(
            Lot.department.in_(sorted(departments)))))
    return or_(*conditions)


def facilitated_departments(session, user_id: int) -> set[str]:
    """The departments whose contracts a clause facilitator follows."""
    return set(session.scalars(select(FacilitatorDepartment.department)
                               .where(FacilitatorDepartment.user_id == user_id)))


def visible_contract(session, contract_id: int, members: set[int], *, admin: bool = False,
                     departments: frozenset[str] | set[str] = frozenset(),
                     lock: bool = False) -> Contract:
    """The contract ``contract_id`` if the caller may read it; any other is NotFound."""
    contract = None
    if 0 < contract_id <= MAX_ID:
        stmt = select(Contract).where(Contract.id == contract_id)
        condition = reader_filter(members, admin, set(departments))
        if condition is not None:
            stmt = stmt.where(condition)
        contract = session.scalars(stmt.with_for_update(of=Contract) if lock else stmt).first()
    if contract is None:
        raise NotFound(_("Marché introuvable."))
    return contract


def contracts_of(members: set[int]):
    """The statement of the contracts of ``members`` as buyer, holder or grouping member."""
    return select(Contract).where(reader_filter(members, False, set()))
