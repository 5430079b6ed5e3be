"""Web pages of groupings: the caller's groupings (invitations to answer first), the
proposal form, a grouping with its buttons (accept, decline, invite, remove, dissolve).

Each write runs the same use case as the JSON API (groupings), in one transaction; a
refused form shows the page again with the messages and what was typed, nothing written.
"""

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from market.auth.roles import Role
from market.members import labels as member_labels
from market.members import taxonomy
from market.members.models import Member, MemberStatus
from market.offers.forms import integer
from market.offers.labels import money
from market.offers.viewer import editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import groupings, labels, opportunities, tenders
from market.procurement.groupings import Actor, Viewer
from market.procurement.groupings_schemas import GroupingInSchema
from market.procurement.labels import day, language
from market.procurement.models import (
    GroupingStatus,
    InvitationStatus,
    Lot,
)
from market.procurement.page_structures import answering, chosen, own_structures, structures_of
from market.web import navigation
from market.web.access import protect, signed_in
from market.web.errors import AppError, NotFound, ValidationError
from market.web.page_refusals import PASS_THROUGH, messages
from market.web.pagination import MAX_LIMIT

bp = Blueprint("procurement_groupings", __name__)
ID = "int(min=1, max=2147483647)"
#: Structures a member list offers at once (a search by name narrows it).
MAX_CANDIDATES = 100
ANSWERS = {"accepter": "accept", "refuser": "decline"}
#: What a field the proposal schema refused says on the page (the schema speaks English).
PROPOSAL_MESSAGES = {
    "name": _l("Un nom de 1 à 200 caractères, sans caractère de contrôle."),
    "kind": _l("Choisissez la forme du groupement."),
    "siret": _l("Un SIRET de 14 chiffres."),
    "members": _l("Choisissez dans la liste de 1 à 22 structures à inviter."),
    "sectors": _l("Choisissez les secteurs dans la liste."),
    "lot_id": _l("Un numéro de lot, par exemple 12."),
}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Groupements"), "procurement_groupings.grouping_list",
                    lambda user: bool(structures_of(user)))


@bp.context_processor
def grouping_helpers() -> dict:
    """Labels and formatters for the groupings' and bid's templates."""
    lang = language()
    return {"plabels": labels, "money": money, "day": day, "language": lang,
            "sector_label": lambda code: member_labels.sector_label(code, lang)}


def is_network_admin() -> bool:
    return current_user.has_role(Role.network_admin)


def search_text(requested: str | None) -> str:
    """The name searched for, one line of 100 characters at most."""
    return re.sub(r"[\x00-\x1f\x7f]", "", requested or "").strip()[:100]


def candidates(q: str, exclude: set[int], keep: set[int] = frozenset()) -> tuple[list, bool]:
    """Active structures whose name holds ``q`` (those in ``keep`` whatever their name), by
    name, and whether there are more than shown."""
    stmt = select(Member).where(Member.status == MemberStatus.active, answering(),
                                Member.id.not_in(sorted(exclude)))
    named = stmt.where(Member.name.icontains(q, autoescape=True)) if q else stmt
    found = list(db.session.scalars(named.order_by(Member.name, Member.id)
                                    .limit(MAX_CANDIDATES + 1)))
    more = len(found) > MAX_CANDIDATES
    found = found[:MAX_CANDIDATES]
    missing = sorted(keep - {m.id for m in found} - exclude)
    if missing:
        found += list(db.session.scalars(stmt.where(Member.id.in_(missing))))
    return sorted(found, key=lambda m: (m.name, m.id)), more


# -- the list ------------------------------------------------------------------------------

@bp.get("/groupements")
def grouping_list():
    """The groupings of the caller's structure: invitations to answer first, then the rest."""
    members = own_structures()
    member = chosen(members, request.args.get("member"))
    page = groupings.list_groupings(db.session, {member.id}, limit=MAX_LIMIT,
                                    cursor=request.args.get("cursor"))
    own = {g.id: next(gm.status for gm in g.members if gm.member_id == member.id)
           for g in page.items}
    waiting = [g for g in page.items if own[g.id] == InvitationStatus.invited
               and g.status != GroupingStatus.dissolved]
    others = [g for g in page.items if g not in waiting]
    lots = {g.lot_id: db.session.get(Lot, g.lot_id) for g in page.items if g.lot_id}
    return render_template("procurement/grouping_list.html", member=member, members=members,
                           waiting=waiting, others=others, own=own, lots=lots, page=page)


