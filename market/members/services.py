"""Member use cases: create, update, find and search members.

Services take the session as an argument, flush but never commit (the caller owns the
transaction), and validate everything before writing anything: a refused call leaves the
session as it found it.
"""

from flask_babel import gettext as _
from sqlalchemy import String, func, select

from market.members import taxonomy
from market.members.identifiers import InvalidIdentifier, clean_siret, siren_of
from market.members.models import (
    APPROVED,
    InclusionKind,
    LegalForm,
    Member,
    MemberSector,
    MemberStatus,
    Network,
    member_networks,
    member_sectors,
)
from market.web.errors import Conflict, Forbidden, NotFound, ValidationError
from market.web.pagination import DEFAULT_LIMIT, Page, paginate

#: Plain columns a caller may set (sectors and networks are handled apart).
COLUMNS = (
    "name", "siret", "foreign_id", "legal_form", "inclusion_kind", "status", "address",
    "postcode", "city", "insee_code", "department", "region", "country", "nuts_code",
    "latitude", "longitude", "description", "website", "contact_name", "contact_email",
    "contact_phone", "turnover_cents", "headcount", "insertion_headcount",
)
#: Fields only a network admin may set: membership of networks is theirs to vouch for.
ADMIN_ONLY = ("status", "networks")
ENUMS = {"legal_form": LegalForm, "inclusion_kind": InclusionKind, "status": MemberStatus}


def create_member(session, data: dict, *, status: str = MemberStatus.active) -> Member:
    """Add a member from validated ``data`` (schema attribute names); flush, no commit."""
    data = {"status": status, **data}
    values, sectors, networks = clean(session, data, None)
    member = Member(**values)
    member.sector_links = [MemberSector(sector_code=code) for code in sectors or []]
    member.networks = networks or []
    session.add(member)
    session.flush()
    return member


def update_member(session, member: Member, data: dict, *,
                  as_network_admin: bool = False) -> Member:
    """Change the fields present in ``data``; flush, no commit."""
    reserved = sorted(k for k in ADMIN_ONLY if k in data)
    if reserved and not as_network_admin:
        message = _("Seul un administrateur du réseau peut modifier ce champ.")
        raise Forbidden(_("Seul un administrateur du réseau peut modifier ces champs."),
                        {"fields": {k: [message] for k in reserved}})
    values, sectors, networks = clean(session, data, member)
    for key, value in values.items():
        setattr(member, key, value)
    if sectors is not None:
        current = {link.sector_code: link for link in member.sector_links}
        member.sector_links = [current.get(c) or MemberSector(sector_code=c) for c in sectors]
    if networks is not None:
        member.networks = networks
    session.flush()
    return member


def clean(session, data: dict, member: Member | None) -> tuple[dict, list | None, list | None]:
    """Check ``data`` against the rules; return (column values, sector codes, networks)."""
    errors: dict[str, list[str]] = {}
    values = {k: data[k] for k in COLUMNS if k in data}
    check_columns(values, errors)
    if member is None and "name" not in values:
        errors["name"] = [_("Le nom est obligatoire.")]
    if "siret" in values:
        values["siret"], values["siren"] = check_siret(values["siret"], errors)
    check_french_siret(values, member, errors)
    check_headcounts(values, member, errors)
    sectors = check_sectors(data["sectors"], errors) if "sectors" in data else None
    networks = find_networks(session, data["networks"], errors) if "networks" in data else None
    if errors:
        raise ValidationError(errors)
    status = values.get("status", member.status if member is not None else None)
    siret = values["siret"] if "siret" in values else getattr(member, "siret", None)
    if siret and status in APPROVED:
        check_siret_free(session, siret, member)
    return values, sectors, networks


