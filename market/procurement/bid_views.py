"""The bid form of a structure on a lot, alone or for a grouping it leads, with each
member's share of the work; sending, replacing and withdrawing the bid.

Each write runs the same use case as the JSON API (bids), in one transaction; a refused
form shows the page again with the messages and what was typed, nothing written.
"""

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

import ledger
from market.members.models import Member
from market.offers.forms import decimal_text, integer
from market.offers.labels import money
from market.offers.viewer import editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import bids, labels, opportunities, tenders
from market.procurement.bids_schemas import BidInSchema
from market.procurement.contract_models import Bid, BidStatus
from market.procurement.labels import day, language
from market.procurement.models import Grouping, GroupingStatus, InvitationStatus, Lot
from market.procurement.page_structures import chosen, own_structures
from market.web import field_messages
from market.web.access import protect, signed_in
from market.web.errors import AppError, NotFound, ValidationError
from market.web.page_refusals import PASS_THROUGH, flat, messages

bp = Blueprint("procurement_bids", __name__)
ID = "int(min=1, max=2147483647)"
#: A share row's fields as the bid form names them ("share-12-percent").
SHARE_FIELD = re.compile(r"share-(\d{1,10})-percent")


@bp.context_processor
def bid_helpers() -> dict:
    """Labels and formatters for the bid form (as the groupings' pages)."""
    return {"plabels": labels, "money": money, "day": day, "language": language()}


def percent_text(value: str) -> str:
    """A typed percent ("33,33 %") as the API writes it ("33.33")."""
    return re.sub(r"[\s\u00a0\u202f%]", "", value or "").replace(",", ".")


def bid_values(form) -> dict:
    """What the bid form says, as typed; share rows by member id, in the form's order."""
    shares = {}
    for key in form:
        if found := SHARE_FIELD.fullmatch(key):
            mid = int(found.group(1))
            shares[mid] = {"percent": form.get(key, ""),
                           "work": form.get(f"share-{mid}-work", "")}
    return {"price": form.get("price", ""), "insertion_hours": form.get("insertion_hours", ""),
            "summary": form.get("summary", ""), "grouping_id": form.get("grouping_id", ""),
            "shares": shares}


def bid_data(values: dict) -> dict:
    """The API's body (BidInSchema) from the form, or 422 with French messages."""
    data = {"price": decimal_text(values["price"].strip(), bids.SCALE),
            "insertion_hours": integer(values["insertion_hours"]),
            "summary": values["summary"].replace("\r\n", "\n"), "grouping_id": None}
    if values["grouping_id"]:
        data["grouping_id"] = integer(values["grouping_id"])
        data["shares"] = [{"member_id": mid, "percent": percent_text(row["percent"]),
                           "work": row["work"].strip()}
                          for mid, row in values["shares"].items()] or None
    try:
        return BidInSchema().load(data)
    except SchemaError as exc:
        raise ValidationError(flat(field_messages.translate(exc.messages))) from None


def bid_groupings(member: Member) -> list[Grouping]:
    """The formed groupings ``member`` leads, every member of which accepted, by name."""
    led = db.session.scalars(select(Grouping).where(
        Grouping.lead_id == member.id, Grouping.status == GroupingStatus.active)
        .order_by(Grouping.name, Grouping.id))
    return [g for g in led if all(gm.status == InvitationStatus.accepted for gm in g.members)]


def saved_values(bid: Bid | None, lot: Lot) -> dict:
    """The form's values from the structure's current bid, else the lot's clause hours."""
    if bid is None:
        return {"price": "", "insertion_hours": str(lot.insertion_hours or 0), "summary": "",
                "grouping_id": "", "shares": {}}
    return {"price": ledger.format_amount(bid.price_minor, bids.SCALE),
            "insertion_hours": str(bid.insertion_hours), "summary": bid.summary,
            "grouping_id": str(bid.grouping_id or ""),
            "shares": {s.member_id: {"percent": bids.bp_to_percent(s.share_bp), "work": s.work}
                       for s in bid.shares}}


