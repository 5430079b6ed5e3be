"""JSON API of wants, questions and favourites. Parse, call one service, serialise.

Who acts: any signed-in user holding a member role (admin, staff, treasurer, buyer) acts for
that member, reading whatever its status allows and writing only while it is active
(market.auth.roles.STANDING); a seller's admins and staff answer its questions. Another
member's want or star is not found, exactly like a missing one.
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

import ledger
from market.members.models import Member
from market.offers import favourites, geo, questions, services, wants
from market.offers.community_schemas import (
    AnswerInSchema,
    FavouriteArgsSchema,
    FavouritePageSchema,
    FavouriteSchema,
    PageMemberArgsSchema,
    QuestionInSchema,
    QuestionListSchema,
    QuestionSchema,
    WantInSchema,
    WantPageSchema,
    WantPatchSchema,
    WantSchema,
    WantSeenPageSchema,
)
from market.offers.models import Favourite, Question, Want
from market.offers.present import iso, offer_data
from market.offers.schemas import OfferPageSchema
from market.offers.viewer import editable_members, own_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, public, signed_in
from market.web.errors import Forbidden
from market.web.jsonapi import Blueprint
from market.web.pagination import PageArgsSchema

blp = Blueprint("community_api", __name__, url_prefix="/api/v1",
                description="Wants, questions on offers, favourites")

ID = f"int(min=1, max={wants.MAX_ID})"


# -- who acts --------------------------------------------------------------------------------

def acting_members(acting: str) -> set[int]:
    """Members the caller acts for through any member role, as far as their status allows."""
    if not current_user.is_authenticated:
        return set()
    return current_user.member_ids(acting=acting)


def acting_member(session, requested, acting: str = "write") -> Member:
    """The member the caller acts for through any member role (``?member=`` or their only one)."""
    return writing_member(session, requested, (), acting)


def writable_want(session, want_id: int) -> Want:
    """One of the caller's wants that it may change (its member active), else an error."""
    want = wants.get_own_want(session, want_id, acting_members("read"))
    if want.member_id not in acting_members("write"):
        raise Forbidden(_("Seuls les membres actifs d'une structure active peuvent faire cela."))
    return want


# -- plain data ------------------------------------------------------------------------------

def brief(member: Member) -> dict:
    return {"id": member.id, "name": member.name, "city": member.city,
            "inclusion_kind": member.inclusion_kind}


def want_data(want: Want, scales: dict[str, int]) -> dict:
    """A want as WantSchema (and WantSeenSchema, a part of it) serialises it."""
    return {"id": want.id, "member": brief(want.member), "title": want.title,
            "keywords": want.keywords, "sector": want.sector_code, "kind": want.kind,
            "latitude": None if want.latitude is None else str(want.latitude),
            "longitude": None if want.longitude is None else str(want.longitude),
            "region": want.region, "country": want.country, "reach": want.reach,
            "radius_km": want.radius_km, "currency": want.currency,
            "budget": ledger.format_amount(want.budget_minor, scales.get(want.currency, 2)),
            "until": iso(want.until), "created_at": iso(want.created_at)}


def question_data(question: Question) -> dict:
    return {"id": question.id, "offer_id": question.offer_id,
            "member": brief(question.member), "text": question.text,
            "answer": question.answer, "created_at": iso(question.created_at),
            "answered_at": iso(question.answered_at)}


def favourite_data(favourite: Favourite, target, scales: dict[str, int]) -> dict:
    offer = favourite.offer_id is not None
    return {"id": favourite.id, "kind": "offer" if offer else "member",
            "offer": offer_data(target, scales=scales) if offer else None,
            "member": None if offer else brief(target), "created_at": iso(favourite.created_at)}


# -- wants -----------------------------------------------------------------------------------

@blp.get("/wants")
@blp.arguments(PageMemberArgsSchema, location="query")
@blp.response(200, WantPageSchema)
def list_wants(args: dict):
    """List the wants of the caller's members (or of ``?member=``), newest first."""
    members = acting_members("read") if args["member"] is None else \
        {acting_member(db.session, args["member"], "read").id}
    page = wants.list_wants(db.session, members, limit=args["limit"], cursor=args["cursor"])
    scales = geo.scales(db.session)
    return {"items": [want_data(w, scales) for w in page.items],
            "next_cursor": page.next_cursor}


@blp.post("/wants")
@blp.arguments(WantInSchema)
@blp.response(201, WantSchema)
def create_want(data: dict):
    """Save a want for the caller's member (``?member=`` if the caller has several)."""
    begin_write(db.session)
    member = acting_member(db.session, request.args.get("member"))
    want = wants.create_want(db.session, member, current_user.id, data)
    db.session.commit()
    return want_data(want, geo.scales(db.session))


@blp.get(f"/wants/<{ID}:want_id>")
@blp.response(200, WantSchema)
def get_want(want_id: int):
    """Show one of the caller's wants."""
    want = wants.get_own_want(db.session, want_id, acting_members("read"))
    return want_data(want, geo.scales(db.session))


@blp.patch(f"/wants/<{ID}:want_id>")
@blp.arguments(WantPatchSchema)
@blp.response(200, WantSchema)
def update_want(data: dict, want_id: int):
    """Change some fields of one of the caller's wants."""
    begin_write(db.session)
    want = wants.update_want(db.session, writable_want(db.session, want_id), data)
    db.session.commit()
    return want_data(want, geo.scales(db.session))


@blp.delete(f"/wants/<{ID}:want_id>")
@blp.response(204)
def delete_want(want_id: int):
    """Remove one of the caller's wants."""
    begin_write(db.session)
    wants.delete_want(db.session, writable_want(db.session, want_id))
    db.session.commit()


