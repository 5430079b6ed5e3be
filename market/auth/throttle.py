"""Rate limits in fixed windows, taken and counted in one statement per key.

A key (an email, an IP address) has at most ``max_count`` uses per window of
``window_seconds``; a window opens with the first use after the previous one ended. A use
refused because the window is full changes nothing: it opens no window and counts nothing.
Taking a use is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` (PostgreSQL and SQLite
alike), so concurrent requests cannot slip past the limit between a count and an insert.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from market.auth.models import RateLimit
from market.platform.types import UTCDateTime

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Limit:
    """At most ``max_count`` uses of ``scope`` per key in each window of ``window_seconds``."""

    scope: str
    max_count: int
    window_seconds: int


@dataclass(frozen=True)
class Use:
    """A use taken of a limit: where and in which window, so that it can be given back."""

    limit: Limit
    key: str
    window_start: datetime


class Exhausted(Exception):
    """The key's window is full; ``retry_at`` is when it ends."""

    def __init__(self, limit: Limit, retry_at: datetime):
        super().__init__(limit.scope)
        self.limit = limit
        self.retry_at = retry_at


def take(session, limit: Limit, key: str, now: datetime) -> Use:
    """Take one use of ``limit`` for ``key`` at ``now``, or raise Exhausted (nothing changed)."""
    table = RateLimit.__table__
    at = bindparam("at", now, type_=UTCDateTime())
    ended = table.c.window_start <= bindparam(
        "opened_before", now - timedelta(seconds=limit.window_seconds), type_=UTCDateTime())
    insert = _INSERTS[session.get_bind().dialect.name](table)
    stmt = (insert.values(scope=limit.scope, key=key, window_start=at, count=1)
            .on_conflict_do_update(
                index_elements=[table.c.scope, table.c.key],
                set_={"window_start": case((ended, at), else_=table.c.window_start),
                      "count": case((ended, 1), else_=table.c.count + 1)},
                where=or_(ended, table.c.count < limit.max_count))
            .returning(table.c.window_start))
    started = session.execute(stmt).scalar()
    if started is None:
        start = session.get(RateLimit, (limit.scope, key)).window_start
        raise Exhausted(limit, start + timedelta(seconds=limit.window_seconds))
    return Use(limit, key, started)


def give_back(session, use: Use) -> None:
    """Return a use that turned out not to count (a successful sign-in), in its window only."""
    table = RateLimit.__table__
    session.execute(update(table).where(
        table.c.scope == use.limit.scope, table.c.key == use.key,
        table.c.window_start == use.window_start, table.c.count > 0)
        .values(count=table.c.count - 1))


def prune(session, before: datetime) -> int:
    """Forget windows opened before ``before`` (ended ones); return how many."""
    table = RateLimit.__table__
    return session.execute(delete(table).where(table.c.window_start < before)).rowcount