# -- the proposal ----------------------------------------------------------------------------

def proposal_values(source) -> dict:
    """What the proposal form says (or the GET prefill: ``?lot=``), as typed."""
    return {"name": source.get("name", ""), "kind": source.get("kind", ""),
            "siret": source.get("siret", ""), "members": source.getlist("members"),
            "sectors": source.getlist("sectors"),
            "lot_id": source.get("lot_id", source.get("lot", ""))}


def proposal_data(values: dict) -> dict:
    """The API's body (GroupingInSchema) from the form, or 422 with French messages."""
    if not values["members"]:
        raise ValidationError({"members": [_("Choisissez au moins une structure à inviter.")]})
    data = {"name": values["name"], "kind": values["kind"],
            "siret": values["siret"].strip() or None,
            "members": [integer(v) for v in values["members"]],
            "sectors": values["sectors"],
            "lot_id": integer(values["lot_id"]) if values["lot_id"].strip() else None}
    try:
        return GroupingInSchema().load(data)
    except SchemaError as exc:
        raise ValidationError({name: [str(PROPOSAL_MESSAGES.get(name, _("Valeur invalide.")))]
                               for name in exc.messages}) from None


def proposal_lot(values: dict) -> Lot | None:
    """The published lot the form names, for its title (none if it names no such lot)."""
    lot_id = integer(values["lot_id"])
    if not isinstance(lot_id, int):
        return None
    try:
        lot = tenders.visible_lot(db.session, lot_id, set())
    except NotFound:
        return None
    return lot if opportunities.is_open(lot) else None


def show_proposal(member: Member, members: list[Member], values: dict, *,
                  errors: dict | None = None, status: int = 200):
    """Render the proposal form, with a refused form's values and messages if any."""
    q = search_text(request.args.get("q"))
    keep = {int(v) for v in values["members"] if v.isdigit() and len(v) <= 10}
    found, more = candidates(q, {member.id}, keep)
    return render_template(
        "procurement/grouping_form.html", member=member, members=members, values=values,
        errors=errors or {}, q=q, candidates=found, more=more, groups=taxonomy.groups(),
        lot=proposal_lot(values), kinds=labels.GROUPING_KINDS,
        can_write=member.id in editable_members()), status


@bp.get("/groupements/nouveau")
def new_grouping():
    """The proposal form; ``?lot=`` names the lot it is for, ``?q=`` searches structures."""
    members = own_structures()
    member = chosen(members, request.args.get("member"))
    return show_proposal(member, members, proposal_values(request.args))


@bp.post("/groupements/nouveau")
def propose_grouping():
    """Propose the grouping the form describes; the invited structures are told."""
    values = proposal_values(request.form)
    requested = request.form.get("member") or None
    try:
        data = proposal_data(values)
        begin_write(db.session)
        member = writing_member(db.session, requested)
        grouping = groupings.propose(db.session, Actor(member, is_network_admin()), data)
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        members = own_structures()
        return show_proposal(chosen(members, requested), members, values,
                             errors=messages(error), status=error.status)
    db.session.commit()
    flash(_("Groupement proposé : les structures invitées sont prévenues."), "success")
    return redirect(url_for(".grouping_page", grouping_id=grouping.id))


# -- one grouping ----------------------------------------------------------------------------

def viewer() -> Viewer:
    return Viewer(frozenset(current_user.member_ids(acting="read")), is_network_admin())


