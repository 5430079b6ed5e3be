"""Builders for procurement tests: buyers, structures with reach and activities, tenders
and lots written straight to the database, groupings, bids and contracts."""

from datetime import timedelta
from decimal import Decimal

from market.auth.roles import Role
from market.members.models import LegalForm, MemberSector
from market.platform.time import now_utc
from market.procurement.contract_models import (
    WHOLE,
    Bid,
    BidShare,
    BidStatus,
    Contract,
)
from market.procurement.models import (
    Grouping,
    GroupingKind,
    GroupingMember,
    GroupingSector,
    GroupingStatus,
    InvitationStatus,
    Lot,
    LotCpv,
    Reservation,
    ServiceKind,
    Structure,
    StructureActivity,
    StructureDepartment,
    StructureReach,
    Tender,
    TenderStatus,
)
from market.procurement.outreach_models import LotOpportunity
from tests.integration.offers_factories import Trader, make_trader

#: La Rochelle (17): where the test lots are performed.
LA_ROCHELLE = (Decimal("46.160000"), Decimal("-1.150000"))
#: Green-space maintenance: CPV 77310000 maps to the sector green.maintenance.
GREEN_CPV, GREEN = "77310000", "green.maintenance"
#: Cleaning: CPV 90910000 maps to a cleaning sector (see market/data/sectors.json).
CLEANING_CPV = "90910000"


def make_buyer(db, n: int, name: str = "Ville de La Rochelle", **funds) -> Trader:
    """A public body with a buyer user, a bearer header and ledger accounts (EUR...)."""
    trader = make_trader(db, n, name, legal_form=LegalForm.public_body, **funds)
    user = trader.user
    user.roles[0].role = Role.buyer  # the buyer role rather than member admin
    db.session.commit()
    return trader


def make_structure(db, n: int, name: str, kind: str = "ACI", *, sectors=(GREEN,),
                   reach: str = StructureReach.radius, radius_km: int | None = 80,
                   departments=(), place=LA_ROCHELLE, turnover_eur: int = 500_000,
                   headcount: int = 10, funds: dict | None = None) -> Trader:
    """An inclusion structure (member admin user, accounts) in the directory."""
    trader = make_trader(db, n, name, funds=funds, inclusion_kind=kind, department="17",
                         postcode="17000", city="La Rochelle", latitude=place[0],
                         longitude=place[1], turnover_cents=turnover_eur * 100,
                         insertion_headcount=headcount)
    member = trader.member
    member.sector_links = [MemberSector(sector_code=code) for code in sectors]
    structure = Structure(member_id=member.id, reach=reach,
                          radius_km=radius_km if reach == StructureReach.radius else None)
    structure.activities = [StructureActivity(sector_code=code,
                                              service_kind=ServiceKind.services)
                            for code in sectors]
    structure.department_links = [StructureDepartment(department=d) for d in departments]
    db.session.add(structure)
    db.session.commit()
    return trader


def make_lot(db, buyer: Trader, *, title: str = "Entretien des espaces verts",
             status: str = TenderStatus.published, cpv=(GREEN_CPV,),
             reservation: str = Reservation.siae, value_eur: int | None = 60_000,
             insertion_hours: int | None = 500, deadline_days: int = 30,
             lot_id: str = "LOT-0001", tender: Tender | None = None) -> Lot:
    """A lot (in a new tender unless one is given) performed in La Rochelle."""
    if tender is None:
        tender = Tender(buyer_id=buyer.member.id, identifier=f"test-{now_utc().timestamp()}"
                        f"-{title}-{lot_id}", title=f"Marché : {title}", status=status,
                        buyer_name=buyer.member.name,
                        deadline=now_utc() + timedelta(days=deadline_days))
        db.session.add(tender)
    lot = Lot(tender=tender, lot_id=lot_id, title=title, cpv_main=cpv[0],
              estimated_value_minor=None if value_eur is None else value_eur * 100,
              postcode="17000", city="La Rochelle", department="17", nuts="FRI32",
              latitude=LA_ROCHELLE[0], longitude=LA_ROCHELLE[1],
              reservation=reservation, insertion_hours=insertion_hours, status=status)
    lot.cpv_links = [LotCpv(code=code, position=i) for i, code in enumerate(cpv)]
    db.session.add(lot)
    db.session.commit()
    return lot


def make_grouping(db, lead: Trader, others: list[Trader], *, name: str = "GIE Vert",
                  kind: str = GroupingKind.joint, status: str = GroupingStatus.active,
                  sectors=(GREEN,), lot: Lot | None = None) -> Grouping:
    """A grouping led by ``lead`` whose members (lead included) all accepted."""
    accepted = InvitationStatus.accepted if status == GroupingStatus.active else None
    grouping = Grouping(name=name, kind=kind, lead_id=lead.member.id, status=status,
                        lot_id=lot.id if lot is not None else None)
    grouping.members = [GroupingMember(member_id=t.member.id,
                                       status=accepted or (InvitationStatus.accepted
                                                           if t is lead
                                                           else InvitationStatus.invited))
                        for t in [lead, *others]]
    grouping.sector_links = [GroupingSector(sector_code=code) for code in sectors]
    db.session.add(grouping)
    db.session.commit()
    return grouping


def make_bid(db, lot: Lot, bidder: Trader, *, price_eur: int = 55_000, hours: int = 600,
             grouping: Grouping | None = None, shares: dict | None = None) -> Bid:
    """A submitted bid; ``shares`` maps member ids to basis points (the bidder alone: all)."""
    shares = shares or {bidder.member.id: WHOLE}
    bid = Bid(lot_id=lot.id, member_id=bidder.member.id,
              grouping_id=grouping.id if grouping is not None else None,
              price_minor=price_eur * 100, insertion_hours=hours, status=BidStatus.submitted)
    bid.shares = [BidShare(member_id=m, share_bp=bp) for m, bp in shares.items()]
    db.session.add(bid)
    db.session.commit()
    return bid


def make_contract(db, lot: Lot, bid: Bid) -> Contract:
    """The lot awarded to ``bid`` (statuses set as the award use case sets them)."""
    contract = Contract(lot_id=lot.id, bid_id=bid.id, buyer_id=lot.tender.buyer_id,
                        holder_id=bid.member_id, grouping_id=bid.grouping_id,
                        amount_minor=bid.price_minor, insertion_hours=bid.insertion_hours)
    bid.status = BidStatus.awarded
    lot.status = TenderStatus.awarded
    db.session.add(contract)
    db.session.commit()
    return contract


def make_opportunity(db, lot: Lot, structure: Trader, rank: int = 1, notified: bool = True,
                     *, batch: int = 1, score: int = 80) -> LotOpportunity:
    """``structure`` matched to ``lot`` at ``rank``; ``notified``: told in ``batch`` now."""
    row = LotOpportunity(lot_id=lot.id, member_id=structure.member.id, rank=rank, score=score,
                         batch=batch if notified else None,
                         notified_at=now_utc() if notified else None)
    db.session.add(row)
    db.session.commit()
    return row
