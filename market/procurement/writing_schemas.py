"""Request schemas of the buyers' writing API: tenders, their documents, lots and criteria.

Responses are the reading API's (market.procurement.schemas). A PATCH schema loads only
the fields the body gives; the service keeps every other one as it was.
"""

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from market.members.fields import (
    InputSchema,
    Money,
    choice,
    coordinate,
    count,
    string_list,
    text,
)
from market.procurement.models import CriterionKind, Reservation
from market.procurement.notice import SOCIAL_OBJECTIVES
from market.treasury.schemas import instant, readable

#: A percent weight: 0 to 100 with at most two decimals ("40", "33.33").
PERCENT = re.compile(r"\d{1,3}(\.\d{1,2})?")
#: A lot id as notices write them ("LOT-0001"): letters, digits, dots, dashes, underscores.
LOT_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$",
                         error=_l("Lettres, chiffres, « . », « - » ou « _ » (LOT-0001)."))
#: eForms procedure types are short lower-case codes ("open", "neg-w-call").
PROCEDURE = validate.Regexp(r"^[a-z0-9-]*$", error=_l("Code de procédure eForms (open...)."))
POSTCODE = validate.Regexp(r"^[0-9]{5}$", error=_l("Code postal à 5 chiffres."))
DEPARTMENT = validate.Regexp(r"^(?:[0-9]{2}|2[AB]|97[0-9])$",
                             error=_l("Code de département (17, 2A, 974)."))
NUTS = validate.Regexp(r"^[A-Z]{2}[0-9A-Z]{0,3}$", error=_l("Code NUTS (FRI32)."))
WEB_ADDRESS = validate.URL(schemes={"http", "https"},
                           error=_l("Adresse web invalide (http:// ou https://)."))


def free_text(max_length: int, **kwargs) -> fields.String:
    """Free text of at most ``max_length`` characters (line breaks and tabs allowed)."""
    return fields.String(validate=[validate.Length(max=max_length,
                                                   error=_l("Au plus {max} caractères.")),
                                   readable], **kwargs)


class Percent(fields.String):
    """A percent as a decimal string ("40", "33.33"), 0 to 100; a JSON number is refused."""

    default_error_messages = {"invalid": _l("Pourcentage attendu sous forme de texte, de 0 "
                                            "à 100, par exemple \"40\" ou \"33.33\".")}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"pattern": PERCENT.pattern, "example": "40"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if not isinstance(value, str) or not PERCENT.fullmatch(value):
            raise self.make_error("invalid")
        weight = Decimal(value)
        if weight > 100:
            raise self.make_error("invalid")
        return weight


class DocumentInSchema(InputSchema):
    """A procurement document, as a link (http or https only)."""

    title = text(300, validate.Length(min=1, error=_l("Au moins {min} caractère.")),
                 required=True)
    url = text(1000, WEB_ADDRESS, required=True, metadata={"example": "https://example.org/rc.pdf"})


class TenderInSchema(InputSchema):
    """A tender as its buyer writes it (a draft until published)."""

    reference = text(160, load_default="", metadata={"example": "2026-ESP-017"})
    title = text(300, validate.Length(min=3, error=_l("Au moins {min} caractères.")),
                 required=True)
    description = free_text(20_000, load_default="")
    procedure = text(40, PROCEDURE, load_default="", metadata={"example": "open"})
    published_on = fields.Date(load_default=None, allow_none=True)
    deadline = instant(load_default=None, allow_none=True,
                       metadata={"description": "When bids must be in (ISO 8601, timezone)."})
    documents = fields.List(fields.Nested(DocumentInSchema), load_default=list,
                            validate=validate.Length(max=50))


class PlaceInSchema(InputSchema):
    """Where a lot is performed: a postcode, a department, a NUTS code or coordinates (at
    least one); what is left out is found from what is given."""

    postcode = text(16, POSTCODE, load_default="")
    city = text(120, load_default="")
    department = text(3, DEPARTMENT, load_default="")
    nuts = text(5, NUTS, load_default="")
    latitude = coordinate(90, load_default=None, allow_none=True)
    longitude = coordinate(180, load_default=None, allow_none=True)


class CriterionInSchema(InputSchema):
    """An award criterion: its weights, when given, sum to 100 over the lot."""

    kind = choice(CriterionKind, required=True)
    name = text(300, load_default="")
    description = free_text(5_000, load_default="")
    weight = Percent(load_default=None, allow_none=True)


class LotInSchema(InputSchema):
    """A lot of a draft tender."""

    lot_id = text(32, LOT_ID, load_default=None, allow_none=True, metadata={
        "description": "Default: the next LOT-0001, LOT-0002... of the tender."})
    title = text(300, validate.Length(min=3, error=_l("Au moins {min} caractères.")),
                 required=True)
    description = free_text(20_000, load_default="")
    cpv = string_list(text(12), 50, load_default=list, metadata={
        "description": "CPV 2008 codes, the main one first (77310000 or 77310000-6)."})
    estimated_value_minor = Money(data_key="estimated_value", load_default=None,
                                  allow_none=True, metadata={"description": "Euros."})
    place = fields.Nested(PlaceInSchema, required=True)
    duration_days = fields.Integer(strict=True, load_default=None, allow_none=True,
                                   validate=validate.Range(min=1, max=36_500))
    reservation = choice(Reservation, load_default=Reservation.none.value)
    insertion_hours = count(load_default=None, allow_none=True)
    social_objectives = string_list(choice(SOCIAL_OBJECTIVES), len(SOCIAL_OBJECTIVES),
                                    load_default=list)
    criteria = fields.List(fields.Nested(CriterionInSchema), load_default=list,
                           validate=validate.Length(max=20))


class OnlyGiven:
    """A PATCH: the fields to change; those left out keep their value (no default fills
    them in). Nested objects given are checked whole (a criterion still needs its kind)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=tuple(self._declared_fields), **kwargs)


class TenderPatchSchema(OnlyGiven, TenderInSchema):
    """The tender's fields to change."""


class LotPatchSchema(OnlyGiven, LotInSchema):
    """The lot's fields to change (a place given replaces the whole place)."""
