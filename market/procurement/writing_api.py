"""JSON API of buyers writing their tenders: a draft and its lots, then publish or cancel.

Only a user holding the buyer role for an active member writes; another buyer's tender is
not found, and a suspended buyer's is read only (403).
"""

from flask import request
from flask_login import current_user

from market.auth.roles import Role
from market.offers.viewer import writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import writing
from market.procurement.present import lot_data, tender_data
from market.procurement.schemas import LotSchema, TenderSchema
from market.procurement.writing_schemas import (
    LotInSchema,
    LotPatchSchema,
    TenderInSchema,
    TenderPatchSchema,
)
from market.web.access import protect
from market.web.jsonapi import Blueprint

blp = Blueprint("procurement_writing_api", __name__, url_prefix="/api/v1",
                description="Public procurement: buyers write, publish and cancel tenders")

BUYERS = (Role.buyer,)


def buyer(user, view_args) -> bool:
    """Users holding the buyer role for an active member."""
    return user is not None and bool(user.member_ids(*BUYERS, acting="write"))


def caller_buyers() -> tuple[set[int], set[int]]:
    """The buyers the caller reads for (suspended ones too) and writes for (active)."""
    return (current_user.member_ids(*BUYERS, acting="read"),
            current_user.member_ids(*BUYERS, acting="write"))


def own_tender(tender_id: int):
    return writing.own_tender(db.session, tender_id, *caller_buyers(), lock=True)


@blp.post("/tenders")
@blp.arguments(TenderInSchema)
@blp.response(201, TenderSchema)
def create_tender(data: dict):
    """Write a draft tender for the caller's buyer (``?member=`` if they buy for several)."""
    begin_write(db.session)
    member = writing_member(db.session, request.args.get("member"), BUYERS)
    tender = writing.create_tender(db.session, member, data)
    db.session.commit()
    return tender_data(tender)


@blp.patch("/tenders/<int:tender_id>")
@blp.arguments(TenderPatchSchema)
@blp.response(200, TenderSchema)
def update_tender(data: dict, tender_id: int):
    """Change some fields of a draft tender (``documents``: the whole list)."""
    begin_write(db.session)
    tender = writing.update_tender(db.session, own_tender(tender_id), data)
    db.session.commit()
    return tender_data(tender)


@blp.post("/tenders/<int:tender_id>/lots")
@blp.arguments(LotInSchema)
@blp.response(201, LotSchema)
def add_lot(data: dict, tender_id: int):
    """Add a lot to a draft tender: CPV codes of the CPV 2008, a place, criteria whose
    weights (when given) sum to 100."""
    begin_write(db.session)
    lot = writing.add_lot(db.session, own_tender(tender_id), data)
    db.session.commit()
    return lot_data(lot)


@blp.patch("/lots/<int:lot_id>")
@blp.arguments(LotPatchSchema)
@blp.response(200, LotSchema)
def update_lot(data: dict, lot_id: int):
    """Change some fields of a draft lot (a ``place`` given replaces the whole place)."""
    begin_write(db.session)
    lot = writing.update_lot(db.session, writing.own_lot(db.session, lot_id, *caller_buyers()),
                             data)
    db.session.commit()
    return lot_data(lot)


@blp.delete("/lots/<int:lot_id>")
@blp.response(204)
def delete_lot(lot_id: int):
    """Remove a lot of a draft tender."""
    begin_write(db.session)
    writing.delete_lot(db.session, writing.own_lot(db.session, lot_id, *caller_buyers()))
    db.session.commit()


@blp.post("/tenders/<int:tender_id>/publish")
@blp.response(200, TenderSchema)
def publish_tender(tender_id: int):
    """Publish a draft tender and its lots (at least one, each with a place and a CPV code,
    the deadline ahead): their matched structures are told, best first, in daily batches."""
    begin_write(db.session)
    tender = writing.transition(db.session, own_tender(tender_id), "publish")
    db.session.commit()
    return tender_data(tender)


@blp.post("/tenders/<int:tender_id>/cancel")
@blp.response(200, TenderSchema)
def cancel_tender(tender_id: int):
    """Cancel a draft or published tender and its lots."""
    begin_write(db.session)
    tender = writing.transition(db.session, own_tender(tender_id), "cancel")
    db.session.commit()
    return tender_data(tender)


protect(blp, {
    "create_tender": buyer,  # for one of the caller's active buyers (?member=)
    "update_tender": buyer,  # the caller's own tenders only (writing.own_tender)
    "add_lot": buyer,
    "update_lot": buyer,
    "delete_lot": buyer,
    "publish_tender": buyer,
    "cancel_tender": buyer,
})