def share_rows(grouping: Grouping | None, values: dict, errors: dict) -> list[dict]:
    """One row per member of the grouping (its lead first): what was typed, its messages."""
    if grouping is None:
        return []
    order = list(values["shares"])
    rows = []
    for m in bids.grouping_members(grouping):
        typed = values["shares"].get(m.id, {"percent": "", "work": ""})
        index = order.index(m.id) if m.id in order else None
        found = [] if index is None else [
            *errors.get(f"shares.{index}.percent", []), *errors.get(f"shares.{index}.member_id",
                                                                     [])]
        rows.append({"member": m, "percent": typed["percent"], "work": typed["work"],
                     "errors": found, "work_errors": [] if index is None else
                     errors.get(f"shares.{index}.work", [])})
    return rows


def show_bid(lot_id: int, requested: str | None, *, values: dict | None = None,
             errors: dict | None = None, status: int = 200):
    """Render the bid form of the caller's structure on the lot, its current bid if any."""
    members = own_structures()
    member = chosen(members, requested)
    lot = tenders.visible_lot(db.session, lot_id, set())
    bid = db.session.scalar(select(Bid).where(Bid.lot_id == lot.id, Bid.member_id == member.id))
    values = values if values is not None else saved_values(bid, lot)
    led = bid_groupings(member)
    asked = request.args.get("grouping") if request.method == "GET" else None
    if asked is not None:  # the GET chooser: alone ("") or one of the groupings it leads
        values["grouping_id"] = asked
        if asked and not any(str(g.id) == asked for g in led):
            raise NotFound(_("Groupement introuvable."))
    grouping = next((g for g in led if str(g.id) == values["grouping_id"]), None)
    if grouping is None:
        values["grouping_id"] = ""
    errors = errors or {}
    return render_template(
        "procurement/bid_form.html", lot=lot, tender=lot.tender, member=member,
        members=members, bid=bid, groupings=led, grouping=grouping, values=values,
        errors=errors, shares=share_rows(grouping, values, errors),
        open=opportunities.is_open(lot), can_write=member.id in editable_members(),
        withdrawable=bid is not None and bid.status == BidStatus.submitted), status


@bp.get(f"/lots/<{ID}:lot_id>/repondre")
def bid_form(lot_id: int):
    """The bid form: alone or for a grouping the structure leads (``?grouping=``)."""
    return show_bid(lot_id, request.args.get("member"))


@bp.post(f"/lots/<{ID}:lot_id>/repondre")
def submit_bid(lot_id: int):
    """Send (or replace) the structure's bid from the form; the lot's buyer is told."""
    values = bid_values(request.form)
    requested = request.form.get("member") or None
    try:
        data = bid_data(values)
        begin_write(db.session)
        member = writing_member(db.session, requested)
        lot = tenders.visible_lot(db.session, lot_id, set())
        bids.submit_bid(db.session, lot, member, current_user.id, data)
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        return show_bid(lot_id, requested, values=values, errors=messages(error),
                        status=error.status)
    db.session.commit()
    flash(_("Offre envoyée : l'acheteur la lira après la date limite. Vous pouvez la "
            "modifier ou la retirer jusque-là."), "success")
    return redirect(url_for(".bid_form", lot_id=lot_id, member=member.id,
                            grouping=values["grouping_id"]))


@bp.post(f"/lots/<{ID}:lot_id>/repondre/retrait")
def withdraw_bid(lot_id: int):
    """Take the structure's bid on the lot back before the deadline."""
    requested = request.form.get("member") or None
    try:
        bid_id = integer(request.form.get("bid", ""))
        if not isinstance(bid_id, int):
            raise NotFound(_("Offre introuvable."))
        begin_write(db.session)
        member = writing_member(db.session, requested)
        bid = bids.own_bid(db.session, bid_id, {member.id}, lock=True)
        if bid.lot_id != lot_id:
            raise NotFound(_("Offre introuvable."))
        bids.withdraw_bid(db.session, bid)
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        return show_bid(lot_id, requested, errors=messages(error), status=error.status)
    db.session.commit()
    flash(_("Offre retirée : vous pouvez en envoyer une autre avant la date limite."),
          "success")
    return redirect(url_for(".bid_form", lot_id=lot_id, member=member.id))


protect(bp, {
    "bid_form": signed_in,  # structures' admins and staff, a published lot
    "submit_bid": signed_in,  # an active structure (writing_member, bids.submit_bid)
    "withdraw_bid": signed_in,  # the structure's own bid only (bids.own_bid)
})
