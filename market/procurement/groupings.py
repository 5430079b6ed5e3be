"""Grouping use cases: propose (invitations out), accept or decline, invite, remove, dissolve;
and who may read a grouping.

A grouping is ``proposed`` while invitations are out, ``active`` once every member accepted
(at least two of them), ``dissolved`` for good. Each use case runs in the caller's one
transaction (market.platform.database.begin_write first, one commit after); notifications
are outbox rows of that transaction.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market.members.models import Member, MemberStatus
from market.notifications import services as notifications
from market.platform.time import now_utc
from market.procurement import tenders
from market.procurement.grouping_proposals import MAX_MEMBERS, Actor, checked
from market.procurement.models import (
    Grouping,
    GroupingMember,
    GroupingSector,
    GroupingStatus,
    InvitationStatus,
)
from market.web.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationError
from market.web.pagination import Page, paginate

__all__ = ["MAX_MEMBERS", "Actor", "Viewer", "propose", "answer", "invite", "remove",
           "dissolve", "visible_grouping", "list_groupings"]
MAX_ID = tenders.MAX_ID
#: (invitation status, answer) -> new status; anything else is answered already.
ANSWERS = {
    (InvitationStatus.invited, "accept"): InvitationStatus.accepted,
    (InvitationStatus.invited, "decline"): InvitationStatus.declined,
}
#: What leaves an invitation open to the lead's removal.
REMOVABLE = (InvitationStatus.invited, InvitationStatus.declined)


@dataclass(frozen=True)
class Viewer:
    """Who reads: the members the caller reads for, and whether they are a network admin."""

    member_ids: frozenset[int]
    network_admin: bool = False


def url_of(grouping: Grouping) -> str:
    return f"/groupements/{grouping.id}"


def propose(session, actor: Actor, data: dict) -> Grouping:
    """Propose a grouping: the proposer (or, for a GIE a network admin founds, its lead)
    accepted, the others invited and told."""
    plan = checked(session, actor, data)
    now = now_utc()
    # The proposer agrees by proposing; a network admin founding a GIE does for its lead.
    agreed = actor.member.id if actor.member is not None else plan.lead.id
    grouping = Grouping(name=plan.name, kind=data["kind"], siret=plan.siret,
                        lead_id=plan.lead.id, lot_id=plan.lot_id, status=GroupingStatus.proposed)
    grouping.members = [
        GroupingMember(member_id=m.id, member=m, status=InvitationStatus.accepted,
                       responded_at=now) if m.id == agreed else
        GroupingMember(member_id=m.id, member=m, status=InvitationStatus.invited)
        for m in plan.members]
    grouping.sector_links = [GroupingSector(sector_code=code) for code in plan.sectors]
    session.add(grouping)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a GIE of that SIRET was made meanwhile
        raise Conflict(_("Un GIE porte déjà ce SIRET.")) from None
    for gm in grouping.members:
        if gm.status == InvitationStatus.invited:
            invite_notice(session, grouping, gm.member_id, plan.lead.name)
    settle(grouping)
    return grouping


def invite_notice(session, grouping: Grouping, member_id: int, lead_name: str) -> None:
    notifications.notify_member(session, member_id, "grouping_invitation",
                                {"grouping_name": grouping.name, "lead_name": lead_name},
                                url_of(grouping))


def settle(grouping: Grouping) -> None:
    """A proposed grouping is formed once all of its two or more members accepted."""
    if grouping.status == GroupingStatus.proposed and len(grouping.members) >= 2 and all(
            gm.status == InvitationStatus.accepted for gm in grouping.members):
        grouping.status = GroupingStatus.active


def may_read(grouping: Grouping, viewer: Viewer) -> bool:
    """Its members (whatever their answer) and network admins; everyone once formed."""
    return (grouping.status == GroupingStatus.active or viewer.network_admin
            or any(gm.member_id in viewer.member_ids for gm in grouping.members))


def visible_grouping(session, grouping_id: int, viewer: Viewer, *,
                     lock: bool = False) -> Grouping:
    """The grouping ``grouping_id`` if ``viewer`` may read it (``lock``: for a write)."""
    grouping = None
    if 0 < grouping_id <= MAX_ID:
        stmt = select(Grouping).where(Grouping.id == grouping_id)
        if lock:  # concurrent answers see each other's (PostgreSQL; SQLite writes one by one)
            stmt = stmt.with_for_update(of=Grouping).execution_options(populate_existing=True)
        grouping = session.scalar(stmt)
    if grouping is None or not may_read(grouping, viewer):
        raise NotFound(_("Groupement introuvable."))
    return grouping


def changeable(session, grouping_id: int, actor: Actor) -> Grouping:
    """The grouping, locked, if it is not dissolved and ``actor`` leads it (or is a network
    admin); a member that cannot see it is told it does not exist."""
    own = actor.member.id if actor.member is not None else None
    viewer = Viewer(frozenset({own} - {None}), actor.network_admin)
    grouping = visible_grouping(session, grouping_id, viewer, lock=True)
    if own != grouping.lead_id and not actor.network_admin:
        raise Forbidden(_("Seul le mandataire du groupement peut faire cela."))
    if grouping.status == GroupingStatus.dissolved:
        raise InvalidState(_("Ce groupement est dissous : il ne change plus."))
    return grouping


def answer(session, grouping_id: int, member: Member, action: str) -> Grouping:
    """Accept or decline ``member``'s invitation; the lead is told; formed once all accept."""
    grouping = visible_grouping(session, grouping_id, Viewer(frozenset({member.id})), lock=True)
    gm = next((gm for gm in grouping.members if gm.member_id == member.id), None)
    if gm is None:  # someone else's invitation: no more to see than a missing grouping
        raise NotFound(_("Groupement introuvable."))
    if grouping.status == GroupingStatus.dissolved:
        raise InvalidState(_("Ce groupement est dissous : il ne change plus."))
    status = ANSWERS.get((gm.status, action))
    if status is None:
        raise InvalidState(_("Vous avez déjà répondu à cette invitation."))
    gm.status, gm.responded_at = status, now_utc()
    if member.id != grouping.lead_id:
        notifications.notify_member(session, grouping.lead_id, "grouping_changed",
                                    {"grouping_name": grouping.name,
                                     "member_name": member.name, "status": str(status)},
                                    url_of(grouping))
    settle(grouping)
    session.flush()
    return grouping


