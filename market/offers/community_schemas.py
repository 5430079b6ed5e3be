"""Request and response schemas of wants, questions and favourites, one per direction."""

from marshmallow import Schema, fields, post_load, validate

from market.members.fields import coordinate
from market.offers.models import OfferKind, Reach
from market.offers.schemas import CURRENCY, OfferSchema, choice, radius
from market.treasury.schemas import InputSchema, amount, instant, text
from market.web.pagination import PageArgsSchema, page_schema

#: Shortest and longest question or answer (characters, spaces around left out).
TEXT_MIN, TEXT_MAX = 3, 2000


class WantInSchema(InputSchema):
    """A want as its member writes it: what, where, how far it may come from, what price."""

    title = text(3, 160, required=True)
    keywords = text(0, 300, load_default="",
                    metadata={"description": "Words every fitting offer holds (French or "
                              "English, as the search reads them)."})
    sector = text(1, 32, load_default=None, allow_none=True,
                  metadata={"description": "A code of GET /sectors; null: any."})
    kind = choice(OfferKind, load_default=None, allow_none=True)
    latitude = coordinate(90, load_default=None, allow_none=True)  # omitted: the member's
    longitude = coordinate(180, load_default=None, allow_none=True)
    region = text(0, 120, load_default=None, allow_none=True)
    country = fields.String(load_default=None, allow_none=True,
                            validate=validate.Regexp(r"^[A-Z]{2}$"))
    reach = choice(Reach, load_default=Reach.regional.value,
                   metadata={"description": "How far from the want's place offers may be."})
    radius_km = radius(load_default=None, allow_none=True)
    #: Highest unit price, a decimal string in ``currency``; null: any.
    budget = amount(load_default=None, allow_none=True)
    currency = fields.String(load_default="EUR", validate=CURRENCY)
    until = instant(load_default=None, allow_none=True,
                    metadata={"description": "Null: until removed."})


class WantPatchSchema(WantInSchema):
    """The fields to change; those left out keep their value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    @post_load(pass_original=True)
    def only_given(self, data, original, **kwargs):
        """Drop the defaults marshmallow added for fields the body left out."""
        return {k: v for k, v in data.items() if k in original}


class MemberBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    city = fields.String()
    inclusion_kind = fields.String()


class WantSchema(Schema):
    """A want as its own member reads it."""

    id = fields.Integer()
    member = fields.Nested(MemberBriefSchema)
    title = fields.String()
    keywords = fields.String()
    sector = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    latitude = fields.String(allow_none=True)
    longitude = fields.String(allow_none=True)
    region = fields.String()
    country = fields.String()
    reach = fields.String()
    radius_km = fields.Integer(allow_none=True)
    budget = fields.String(allow_none=True)
    currency = fields.String()
    until = fields.String(allow_none=True)
    created_at = fields.String()


class WantSeenSchema(Schema):
    """A want as a seller whose offer fits it reads it (no coordinates)."""

    id = fields.Integer()
    member = fields.Nested(MemberBriefSchema)
    title = fields.String()
    keywords = fields.String()
    sector = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    region = fields.String()
    country = fields.String()
    budget = fields.String(allow_none=True)
    currency = fields.String()
    until = fields.String(allow_none=True)


WantPageSchema = page_schema(WantSchema)
WantSeenPageSchema = page_schema(WantSeenSchema)


class MemberArgsSchema(InputSchema):
    """For callers acting for several members: which one."""

    member = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "The member acted for, when the caller "
                                      "acts for several."})


class PageMemberArgsSchema(PageArgsSchema, MemberArgsSchema):
    """A page of a list, for one of the caller's members."""


class QuestionInSchema(InputSchema):
    text = text(TEXT_MIN, TEXT_MAX, free=True, required=True,
                metadata={"description": "The question (line breaks allowed)."})


class AnswerInSchema(InputSchema):
    answer = text(TEXT_MIN, TEXT_MAX, free=True, required=True,
                  metadata={"description": "The seller's answer; sent again, it replaces "
                            "the first."})


class QuestionSchema(Schema):
    """A question, and its answer once there is one."""

    id = fields.Integer()
    offer_id = fields.Integer()
    member = fields.Nested(MemberBriefSchema, metadata={"description": "Who asked."})
    text = fields.String()
    answer = fields.String(allow_none=True)
    created_at = fields.String()
    answered_at = fields.String(allow_none=True)


class QuestionListSchema(Schema):
    items = fields.List(fields.Nested(QuestionSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "Always null: one page."})


class FavouriteSchema(Schema):
    """A star: on an offer (``offer``) or on a member (``member``), the other null."""

    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["offer", "member"]})
    offer = fields.Nested(OfferSchema, allow_none=True)
    member = fields.Nested(MemberBriefSchema, allow_none=True)
    created_at = fields.String()


FavouritePageSchema = page_schema(FavouriteSchema)


class FavouriteArgsSchema(PageMemberArgsSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(["offer", "member"]))
