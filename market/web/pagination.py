"""Paginated lists, shared by every domain: ``?limit=&cursor=`` -> ``{items, next_cursor}``.

Pages are keyset-paginated: the cursor is an opaque token holding the sort key of the last
item returned, so a page is found with an index seek whatever its depth, and rows inserted
meanwhile neither shift nor repeat items.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy import BigInteger, and_, or_
from sqlalchemy.sql import Select

from market.web.errors import ValidationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgsSchema(Schema):
    """Query arguments of every list: how many items, and where to resume."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT,
                                                   error=_l("Entre {min} et {max}.")),
                           metadata={"description": f"Items per page (1 to {MAX_LIMIT})."})
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "next_cursor of the previous page."})


def page_schema(item_schema: type[Schema], name: str | None = None) -> type[Schema]:
    """Return the response schema ``{"items": [item...], "next_cursor": str|null}``."""
    attrs = {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(allow_none=True, required=True,
                                     metadata={"description": "Null on the last page."}),
    }
    name = name or item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), attrs)


@dataclass(frozen=True)
class Page:
    """One page of results and the cursor of the next page (None on the last one)."""

    items: list
    next_cursor: str | None


def encode_cursor(key: list) -> str:
    """Turn a sort key into an opaque, URL-safe token."""
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sorted_by_value: bool, max_id: int = 2**63 - 1) -> list:
    """Read a token made by encode_cursor; refuse anything else with a validation error."""
    return decode_key(cursor, (str, int) if sorted_by_value else (int,), max_id)


def decode_key(cursor: str, shape: tuple[type, ...], max_id: int = 2**63 - 1) -> list:
    """Read a token made by encode_cursor whose key has ``shape`` (its types, in order), its
    ints ids from 0 to ``max_id`` and its texts without NUL; refuse anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        key = None
    if not (isinstance(key, list) and len(key) == len(shape)
            and all(type(k) is t for k, t in zip(key, shape, strict=True))
            and all(0 <= k <= max_id for k in key if type(k) is int)
            and all("\x00" not in k for k in key if type(k) is str)):
        raise ValidationError({"cursor": [_("Curseur de pagination invalide.")]})
    return key


def paginate(session, stmt: Select, id_column, *, limit: int = DEFAULT_LIMIT,
             cursor: str | None = None, sort_column=None) -> Page:
    """Run ``stmt`` (selecting one entity) for one page, ordered by ``sort_column`` then id.

    Without ``sort_column`` the keyset is the id alone. ``sort_column`` must be a non-null
    string column.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        # A forged id wider than the column would make PostgreSQL fail rather than refuse.
        max_id = 2**63 - 1 if isinstance(id_column.type, BigInteger) else 2**31 - 1
        key = decode_cursor(cursor, sort_column is not None, max_id)
        if sort_column is None:
            stmt = stmt.where(id_column > key[0])
        else:
            stmt = stmt.where(or_(sort_column > key[0],
                                  and_(sort_column == key[0], id_column > key[1])))
    order = [id_column] if sort_column is None else [sort_column, id_column]
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(_sort_key(last, id_column, sort_column))
    return Page(items, next_cursor)


def _sort_key(row: Any, id_column, sort_column) -> list:
    """Read the keyset values of ``row`` (an entity) from its mapped attributes."""
    key = [getattr(row, id_column.key)]
    if sort_column is not None:
        key.insert(0, getattr(row, sort_column.key))
    return key