@blp.get(f"/wants/<{ID}:want_id>/offers")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, OfferPageSchema)
def want_offers(args: dict, want_id: int):
    """The published offers fitting one of the caller's wants, newest first."""
    want = wants.get_own_want(db.session, want_id, acting_members("read"))
    page = wants.matching_offers(db.session, want, limit=args["limit"], cursor=args["cursor"])
    scales = geo.scales(db.session)
    return {"items": [offer_data(o, scales=scales) for o in page.items],
            "next_cursor": page.next_cursor}


@blp.get(f"/offers/<{ID}:offer_id>/wants")
@blp.response(200, WantSeenPageSchema)
def offer_wants(offer_id: int):
    """The current wants of other members that one of the caller's offers fits."""
    offer = services.own_offer(db.session, offer_id, own_members())
    scales = geo.scales(db.session)
    return {"items": [want_data(w, scales) for w in wants.wants_for_offer(db.session, offer)],
            "next_cursor": None}


# -- questions -------------------------------------------------------------------------------

@blp.get(f"/offers/<{ID}:offer_id>/questions")
@blp.response(200, QuestionListSchema)
def list_questions(offer_id: int):
    """The questions on an offer: answered ones for anyone; unanswered ones for the asking
    member and the seller."""
    readable = acting_members("read")
    offer = services.visible_offer(db.session, offer_id, readable)
    return {"items": [question_data(q) for q in
                      questions.visible_questions(db.session, offer, readable)],
            "next_cursor": None}


@blp.post(f"/offers/<{ID}:offer_id>/questions")
@blp.arguments(QuestionInSchema)
@blp.response(201, QuestionSchema)
def ask_question(data: dict, offer_id: int):
    """Ask the seller of a published offer (``?member=`` if the caller has several)."""
    begin_write(db.session)
    member = acting_member(db.session, request.args.get("member"))
    offer = services.visible_offer(db.session, offer_id, acting_members("read"))
    question = questions.ask(db.session, offer, member, current_user.id, data["text"])
    db.session.commit()
    return question_data(question)


@blp.post(f"/questions/<{ID}:question_id>/answer")
@blp.arguments(AnswerInSchema)
@blp.response(200, QuestionSchema)
def answer_question(data: dict, question_id: int):
    """Answer a question on one of the caller's offers (again: the answer is replaced)."""
    begin_write(db.session)
    question, offer = questions.answerable(db.session, question_id, acting_members("read"),
                                           editable_members())
    questions.answer(db.session, question, offer, data["answer"])
    db.session.commit()
    return question_data(question)


# -- favourites ------------------------------------------------------------------------------

@blp.get("/favourites")
@blp.arguments(FavouriteArgsSchema, location="query")
@blp.response(200, FavouritePageSchema)
def list_favourites(args: dict):
    """The offers and members the caller's member starred, newest first (``?kind=``)."""
    member = acting_member(db.session, args["member"], "read")
    page = favourites.list_favourites(db.session, member.id, kind=args["kind"],
                                      limit=args["limit"], cursor=args["cursor"])
    scales = geo.scales(db.session)
    return {"items": [favourite_data(f, t, scales)
                      for f, t in favourites.loaded(db.session, page.items)],
            "next_cursor": page.next_cursor}


@blp.put(f"/favourites/offers/<{ID}:offer_id>")
@blp.response(200, FavouriteSchema)
def star_offer(offer_id: int):
    """Star an offer (already starred: no change)."""
    begin_write(db.session)
    member = acting_member(db.session, request.args.get("member"))
    offer = favourites.visible_offer(db.session, offer_id, member.id)
    star = favourites.star(db.session, member.id, offer_id=offer.id)
    db.session.commit()
    return favourite_data(star, offer, geo.scales(db.session))


@blp.delete(f"/favourites/offers/<{ID}:offer_id>")
@blp.response(204)
def unstar_offer(offer_id: int):
    """Remove the star of an offer (none: no change; an offer unseen and unstarred is not
    found)."""
    begin_write(db.session)
    member = acting_member(db.session, request.args.get("member"))
    if not favourites.unstar(db.session, member.id, offer_id=offer_id):
        favourites.visible_offer(db.session, offer_id, member.id)  # else not found
    db.session.commit()


@blp.put(f"/favourites/members/<{ID}:member_id>")
@blp.response(200, FavouriteSchema)
def star_member(member_id: int):
    """Star another active member (already starred: no change)."""
    begin_write(db.session)
    member = acting_member(db.session, request.args.get("member"))
    starred = favourites.visible_member(db.session, member_id, member.id)
    star = favourites.star(db.session, member.id, starred_member_id=starred.id)
    db.session.commit()
    return favourite_data(star, starred, {})


@blp.delete(f"/favourites/members/<{ID}:member_id>")
@blp.response(204)
def unstar_member(member_id: int):
    """Remove the star of a member (none: no change; a member unseen and unstarred is not
    found)."""
    begin_write(db.session)
    member = acting_member(db.session, request.args.get("member"))
    if not favourites.unstar(db.session, member.id, starred_member_id=member_id):
        favourites.visible_member(db.session, member_id, member.id)  # else not found
    db.session.commit()


protect(blp, {
    "list_wants": signed_in,  # the caller's members only (acting_members)
    "create_want": signed_in,
    "get_want": signed_in,
    "update_want": signed_in,
    "delete_want": signed_in,
    "want_offers": signed_in,
    "offer_wants": signed_in,  # the seller's admins and staff (services.own_offer)
    "list_questions": public,  # unanswered ones for the asker and the seller only
    "ask_question": signed_in,
    "answer_question": signed_in,  # the seller's admins and staff (questions.answerable)
    "list_favourites": signed_in,
    "star_offer": signed_in,
    "unstar_offer": signed_in,
    "star_member": signed_in,
    "unstar_member": signed_in,
})
