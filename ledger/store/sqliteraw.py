"""The general path's hot reads and writes on SQLite, run on the driver's own connection.

SQLAlchemy's execution layer (compiled-cache lookup, execution context, result set-up)
cost more CPU than SQLite itself for these one-row statements: the single writer made
800-900 transfers/s through it against 1,900-2,100 for the same statements on sqlite3.
Here each statement is plain SQL built once from the table definitions; values go through
the columns' own converters (the very functions SQLAlchemy would apply, so rows read back
through SQLAlchemy are identical), and driver errors come out wrapped as SQLAlchemy's, so
retries and unique-violation mapping work as on the Core path. The statements run inside
the transaction (or savepoint) that SQLAlchemy opened on the same connection.
"""

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from ledger.store.tables import accounts, currencies

_LOCK_COLUMNS = ("id", "currency", "status", "min_balance", "max_balance", "posted_debits",
                 "posted_credits", "pending_debits", "pending_credits", "hold_expires_at")
_SUMS = ("posted_debits", "posted_credits", "pending_debits", "pending_credits")
_UPDATE_SQL = (f"UPDATE {accounts.name} SET "
               + ", ".join(f"{name} = {name} + ?" for name in _SUMS)
               + ", hold_expires_at = ? WHERE id = ?")


def _run(conn: Connection, sql: str, params, many: bool = False) -> sqlite3.Cursor:
    """Execute on the driver connection; driver errors become SQLAlchemy's DBAPIError."""
    driver = conn.connection.driver_connection
    try:
        return driver.executemany(sql, params) if many else driver.execute(sql, params)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, params, error, sqlite3.Error,
                                  dialect=conn.dialect) from error


@lru_cache(maxsize=64)
def _converters(dialect: Dialect, table: Table, names: tuple[str, ...]
                ) -> tuple[Callable | None, ...]:
    # dialect_impl: the type as this dialect stores it (SQLite keeps datetimes as text).
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                 for name in names)


@lru_cache(maxsize=64)
def _insert_sql(table: Table, names: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})")


@lru_cache(maxsize=64)
def _lock_sql(count: int) -> str:
    columns = ", ".join(f"a.{name}" for name in _LOCK_COLUMNS)
    return (f"SELECT {columns}, c.scale FROM {accounts.name} a JOIN {currencies.name} c "
            f"ON c.code = a.currency WHERE a.id IN ({', '.join('?' * count)}) ORDER BY a.id")


def _values(converters: Sequence[Callable | None], values: Iterable) -> tuple:
    return tuple(value if convert is None or value is None else convert(value)
                 for convert, value in zip(converters, values, strict=True))


def lock_accounts(conn: Connection, ids: list[int]) -> list[tuple]:
    """The rows repo.lock_accounts reads (SQLite: the database lock is already held)."""
    rows = _run(conn, _lock_sql(len(ids)), ids).fetchall()
    expires = _hold_expiry_reader(conn.dialect)
    return [(*row[:9], expires(row[9]) if row[9] is not None else None, row[10])
            for row in rows]


@lru_cache(maxsize=8)
def _hold_expiry_reader(dialect: Dialect) -> Callable:
    column_type = accounts.c.hold_expires_at.type.dialect_impl(dialect)
    return column_type.result_processor(dialect, None) or (lambda value: value)


def insert(conn: Connection, table: Table, rows: list[dict], returning_ids: bool = False
           ) -> list[int]:
    """Insert rows that all carry the same keys; return their ids in order if asked."""
    if not rows:
        return []
    names = tuple(rows[0])
    sql = _insert_sql(table, names)
    converters = _converters(conn.dialect, table, names)
    values = [_values(converters, (row[name] for name in names)) for row in rows]
    if not returning_ids:
        _run(conn, sql, values, many=True)
        return []
    # SQLite's executemany returns no rows: one statement per row, ids in order.
    return [_run(conn, f"{sql} RETURNING id", row).fetchone()[0] for row in values]


def update_accounts(conn: Connection, rows: list[tuple]) -> None:
    """Add (posted debits, posted credits, pending debits, pending credits) to accounts and
    set their hold expiry: rows of (id, four sums, hold_expires_at)."""
    converters = _converters(conn.dialect, accounts, (*_SUMS, "hold_expires_at", "id"))
    _run(conn, _UPDATE_SQL, [_values(converters, (*row[1:], row[0])) for row in rows],
         many=True)
