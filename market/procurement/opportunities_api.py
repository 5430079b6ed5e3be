"""JSON API of a structure's opportunities and answers, the questions on a lot, and the
buyer's funnel. Parse, call one service, serialise.

Who acts: a structure's admins and staff read its opportunities whatever its status allows
(suspended: read only) and answer while it is active; another structure's opportunity, or
one not notified yet, is not found. Anyone who sees a lot reads its questions; an active
structure of the directory asks; the lot's buyer answers and alone reads the asker's name
and the funnel (network admins too).
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

import ledger
from market.auth.roles import Role
from market.offers.present import iso
from market.offers.viewer import TRADERS, editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import opportunities, tenders
from market.procurement.models import Lot
from market.procurement.opportunities_schemas import (
    FunnelSchema,
    LotQuestionAnswerInSchema,
    LotQuestionInSchema,
    LotQuestionPageSchema,
    LotQuestionSchema,
    OpportunityAnswerInSchema,
    OpportunityListArgsSchema,
    OpportunityMemberArgsSchema,
    OpportunityPageSchema,
    OpportunitySchema,
)
from market.procurement.outreach_models import LotOpportunity, LotQuestion
from market.procurement.present import SCALE
from market.web.access import protect, public, signed_in
from market.web.errors import Forbidden, NotFound, ValidationError
from market.web.jsonapi import Blueprint
from market.web.pagination import PageArgsSchema

blp = Blueprint("procurement_opportunities_api", __name__, url_prefix="/api/v1",
                description="Public procurement: opportunities, answers, questions, funnels")

BUYERS = (Role.buyer,)


# -- who acts --------------------------------------------------------------------------------

def reading_member(requested: int | None) -> int:
    """The structure whose opportunities the caller reads: the one asked or their only one."""
    allowed = current_user.member_ids(*TRADERS, acting="read")
    if requested is not None:
        if requested not in allowed:
            raise Forbidden(_("Vous n'agissez pas pour cette structure."))
        return requested
    if len(allowed) == 1:
        return next(iter(allowed))
    if not allowed:
        raise Forbidden(_("Seuls les membres d'une structure lisent ses opportunités."))
    raise ValidationError({"member": [_("Vous agissez pour plusieurs structures : "
                                        "précisez laquelle (?member=).")]})


def reading_buyers() -> set[int]:
    """The buyers the caller reads for."""
    if not current_user.is_authenticated:
        return set()
    return current_user.member_ids(*BUYERS, acting="read")


def is_admin() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.network_admin)


def buyer_lot(lot_id: int) -> Lot:
    """A lot of one of the caller's buyers (a network admin sees every lot); else 404."""
    buyers, admin = reading_buyers(), is_admin()
    lot = tenders.visible_lot(db.session, lot_id, buyers, everyone=admin)
    # Another buyer's lot, even published, is told apart from no lot by no one.
    if lot.tender.buyer_id not in buyers and not admin:
        raise NotFound(_("Lot introuvable."))
    return lot


# -- plain data ------------------------------------------------------------------------------

def lot_brief(lot: Lot) -> dict:
    tender = lot.tender
    return {
        "id": lot.id, "lot_id": lot.lot_id, "title": lot.title, "tender_id": tender.id,
        "tender_title": tender.title, "buyer_name": tender.buyer_name or tender.buyer.name,
        "deadline": iso(tender.deadline),
        "estimated_value": ledger.format_amount(lot.estimated_value_minor, SCALE),
        "currency": lot.currency,
        "place": {"postcode": lot.postcode, "city": lot.city, "department": lot.department,
                  "nuts": lot.nuts, "country": lot.country,
                  "latitude": None if lot.latitude is None else str(lot.latitude),
                  "longitude": None if lot.longitude is None else str(lot.longitude)},
        "reservation": lot.reservation, "insertion_hours": lot.insertion_hours,
        "cpv_main": lot.cpv_main, "cpv_codes": lot.cpv_codes, "status": lot.status,
    }


def opportunity_data(row: LotOpportunity, lot: Lot) -> dict:
    return {"lot": lot_brief(lot), "rank": row.rank, "score": row.score, "batch": row.batch,
            "notified_at": iso(row.notified_at), "seen_at": iso(row.seen_at),
            "interest": row.interest, "reason": row.reason, "comment": row.comment,
            "grouping_id": row.grouping_id, "answered_at": iso(row.answered_at),
            "open": opportunities.is_open(lot)}


def question_data(question: LotQuestion, buyer_view: bool, mine: set[int]) -> dict:
    return {"id": question.id, "lot_id": question.lot_id, "question": question.question,
            "answer": question.answer, "created_at": iso(question.created_at),
            "answered_at": iso(question.answered_at),
            "asker": {"id": question.member.id, "name": question.member.name}
            if buyer_view else None,
            "mine": question.member_id in mine}


def funnel_data(found: dict) -> dict:
    return {**found,
            "batches": [{**b, "sent_at": iso(b["sent_at"])} for b in found["batches"]],
            "answers": [{**a, "answered_at": iso(a["answered_at"])} for a in found["answers"]]}


def own_opportunity(member_id: int, lot_id: int) -> tuple[LotOpportunity, Lot]:
    row = opportunities.get_opportunity(db.session, member_id, lot_id)
    return row, db.session.get(Lot, row.lot_id)


