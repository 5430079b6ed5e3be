"""JSON API of groupings: propose, answer an invitation, invite, remove, dissolve, read."""

from flask_babel import gettext as _
from flask_login import current_user

from market.auth.roles import Role
from market.offers.viewer import TRADERS, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import groupings
from market.procurement.groupings import Actor, Viewer
from market.procurement.groupings_schemas import (
    ActingArgsSchema,
    GroupingInSchema,
    GroupingListArgsSchema,
    GroupingPageSchema,
    GroupingSchema,
    InviteInSchema,
)
from market.procurement.models import Grouping, Lot
from market.web.access import protect, signed_in
from market.web.errors import Forbidden
from market.web.jsonapi import Blueprint

blp = Blueprint("procurement_groupings_api", __name__, url_prefix="/api/v1",
                description="Groupings of structures answering tenders together")


def grouping_data(grouping: Grouping) -> dict:
    """A grouping with its lead, members and their answers, sectors and lot."""
    lot = db.session.get(Lot, grouping.lot_id) if grouping.lot_id is not None else None
    return {
        "id": grouping.id, "name": grouping.name, "kind": grouping.kind,
        "siret": grouping.siret, "status": grouping.status,
        "lead": {"id": grouping.lead.id, "name": grouping.lead.name},
        "members": [{"id": gm.member.id, "name": gm.member.name,
                     "inclusion_kind": gm.member.inclusion_kind, "status": gm.status,
                     "responded_at": gm.responded_at.isoformat() if gm.responded_at else None,
                     "lead": gm.member_id == grouping.lead_id} for gm in grouping.members],
        "sectors": grouping.sectors,
        "lot": {"id": lot.id, "tender_id": lot.tender_id, "title": lot.title} if lot else None,
        "created_at": grouping.created_at.isoformat(),
    }


def is_network_admin() -> bool:
    return current_user.has_role(Role.network_admin)


def acting(args: dict) -> Actor:
    """The caller's member (``?member=`` or their only one); a network admin who names none
    acts for the network."""
    if args["member"] is None and is_network_admin():
        return Actor(None, network_admin=True)
    requested = None if args["member"] is None else str(args["member"])
    return Actor(writing_member(db.session, requested, TRADERS),
                 network_admin=is_network_admin())


def viewer() -> Viewer:
    return Viewer(frozenset(current_user.member_ids(acting="read")), is_network_admin())


@blp.post("/groupings")
@blp.arguments(ActingArgsSchema, location="query")
@blp.arguments(GroupingInSchema)
@blp.response(201, GroupingSchema)
def propose_grouping(args: dict, data: dict):
    """Propose a grouping led by the caller's member (a network admin founds a GIE for any
    lead): the lead accepted, the others invited and told."""
    begin_write(db.session)
    grouping = groupings.propose(db.session, acting(args), data)
    db.session.commit()
    return grouping_data(grouping), 201


@blp.post("/groupings/<int:grouping_id>/<any(accept, decline):answer>")
@blp.arguments(ActingArgsSchema, location="query")
@blp.response(200, GroupingSchema)
def answer_invitation(args: dict, grouping_id: int, answer: str):
    """Accept or decline the caller's member's invitation; the lead is told."""
    begin_write(db.session)
    requested = None if args["member"] is None else str(args["member"])
    member = writing_member(db.session, requested, TRADERS)
    grouping = groupings.answer(db.session, grouping_id, member, answer)
    db.session.commit()
    return grouping_data(grouping)


@blp.post("/groupings/<int:grouping_id>/invite")
@blp.arguments(ActingArgsSchema, location="query")
@blp.arguments(InviteInSchema)
@blp.response(200, GroupingSchema)
def invite_member(args: dict, data: dict, grouping_id: int):
    """Invite one more member (the lead, or a network admin); it is told."""
    begin_write(db.session)
    grouping = groupings.invite(db.session, grouping_id, acting(args), data["member_id"])
    db.session.commit()
    return grouping_data(grouping)


@blp.post("/groupings/<int:grouping_id>/members/<int:member_id>/remove")
@blp.arguments(ActingArgsSchema, location="query")
@blp.response(200, GroupingSchema)
def remove_member(args: dict, grouping_id: int, member_id: int):
    """Withdraw an invitation still open or declined (the lead, or a network admin)."""
    begin_write(db.session)
    grouping = groupings.remove(db.session, grouping_id, acting(args), member_id)
    db.session.commit()
    return grouping_data(grouping)


@blp.post("/groupings/<int:grouping_id>/dissolve")
@blp.arguments(ActingArgsSchema, location="query")
@blp.response(200, GroupingSchema)
def dissolve_grouping(args: dict, grouping_id: int):
    """Dissolve the grouping (its lead, or a network admin): no longer matched nor changed."""
    begin_write(db.session)
    grouping = groupings.dissolve(db.session, grouping_id, acting(args))
    db.session.commit()
    return grouping_data(grouping)


@blp.get("/groupings")
@blp.arguments(GroupingListArgsSchema, location="query")
@blp.response(200, GroupingPageSchema)
def list_groupings(args: dict):
    """The groupings of the caller's members (``?member=`` for one), whatever their answer;
    a network admin who names no member sees them all."""
    seen = viewer()
    if args["member"] is not None:
        if args["member"] not in seen.member_ids and not seen.network_admin:
            raise Forbidden(_("Vous n'agissez pas pour cette structure."))
        members = {args["member"]}
    else:
        members = None if seen.network_admin else set(seen.member_ids)
    page = groupings.list_groupings(db.session, members, status=args["status"],
                                    limit=args["limit"], cursor=args["cursor"])
    return {"items": [grouping_data(g) for g in page.items], "next_cursor": page.next_cursor}


@blp.get("/groupings/<int:grouping_id>")
@blp.response(200, GroupingSchema)
def get_grouping(grouping_id: int):
    """A grouping: to its members and network admins; to everyone signed in once formed."""
    return grouping_data(groupings.visible_grouping(db.session, grouping_id, viewer()))


protect(blp, {
    "propose_grouping": signed_in,  # for a structure the caller writes for (groupings.propose)
    "answer_invitation": signed_in,  # the invited member's admin or staff only
    "invite_member": signed_in,  # the lead's or a network admin (groupings.changeable)
    "remove_member": signed_in,
    "dissolve_grouping": signed_in,
    "list_groupings": signed_in,
    "get_grouping": signed_in,  # its members, network admins; everyone once active
})
