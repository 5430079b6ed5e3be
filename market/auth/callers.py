"""API callers remembered between requests, forgotten as soon as an account or token changes.

Checking a bearer token costs a round trip to PostgreSQL on every request (an eighth of an
API call's CPU). A process may instead remember who a token belongs to, as long as it
learns at once of every change that could make that answer wrong:

- PostgreSQL notifies the channel ``intercoop_auth`` when ``users``, ``user_roles`` or
  ``api_tokens`` change, or a member's status (triggers of migrations 0005 and 0008),
  whichever process made the change;
  each process listens on its own connection and forgets everything it knows on each
  notification;
- a commit of this process that touched those tables forgets at once, without waiting for
  its own notification, so the next request here already sees the change;
- nothing is remembered while the listener is not connected (at start, after an error);
  a dead listening connection is noticed within a few seconds by a ping;
- an answer read before a change and stored after it is dropped (generation count), and
  nothing is kept longer than ``API_CALLER_CACHE_SECONDS`` in any case.

SQLite needs none of this: its reads cost no round trip.
"""

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from itertools import chain
from typing import TypeVar

import psycopg
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "intercoop_auth"
APPLICATION_NAME = "intercoop auth listener"
AUTH_TABLES = frozenset({"users", "user_roles", "api_tokens", "members"})
#: Of these tables, those where only a change of these columns matters (as the triggers say).
AUTH_COLUMNS = {"members": ("status",)}
#: The session flag set by a flush or statement that touched AUTH_TABLES.
_CHANGED = "intercoop_auth_changed"
#: Caches of this process, all forgotten when a commit here touches AUTH_TABLES.
_caches: "weakref.WeakSet[CallerCache]" = weakref.WeakSet()


class CallerCache:
    """Token hash -> caller, valid while this process listens to PostgreSQL's notifications."""

    #: How long the listener waits for a notification before checking it should stop.
    POLL_SECONDS = 1.0
    #: A listening connection that died without a word is found within this time.
    PING_SECONDS = 5.0
    RETRY_SECONDS = 1.0
    MAX_ENTRIES = 10_000

    def __init__(self, conninfo: str, seconds: float) -> None:
        self.conninfo = conninfo
        self.seconds = seconds
        self.generation = 0
        self._entries: dict[str, tuple[float, object]] = {}
        self._pid: int | None = None  # the process whose listener runs (gunicorn forks)
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        _caches.add(self)

    @property
    def listening(self) -> bool:
        """Whether changes are being heard of, so that answers may be kept."""
        return self._connected.is_set()

    def lookup(self, key: str, read: Callable[[str], T | None]) -> T | None:
        """What ``read(key)`` answers, remembered while nothing has changed since."""
        if self._pid != os.getpid():
            self._start()
        if self.listening:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > time.monotonic():
                return entry[1]
        generation = self.generation
        found = read(key)
        if found is not None:
            with self._lock:
                # Kept only if no change was heard of while it was read: it may predate it.
                if self.listening and generation == self.generation:
                    if len(self._entries) >= self.MAX_ENTRIES:
                        self._entries = {}
                    self._entries[key] = (time.monotonic() + self.seconds, found)
        return found

    def forget(self) -> None:
        """Drop every answer, and any answer being read now (it may predate the change)."""
        with self._lock:
            self.generation += 1
            self._entries = {}

    def wait_listening(self, timeout: float) -> bool:
        """Whether the listener is connected within ``timeout`` seconds."""
        if self._pid != os.getpid():
            self._start()
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Stop listening (within POLL_SECONDS) and remember nothing more."""
        self._stop.set()
        self._connected.clear()
        self.forget()

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits the parent's entries and flags but not its thread.
            self._pid = os.getpid()
            self._connected.clear()
            self.forget()
            threading.Thread(target=self._listen, name="auth-listener", daemon=True).start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5,
                                     application_name=APPLICATION_NAME) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if not _triggers_installed(conn):
                        log.warning("the triggers of migrations 0005 and 0008 are missing: "
                                    "API tokens are read on every request")
                        return
                    # Changes committed from now on will be heard of; older answers go.
                    self.forget()
                    self._connected.set()
                    self._follow(conn)
            except psycopg.Error as error:
                log.warning("not listening to %s, tokens are read every time: %s",
                            CHANNEL, error)
            finally:
                self._connected.clear()
                self.forget()
            self._stop.wait(self.RETRY_SECONDS)

    def _follow(self, conn: psycopg.Connection) -> None:
        pinged = time.monotonic()
        while not self._stop.is_set():
            for _notification in conn.notifies(timeout=self.POLL_SECONDS):
                self.forget()
            if time.monotonic() - pinged >= self.PING_SECONDS:
                conn.execute("SELECT 1")  # raises if the connection died silently
                pinged = time.monotonic()


def _triggers_installed(conn: psycopg.Connection) -> bool:
    """Whether every table of AUTH_TABLES notifies CHANNEL (migrations 0005 and 0008)."""
    names = [f"{table}_auth_changed" for table in sorted(AUTH_TABLES)]
    found = conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) "
                         "AND tgenabled <> 'D'", [names]).fetchone()[0]
    return found == len(names)


def forget_everywhere() -> None:
    """Forget what every cache of this process remembers."""
    for cache in list(_caches):
        cache.forget()


def _touches_auth(statement) -> bool:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) in AUTH_TABLES


def _changes_auth(instance, dirty: bool) -> bool:
    table = getattr(instance, "__tablename__", None)
    if table not in AUTH_TABLES:
        return False
    if not dirty or table not in AUTH_COLUMNS:
        return True
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in AUTH_COLUMNS[table])


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, _context) -> None:
    # After a flush the session still lists what it has just written, with its history.
    changed = chain(((i, False) for i in chain(session.new, session.deleted)),
                    ((i, True) for i in session.dirty))
    if any(_changes_auth(instance, dirty) for instance, dirty in changed):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_changes(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and _touches_auth(
            state.statement):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_everywhere()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session) -> None:
    session.info.pop(_CHANGED, None)
