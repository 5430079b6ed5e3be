"""Checking a proposed grouping: who proposes, its SIRET, members, lead, sectors and lot."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select

from market.members import taxonomy
from market.members.identifiers import InvalidIdentifier, clean_siret
from market.members.models import InclusionKind, Member, MemberStatus
from market.procurement import tenders
from market.procurement.models import Grouping, GroupingKind, Structure, TenderStatus
from market.web.errors import BusinessRuleError, Conflict, Forbidden, NotFound, ValidationError

#: A GIE of 23 SIAE at most: 23 members in all, the lead included.
MAX_MEMBERS = 23


@dataclass(frozen=True)
class Actor:
    """Who writes: the member the caller acts for, or none (a network admin for the network)."""

    member: Member | None
    network_admin: bool = False


def is_structure(session, member: Member) -> bool:
    """Tell whether ``member`` answers tenders: an inclusion kind or a Structure row."""
    return member.inclusion_kind != InclusionKind.none or session.scalar(
        select(exists().where(Structure.member_id == member.id)))


def not_eligible(message: str) -> BusinessRuleError:
    return BusinessRuleError(message, code="not_eligible")


def check_siret(kind: str, siret: str | None, errors: dict) -> str | None:
    """A GIE's own valid SIRET; none for a temporary grouping."""
    siret = (siret or "").strip() or None
    if kind != GroupingKind.gie:
        if siret is not None:
            errors["siret"] = [_("Un groupement temporaire n'a pas de SIRET : seul un GIE "
                                 "en a un.")]
        return None
    if siret is None:
        errors["siret"] = [_("Un GIE a son propre SIRET : indiquez-le.")]
        return None
    try:
        return clean_siret(siret)
    except InvalidIdentifier as error:
        errors["siret"] = [str(error)]
        return None


def check_sectors(codes: list[str], errors: dict) -> list[str]:
    """The sector codes, each once, all of the taxonomy."""
    unknown = [c for c in codes if not taxonomy.is_sector(c)]
    if unknown:
        errors["sectors"] = [_("Secteurs inconnus : %(codes)s.", codes=", ".join(unknown[:10]))]
    return list(dict.fromkeys(codes))


def check_lot(session, lot_id: int | None, errors: dict) -> int | None:
    """The published lot the grouping is proposed for, if any."""
    if lot_id is None:
        return None
    try:
        lot = tenders.visible_lot(session, lot_id, set())
    except NotFound:
        lot = None
    if lot is None or lot.status != TenderStatus.published:
        errors["lot_id"] = [_("Aucun lot publié ne porte ce numéro.")]
        return None
    return lot.id


def composition(actor: Actor, data: dict, errors: dict) -> tuple[int | None, list[int]]:
    """The lead and every member (the proposer's own first), as the request names them."""
    invited = data["members"]
    own = actor.member.id if actor.member is not None else None
    lead = data.get("lead_id") or own
    if len(set(invited)) != len(invited):
        errors["members"] = [_("Chaque structure n'est invitée qu'une fois.")]
    if own is not None and own in invited:
        errors["members"] = [_("Le mandataire ne figure pas deux fois dans le groupement.")
                             if own == lead else
                             _("Votre structure fait partie du groupement d'office.")]
    everyone = list(dict.fromkeys([own, *invited] if own is not None else invited))
    if lead is None:
        errors["lead_id"] = [_("Indiquez le mandataire du groupement.")]
    elif lead not in everyone:
        errors["lead_id"] = [_("Un groupement dont le mandataire n'est pas membre n'existe "
                               "pas : le mandataire doit être l'une des structures invitées.")]
    others = [m for m in everyone if m != lead]
    if not 1 <= len(others) <= MAX_MEMBERS - 1:
        errors.setdefault("members", []).append(
            _("Un groupement compte de 2 à %(n)s structures, le mandataire compris.",
              n=MAX_MEMBERS))
    return lead, everyone


def check_members(session, ids: list[int], errors: dict) -> dict[int, Member]:
    """The members named, each known and active."""
    found = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}
    unknown = [i for i in ids if i not in found]
    inactive = [i for i in ids if i in found and found[i].status != MemberStatus.active]
    messages = []
    if unknown:
        messages.append(_("Structures inconnues : %(ids)s.", ids=_ids(unknown)))
    if inactive:
        messages.append(_("Structures qui ne sont pas actives : %(ids)s.", ids=_ids(inactive)))
    if messages:
        errors["members"] = messages
    return found


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids[:10])


@dataclass(frozen=True)
class Proposal:
    """A proposal checked: what the grouping will be."""

    name: str
    siret: str | None
    sectors: list[str]
    lead: Member
    members: list[Member]
    lot_id: int | None


def checked(session, actor: Actor, data: dict) -> Proposal:
    """The proposal if ``actor`` may make it and every field holds; else the errors."""
    if actor.member is None and data["kind"] != GroupingKind.gie:
        raise Forbidden(_("Le réseau ne crée que des GIE ; un groupement temporaire est "
                          "proposé par l'une de ses structures."))
    if actor.member is not None and not is_structure(session, actor.member):
        raise not_eligible(_("Seule une structure qui répond aux marchés (SIAE, EA, ESAT...) "
                             "propose un groupement."))
    errors: dict[str, list[str]] = {}
    name = data["name"].strip()
    if not name:
        errors["name"] = [_("Donnez un nom au groupement.")]
    siret = check_siret(data["kind"], data.get("siret"), errors)
    sectors = check_sectors(data.get("sectors") or [], errors)
    lead, everyone = composition(actor, data, errors)
    found = {} if errors else check_members(session, everyone, errors)
    lot_id = check_lot(session, data.get("lot_id"), errors)
    if errors:
        raise ValidationError(errors)
    if found[lead] is not actor.member and not is_structure(session, found[lead]):
        raise not_eligible(_("Le mandataire doit être une structure qui répond aux marchés."))
    if siret is not None and session.scalar(select(Grouping.id).where(Grouping.siret == siret)):
        raise Conflict(_("Un GIE porte déjà ce SIRET."))
    return Proposal(name, siret, sectors, found[lead], [found[m] for m in everyone], lot_id)
