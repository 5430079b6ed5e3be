"""Request and response schemas of the ledger's JSON API, one per direction.

Amounts are decimal strings: a JSON number is refused here (validation_error) and the
ledger judges the string itself (zero, negative or wrongly scaled: invalid_amount).
"""

import json
import re
from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate

from ledger.core.model import CURRENCY_KINDS, MAX_BATCH, MAX_POSTINGS, POST_RULES
from ledger.lookups import MAX_ID
from ledger.writer import MAX_TIMEOUT

MAX_PAGE = 500
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def stringify_keys(messages):
    """marshmallow indexes list items by int; JSON bodies want string keys throughout."""
    if isinstance(messages, dict):
        return {str(k): stringify_keys(v) for k, v in messages.items()}
    return messages


class InputSchema(Schema):
    """Input: unknown fields are refused; error keys are strings."""

    def handle_error(self, error, data, *, many, **kwargs):
        """Normalise the messages before the error leaves the schema."""
        error.messages = stringify_keys(error.messages)


#: Control characters (C0 and DEL): never in a one-line text; in free text, only line breaks
#: and tabs. NUL, which PostgreSQL cannot store, is one of them.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FREE_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(value: str) -> None:
    """Refuse control characters in a one-line text."""
    if CONTROL.search(value):
        raise ValidationError("Control characters are not allowed.")


def readable(value: str) -> None:
    """Refuse control characters in free text, line breaks and tabs aside."""
    if FREE_TEXT_CONTROL.search(value):
        raise ValidationError("Control characters are not allowed.")


def text(low: int, high: int, free: bool = False, **kwargs) -> fields.String:
    """A string of `low` to `high` characters without control characters (`free`: line
    breaks and tabs allowed)."""
    return fields.String(validate=[validate.Length(min=low, max=high),
                                   readable if free else printable], **kwargs)


def small_json(value: dict) -> None:
    """Keep metadata small (4,000 characters of JSON), plain JSON (no NaN) and its texts
    free of control characters."""
    try:
        size = len(json.dumps(value, allow_nan=False))
    except ValueError:
        raise ValidationError("Plain JSON only (no NaN or Infinity).") from None
    if size > 4000:
        raise ValidationError("At most 4,000 characters of JSON.")
    stack = [value]
    while stack:  # the body's depth is bounded (market.web.jsonbody): a short walk
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and FREE_TEXT_CONTROL.search(item):
            raise ValidationError("Control characters are not allowed.")


def account_id(**kwargs) -> fields.Integer:
    """An account named by integer id (a JSON number, never a string)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def amount(**kwargs) -> fields.String:
    """A decimal string with exactly the currency's scale ("12.50"); never a number."""
    return text(1, 40, metadata={"example": "12.50", "description": "Decimal string with "
                                   "exactly the currency's scale."}, **kwargs)


def in_range(value: datetime) -> None:
    """Refuse instants the databases cannot compare safely."""
    if not EARLIEST <= value < LATEST:
        raise ValidationError("Between 1970 and 9998.")


def instant(**kwargs) -> fields.AwareDateTime:
    """An ISO 8601 instant with its timezone."""
    return fields.AwareDateTime(format="iso", validate=in_range, **kwargs)


def timestamp(**kwargs) -> fields.String:
    """An ISO 8601 instant as the ledger writes it."""
    return fields.String(metadata={"format": "date-time"}, **kwargs)


class CurrencyInSchema(InputSchema):
    code = text(1, 16, required=True)
    name = text(1, 100, required=True)
    scale = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=18))
    kind = fields.String(required=True, validate=validate.OneOf(CURRENCY_KINDS))


class CurrencySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    scale = fields.Integer(required=True)
    kind = fields.String(required=True)
    created_at = timestamp(required=True)


class CurrencyListSchema(Schema):
    items = fields.List(fields.Nested(CurrencySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class AccountInSchema(InputSchema):
    """A new account; an omitted min_balance is "0.00", an explicit null is unbounded."""

    currency = text(1, 16, required=True)
    name = text(1, 200, required=True)
    owner_member_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                     validate=validate.Range(min=1, max=2**31 - 1),
                                     metadata={"description": "Null for a system account."})
    min_balance = text(1, 40, allow_none=True,
                       metadata={"example": "-500.00",
                                 "description": "Omitted: 0 (no overdraft); null: unbounded."})
    max_balance = text(1, 40, allow_none=True,
                       metadata={"description": "Omitted or null: unbounded."})


class AccountSchema(Schema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    name = fields.String(required=True)
    owner_ref = fields.String(allow_none=True, required=True)
    owner_member_id = fields.Integer(allow_none=True, required=True)
    status = fields.String(required=True)
    balance = fields.String(required=True)
    pending_debits = fields.String(required=True)
    pending_credits = fields.String(required=True)
    available = fields.String(allow_none=True, required=True,
                              metadata={"description": "Null when min_balance is unbounded."})
    min_balance = fields.String(allow_none=True, required=True)
    max_balance = fields.String(allow_none=True, required=True)
    posted_debits = fields.String(required=True)
    posted_credits = fields.String(required=True)
    created_at = timestamp(required=True)


class AccountQueryArgsSchema(InputSchema):
    member = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "Accounts of this member."})
    currency = text(1, 16)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = text(0, 200, load_default=None)


class AccountPageSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


PostingInSchema = InputSchema.from_dict({
    "from": account_id(required=True, metadata={"description": "Account debited."}),
    "to": account_id(required=True, metadata={"description": "Account credited."}),
    "amount": amount(required=True),
    "currency": text(1, 16),
}, name="PostingInSchema")


class TransferInSchema(InputSchema):
    postings = fields.List(fields.Nested(PostingInSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_POSTINGS))
    description = text(0, 500, free=True, load_default="")
    reference = text(1, 128, load_default=None, allow_none=True)
    metadata = fields.Dict(keys=text(1, 100), load_default=dict, validate=small_json)
    pending = fields.Boolean(load_default=False)
    timeout_seconds = fields.Integer(strict=True, load_default=None, allow_none=True,
                                     validate=validate.Range(min=1, max=MAX_TIMEOUT))
    post_by = fields.String(load_default=None, allow_none=True,
                            metadata={"enum": list(POST_RULES), "description":
                                      "A hold's rule for who may post it: the one who "
                                      "placed it (default), the debited side (a buyer "
                                      "confirming delivery) or the credited side (a payee "
                                      "capturing). Only its placer, or the network, voids "
                                      "it."})


PostingSchema = Schema.from_dict({
    "from": fields.Integer(required=True), "to": fields.Integer(required=True),
    "amount": fields.String(required=True), "currency": fields.String(required=True),
}, name="PostingSchema")


class TransferSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True,
                           metadata={"enum": ["pending", "posted", "voided", "expired"]})
    pending = fields.Boolean(required=True)
    postings = fields.List(fields.Nested(PostingSchema), required=True)
    description = fields.String(required=True)
    reference = fields.String(allow_none=True, required=True)
    metadata = fields.Dict(required=True)
    expires_at = timestamp(allow_none=True, required=True)
    reverses = fields.Integer(allow_none=True, required=True)
    reversed_by = fields.Integer(allow_none=True, required=True)
    created_at = timestamp(required=True)
    posted_at = timestamp(allow_none=True, required=True)
    hash = fields.String(required=True)
    placed_by = fields.String(allow_none=True, required=True,
                              metadata={"description": "Who made it (user:<id>)."})
    post_by = fields.String(allow_none=True, required=True,
                            metadata={"enum": [*POST_RULES, None]})


class TransferQueryArgsSchema(InputSchema):
    account = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    start = instant(data_key="from", metadata={"description": "Created at or after."})
    end = instant(data_key="to", metadata={"description": "Created before."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = text(0, 200, load_default=None)


class TransferPageSchema(Schema):
    items = fields.List(fields.Nested(TransferSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class BatchInSchema(InputSchema):
    transfers = fields.List(fields.Nested(TransferInSchema), required=True,
                            validate=validate.Length(min=1, max=MAX_BATCH))
    atomic = fields.Boolean(load_default=True)


class BatchSchema(Schema):
    items = fields.List(fields.Nested(TransferSchema), required=True)


class ItemErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class BatchItemSchema(Schema):
    ok = fields.Boolean(required=True)
    transfer = fields.Nested(TransferSchema)
    error = fields.Nested(ItemErrorSchema)


class BatchResultSchema(Schema):
    items = fields.List(fields.Nested(BatchItemSchema), required=True)


class PeriodArgsSchema(InputSchema):
    start = instant(data_key="from", metadata={"description": "Posted at or after."})
    end = instant(data_key="to", metadata={"description": "Posted before."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE),
                           metadata={"description": "Lines per page (1 to 500)."})
    cursor = text(0, 200, load_default=None,
                  metadata={"description": "next_cursor of the previous page."})


class StatementLineSchema(Schema):
    transfer_id = fields.Integer(required=True)
    posted_at = timestamp(required=True)
    description = fields.String(required=True)
    reference = fields.String(allow_none=True, required=True)
    amount = fields.String(required=True, metadata={"description": "Signed: credits > 0."})
    balance = fields.String(required=True, metadata={"description": "Running balance."})


class StatementSchema(Schema):
    account = fields.Nested(AccountSchema, required=True)
    start = timestamp(attribute="from", data_key="from", allow_none=True, required=True)
    end = timestamp(attribute="to", data_key="to", allow_none=True, required=True)
    opening_balance = fields.String(required=True,
                                    metadata={"description": "Before the page's first line."})
    lines = fields.List(fields.Nested(StatementLineSchema), required=True)
    closing_balance = fields.String(required=True,
                                    metadata={"description": "After the page's last line."})
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "Null on the last page."})


class TrialArgsSchema(InputSchema):
    currency = text(1, 16)


class TrialLineSchema(Schema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True)
    currency = fields.String(required=True)
    debits = fields.String(required=True)
    credits = fields.String(required=True)
    balance = fields.String(required=True)


class TrialTotalSchema(Schema):
    currency = fields.String(required=True)
    debits = fields.String(required=True)
    credits = fields.String(required=True)
    balance = fields.String(required=True, metadata={"description": "Always 0."})


class TrialBalanceSchema(Schema):
    items = fields.List(fields.Nested(TrialLineSchema), required=True)
    totals = fields.List(fields.Nested(TrialTotalSchema), required=True)
