"""Response and argument schemas of the procurement API."""

from marshmallow import Schema, fields, validate

from market.procurement.models import TenderStatus
from market.web.pagination import PageArgsSchema, page_schema


class PlaceSchema(Schema):
    """Where a lot is performed."""

    postcode = fields.String()
    city = fields.String()
    department = fields.String(metadata={"description": "French department code."})
    nuts = fields.String(metadata={"example": "FRI32"})
    country = fields.String(metadata={"example": "FR"})
    latitude = fields.String(allow_none=True)
    longitude = fields.String(allow_none=True)


class CriterionSchema(Schema):
    kind = fields.String(metadata={"description": "price, quality or social"})
    name = fields.String()
    description = fields.String()
    weight = fields.String(allow_none=True, metadata={"description": "Percent, as text."})


class LotSchema(Schema):
    """A lot of a tender."""

    id = fields.Integer()
    tender_id = fields.Integer()
    lot_id = fields.String(metadata={"example": "LOT-0001"})
    title = fields.String()
    description = fields.String()
    cpv_main = fields.String(metadata={"example": "77310000"})
    cpv_codes = fields.List(fields.String(), metadata={"description": "Main code first."})
    estimated_value = fields.String(allow_none=True, metadata={"example": "120000.00"})
    currency = fields.String()
    place = fields.Nested(PlaceSchema)
    duration_days = fields.Integer(allow_none=True)
    reservation = fields.String(metadata={
        "description": "none, siae (L2113-13), disability (L2113-12), both, ess (L2113-15)"})
    insertion_hours = fields.Integer(allow_none=True)
    social_objectives = fields.List(fields.String(), metadata={
        "description": "eForms BT-775 codes (opp: employment opportunities...)."})
    criteria = fields.List(fields.Nested(CriterionSchema))
    status = fields.String()


class DocumentSchema(Schema):
    title = fields.String()
    url = fields.String()


class BuyerSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class TenderSchema(Schema):
    """A call for tenders and its lots."""

    id = fields.Integer()
    source = fields.String(metadata={"description": "intercoop, eforms or ocds"})
    identifier = fields.String()
    version = fields.String(metadata={"description": "The notice's version, as imported."})
    reference = fields.String()
    title = fields.String()
    description = fields.String()
    procedure = fields.String()
    buyer = fields.Nested(BuyerSchema)
    buyer_name = fields.String()
    buyer_identifier = fields.String()
    published_on = fields.Date(allow_none=True)
    deadline = fields.String(allow_none=True)
    status = fields.String()
    documents = fields.List(fields.Nested(DocumentSchema))
    lots = fields.List(fields.Nested(LotSchema))


class ImportedTenderSchema(Schema):
    created = fields.Boolean(metadata={"description": "False: an earlier import updated."})
    tender = fields.Nested(TenderSchema)


class ImportedSchema(Schema):
    """What an import did: each notice's tender, made or updated."""

    items = fields.List(fields.Nested(ImportedTenderSchema))


class TenderListArgsSchema(PageArgsSchema):
    """Which tenders: the published ones, or the caller's own of a status."""

    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in TenderStatus]))
    mine = fields.Boolean(load_default=False,
                          metadata={"description": "Only the tenders of the caller's buyers."})


TenderPageSchema = page_schema(TenderSchema)


class CriterionPointsSchema(Schema):
    criterion = fields.String(metadata={
        "description": "sectors, distance, capacity, insertion, awards or references"})
    points = fields.Float()
    max_points = fields.Integer()
    why = fields.String(metadata={"description": "In the caller's language."})


class MatchedStructureSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    favourite = fields.Boolean(metadata={
        "description": "Starred by the lot's buyer (PUT /favourites/members/{id})."})


class ContributionSchema(Schema):
    structure_id = fields.Integer()
    sectors = fields.List(fields.String())


class MatchSchema(Schema):
    """One answer: a structure alone, a proposed grouping or a persistent one, explained."""

    kind = fields.String(metadata={"description": "structure, grouping or persistent_grouping"})
    grouping_id = fields.Integer(allow_none=True)
    structures = fields.List(fields.Nested(MatchedStructureSchema))
    lead_id = fields.Integer()
    score = fields.Float(metadata={"description": "0 to 100"})
    contributions = fields.List(fields.Nested(ContributionSchema))
    explanation = fields.List(fields.Nested(CriterionPointsSchema))


class MatchesSchema(Schema):
    """Who can answer a lot: single structures, then groupings, best first."""

    lot_id = fields.Integer()
    candidates = fields.Integer(metadata={
        "description": "Eligible structures in reach that do at least one needed sector."})
    structures = fields.List(fields.Nested(MatchSchema))
    groupings = fields.List(fields.Nested(MatchSchema))
