"""Schemas of a lot's advice and of the network's procurement settings, one per direction."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from market.members.fields import MESSAGES, InputSchema, Money, format_cents
from market.procurement.advice import RANGES

RESERVATIONS = "siae (L2113-13), disability (L2113-12), both or ess (L2113-15)"


def setting(name: str, description: str) -> fields.Integer:
    """A whole-number setting within the range its CHECK constraint allows."""
    low, high = RANGES[name]
    return fields.Integer(
        strict=True, validate=validate.Range(min=low, max=high,
                                             error=_l("Entre {min} et {max}.")),
        error_messages={**MESSAGES, "invalid": _l("Nombre entier attendu.")},
        metadata={"description": description})


def amount(name: str, description: str) -> Money:
    """Euros as a decimal string ("30.00") within the range the column allows."""
    low, high = RANGES[name]

    def within(cents: int) -> None:
        # A function rather than validate.Range: its bounds are cents, the message euros.
        if not low <= cents <= high:
            raise ValidationError(str(_l("Entre %(low)s et %(high)s.", low=format_cents(low),
                                         high=format_cents(high))))

    return Money(attribute=name, validate=within, error_messages=MESSAGES,
                 metadata={"description": description})


class SettingsUpdateSchema(InputSchema):
    """The settings a PATCH changes; absent ones stay as they are."""

    batch_size = setting("batch_size", "Structures notified per lot and per day.")
    enough_interested = setting("enough_interested",
                                "No more batches once this many structures are interested.")
    reserve_min_answers = setting("reserve_min_answers",
                                  "Advice: reserve a lot with at least this many eligible "
                                  "answers (structures and groupings) in its area.")
    clause_min_answers = setting("clause_min_answers",
                                 "Advice: an insertion clause when at least this many "
                                 "structures with insertion employees reach the lot.")
    labour_share_pct = setting("labour_share_pct", "Share of a lot's value that is labour.")
    insertion_share_pct = setting("insertion_share_pct",
                                  "Share of the labour given to insertion.")
    hourly_cost = amount("hourly_cost_minor", "Cost of an hour of insertion work, in euros.")
    catalogue_threshold = amount("catalogue_threshold_minor",
                                 "Largest catalogue purchase, in euros.")


class SettingsSchema(Schema):
    """The network's procurement settings (their defaults until an admin changes one)."""

    batch_size = fields.Integer()
    enough_interested = fields.Integer()
    reserve_min_answers = fields.Integer()
    clause_min_answers = fields.Integer()
    labour_share_pct = fields.Integer()
    insertion_share_pct = fields.Integer()
    hourly_cost = Money(attribute="hourly_cost_minor")
    catalogue_threshold = Money(attribute="catalogue_threshold_minor")
    currency = fields.String(metadata={"example": "EUR"})
    updated_at = fields.DateTime(allow_none=True, metadata={
        "description": "None while the defaults were never changed."})


class AnswersSchema(Schema):
    """Eligible answers (single structures and groupings) if the lot were reserved so."""

    siae = fields.Integer()
    disability = fields.Integer()
    both = fields.Integer()
    ess = fields.Integer()


class ThresholdsSchema(Schema):
    reserve_min_answers = fields.Integer()
    clause_min_answers = fields.Integer()
    labour_share_pct = fields.Integer()
    insertion_share_pct = fields.Integer()
    hourly_cost = Money(attribute="hourly_cost_cents")


class CurrentSchema(Schema):
    """The lot as it stands."""

    reservation = fields.String(metadata={"description": f"none, {RESERVATIONS}"})
    insertion_hours = fields.Integer(allow_none=True)
    estimated_value = Money(attribute="value_cents", allow_none=True, metadata={
        "description": "In euros; null when unknown or in another currency."})
    status = fields.String()


class AdviceSchema(Schema):
    """What the lot's area supports: reserve the lot, an insertion clause, or neither."""

    lot_id = fields.Integer()
    recommendation = fields.String(metadata={"description": "reserve, clause or neither"})
    reservation = fields.String(allow_none=True, metadata={
        "description": f"The reservation advised (reserve): {RESERVATIONS}."})
    insertion_hours = fields.Integer(allow_none=True, metadata={
        "description": "The clause's hours advised (clause)."})
    reasons = fields.List(fields.String(), metadata={
        "description": "Each figure and threshold, in the caller's language."})
    answers = fields.Nested(AnswersSchema)
    clause_structures = fields.Integer(metadata={
        "description": "Structures with insertion employees that reach the lot."})
    thresholds = fields.Nested(ThresholdsSchema)
    current = fields.Nested(CurrentSchema)