def invite(session, grouping_id: int, actor: Actor, member_id: int) -> Grouping:
    """Invite one more active member (the lead does, after a decline say); it is told. A
    formed grouping stays formed: the newcomer counts once it accepted."""
    grouping = changeable(session, grouping_id, actor)
    member = session.get(Member, member_id) if 0 < member_id <= MAX_ID else None
    if member is None or member.status != MemberStatus.active:
        raise ValidationError({"member_id": [_("Aucune structure active ne porte ce numéro.")]})
    if any(gm.member_id == member_id for gm in grouping.members):
        raise Conflict(_("Cette structure fait déjà partie du groupement."))
    if len(grouping.members) >= MAX_MEMBERS:
        raise ValidationError({"member_id": [_("Un groupement compte %(n)s structures au plus.",
                                               n=MAX_MEMBERS)]})
    grouping.members.append(GroupingMember(member_id=member.id, member=member,
                                           status=InvitationStatus.invited))
    session.flush()
    invite_notice(session, grouping, member.id, grouping.lead.name)
    return grouping


def remove(session, grouping_id: int, actor: Actor, member_id: int) -> Grouping:
    """Withdraw an invitation still open or declined (never the lead's); formed once all
    those left accepted."""
    grouping = changeable(session, grouping_id, actor)
    gm = next((gm for gm in grouping.members if gm.member_id == member_id), None)
    if gm is None:
        raise NotFound(_("Cette structure ne fait pas partie du groupement."))
    if member_id == grouping.lead_id:
        raise InvalidState(_("Le mandataire ne quitte pas son groupement : dissolvez-le."))
    if gm.status not in REMOVABLE:
        raise InvalidState(_("Une structure qui a accepté ne se retire pas ainsi : le "
                             "groupement se dissout."))
    grouping.members.remove(gm)
    settle(grouping)
    session.flush()
    return grouping


def dissolve(session, grouping_id: int, actor: Actor) -> Grouping:
    """Dissolve the grouping for good (its lead or a network admin): no longer matched."""
    grouping = changeable(session, grouping_id, actor)
    grouping.status = GroupingStatus.dissolved
    session.flush()
    return grouping


def list_groupings(session, member_ids: set[int] | None, *, status: str | None = None,
                   limit: int, cursor: str | None = None) -> Page:
    """The groupings ``member_ids`` are in (invited, accepted or declined), oldest first;
    None: every grouping (a network admin's view)."""
    stmt = select(Grouping)
    if member_ids is not None:
        stmt = stmt.where(Grouping.id.in_(
            select(GroupingMember.grouping_id).where(
                GroupingMember.member_id.in_(sorted(member_ids)))))
    if status:
        stmt = stmt.where(Grouping.status == status)
    return paginate(session, stmt, Grouping.id, limit=limit, cursor=cursor)
