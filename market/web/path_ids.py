"""URL converters for ids, bounded like the columns they name, so that an id no column can
hold answers 404 instead of an overflow error from PostgreSQL."""

from ledger.lookups import MAX_ID as LEDGER_MAX_ID

#: Rows of the application's tables (INTEGER primary keys).
ROW_MAX_ID = 2**31 - 1
ROW_ID = f"int(min=1, max={ROW_MAX_ID})"
#: Ledger accounts and transfers (BIGINT ids).
LEDGER_ID = f"int(min=1, max={LEDGER_MAX_ID})"
