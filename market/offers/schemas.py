"""Request and response schemas of the offers API, one per direction."""

from marshmallow import Schema, fields, post_load, validate

from market.members.fields import coordinate
from market.offers.models import MAX_RADIUS_KM, DeliveryKind, FeeKind, OfferKind, Reach
from market.treasury.schemas import InputSchema, amount, instant, text
from market.web.pagination import PageArgsSchema, page_schema

CURRENCY = validate.Regexp(r"^[A-Z][A-Z0-9-]{1,15}$", error="A ledger currency code.")
MAX_QUANTITY = 10**9
MAX_SHARES = 10**9


def choice(values, **kwargs) -> fields.String:
    """One of an enumeration's values."""
    return fields.String(validate=validate.OneOf([v.value for v in values]), **kwargs)


def radius(**kwargs) -> fields.Integer:
    """A distance in whole kilometres, 1 to MAX_RADIUS_KM."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_RADIUS_KM),
                          **kwargs)


class DeliveryInSchema(InputSchema):
    """A delivery method: pickup at an address, or delivery within a radius or a region."""

    kind = choice(DeliveryKind, required=True)
    address = text(0, 300, load_default="")
    radius_km = radius(load_default=None, allow_none=True)
    region = text(0, 120, load_default="")
    fee_kind = choice(FeeKind, load_default=FeeKind.free.value)
    fee = amount(load_default=None, allow_none=True)


class DeliverySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    address = fields.String()
    radius_km = fields.Integer(allow_none=True)
    region = fields.String()
    fee_kind = fields.String()
    fee = fields.String(allow_none=True)


class OfferInSchema(InputSchema):
    """An offer as a member writes it; every field may be changed later (PATCH)."""

    kind = choice(OfferKind, required=True)
    title = text(3, 160, required=True)
    description = text(0, 5000, free=True, load_default="")
    sector = text(1, 32, required=True, metadata={"description": "A code of GET /sectors."})
    unit = text(1, 40, required=True, metadata={"example": "kg"})
    price = amount(required=True)
    currency = fields.String(load_default="EUR", validate=CURRENCY)
    currency_share = fields.Integer(strict=True, load_default=0,
                                    validate=validate.Range(min=0, max=100),
                                    metadata={"description": "Percent of the price payable "
                                              "in the accepted complementary currencies."})
    accepted_currencies = fields.List(fields.String(validate=CURRENCY), load_default=list,
                                      validate=validate.Length(max=8))
    quantity = fields.Integer(strict=True, load_default=None, allow_none=True,
                              validate=validate.Range(min=0, max=MAX_QUANTITY),
                              metadata={"description": "Units available; null: on request."})
    deliveries = fields.List(fields.Nested(DeliveryInSchema), load_default=list,
                             validate=validate.Length(max=6))
    reach = choice(Reach, load_default=Reach.regional.value)
    radius_km = radius(load_default=None, allow_none=True)
    latitude = coordinate(90, load_default=None, allow_none=True)
    longitude = coordinate(180, load_default=None, allow_none=True)
    city = text(0, 120, load_default=None, allow_none=True)
    department = text(0, 64, load_default=None, allow_none=True)
    region = text(0, 120, load_default=None, allow_none=True)
    country = fields.String(load_default=None, allow_none=True,
                            validate=validate.Regexp(r"^[A-Z]{2}$"))
    valid_from = instant(load_default=None, allow_none=True)
    valid_until = instant(load_default=None, allow_none=True)
    share_min = fields.Integer(strict=True, load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=MAX_SHARES))
    share_max = fields.Integer(strict=True, load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=MAX_SHARES))


class OfferPatchSchema(OfferInSchema):
    """The fields to change; those left out keep their value (no default fills them in)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    @post_load(pass_original=True)
    def only_given(self, data, original, **kwargs):
        """Drop the defaults marshmallow added for fields the body left out."""
        return {k: v for k, v in data.items() if k in original}


class OfferImageSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    alt = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    url = fields.String()
    thumb_url = fields.String()


class OfferSchema(Schema):
    """An offer as the API shows it."""

    id = fields.Integer()
    member = fields.Dict(metadata={"description": "{id, name, city, inclusion_kind}"})
    kind = fields.String()
    status = fields.String()
    title = fields.String()
    description = fields.String()
    sector = fields.String()
    unit = fields.String()
    price = fields.String()
    currency = fields.String()
    currency_share = fields.Integer()
    accepted_currencies = fields.List(fields.String())
    quantity = fields.Integer(allow_none=True)
    on_request = fields.Boolean()
    deliveries = fields.List(fields.Nested(DeliverySchema))
    reach = fields.String()
    radius_km = fields.Integer(allow_none=True)
    latitude = fields.String(allow_none=True)
    longitude = fields.String(allow_none=True)
    city = fields.String()
    department = fields.String()
    region = fields.String()
    country = fields.String()
    valid_from = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    share_min = fields.Integer(allow_none=True)
    share_max = fields.Integer(allow_none=True)
    images = fields.List(fields.Nested(OfferImageSchema))
    distance_km = fields.Float(allow_none=True, metadata={"description": "From the search "
                                                           "point, when one was given."})
    published_at = fields.String(allow_none=True)
    created_at = fields.String()


OfferPageSchema = page_schema(OfferSchema)


class FeatureCollectionSchema(Schema):
    """GeoJSON FeatureCollection of points, with the search's next page."""

    type = fields.String(metadata={"example": "FeatureCollection"})
    features = fields.List(fields.Dict())
    next_cursor = fields.String(allow_none=True)
    title = fields.String()


class OfferSearchArgsSchema(PageArgsSchema, InputSchema):
    """The search: words, filters, a place whose reach must cover it, and an order."""

    q = text(1, 200, load_default=None, metadata={"description": "Words, French or English."})
    kind = fields.List(choice(OfferKind), load_default=None)
    sector = text(1, 32, load_default=None)
    sector_group = text(1, 32, load_default=None)
    price_min = amount(load_default=None)
    price_max = amount(load_default=None)
    accepts = fields.String(load_default=None, validate=CURRENCY,
                            metadata={"description": "A complementary currency accepted."})
    network = text(1, 64, load_default=None, metadata={"description": "A network's slug."})
    inclusion_kind = fields.List(text(1, 8), load_default=None,
                                 metadata={"description": "ACI, AI, EI, ETTI, EITI, EA... "
                                           "or SIAE for the five SIAE kinds."})
    has_images = fields.Boolean(load_default=None)
    member = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    lat = fields.Float(load_default=None, allow_nan=False,
                       validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, allow_nan=False,
                       validate=validate.Range(min=-180, max=180))
    department = text(1, 3, load_default=None, metadata={"description": "Search around a "
                                                         "French department's centre."})
    region = text(1, 120, load_default=None)
    country = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{2}$"))
    sort = fields.String(load_default=None, validate=validate.OneOf(
        ["relevance", "distance", "price", "date"]))
