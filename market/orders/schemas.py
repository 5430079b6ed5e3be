"""Request and response schemas of the orders API."""

from marshmallow import Schema, fields, validate

from market.offers.schemas import CURRENCY
from market.treasury.schemas import InputSchema, amount, text
from market.web.pagination import PageArgsSchema, page_schema


class PaymentPartSchema(InputSchema):
    currency = fields.String(required=True, validate=CURRENCY)
    amount = amount(required=True)


class OrderInSchema(InputSchema):
    """An order: the offer, how many, how it is handed over and how it is paid."""

    offer = fields.Integer(strict=True, required=True,
                           validate=validate.Range(min=1, max=2**31 - 1))
    quantity = fields.Integer(strict=True, required=True,
                              validate=validate.Range(min=1, max=10**9))
    delivery = fields.Integer(strict=True, load_default=None, allow_none=True,
                              validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "Id of one of the offer's deliveries."})
    payment = fields.List(fields.Nested(PaymentPartSchema), load_default=None,
                          validate=validate.Length(min=1, max=4),
                          metadata={"description": "The mix, summing to the total; default: "
                                    "all in the offer's currency."})
    note = text(0, 2000, free=True, load_default="")


class PaymentSchema(Schema):
    currency = fields.String()
    amount = fields.String()


class OrderSchema(Schema):
    """An order with its state and the ledger transfer it holds or posted."""

    id = fields.Integer()
    state = fields.String()
    offer = fields.Dict()
    buyer = fields.Dict()
    seller = fields.Dict()
    quantity = fields.Integer()
    unit_price = fields.String()
    currency = fields.String()
    delivery = fields.Dict()
    fee = fields.String()
    total = fields.String()
    payment = fields.List(fields.Nested(PaymentSchema))
    note = fields.String()
    refusal = fields.Dict(allow_none=True)
    transfer = fields.Dict(allow_none=True, metadata={"description": "The ledger's transfer "
                                                      "(pending, posted, voided or expired)."})
    created_at = fields.String()
    accepted_at = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)


OrderPageSchema = page_schema(OrderSchema)


class OrderQueryArgsSchema(PageArgsSchema, InputSchema):
    role = fields.String(load_default=None, validate=validate.OneOf(["buyer", "seller"]))
    state = fields.String(load_default=None, validate=validate.OneOf(
        ["requested", "accepted", "delivered", "completed", "rejected", "cancelled",
         "expired"]))