def check_columns(values: dict, errors: dict) -> None:
    """Refuse over-long strings and unknown enumeration values, whoever the caller."""
    for key, value in values.items():
        column_type = Member.__table__.c[key].type
        if isinstance(value, str) and isinstance(column_type, String) and column_type.length \
                and len(value) > column_type.length and key != "siret":
            errors.setdefault(key, []).append(
                _("Au plus %(max)d caractères.", max=column_type.length))
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL cannot store NUL
            errors.setdefault(key, []).append(_("Caractères de contrôle interdits."))
        if key in ENUMS and value not in {e.value for e in ENUMS[key]}:
            errors.setdefault(key, []).append(_("Valeur inconnue."))
    if "name" in values and not (values["name"] or "").strip():
        errors.setdefault("name", []).append(_("Le nom est obligatoire."))


def check_siret(raw: str | None, errors: dict) -> tuple[str | None, str | None]:
    """Return (SIRET, SIREN) from a raw SIRET, or record why it is refused."""
    if raw is None or not raw.strip():
        return None, None
    try:
        siret = clean_siret(raw)
    except InvalidIdentifier as exc:
        errors.setdefault("siret", []).append(str(exc))
        return None, None
    return siret, siren_of(siret)


def check_french_siret(values: dict, member: Member | None, errors: dict) -> None:
    """Require a SIRET from French organisations (others give a foreign identifier)."""
    if member is not None and "siret" not in values and "country" not in values:
        return  # an edit that touches neither keeps whatever was accepted before
    country = values.get("country", member.country if member else "FR")
    siret = values["siret"] if "siret" in values else (member.siret if member else None)
    if country == "FR" and not siret and "siret" not in errors:
        errors.setdefault("siret", []).append(
            _("Le SIRET est obligatoire pour une organisation établie en France."))


def check_headcounts(values: dict, member: Member | None, errors: dict) -> None:
    """Refuse more people on insertion paths than employees in all."""
    def current(key):
        return values[key] if key in values else getattr(member, key, None)

    total, insertion = current("headcount"), current("insertion_headcount")
    if total is not None and insertion is not None and insertion > total:
        errors.setdefault("insertion_headcount", []).append(
            _("Ne peut pas dépasser l'effectif total."))


def check_sectors(codes: list[str], errors: dict) -> list[str]:
    """Return the sector codes without duplicates, or record the unknown ones."""
    unknown = [c for c in codes if not taxonomy.is_sector(c)]
    if unknown:
        errors["sectors"] = [_("Secteur inconnu : %(codes)s.", codes=", ".join(unknown))]
    return list(dict.fromkeys(codes))


def find_networks(session, slugs: list[str], errors: dict) -> list[Network]:
    """Return the networks named by ``slugs``, or record the unknown ones."""
    wanted = list(dict.fromkeys(slugs))
    found = {n.slug: n for n in session.scalars(select(Network).where(Network.slug.in_(wanted)))}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        errors["networks"] = [_("Réseau inconnu : %(slugs)s.", slugs=", ".join(unknown))]
    return [found[s] for s in wanted if s in found]


def check_siret_free(session, siret: str, member: Member | None) -> None:
    """Refuse, for an approved member, a SIRET another approved member holds (409 conflict).

    Pending sign-ups may share a SIRET (a contest the network admin settles).
    """
    if approved_holder(session, siret, besides=getattr(member, "id", None)) is not None:
        raise Conflict(_("Ce SIRET est déjà celui d'un autre membre."),
                       {"fields": {"siret": [_("Ce SIRET est déjà enregistré.")]}})


def approved_holder(session, siret: str | None, besides: int | None = None) -> Member | None:
    """The approved member (active or suspended) that holds ``siret``, if any."""
    if not siret:
        return None
    query = select(Member).where(Member.siret == siret, Member.status.in_(APPROVED))
    if besides is not None:
        query = query.where(Member.id != besides)
    return session.scalar(query)


