"""Request and response schemas of the inclusive catalogue's API, one per direction."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from market.treasury.schemas import InputSchema, text
from market.web.pagination import PageArgsSchema, page_schema

#: The most units a catalogue purchase asks for (as an order: market.orders.schemas).
MAX_QUANTITY = 10**9
DEPARTMENT = validate.Regexp(r"^([0-9]{2}|2[AB]|97[0-9])\Z",
                             error=_l("Un code de département français (17, 2A, 974)."))
POSTCODE = validate.Regexp(r"^[0-9]{5}\Z", error=_l("Un code postal français (5 chiffres)."))


def quantity(strict: bool) -> fields.Integer:
    """How many units of the offers' unit (a query's are text, a body's JSON numbers)."""
    return fields.Integer(strict=strict, required=True,
                          validate=validate.Range(min=1, max=MAX_QUANTITY),
                          metadata={"description": "Units of the offer's unit."})


class CatalogueNeedSchema(InputSchema):
    """What is wanted, where, how many: a sector, a department (or a postcode), a quantity."""

    sector = text(1, 32, required=True, metadata={"description": "A code of GET /sectors.",
                                                  "example": "green.maintenance"})
    department = fields.String(load_default=None, validate=DEPARTMENT,
                               metadata={"example": "17"})
    postcode = fields.String(load_default=None, validate=POSTCODE, metadata={
        "description": "Gives the department when it is not given.", "example": "17000"})

    @validates_schema
    def somewhere(self, data, **kwargs):
        if data.get("department") is None and data.get("postcode") is None:
            raise SchemaError(_l("Indiquez le département ou le code postal du besoin."),
                              "department")


class CatalogueCandidateArgsSchema(CatalogueNeedSchema):
    """The query of a preview of the rotation (GET /catalogue/candidates)."""

    quantity = quantity(strict=False)


class CataloguePurchaseInSchema(CatalogueNeedSchema):
    """A catalogue purchase: the need, and a note for the structure that gets it."""

    quantity = quantity(strict=True)
    note = text(0, 2000, free=True, load_default="")


class CatalogueMemberRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CataloguePreviewItemSchema(Schema):
    """An eligible structure, its cheapest fitting offer and what the catalogue gave it."""

    member = fields.Nested(CatalogueMemberRefSchema)
    offer_id = fields.Integer()
    offer_title = fields.String()
    unit = fields.String()
    unit_price = fields.String(metadata={"example": "12.50"})
    value = fields.String(metadata={"description": "Unit price times the quantity."})
    received = fields.String(metadata={
        "description": "What the catalogue gave it in the last 12 months."})
    least_served = fields.Boolean(metadata={
        "description": "Among those that received the least: the seed picks one of them."})


class CataloguePreviewSchema(Schema):
    """The eligible structures under the threshold, least served first (ties unbroken)."""

    sector = fields.String()
    department = fields.String()
    quantity = fields.Integer()
    currency = fields.String(metadata={"example": "EUR"})
    threshold = fields.String(metadata={"example": "40000.00"})
    over_threshold = fields.Integer(metadata={
        "description": "Eligible structures left out: their offer costs more than that."})
    items = fields.List(fields.Nested(CataloguePreviewItemSchema))


class CatalogueRankedSchema(Schema):
    """A candidate as the rotation ranked it (the first got the purchase)."""

    member = fields.Nested(CatalogueMemberRefSchema)
    offer_id = fields.Integer()
    received = fields.String()


class CataloguePurchaseSchema(Schema):
    """A catalogue purchase: who asked, who got it, the order, and what proves the rotation."""

    id = fields.Integer()
    buyer = fields.Nested(CatalogueMemberRefSchema)
    sector = fields.String()
    department = fields.String()
    quantity = fields.Integer()
    supplier = fields.Nested(CatalogueMemberRefSchema)
    chosen = fields.Integer(metadata={"description": "The member id the rotation chose."})
    offer_id = fields.Integer()
    order_id = fields.Integer()
    value = fields.String(metadata={"example": "1250.00"})
    currency = fields.String()
    seed = fields.String(metadata={
        "description": "Breaks ties: market.matching.rotation says how to re-run it."})
    candidates = fields.List(fields.Nested(CatalogueRankedSchema))
    verified = fields.Boolean(metadata={
        "description": "The rotation re-run on these candidates and seed gives this ranking."})
    created_at = fields.String()


class CataloguePurchaseListArgsSchema(PageArgsSchema):
    """Which purchases: a page of the caller's buyers' ones."""


CataloguePurchasePageSchema = page_schema(CataloguePurchaseSchema)