# -- opportunities ---------------------------------------------------------------------------

@blp.get("/opportunities")
@blp.arguments(OpportunityListArgsSchema, location="query")
@blp.response(200, OpportunityPageSchema)
def list_opportunities(args: dict):
    """The lots the caller's structure was notified of, newest first (``?interest=``)."""
    member_id = reading_member(args["member"])
    page = opportunities.list_opportunities(db.session, member_id, interest=args["interest"],
                                            limit=args["limit"], cursor=args["cursor"])
    lots = opportunities.lots_of(db.session, page.items)
    return {"items": [opportunity_data(row, lots[row.lot_id]) for row in page.items],
            "next_cursor": page.next_cursor}


@blp.get("/opportunities/<int:lot_id>")
@blp.arguments(OpportunityMemberArgsSchema, location="query")
@blp.response(200, OpportunitySchema)
def get_opportunity(args: dict, lot_id: int):
    """One of the caller's structure's opportunities, by the lot's id."""
    return opportunity_data(*own_opportunity(reading_member(args["member"]), lot_id))


@blp.post("/opportunities/<int:lot_id>/seen")
@blp.response(200, OpportunitySchema)
def mark_opportunity_seen(lot_id: int):
    """Note that the structure opened the opportunity (the first time only counts)."""
    begin_write(db.session)
    member = writing_member(db.session, request.args.get("member"), TRADERS)
    row, lot = own_opportunity(member.id, lot_id)
    opportunities.mark_seen(db.session, row)
    db.session.commit()
    return opportunity_data(row, lot)


@blp.post("/opportunities/<int:lot_id>/answer")
@blp.arguments(OpportunityAnswerInSchema)
@blp.response(200, OpportunitySchema)
def answer_opportunity(data: dict, lot_id: int):
    """Say whether the structure is interested, alone or as a grouping (until the deadline,
    sent again it replaces the answer)."""
    begin_write(db.session)
    member = writing_member(db.session, request.args.get("member"), TRADERS)
    row, lot = own_opportunity(member.id, lot_id)
    opportunities.answer(db.session, row, lot, opportunities.Answer(**data))
    db.session.commit()
    return opportunity_data(row, lot)


# -- questions -------------------------------------------------------------------------------

@blp.get("/lots/<int:lot_id>/questions")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, LotQuestionPageSchema)
def list_lot_questions(args: dict, lot_id: int):
    """The questions on a lot and the buyer's answers, oldest first."""
    buyers = reading_buyers()
    lot = tenders.visible_lot(db.session, lot_id, buyers)
    page = opportunities.list_questions(db.session, lot, limit=args["limit"],
                                        cursor=args["cursor"])
    buyer_view = lot.tender.buyer_id in buyers or is_admin()
    mine = current_user.member_ids(acting="read") if current_user.is_authenticated else set()
    return {"items": [question_data(q, buyer_view, mine) for q in page.items],
            "next_cursor": page.next_cursor}


@blp.post("/lots/<int:lot_id>/questions")
@blp.arguments(LotQuestionInSchema)
@blp.response(201, LotQuestionSchema)
def ask_lot_question(data: dict, lot_id: int):
    """Ask the lot's buyer (a structure of the directory; ``?member=`` for one of several)."""
    begin_write(db.session)
    member = writing_member(db.session, request.args.get("member"), TRADERS)
    lot = tenders.visible_lot(db.session, lot_id, set())
    question = opportunities.ask(db.session, lot, member, current_user.id, data["question"])
    db.session.commit()
    return question_data(question, False, {member.id})


@blp.post("/lots/<int:lot_id>/questions/<int:question_id>/answer")
@blp.arguments(LotQuestionAnswerInSchema)
@blp.response(200, LotQuestionSchema)
def answer_lot_question(data: dict, lot_id: int, question_id: int):
    """Answer a question on one of the caller's lots, once, for every structure to read."""
    begin_write(db.session)
    lot = tenders.visible_lot(db.session, lot_id, reading_buyers())
    question = opportunities.lot_question(db.session, lot, question_id)
    if lot.tender.buyer_id not in editable_members(BUYERS):
        raise Forbidden(_("Seul l'acheteur du lot répond à ses questions."))
    opportunities.answer_question(db.session, lot, question, data["answer"])
    db.session.commit()
    return question_data(question, True, set())


# -- the buyer's funnel ----------------------------------------------------------------------

@blp.get("/lots/<int:lot_id>/funnel")
@blp.response(200, FunnelSchema)
def lot_funnel(lot_id: int):
    """How far the lot's matches went: notified, seen, answered and why not, asked, bid."""
    return funnel_data(opportunities.funnel(db.session, buyer_lot(lot_id)))


protect(blp, {
    "list_opportunities": signed_in,  # the caller's structures only (reading_member)
    "get_opportunity": signed_in,
    "mark_opportunity_seen": signed_in,  # an active structure's admins and staff
    "answer_opportunity": signed_in,
    "list_lot_questions": public,  # whoever sees the lot; the asker named to its buyer
    "ask_lot_question": signed_in,  # an active structure of the directory
    "answer_lot_question": signed_in,  # the lot's buyer, active (editable_members)
    "lot_funnel": signed_in,  # the lot's buyer's users and network admins (buyer_lot)
})
