"""API tokens: random, shown once, stored as a SHA-256 hash, revocable."""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, or_, select, update

from market.auth.models import ApiToken, SignedInUser, User, UserRole
from market.members.models import Member
from market.platform.time import now_utc
from market.platform.types import UTCDateTime

TOKEN_PREFIX = "ic_"
#: Largest id an integer primary key can hold (PostgreSQL integer); larger ones do not exist.
MAX_ID = 2**31 - 1
#: URL converter for ids: a larger number is a 404, not an overflow in the database driver.
ID_CONVERTER = f"int(max={MAX_ID})"

_tokens, _users, _roles = ApiToken.__table__, User.__table__, UserRole.__table__
_members = Member.__table__
#: A live token's user and roles, with each role's member status, in one statement (one row
#: per role): revocation, deactivation and suspension are read on every request (or, on
#: PostgreSQL, forgotten the moment they change), so they take effect at once.
_CALLER = (
    select(_users.c.id, _users.c.email, _users.c.name, _users.c.locale,
           _users.c.session_version, _tokens.c.id, _tokens.c.can_create_tokens,
           _tokens.c.expires_at, _roles.c.role, _roles.c.member_id, _members.c.status)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id)
                 .outerjoin(_roles, _roles.c.user_id == _users.c.id)
                 .outerjoin(_members, _members.c.id == _roles.c.member_id))
    .where(_tokens.c.token_hash == bindparam("token_hash"), _tokens.c.revoked_at.is_(None),
           or_(_tokens.c.expires_at.is_(None),
               _tokens.c.expires_at > bindparam("now", type_=UTCDateTime())),
           _users.c.active.is_(True))
)


@dataclass(frozen=True, slots=True)
class Grant:
    """A role held by a token's user (``member_id`` None for network roles)."""

    role: str
    member_id: int | None
    member_status: str | None = None


@dataclass(frozen=True, eq=False)
class TokenUser(SignedInUser):
    """The user an API call's token belongs to, read with the token (no ORM object).

    It answers what API views ask of a user (id, email, name, locale, roles); views that
    need the ORM row load it by ``id``.
    """

    id: int
    email: str
    name: str
    locale: str
    session_version: int
    roles: tuple[Grant, ...] = ()
    active: bool = True
    #: The token the call was made with: its id, whether it may create tokens, its expiry.
    token_id: int | None = None
    can_create_tokens: bool = False
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        """Whether the token has expired by ``now`` (a remembered caller may outlive it)."""
        return self.expires_at is not None and self.expires_at <= now


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session, user, name: str = "", expires_at: datetime | None = None,
                can_create_tokens: bool = False) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return the row and the plaintext (never stored)."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # A TokenUser (a token creating a token) is no ORM object: link the row by id.
    owner = {"user": user} if isinstance(user, User) else {"user_id": user.id}
    token = ApiToken(name=name[:100], prefix=plaintext[:10], token_hash=hash_token(plaintext),
                     expires_at=expires_at, can_create_tokens=can_create_tokens, **owner)
    session.add(token)
    return token, plaintext


def user_for_token(read_rows, plaintext: str, callers=None) -> TokenUser | None:
    """Return the active user a live token belongs to, with their roles, or None.

    ``read_rows(statement, params)`` runs the one query (market.platform.connection.read_rows);
    ``callers``, a market.auth.callers.CallerCache, may answer without it.
    """
    if not plaintext.startswith(TOKEN_PREFIX):
        return None

    now = now_utc()

    def read(token_hash: str) -> TokenUser | None:
        return _caller(read_rows(_CALLER, {"token_hash": token_hash, "now": now}))

    token_hash = hash_token(plaintext)
    found = callers.lookup(token_hash, read) if callers is not None else read(token_hash)
    return None if found is None or found.expired(now) else found


def _caller(rows: list[tuple]) -> TokenUser | None:
    if not rows:
        return None
    user_id, email, name, locale, session_version, token_id, can_create, expires = rows[0][:8]
    grants = tuple(Grant(role, member_id, status) for *_user, role, member_id, status in rows
                   if role is not None)
    return TokenUser(user_id, email, name, locale, session_version, grants,
                     token_id=token_id, can_create_tokens=bool(can_create),
                     expires_at=_aware(expires))


def _aware(value: datetime | None) -> datetime | None:
    """A timestamp as read, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Token id -> when this process last wrote its last use (time.monotonic()).
_touched: dict[int, float] = {}
#: A token's last use is written at most this often, to the database and by each process.
TOUCH_SECONDS = 60
_TOUCH = (update(_tokens).where(_tokens.c.id == bindparam("token_id"),
                                or_(_tokens.c.last_used_at.is_(None),
                                    _tokens.c.last_used_at <= bindparam("since",
                                                                        type_=UTCDateTime())))
          .values(last_used_at=bindparam("now", type_=UTCDateTime())))


def touch(write, token_id: int) -> None:
    """Record that a token was just used, at most once a minute (``write(statement,
    params)`` runs one statement on its own: market.platform.connection.write)."""
    moment = time.monotonic()
    last = _touched.get(token_id)
    if last is not None and moment - last < TOUCH_SECONDS:
        return
    if len(_touched) > 10_000:
        _touched.clear()
    _touched[token_id] = moment
    now = now_utc()
    write(_TOUCH, {"token_id": token_id, "now": now,
                   "since": now - timedelta(seconds=TOUCH_SECONDS)})


def revoke_token(session, user, token_id: int) -> ApiToken | None:
    """Revoke one of ``user``'s tokens; return it, or None if it is not theirs."""
    token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = now_utc()
    return token
