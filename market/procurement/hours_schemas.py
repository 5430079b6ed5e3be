"""Request and response schemas of the insertion hours API (reports, reviews, totals) and
of the facilitators' territories."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from market.members.fields import InputSchema, choice, string_list, text
from market.procurement.contract_models import PersonCategory, ReportStatus
from market.web.pagination import PageArgsSchema, page_schema

#: ASCII digits only: ``\d`` would let other scripts' digits through.
HOURS_PATTERN = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")
#: The largest report the database accepts (hours_reports' hours_range).
MAX_HOURS = Decimal(100_000)
MAX_ID = 2**31 - 1


class Hours(fields.String):
    """Hours as a decimal string with at most two decimals ("151.67"), read as a Decimal
    above zero; a JSON number is refused (floats cannot hold every value exactly)."""

    default_error_messages = {
        "invalid": _l("Heures attendues sous forme de texte, au plus deux décimales, par "
                      "exemple \"151.67\"."),
        "range": _l("Entre 0.01 et 100000 heures."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"pattern": HOURS_PATTERN.pattern, "example": "151.67"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if not isinstance(value, str) or not HOURS_PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        try:
            hours = Decimal(value)
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not 0 < hours <= MAX_HOURS:
            raise self.make_error("range")
        return hours


class Month(fields.String):
    """A calendar month written "2026-11", read as its first day."""

    default_error_messages = {"invalid": _l("Mois attendu sous la forme AAAA-MM, par exemple "
                                            "\"2026-11\".")}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"pattern": MONTH_PATTERN.pattern, "example": "2026-11"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        found = MONTH_PATTERN.fullmatch(value) if isinstance(value, str) else None
        if found is None or not (2000 <= int(found[1]) <= 2999 and 1 <= int(found[2]) <= 12):
            raise self.make_error("invalid")
        return date(int(found[1]), int(found[2]), 1)


# -- requests ---------------------------------------------------------------------------------

class HoursMemberArgsSchema(Schema):
    """For callers acting for several members: which one."""

    member = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                            metadata={"description": "The member acted for, when the caller "
                                      "acts for several."})


class HoursReportInSchema(InputSchema):
    """Hours worked on a contract in an ended month by people of one category (no names)."""

    month = Month(required=True)
    category = choice(PersonCategory, required=True, metadata={
        "description": ", ".join(c.value for c in PersonCategory)})
    hours = Hours(required=True)
    people = fields.Integer(strict=True, load_default=1,
                            validate=validate.Range(min=1, max=10_000,
                                                    error=_l("Entre {min} et {max}.")),
                            metadata={"description": "How many people worked them."})


class HoursValidateInSchema(InputSchema):
    """A facilitator's validation, with a remark if they like."""

    comment = text(2000, load_default="")


class HoursQuestionInSchema(InputSchema):
    """A facilitator's question on a report: what is wrong with it."""

    comment = text(2000, validate.Length(min=1, error=_l("Dites ce qui pose question.")),
                   required=True)


class DepartmentsInSchema(InputSchema):
    """The departments a facilitator follows (replacing those they did)."""

    departments = string_list(text(3), 120, required=True,
                              metadata={"example": ["17", "79"]})


class FacilitatorReportsArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in ReportStatus]),
                           metadata={"description": "submitted, validated or questioned"})


# -- responses --------------------------------------------------------------------------------

class HoursPartySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class HoursLotSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    department = fields.String()


class HoursReportSchema(Schema):
    """A report of insertion hours and where its review stands."""

    id = fields.Integer()
    contract_id = fields.Integer()
    lot = fields.Nested(HoursLotSchema)
    member = fields.Nested(HoursPartySchema, metadata={"description": "The structure that "
                                                  "worked them."})
    month = fields.String(metadata={"example": "2026-11"})
    category = fields.String()
    hours = fields.String(metadata={"example": "151.67"})
    people = fields.Integer()
    status = fields.String(metadata={"description": "submitted, validated or questioned"})
    comment = fields.String(metadata={"description": "The facilitator's question or remark."})
    reviewed_at = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)


HoursReportPageSchema = page_schema(HoursReportSchema)


class CategoryHoursSchema(Schema):
    reported = fields.String(metadata={"example": "151.67"})
    validated = fields.String(metadata={"example": "151.67"})


def by_category() -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(CategoryHoursSchema),
                       metadata={"description": "Hours by category of people."})


class MonthHoursSchema(Schema):
    month = fields.String(metadata={"example": "2026-11"})
    reported = fields.String()
    validated = fields.String()
    cumulated_reported = fields.String()
    cumulated_validated = fields.String()
    by_category = by_category()


class ContractHoursSchema(Schema):
    """A contract's insertion hours month by month against the hours committed."""

    contract_id = fields.Integer()
    lot_title = fields.String()
    department = fields.String()
    committed = fields.String(metadata={"example": "600.00"})
    reported_total = fields.String()
    validated_total = fields.String()
    months = fields.List(fields.Nested(MonthHoursSchema))
    reports = fields.List(fields.Nested(HoursReportSchema))


class ContractTotalsSchema(Schema):
    """A contract's committed, reported and validated hours."""

    contract_id = fields.Integer()
    lot = fields.Nested(HoursLotSchema)
    buyer = fields.Nested(HoursPartySchema)
    holder = fields.Nested(HoursPartySchema)
    committed = fields.String()
    reported = fields.String()
    validated = fields.String()
    by_category = by_category()


ContractTotalsPageSchema = page_schema(ContractTotalsSchema)


class HoursTotalsSchema(Schema):
    committed = fields.String()
    reported = fields.String()
    validated = fields.String()
    by_category = by_category()


class BuyerHoursSchema(Schema):
    """A buyer's contracts with their hours, and the totals."""

    member = fields.Nested(HoursPartySchema)
    items = fields.List(fields.Nested(ContractTotalsSchema))
    totals = fields.Nested(HoursTotalsSchema)


class FacilitatorDepartmentSchema(Schema):
    code = fields.String(metadata={"example": "17"})
    name = fields.String(metadata={"example": "Charente-Maritime"})


class FacilitatorSchema(Schema):
    """The departments a clause facilitator follows."""

    user_id = fields.Integer()
    departments = fields.List(fields.Nested(FacilitatorDepartmentSchema))
