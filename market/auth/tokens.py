"""API tokens: random, shown once, stored as a SHA-256 hash, revocable."""

import hashlib
import secrets

from sqlalchemy import select

from market.auth.models import ApiToken, User
from market.timeutil import now_utc

TOKEN_PREFIX = "ic_"
#: Largest id an integer primary key can hold (PostgreSQL integer); larger ones do not exist.
MAX_ID = 2**31 - 1
#: URL converter for ids: a larger number is a 404, not an overflow in the database driver.
ID_CONVERTER = f"int(max={MAX_ID})"


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; return the row and the plaintext (never stored)."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], prefix=plaintext[:10],
                     token_hash=hash_token(plaintext))
    session.add(token)
    return token, plaintext


def user_for_token(session, plaintext: str) -> User | None:
    """Return the active user a live token belongs to, or None."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user


def revoke_token(session, user: User, token_id: int) -> ApiToken | None:
    """Revoke one of ``user``'s tokens; return it, or None if it is not theirs."""
    token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = now_utc()
    return token
