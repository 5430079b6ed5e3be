"""Request and response schemas of opportunities, lot questions and the buyer's funnel."""

from marshmallow import Schema, fields, validate

from market.offers.schemas import choice
from market.procurement.outreach_models import Interest, NotInterestedReason
from market.procurement.schemas import PlaceSchema
from market.treasury.schemas import InputSchema, text
from market.web.pagination import PageArgsSchema, page_schema

#: Longest question, answer or comment (characters).
TEXT_MAX = 2000
MAX_ID = 2**31 - 1
INTERESTS = [i.value for i in Interest]
REASONS = [r.value for r in NotInterestedReason]


class OpportunityMemberArgsSchema(InputSchema):
    """For callers acting for several structures: which one."""

    member = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                            metadata={"description": "The structure acted for, when the "
                                      "caller acts for several."})


class OpportunityListArgsSchema(PageArgsSchema, OpportunityMemberArgsSchema):
    """Which opportunities: all, or those answered so (``none``: not answered yet)."""

    interest = fields.String(load_default=None,
                             validate=validate.OneOf(["none", *INTERESTS]),
                             metadata={"description": "none, interested, not_interested "
                                       "or as_grouping"})


class OpportunityAnswerInSchema(InputSchema):
    """What the structure says of the lot; sent again before the deadline, it replaces."""

    interest = choice(Interest, required=True, metadata={
        "description": "interested, not_interested or as_grouping"})
    reason = choice(NotInterestedReason, load_default=None, allow_none=True, metadata={
        "description": "Required with not_interested: capacity, distance, sector, "
                       "deadline, price or other."})
    comment = text(0, TEXT_MAX, free=True, load_default="")
    grouping_id = fields.Integer(strict=True, load_default=None, allow_none=True,
                                 validate=validate.Range(min=1, max=MAX_ID), metadata={
                                     "description": "With as_grouping: a grouping the "
                                     "structure accepted to be in, not dissolved."})


class LotQuestionInSchema(InputSchema):
    question = text(1, TEXT_MAX, free=True, required=True,
                    metadata={"description": "The question to the buyer (line breaks "
                              "allowed)."})


class LotQuestionAnswerInSchema(InputSchema):
    answer = text(1, TEXT_MAX, free=True, required=True,
                  metadata={"description": "The buyer's answer, read by every structure; "
                            "given once."})


class OpportunityLotSchema(Schema):
    """The lot as its opportunity shows it."""

    id = fields.Integer()
    lot_id = fields.String(metadata={"example": "LOT-0001"})
    title = fields.String()
    tender_id = fields.Integer()
    tender_title = fields.String()
    buyer_name = fields.String()
    deadline = fields.String(allow_none=True)
    estimated_value = fields.String(allow_none=True, metadata={"example": "60000.00"})
    currency = fields.String()
    place = fields.Nested(PlaceSchema)
    reservation = fields.String()
    insertion_hours = fields.Integer(allow_none=True)
    cpv_main = fields.String()
    cpv_codes = fields.List(fields.String())
    status = fields.String()


class OpportunitySchema(Schema):
    """A lot a structure was notified of, and what it said."""

    lot = fields.Nested(OpportunityLotSchema)
    rank = fields.Integer()
    score = fields.Integer(metadata={"description": "0 to 100, when the lot was published."})
    batch = fields.Integer(allow_none=True)
    notified_at = fields.String()
    seen_at = fields.String(allow_none=True)
    interest = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    comment = fields.String()
    grouping_id = fields.Integer(allow_none=True)
    answered_at = fields.String(allow_none=True)
    open = fields.Boolean(metadata={"description": "Whether it may still be answered."})


OpportunityPageSchema = page_schema(OpportunitySchema)


class LotQuestionAskerSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class LotQuestionSchema(Schema):
    """A question on a lot and the buyer's answer; the asker is named to the buyer only."""

    id = fields.Integer()
    lot_id = fields.Integer()
    question = fields.String()
    answer = fields.String(allow_none=True)
    created_at = fields.String()
    answered_at = fields.String(allow_none=True)
    asker = fields.Nested(LotQuestionAskerSchema, allow_none=True,
                          metadata={"description": "For the lot's buyer only; else null."})
    mine = fields.Boolean(metadata={"description": "Asked by the caller's structure."})


LotQuestionPageSchema = page_schema(LotQuestionSchema)


class FunnelReasonsSchema(Schema):
    """How many structures gave each reason not to answer."""

    capacity = fields.Integer()
    distance = fields.Integer()
    sector = fields.Integer()
    deadline = fields.Integer()
    price = fields.Integer()
    other = fields.Integer()


class FunnelBatchSchema(Schema):
    batch = fields.Integer()
    notified = fields.Integer()
    sent_at = fields.String()


class FunnelMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class FunnelAnswerSchema(Schema):
    member = fields.Nested(FunnelMemberSchema)
    interest = fields.String()
    reason = fields.String(allow_none=True)
    comment = fields.String()
    grouping_id = fields.Integer(allow_none=True)
    answered_at = fields.String(allow_none=True)


class FunnelSchema(Schema):
    """How far a lot's matches went, for its buyer."""

    lot_id = fields.Integer()
    matched = fields.Integer()
    notified = fields.Integer()
    seen = fields.Integer()
    interested = fields.Integer()
    as_grouping = fields.Integer()
    not_interested = fields.Integer()
    reasons = fields.Nested(FunnelReasonsSchema)
    questions = fields.Integer()
    answered_questions = fields.Integer()
    bids = fields.Integer(metadata={"description": "Submitted, awarded or rejected."})
    batches = fields.List(fields.Nested(FunnelBatchSchema))
    answers = fields.List(fields.Nested(FunnelAnswerSchema))
