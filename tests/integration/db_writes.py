"""What a request wrote: every row of every table before and after, compared."""

from contextlib import contextmanager

from sqlalchemy import inspect, text

#: Written by any call made with an API token, allowed or refused, at most once a minute:
#: the token's last use, not what the request did.
TOKEN_USE = ("api_tokens.last_used_at",)


def database_rows(db, skip=()) -> dict[str, list[str]]:
    """Every row of every table (the schema version aside), to tell what a request wrote;
    without the ``skip`` columns ("table.column")."""
    rows = {}
    with db.engine.connect() as conn:
        for name in sorted(set(inspect(conn).get_table_names()) - {"alembic_version"}):
            hidden = {column for table, _dot, column in (s.partition(".") for s in skip)
                      if table == name}
            result = conn.execute(text(f'SELECT * FROM "{name}"')).mappings()
            rows[name] = sorted(repr([(k, v) for k, v in row.items() if k not in hidden])
                                for row in result)
    return rows


def written(before: dict, after: dict) -> set[str]:
    """The tables whose rows differ between two ``database_rows``."""
    return {name for name in before.keys() | after.keys()
            if before.get(name) != after.get(name)}


@contextmanager
def writes(db, *tables: str, skip=TOKEN_USE):
    """Check that what runs in the block writes in exactly ``tables`` (none: nothing at all,
    in any table), the token's last use aside."""
    before = database_rows(db, skip)
    yield
    changed = written(before, database_rows(db, skip))
    assert changed == set(tables), f"wrote in {sorted(changed)}, expected {sorted(tables)}"
    db.session.expire_all()  # what the test reads next comes from the database


def nothing_written(db, skip=TOKEN_USE):
    """Check that what runs in the block writes nothing in any table."""
    return writes(db, skip=skip)
