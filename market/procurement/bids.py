"""Bids on a published lot: a structure alone, or a grouping through its lead, answers with
a price, committed insertion hours and each member's share of the work.

One bid per bidder and lot: sending again before the deadline replaces it (and brings a
withdrawn bid back). Timing is a state: a lot past its tender's deadline (or a tender with
no deadline, whose bids could never be sealed) refuses bids with 409 ``invalid_state``;
who may bid is a rule: a structure the lot's reservation does not admit is 422
``not_eligible``. Bad shares, price or hours are 422 ``validation_error``.
"""

import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import ledger
from market.auth.roles import Role
from market.matching.reach import admits
from market.members.models import Member, MemberStatus
from market.platform.time import now_utc
from market.procurement.contract_models import WHOLE, Bid, BidShare, BidStatus
from market.procurement.models import (
    Grouping,
    GroupingStatus,
    InvitationStatus,
    Lot,
    TenderStatus,
)
from market.web.errors import (
    BusinessRuleError,
    Conflict,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationError,
)

#: Euro cents: bids are priced in euros.
SCALE = 2
#: A share of the work in percent: up to 3 digits and at most 2 decimals ("60", "33.33").
PERCENT = re.compile(r"(\d{1,3})(?:\.(\d{1,2}))?")
#: Who a lot's buyer's people are, for its notifications.
BUYER_PEOPLE = (Role.buyer, Role.member_admin)
MAX_ID = 2**31 - 1


def not_eligible(message: str, details: dict | None = None) -> BusinessRuleError:
    return BusinessRuleError(message, details, code="not_eligible")