def show_grouping(grouping_id: int, *, errors: dict | None = None, invited: str = "",
                  status: int = 200):
    """Render a grouping and the buttons its reader may use."""
    grouping = groupings.visible_grouping(db.session, grouping_id, viewer())
    writable = editable_members()
    open_ = grouping.status != GroupingStatus.dissolved
    answerable = [gm for gm in grouping.members if open_ and gm.member_id in writable
                  and gm.status == InvitationStatus.invited]
    leads = grouping.lead_id in writable
    leading = open_ and (leads or is_network_admin())
    found, more, q = [], False, search_text(request.args.get("q"))
    if leading:
        found, more = candidates(q, {gm.member_id for gm in grouping.members})
    lot = db.session.get(Lot, grouping.lot_id) if grouping.lot_id else None
    can_bid = (lot is not None and leads and grouping.status == GroupingStatus.active
               and opportunities.is_open(lot))
    return render_template(
        "procurement/grouping.html", grouping=grouping, answerable=answerable,
        leading=leading, acting_for=grouping.lead_id if leads else None, candidates=found,
        more=more, q=q, lot=lot, can_bid=can_bid, errors=errors or {}, invited=invited,
        removable=(InvitationStatus.invited, InvitationStatus.declined)), status


@bp.get(f"/groupements/<{ID}:grouping_id>")
def grouping_page(grouping_id: int):
    """A grouping: its members and their answers, lead, sectors and lot."""
    return show_grouping(grouping_id)


def acting(requested: str | None) -> Actor:
    """The structure the form acts for; a network admin who names none acts for the network."""
    if not requested and is_network_admin():
        return Actor(None, network_admin=True)
    return Actor(writing_member(db.session, requested or None), is_network_admin())


def grouping_write(grouping_id: int, work, done: str, *, invited: str = ""):
    """Run ``work()`` in one transaction; a refusal shows the grouping with its message."""
    try:
        begin_write(db.session)
        work()
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        return show_grouping(grouping_id, errors=messages(error), invited=invited,
                             status=error.status)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".grouping_page", grouping_id=grouping_id))


@bp.post(f"/groupements/<{ID}:grouping_id>/<any(accepter, refuser):answer>")
def answer_invitation(grouping_id: int, answer: str):
    """Accept or decline the structure's invitation; the lead is told."""
    def work():
        member = writing_member(db.session, request.form.get("member") or None)
        groupings.answer(db.session, grouping_id, member, ANSWERS[answer])
    done = (_("Invitation acceptée.") if answer == "accepter" else _("Invitation refusée."))
    return grouping_write(grouping_id, work, done)


@bp.post(f"/groupements/<{ID}:grouping_id>/inviter")
def invite_member(grouping_id: int):
    """Invite one more structure (the lead); it is told."""
    typed = request.form.get("member_id", "")

    def work():
        member_id = integer(typed)
        if not isinstance(member_id, int):
            raise ValidationError({"member_id": [_("Choisissez une structure dans la liste.")]})
        actor = acting(request.form.get("member"))
        groupings.invite(db.session, grouping_id, actor, member_id)
    return grouping_write(grouping_id, work, _("Structure invitée : elle est prévenue."),
                          invited=typed)


@bp.post(f"/groupements/<{ID}:grouping_id>/membres/<{ID}:member_id>/retirer")
def remove_member(grouping_id: int, member_id: int):
    """Withdraw an invitation still open or declined (the lead)."""
    def work():
        groupings.remove(db.session, grouping_id, acting(request.form.get("member")),
                         member_id)
    return grouping_write(grouping_id, work, _("Invitation retirée."))


@bp.post(f"/groupements/<{ID}:grouping_id>/dissoudre")
def dissolve_grouping(grouping_id: int):
    """Dissolve the grouping for good (the lead)."""
    def work():
        groupings.dissolve(db.session, grouping_id, acting(request.form.get("member")))
    return grouping_write(grouping_id, work, _("Groupement dissous."))


protect(bp, {
    "grouping_list": signed_in,  # structures' admins and staff (own_structures)
    "new_grouping": signed_in,
    "propose_grouping": signed_in,  # an active structure's admins and staff (writing_member)
    "grouping_page": signed_in,  # its members, network admins; everyone once formed
    "answer_invitation": signed_in,  # the invited structure's admins and staff
    "invite_member": signed_in,  # the lead's, or a network admin (groupings.changeable)
    "remove_member": signed_in,
    "dissolve_grouping": signed_in,
})
