"""A lot's matches: the directory and the lot read from the database as the engine's plain
data, the engine's answer, and that answer as the API and the CSV export show it."""

import csv
import io

from sqlalchemy import case, func, select, union

from market import matching
from market.matching import Match, Matches
from market.members.models import Member, MemberStatus
from market.offers import favourites
from market.orders.models import Rating, Reference
from market.procurement.contract_models import BidShare, Contract
from market.procurement.directory import sectors_of_cpv
from market.procurement.models import (
    Grouping,
    GroupingStatus,
    InvitationStatus,
    Lot,
    Structure,
)

#: A reference's rating on the engine's 1-5 scale.
STARS = {Rating.positive: 5, Rating.neutral: 3, Rating.negative: 1}


def lot_sectors(lot: Lot) -> frozenset[str]:
    """The sectors a lot needs: those its CPV codes are the work of."""
    # The mapping the directory gives structures, so that a lot and a structure naming the
    # same CPV codes need and do the same sectors.
    return frozenset(code for cpv in lot.cpv_codes for code in sectors_of_cpv(cpv))


def engine_lot(lot: Lot) -> matching.Lot:
    """The lot as the engine sees it."""
    return matching.Lot(
        id=lot.id, sectors=lot_sectors(lot), department=lot.department,
        latitude=None if lot.latitude is None else float(lot.latitude),
        longitude=None if lot.longitude is None else float(lot.longitude),
        value_cents=lot.estimated_value_minor if lot.currency == "EUR" else None,
        reservation=lot.reservation, insertion_hours=lot.insertion_hours)


def references(session) -> dict[int, tuple[int, float]]:
    """Each member's marketplace references: (how many, their mean on 1-5)."""
    stars = case(*((Reference.rating == r, n) for r, n in STARS.items()), else_=3)
    rows = session.execute(select(Reference.subject_member_id, func.count(),
                                  func.avg(stars)).group_by(Reference.subject_member_id))
    return {member: (count, float(mean)) for member, count, mean in rows}


def awards(session) -> dict[int, int]:
    """How many contracts each member holds or works on as a member of the grouping."""
    holders = select(Contract.id.label("contract_id"), Contract.holder_id.label("member_id"))
    sharers = (select(Contract.id, BidShare.member_id)
               .join(BidShare, BidShare.bid_id == Contract.bid_id))
    both = union(holders, sharers).subquery()  # a contract counts once per member
    return dict(session.execute(select(both.c.member_id, func.count())
                                .group_by(both.c.member_id)).all())


def directory(session) -> matching.Directory:
    """Every active member's structure, and the formed groupings of such structures."""
    said = references(session)
    won = awards(session)
    structures = []
    for s in session.scalars(select(Structure).join(Member)
                             .where(Member.status == MemberStatus.active)):
        m = s.member
        count, mean = said.get(m.id, (0, None))
        structures.append(matching.Structure(
            id=m.id, name=m.name, kind=m.inclusion_kind,
            sectors=frozenset(a.sector_code for a in s.activities),
            latitude=None if m.latitude is None else float(m.latitude),
            longitude=None if m.longitude is None else float(m.longitude),
            department=m.department, reach=s.reach, radius_km=s.radius_km,
            departments=frozenset(s.departments), turnover_cents=m.turnover_cents,
            insertion_headcount=m.insertion_headcount, past_awards=won.get(m.id, 0),
            references_count=count, references_mean=mean))
    known = {s.id for s in structures}
    groupings = []
    for g in session.scalars(select(Grouping).where(Grouping.status == GroupingStatus.active)):
        members = tuple(gm.member_id for gm in g.members
                        if gm.status == InvitationStatus.accepted)
        # A grouping answers only with all its members in the directory and its lead among them.
        if g.lead_id in members and set(members) <= known:
            groupings.append(matching.Grouping(id=g.id, name=g.name, member_ids=members,
                                             lead_id=g.lead_id, sectors=frozenset(g.sectors)))
    return matching.Directory(structures, groupings)


def lot_matches(session, lot: Lot) -> Matches:
    """The engine's answer for ``lot`` over today's directory."""
    return directory(session).match(engine_lot(lot))


def match_data(match: Match, names: dict[int, str], language: str,
               favourites: set[int] = frozenset()) -> dict:
    """One answer: who (each a favourite of the buyer or not), the score and each
    criterion's points and reason."""
    return {
        "kind": match.kind, "grouping_id": match.grouping_id,
        "structures": [{"id": i, "name": names.get(i, ""), "favourite": i in favourites}
                       for i in match.structure_ids],
        "lead_id": match.lead_id, "score": match.score,
        "contributions": [{"structure_id": i, "sectors": list(sectors)}
                          for i, sectors in match.contributions],
        "explanation": [{"criterion": c.code, "points": c.points, "max_points": c.max_points,
                         "why": c.why[language]} for c in match.explanation],
    }


def matches_data(session, found: Matches, language: str, buyer_id: int) -> dict:
    """The answer for a lot as MatchesSchema serialises it, the structures ``buyer_id``
    starred marked as its favourites."""
    ids = {i for m in (*found.structures, *found.groupings) for i in m.structure_ids}
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids)))
                 .all()) if ids else {}
    _offers, starred = favourites.starred(session, {buyer_id})
    return {"lot_id": found.lot_id, "candidates": found.candidates,
            "structures": [match_data(m, names, language, starred) for m in found.structures],
            "groupings": [match_data(m, names, language, starred) for m in found.groupings]}


def cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula is quoted."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def matches_csv(data: dict) -> str:
    """The answer as CSV for the buyer: one line per answer, its members and its points."""
    out = io.StringIO()
    writer = csv.writer(out)
    criteria = [c["criterion"] for c in (data["structures"] or data["groupings"] or
                                         [{"explanation": []}])[0]["explanation"]]
    writer.writerow(["rank", "kind", "score", "lead", "members", "favourites", *criteria])
    for rank, match in enumerate([*data["structures"], *data["groupings"]], start=1):
        lead = next((s["name"] for s in match["structures"] if s["id"] == match["lead_id"]), "")
        writer.writerow([rank, match["kind"], match["score"], cell(lead),
                         cell(" + ".join(s["name"] for s in match["structures"])),
                         cell(" + ".join(s["name"] for s in match["structures"]
                                         if s["favourite"])),
                         *(c["points"] for c in match["explanation"])])
    return out.getvalue()
