"""Signed-in sessions the server knows: opened at login, ended at logout for good.

The session cookie is signed but lives in the browser: on its own, a copy of it would stay
valid after a logout. So each login opens a UserSession, named in the cookie by a random id
(stored hashed), and a request is signed in only while that session is open, not older
than the session lifetime, and its user active and at the same session version (a password
change moves the version on and ends every session).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from market.auth.models import User, UserSession
from market.platform.time import now_utc

#: Where the session's random id is kept in the (signed) cookie.
KEY = "_sid"


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(session, user: User, now: datetime | None = None) -> str:
    """Open a session for ``user``; return its random id (for the cookie, never stored)."""
    sid = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=_hash(sid), created_at=now or now_utc()))
    session.flush()
    return sid


def end_session(session, sid: str | None, now: datetime | None = None) -> None:
    """End the session ``sid`` names, if it is open."""
    if sid:
        session.execute(update(UserSession).where(UserSession.token_hash == _hash(sid),
                                                  UserSession.ended_at.is_(None))
                        .values(ended_at=now or now_utc()))


def end_every_session(session, user: User, now: datetime | None = None) -> None:
    """End all of ``user``'s open sessions (a password change)."""
    session.execute(update(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.ended_at.is_(None))
                    .values(ended_at=now or now_utc()))


def signed_in_user(session, user_id: int, version: str, sid: str | None,
                   lifetime_seconds: int, now: datetime | None = None) -> User | None:
    """The user of an open session of theirs, or None (ended, too old, another version)."""
    if not sid:
        return None
    since = (now or now_utc()) - timedelta(seconds=lifetime_seconds)
    user = session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == _hash(sid),
               UserSession.ended_at.is_(None), UserSession.created_at > since))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def prune(session, before: datetime) -> int:
    """Delete sessions that ended, or began, before ``before``; return how many."""
    return session.execute(delete(UserSession).where(or_(
        UserSession.ended_at < before, UserSession.created_at < before))).rowcount
