"""The demo's procurement directory: a Structure (reach, activities) for each inclusion member,
and the GIE Insertion Pays Basque as a real grouping of its SIAE, so that matching works."""

from sqlalchemy import select

from market.members.models import InclusionKind, Member
from market.platform.time import now_utc
from market.procurement.models import (
    Grouping,
    GroupingKind,
    GroupingMember,
    GroupingSector,
    GroupingStatus,
    InvitationStatus,
    ServiceKind,
    Structure,
    StructureActivity,
    StructureDepartment,
    StructureReach,
)

#: The GIE: a member of its own (its SIRET) and the network its SIAE belong to.
GIE_KEY = GIE_NETWORK = "gie-insertion-pays-basque"
#: The GIE's lead (mandataire): the chantier d'insertion at the GIE's own address.
GIE_LEAD = "aci-jardins-adour"
#: Kinds that place workers with others rather than deliver a service themselves.
STAFFING = {InclusionKind.AI, InclusionKind.ETTI, InclusionKind.EATT, InclusionKind.GEIQ}
#: Where a structure works unless said here: within this many kilometres of itself.
RADIUS_KM = 50
#: member key -> (reach, radius in km, departments).
REACH = {
    "etti-interim-solidaire-64": (StructureReach.departments, None, ("40", "64", "65")),
    "geiq-btp-aquitaine": (StructureReach.departments, None, ("24", "33", "40", "47", "64")),
    "ea-numerique-basque": (StructureReach.country, None, ()),
    "eatt-conseil-handicap": (StructureReach.radius, 120, ()),
    "aci-jardins-adour": (StructureReach.radius, 60, ()),
}


def structure_of(key: str, member: Member) -> Structure:
    """A Structure for a demo inclusion member: its reach, its sectors as activities."""
    reach, radius, departments = REACH.get(key, (StructureReach.radius, RADIUS_KM, ()))
    how = ServiceKind.staffing if member.inclusion_kind in STAFFING else ServiceKind.services
    structure = Structure(member_id=member.id, reach=reach, radius_km=radius)
    structure.activities = [StructureActivity(sector_code=code, service_kind=how)
                            for code in member.sector_codes]
    structure.department_links = [StructureDepartment(department=d) for d in departments]
    return structure


def seed_structures(session, members: dict[str, Member]) -> int:
    """Give each demo inclusion member without one a Structure; return how many were made."""
    known = set(session.scalars(select(Structure.member_id)))
    made = [structure_of(key, m) for key, m in members.items()
            if m.inclusion_kind != InclusionKind.none and m.id not in known]
    session.add_all(made)
    return len(made)


def seed_gie(session, members: dict[str, Member]) -> Grouping | None:
    """The GIE as a grouping: its own SIRET, led by one of its SIAE, every SIAE of its network
    accepted, the sectors it answers for; None when it exists already."""
    gie = members[GIE_KEY]
    if session.scalar(select(Grouping.id).where(Grouping.siret == gie.siret)) is not None:
        return None
    lead = members[GIE_LEAD]
    siae = sorted((m for m in members.values()
                   if m.inclusion_kind != InclusionKind.none
                   and any(n.slug == GIE_NETWORK for n in m.networks)),
                  key=lambda m: (m.id != lead.id, m.id))
    covered = {code for m in siae for code in m.sector_codes}
    now = now_utc()
    grouping = Grouping(name=gie.name, kind=GroupingKind.gie, siret=gie.siret, lead_id=lead.id,
                        status=GroupingStatus.active, created_at=now)
    grouping.members = [GroupingMember(member_id=m.id, status=InvitationStatus.accepted,
                                       responded_at=now) for m in siae]
    grouping.sector_links = [GroupingSector(sector_code=code) for code in gie.sector_codes
                             if code in covered]
    session.add(grouping)
    return grouping


def seed_procurement(session, members: dict[str, Member]) -> str | None:
    """Structures and the GIE grouping, once; a summary of what was made, None if nothing."""
    structures = seed_structures(session, members)
    session.flush()
    grouping = seed_gie(session, members)
    session.flush()
    if not structures and grouping is None:
        return None
    parts = [f"{structures} structures dans l'annuaire des marchés"]
    if grouping is not None:
        parts.append(f"le groupement « {grouping.name} » ({len(grouping.members)} SIAE)")
    return "Marchés publics : " + ", ".join(parts) + "."
