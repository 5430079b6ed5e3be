"""Signing in with a password, limited per email and per address.

Two use cases, each its own transaction: ``start_login`` takes one use of both limits (or
refuses, writing nothing), and is committed before the password is looked at, so that no
lock is held while it is hashed and concurrent guesses are counted; ``finish_login`` checks
the password, records the attempt, gives the uses back when it succeeds (only failures
count) and prunes the email's old attempts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import delete
from werkzeug.security import check_password_hash

from market.auth import throttle
from market.auth.models import LoginAttempt, User
from market.auth.services import find_user, hash_password, normalise_email
from market.platform.time import now_utc
from market.web.errors import TooManyRequests, Unauthenticated

#: Attempts are kept this long for the record, then pruned.
ATTEMPTS_KEPT = timedelta(days=90)


class InvalidCredentials(Unauthenticated):
    """The email and password do not match an active user."""


class TooManyAttempts(TooManyRequests):
    """Too many failed sign-ins for this email or from this address."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """A sign-in under way: who, from where, when, and the limits' uses it took."""

    email: str
    ip: str
    at: datetime
    uses: tuple[throttle.Use, ...]


def limits(max_attempts: int, window_seconds: int) -> tuple[throttle.Limit, ...]:
    """The limits of a sign-in: per address, then per email."""
    return (throttle.Limit("login_ip", max_attempts, window_seconds),
            throttle.Limit("login_email", max_attempts, window_seconds))


def start_login(session, email: str, ip: str, *, max_attempts: int, window_seconds: int,
                now: datetime | None = None) -> Attempt:
    """Count a sign-in against its address and its email, or refuse it (nothing written)."""
    now = now or now_utc()
    email, ip = normalise_email(email)[:254], (ip or "")[:45]
    by_ip, by_email = limits(max_attempts, window_seconds)
    try:
        with session.begin_nested():  # both uses, or neither
            uses = (throttle.take(session, by_ip, ip, now),
                    throttle.take(session, by_email, email, now))
    except throttle.Exhausted as full:
        wait = max(1, int((full.retry_at - now).total_seconds()))
        raise TooManyAttempts(_("Trop de tentatives de connexion : réessayez dans %(n)d "
                                "minutes.", n=max(1, -(-wait // 60))), wait) from None
    return Attempt(email, ip, now, uses)


@cache
def _dummy_hash() -> str:
    # Checked against when the email is unknown, so both cases take the same time.
    return hash_password("intercoop-timing-equaliser")


def finish_login(session, attempt: Attempt, password: str) -> User:
    """Return the user the password signs in, or raise InvalidCredentials; record it."""
    user = find_user(session, attempt.email)
    matches = check_password_hash(user.password_hash if user else _dummy_hash(),
                                  password or "")
    ok = matches and user is not None and user.active
    session.add(LoginAttempt(email=attempt.email, ip=attempt.ip, succeeded=ok, at=attempt.at))
    if ok:
        for use in attempt.uses:  # only failures count
            throttle.give_back(session, use)
        session.execute(delete(LoginAttempt).where(
            LoginAttempt.email == attempt.email, LoginAttempt.at < attempt.at - ATTEMPTS_KEPT))
    session.flush()
    if matches and user is not None and not user.active:
        raise InvalidCredentials(_("Ce compte est désactivé."))
    if not ok:
        raise InvalidCredentials(_("Email ou mot de passe incorrect."))
    return user


def prune_attempts(session, before: datetime) -> int:
    """Delete sign-in attempts older than ``before``; return how many."""
    return session.execute(delete(LoginAttempt).where(LoginAttempt.at < before)).rowcount
