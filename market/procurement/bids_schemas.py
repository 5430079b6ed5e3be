"""Request and response schemas of bids, their comparison, awards, contracts and invoices."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from market.treasury.schemas import InputSchema, amount, text
from market.web.pagination import PageArgsSchema, page_schema

MAX_ID = 2**31 - 1
#: More committed insertion hours than any lot could ask for is a typing error.
MAX_HOURS = 10_000_000
PERCENT = validate.Regexp(r"^\d{1,3}(\.\d{1,2})?$",
                          error=_l("Un pourcentage, au plus deux décimales (\"33.33\")."))


def an_id(**kwargs) -> fields.Integer:
    """A row named by its integer id (a JSON number)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class ShareInSchema(InputSchema):
    """A member's share of the work, in percent."""

    member_id = an_id(required=True)
    percent = fields.String(
        required=True, validate=[validate.Length(min=1, max=6), PERCENT],
        metadata={"example": "33.33", "description": "Percent, at most 2 decimals."})
    work = text(0, 300, load_default="", metadata={"example": "tonte et taille"})


class BidInSchema(InputSchema):
    """A bid: alone (no grouping, no shares or the bidder at 100) or for a grouping."""

    price = amount(required=True)
    insertion_hours = fields.Integer(strict=True, required=True,
                                     validate=validate.Range(min=0, max=MAX_HOURS))
    summary = text(0, 5000, free=True, load_default="")
    grouping_id = an_id(load_default=None, allow_none=True)
    shares = fields.List(fields.Nested(ShareInSchema), load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=50))


class QualityMarkInSchema(InputSchema):
    quality_mark = fields.Integer(strict=True, required=True,
                                  validate=validate.Range(min=0, max=20),
                                  metadata={"description": "Out of 20."})


class AwardInSchema(InputSchema):
    bid_id = an_id(required=True)


class InvoiceInSchema(InputSchema):
    number = text(1, 64, required=True, metadata={"example": "F-2027-004"})
    amount = amount(required=True)


class InvoicePartInSchema(InputSchema):
    """A part of an invoice paid in a complementary currency, at its euro parity."""

    currency = text(1, 16, required=True, metadata={"example": "EUSKO"})
    amount = amount(required=True)


class InvoicePaymentInSchema(InputSchema):
    """How the buyer pays: complementary parts, if any; euros for the rest."""

    payment = fields.List(fields.Nested(InvoicePartInSchema), load_default=list,
                          validate=validate.Length(max=4))


class NamedSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class LotRefSchema(Schema):
    id = fields.Integer(required=True)
    tender_id = fields.Integer(required=True)
    title = fields.String(required=True)


class ShareSchema(Schema):
    member_id = fields.Integer(required=True)
    name = fields.String(required=True)
    percent = fields.String(required=True, metadata={"example": "33.33"})
    work = fields.String(required=True)


class BidSchema(Schema):
    """A bid as its bidder (or, after the deadline, the lot's buyer) reads it."""

    id = fields.Integer(required=True)
    lot = fields.Nested(LotRefSchema, required=True)
    bidder = fields.Nested(NamedSchema, required=True)
    grouping_id = fields.Integer(allow_none=True, required=True)
    price = fields.String(required=True, metadata={"example": "55000.00"})
    currency = fields.String(required=True)
    insertion_hours = fields.Integer(required=True)
    summary = fields.String(required=True)
    quality_mark = fields.Integer(allow_none=True, required=True)
    status = fields.String(required=True,
                           metadata={"description": "submitted, withdrawn, awarded, rejected"})
    shares = fields.List(fields.Nested(ShareSchema), required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})


class PointsSchema(Schema):
    criterion = fields.String(required=True, metadata={"description": "price, quality, social"})
    weight = fields.String(required=True, metadata={"example": "60.00"})
    points = fields.String(required=True, metadata={"example": "54.55"})
    note = fields.String(allow_none=True, required=True)


class ComparedBidSchema(BidSchema):
    rank = fields.Integer(required=True)
    score = fields.String(required=True, metadata={"example": "87.27"})
    points = fields.List(fields.Nested(PointsSchema), required=True)


class WeightSchema(Schema):
    criterion = fields.String(required=True)
    weight = fields.String(required=True)


class ComparisonSchema(Schema):
    """A lot's bids side by side, best score first."""

    lot = fields.Nested(LotRefSchema, required=True)
    deadline = fields.String(allow_none=True, required=True, metadata={"format": "date-time"})
    weights = fields.List(fields.Nested(WeightSchema), required=True)
    items = fields.List(fields.Nested(ComparedBidSchema), required=True)


class InvoiceSchema(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    number = fields.String(required=True)
    amount = fields.String(required=True, metadata={"example": "1250.00"})
    currency = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "issued or paid"})
    transfer_id = fields.Integer(allow_none=True, required=True)
    issued_at = fields.String(required=True, metadata={"format": "date-time"})
    paid_at = fields.String(allow_none=True, required=True, metadata={"format": "date-time"})


class ContractSchema(Schema):
    """An awarded lot: who holds it, for how much, the shares of the work and the invoices."""

    id = fields.Integer(required=True)
    lot = fields.Nested(LotRefSchema, required=True)
    bid_id = fields.Integer(required=True)
    buyer = fields.Nested(NamedSchema, required=True)
    holder = fields.Nested(NamedSchema, required=True)
    grouping_id = fields.Integer(allow_none=True, required=True)
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    insertion_hours = fields.Integer(required=True)
    status = fields.String(required=True)
    awarded_at = fields.String(required=True, metadata={"format": "date-time"})
    shares = fields.List(fields.Nested(ShareSchema), required=True)
    invoiced = fields.String(required=True)
    remaining = fields.String(required=True)
    invoices = fields.List(fields.Nested(InvoiceSchema), required=True)


class ListArgsSchema(PageArgsSchema):
    """A page of the caller's bids or contracts, oldest first."""


BidPageSchema = page_schema(BidSchema)
ContractPageSchema = page_schema(ContractSchema)