def percent_to_bp(text: str) -> int | None:
    """Basis points of a percent written "60" or "33.33" (no float), or None if malformed."""
    found = PERCENT.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        return None
    whole, fraction = found.group(1), (found.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(fraction)


def bp_to_percent(bp: int) -> str:
    """A share in basis points as a percent string with 2 decimals ("33.33")."""
    return f"{bp // 100}.{bp % 100:02d}"


def deadline_passed(lot: Lot, now: datetime) -> bool:
    """Whether the lot's tender no longer takes bids because its deadline is past."""
    deadline = lot.tender.deadline
    return deadline is not None and deadline <= now


def check_open(lot: Lot, now: datetime) -> None:
    """Refuse (409) a lot that takes no bids now: not published, or its deadline past."""
    deadline = lot.tender.deadline
    if lot.status != TenderStatus.published or lot.tender.status != TenderStatus.published:
        raise InvalidState(_("Ce lot ne reçoit pas d'offres : il n'est pas (ou plus) publié."),
                           {"status": lot.status})
    if deadline is None:
        raise InvalidState(_("Cet appel d'offres n'a pas de date limite de remise des "
                             "offres : il ne reçoit pas d'offres ici."))
    if deadline <= now:
        raise InvalidState(_("La date limite de remise des offres est passée (%(deadline)s) : "
                             "plus aucune offre n'est reçue ni modifiée.",
                             deadline=deadline.isoformat()),
                           {"deadline": deadline.isoformat()})


def parse_terms(lot: Lot, data: dict) -> tuple[int, int]:
    """The bid's price (cents) and committed hours, or 422 naming the field."""
    errors: dict[str, list[str]] = {}
    price = None
    try:
        price = ledger.parse_amount(data["price"], SCALE)
    except ledger.InvalidAmount:
        errors["price"] = [_("Prix en euros, positif, avec deux décimales, par exemple "
                             "\"55000.00\".")]
    hours = data["insertion_hours"]
    if lot.insertion_hours and hours < lot.insertion_hours:
        errors["insertion_hours"] = [_(
            "Le lot demande au moins %(hours)s heures d'insertion.", hours=lot.insertion_hours)]
    if errors:
        raise ValidationError(errors)
    return price, hours


def bidding_grouping(session, bidder: Member, grouping_id: int) -> Grouping:
    """The grouping the bidder answers for: it must lead it, and every member accepted."""
    grouping = session.get(Grouping, grouping_id) if 0 < grouping_id <= MAX_ID else None
    members = set() if grouping is None else {grouping.lead_id,
                                               *(gm.member_id for gm in grouping.members)}
    if grouping is None or bidder.id not in members:
        raise ValidationError({"grouping_id": [_("Groupement introuvable.")]})
    if grouping.lead_id != bidder.id:
        raise Forbidden(_("Seul le mandataire du groupement répond pour lui."))
    if grouping.status != GroupingStatus.active or any(
            gm.status != InvitationStatus.accepted for gm in grouping.members):
        raise not_eligible(_("Le groupement n'est pas constitué : tous ses membres doivent "
                             "avoir accepté."), {"grouping_status": grouping.status})
    return grouping


def grouping_members(grouping: Grouping) -> list[Member]:
    """The grouping's members, its lead first (counted once even if listed)."""
    others = [gm.member for gm in grouping.members if gm.member_id != grouping.lead_id]
    return [grouping.lead, *others]


def parse_shares(shares: list[dict] | None, expected: set[int], bidder_id: int) -> dict:
    """{member id: (basis points, work)} naming exactly ``expected`` and summing to 100 %."""
    if not shares:
        if expected == {bidder_id}:
            return {bidder_id: (WHOLE, "")}
        raise ValidationError({"shares": [_("Indiquez la part du travail de chaque membre du "
                                            "groupement.")]})
    errors: dict[str, list[str]] = {}
    found: dict[int, tuple[int, str]] = {}
    for index, share in enumerate(shares):
        bp = percent_to_bp(share["percent"])
        if bp is None or not 0 < bp <= WHOLE:
            errors[f"shares.{index}.percent"] = [_(
                "Un pourcentage de 0 à 100, au plus deux décimales, par exemple \"33.33\".")]
        elif share["member_id"] in found:
            errors[f"shares.{index}.member_id"] = [_("Ce membre a déjà une part.")]
        else:
            found[share["member_id"]] = (bp, share.get("work", ""))
    if errors:
        raise ValidationError(errors)
    if set(found) != expected:
        message = (_("Une offre seule : la structure porte 100 % du travail.")
                   if expected == {bidder_id} else
                   _("Les parts doivent nommer exactement les membres du groupement."))
        raise ValidationError({"shares": [message]})
    total = sum(bp for bp, _work in found.values())
    if total != WHOLE:
        raise ValidationError({"shares": [_("Les parts doivent faire 100 %% exactement ; "
                                            "elles font %(sum)s %%.",
                                            sum=bp_to_percent(total))]})
    return found


def check_admitted(lot: Lot, members: list[Member]) -> None:
    """Refuse (422 not_eligible) a bid by structures the lot's reservation does not admit."""
    refused = [m for m in members if not admits(lot.reservation, m.inclusion_kind)]
    if refused:
        names = ", ".join(m.name for m in refused)
        raise not_eligible(_("Lot réservé (%(reservation)s) : %(names)s n'y est pas "
                             "éligible.", reservation=lot.reservation, names=names),
                           {"reservation": lot.reservation,
                            "members": [m.id for m in refused]})


def submit_bid(session, lot: Lot, bidder: Member, user_id: int | None, data: dict, *,
               now: datetime | None = None) -> Bid:
    """Send (or replace) the bidder's bid on ``lot`` and tell the lot's buyer."""
    now = now or now_utc()
    check_open(lot, now)
    if bidder.status != MemberStatus.active:
        raise not_eligible(_("Seule une structure active peut répondre."))
    price, hours = parse_terms(lot, data)
    grouping = None
    if data.get("grouping_id") is not None:
        grouping = bidding_grouping(session, bidder, data["grouping_id"])
        members = grouping_members(grouping)
    else:
        members = [bidder]
    if any(m.status != MemberStatus.active for m in members):
        raise not_eligible(_("Chaque membre du groupement doit être une structure active."))
    if any(m.id == lot.tender.buyer_id for m in members):
        raise not_eligible(_("Un acheteur ne répond pas à son propre appel d'offres."))
    shares = parse_shares(data.get("shares"), {m.id for m in members}, bidder.id)
    check_admitted(lot, members)
    bid = session.scalars(select(Bid).where(Bid.lot_id == lot.id, Bid.member_id == bidder.id)
                          .with_for_update(of=Bid)).first()
    if bid is not None and bid.status not in (BidStatus.submitted, BidStatus.withdrawn):
        raise InvalidState(_("Cette offre a déjà été jugée."), {"status": bid.status})
    if bid is None:
        bid = Bid(lot_id=lot.id, member_id=bidder.id, created_at=now)
        session.add(bid)
    bid.grouping_id = grouping.id if grouping is not None else None
    bid.user_id, bid.price_minor, bid.currency = user_id, price, "EUR"
    bid.insertion_hours, bid.summary = hours, data.get("summary", "")
    bid.status, bid.updated_at = BidStatus.submitted, now
    kept = {s.member_id: s for s in bid.shares}
    bid.shares = [_share(kept.get(m), m, bp, work) for m, (bp, work) in sorted(shares.items())]
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same bidder's other request inserted first
        raise Conflict(_("Une autre offre de votre structure vient d'être envoyée sur ce "
                         "lot : réessayez.")) from None
    from market.notifications import services as notifications

    notifications.notify_member(session, lot.tender.buyer_id, "bid_received",
                                {"lot_title": lot.title, "bidder_name": bidder.name},
                                f"/lots/{lot.id}/offres", roles=BUYER_PEOPLE)
    return bid


def _share(share: BidShare | None, member_id: int, bp: int, work: str) -> BidShare:
    """The share row of ``member_id``, kept (the primary key stays) and updated."""
    share = share or BidShare(member_id=member_id)
    share.share_bp, share.work = bp, work
    return share


def own_bid(session, bid_id: int, member_ids: set[int], *, lock: bool = False) -> Bid:
    """A bid sent by one of ``member_ids``; any other is NotFound."""
    bid = None
    if 0 < bid_id <= MAX_ID:
        stmt = select(Bid).where(Bid.id == bid_id)
        bid = session.scalars(stmt.with_for_update(of=Bid) if lock else stmt).first()
    if bid is None or bid.member_id not in member_ids:
        raise NotFound(_("Offre introuvable."))
    return bid


def withdraw_bid(session, bid: Bid, *, now: datetime | None = None) -> Bid:
    """Take a bid back before the deadline (it may be sent again until then)."""
    now = now or now_utc()
    lot = session.get(Lot, bid.lot_id)
    if bid.status != BidStatus.submitted:
        raise InvalidState(_("Seule une offre envoyée peut être retirée."),
                           {"status": bid.status})
    check_open(lot, now)
    bid.status, bid.updated_at = BidStatus.withdrawn, now
    session.flush()
    return bid


def bids_of(member_ids: set[int]):
    """The statement of the bids sent by ``member_ids`` (for a page of them)."""
    return select(Bid).where(Bid.member_id.in_(sorted(member_ids)))
