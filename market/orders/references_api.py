"""JSON API of references after a trade: leave one on a completed order, reply to one about
one's member, list a member's. Parse, call one use case, serialise."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from market.auth.roles import Role
from market.members import services as members
from market.offers.viewer import editable_members, writing_member
from market.orders import references, services
from market.orders.models import Rating
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury.schemas import InputSchema, text
from market.web.access import protect, public, signed_in
from market.web.errors import AppError, NotFound
from market.web.jsonapi import Blueprint
from market.web.pagination import PageArgsSchema, decode_cursor, encode_cursor

blp = Blueprint("references_api", __name__, url_prefix="/api/v1",
                description="References members leave each other after a completed order")


class ReferenceInSchema(InputSchema):
    """How the other side did: a rating and, if one wishes, a comment."""

    rating = fields.String(required=True, validate=validate.OneOf([r.value for r in Rating]))
    comment = text(0, references.TEXT_MAX, free=True, load_default="")


class ReplyInSchema(InputSchema):
    reply = text(1, references.TEXT_MAX, free=True, required=True)


class MemberRefSchema(Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)


class ReferenceSchema(Schema):
    """A reference, with its reply (null until the member spoken of replies)."""

    id = fields.Integer()
    order_id = fields.Integer()
    rating = fields.String()
    comment = fields.String()
    reply = fields.String(allow_none=True)
    author = fields.Nested(MemberRefSchema)
    subject = fields.Nested(MemberRefSchema)
    created_at = fields.String()


class CountsSchema(Schema):
    positive = fields.Integer()
    neutral = fields.Integer()
    negative = fields.Integer()


class ReferencePageSchema(Schema):
    """One page of a member's references, newest first, and how many of each rating."""

    items = fields.List(fields.Nested(ReferenceSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "Null on the last page."})
    counts = fields.Nested(CountsSchema, required=True)


class ReferenceArgsSchema(PageArgsSchema, InputSchema):
    pass


def acting_side(order) -> int:
    """The member of ``order`` the caller writes for (``?member=`` when they write for both
    sides); NotFound when they write for neither."""
    mine = editable_members() & {order.buyer_member_id, order.seller_member_id}
    if len(mine) == 1:
        return next(iter(mine))
    if not mine:
        raise NotFound(_("Commande introuvable."))
    return writing_member(db.session, request.args.get("member")).id


def shown(reference) -> dict:
    return references.reference_data(reference, references.names(db.session, [reference]))


@blp.post("/orders/<int:order_id>/references")
@blp.arguments(ReferenceInSchema)
@blp.response(201, ReferenceSchema)
def leave_reference(data: dict, order_id: int):
    """Say how the other side of a completed order did (once per side)."""
    begin_write(db.session)
    try:
        order = services.get_order(db.session, order_id, editable_members(), lock=True)
        made = references.leave(db.session, order, acting_side(order), data["rating"],
                                data["comment"])
        result = shown(made)
    except AppError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


@blp.post("/references/<int:reference_id>/reply")
@blp.arguments(ReplyInSchema)
@blp.response(200, ReferenceSchema)
def reply_reference(data: dict, reference_id: int):
    """Reply, once, to a reference about the caller's member."""
    begin_write(db.session)
    try:
        mine = editable_members()
        found = references.get_reference(db.session, reference_id, mine, lock=True)
        if found.subject_member_id not in mine:
            raise NotFound(_("Référence introuvable."))
        references.reply(db.session, found, found.subject_member_id, data["reply"])
        result = shown(found)
    except AppError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


@blp.get("/members/<int:member_id>/references")
@blp.arguments(ReferenceArgsSchema, location="query")
@blp.response(200, ReferencePageSchema)
def member_references(args: dict, member_id: int):
    """The references a member received, newest first, with the counts of each rating."""
    admin = current_user.is_authenticated and current_user.has_role(Role.network_admin)
    own = current_user.claimed_member_ids() if current_user.is_authenticated else set()
    member = members.get_visible_member(db.session, member_id, network_admin=admin,
                                        own_member_ids=own)
    before = decode_cursor(args["cursor"], False, references.MAX_ID)[0] \
        if args["cursor"] else None
    rows, more = references.of_member(db.session, member.id, limit=args["limit"],
                                      before=before)
    known = references.names(db.session, rows)
    return {"items": [references.reference_data(r, known) for r in rows],
            "next_cursor": encode_cursor([rows[-1].id]) if more else None,
            "counts": references.counts(db.session, member.id)}


protect(blp, {
    "leave_reference": signed_in,  # a side of the order only (services.get_order)
    "reply_reference": signed_in,  # the member spoken of only (references.get_reference)
    "member_references": public,  # as public as the member's profile
})
