"""A statement's pages: the cursor of the next one names where the last line stands."""

from datetime import datetime

from flask_babel import gettext as _

from ledger.lookups import MAX_ID
from market.web.errors import ValidationError
from market.web.pagination import decode_key, encode_cursor


def statement_cursor(key: tuple | None) -> str | None:
    """The cursor of a statement's next page: where its last line stands."""
    return None if key is None else encode_cursor([key[0].isoformat(), key[1], key[2]])


def statement_key(cursor: str | None) -> tuple | None:
    """The line a statement cursor names (posted_at, transfer id, posting id)."""
    if not cursor:
        return None
    at, transfer_id, posting_id = decode_key(cursor, (str, int, int), MAX_ID)
    try:
        posted_at = datetime.fromisoformat(at)
    except ValueError:
        posted_at = None
    if posted_at is None or posted_at.tzinfo is None:
        raise ValidationError({"cursor": [_("Curseur de pagination invalide.")]})
    return posted_at, transfer_id, posting_id