def member_with_siret(session, siret: str) -> Member | None:
    """The member a SIRET names: the approved one, else its only claim (None if none).

    Several pending claims and no approved member: Conflict, the SIRET names no one yet.
    """
    found = approved_holder(session, siret)
    if found is not None:
        return found
    claims = list(session.scalars(select(Member).where(
        Member.siret == siret, Member.status != MemberStatus.rejected).limit(2)))
    if len(claims) > 1:
        raise Conflict(_("Plusieurs demandes d'adhésion revendiquent le SIRET %(siret)s.",
                         siret=siret))
    return claims[0] if claims else None


def get_member(session, member_id: int) -> Member:
    """Return the member ``member_id`` or raise NotFound."""
    # Ids beyond the 32-bit column cannot exist; PostgreSQL would fail on them, not miss.
    member = session.get(Member, member_id) if 0 < member_id < 2**31 else None
    if member is None:
        raise NotFound(_("Ce membre n'existe pas."))
    return member


def get_visible_member(session, member_id: int, *, network_admin: bool = False,
                       own_member_ids: frozenset[int] | set[int] = frozenset()) -> Member:
    """Return a member the viewer may see: active ones, or any for admins and its own users."""
    member = get_member(session, member_id)
    if member.status != MemberStatus.active and not network_admin \
            and member.id not in own_member_ids:
        raise NotFound(_("Ce membre n'existe pas."))  # 404, not 403: do not reveal it exists
    return member


def member_filters(filters: dict, include_inactive: bool) -> list:
    """Turn search filters (schema names) into SQL conditions on members."""
    conditions = []
    if not include_inactive:
        conditions.append(Member.status == MemberStatus.active)
    if filters.get("status"):
        conditions.append(Member.status == filters["status"])
    if filters.get("q", "").strip():
        conditions.append(Member.name.icontains(filters["q"].strip(), autoescape=True))
    sectors = [filters["sector"]] if filters.get("sector") else []
    if filters.get("sector_group"):
        sectors += taxonomy.group_sector_codes(filters["sector_group"])
    if filters.get("sector") or filters.get("sector_group"):
        conditions.append(Member.id.in_(select(member_sectors.c.member_id)
                                        .where(member_sectors.c.sector_code.in_(sectors))))
    for key in ("inclusion_kind", "legal_form", "department"):
        if filters.get(key):
            conditions.append(getattr(Member, key) == filters[key])
    if filters.get("region"):
        conditions.append(func.lower(Member.region) == filters["region"].lower())
    if filters.get("country"):
        conditions.append(Member.country == filters["country"].upper())
    if filters.get("nuts"):
        conditions.append(Member.nuts_code.startswith(filters["nuts"].upper(), autoescape=True))
    if filters.get("network"):
        conditions.append(Member.id.in_(
            select(member_networks.c.member_id).join(Network)
            .where(Network.slug == filters["network"])))
    return conditions


def search_members(session, filters: dict, *, include_inactive: bool = False,
                   limit: int = DEFAULT_LIMIT, cursor: str | None = None,
                   by_name: bool = False) -> Page:
    """Return one page of members matching ``filters``, by id (API) or by name (directory)."""
    stmt = select(Member).where(*member_filters(filters, include_inactive))
    return paginate(session, stmt, Member.id, limit=limit, cursor=cursor,
                    sort_column=Member.name if by_name else None)


def list_networks(session) -> list[Network]:
    """Return every network, by name."""
    return list(session.scalars(select(Network).order_by(Network.name)))


def list_regions(session) -> list[str]:
    """Return the regions where active members are, by name (for the directory filter)."""
    stmt = (select(Member.region).distinct()
            .where(Member.status == MemberStatus.active, Member.region != "")
            .order_by(Member.region))
    return list(session.scalars(stmt))


def count_by(session, column) -> list[tuple[str, int]]:
    """Count active members by ``column`` (e.g. Member.region), largest first."""
    stmt = (select(column, func.count()).where(Member.status == MemberStatus.active)
            .group_by(column).order_by(func.count().desc(), column))
    return [(value, count) for value, count in session.execute(stmt) if value]
