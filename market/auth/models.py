"""Users, their roles, API tokens and login attempts."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.auth.roles import MEMBER_SCOPED, Role, allows
from market.members.models import Member, MemberStatus
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class SignedInUser:
    """What any signed-in user answers: flask-login's protocol and questions about roles.

    Subclasses provide ``id``, ``active``, ``session_version`` and ``roles`` (items with
    ``role``, ``member_id`` and ``member_status``). A role held for a member counts only as
    far as the member's status allows (market.auth.roles.STANDING): reading needs
    ``acting="read"``, anything that changes something the default ``acting="write"``.
    """

    # flask-login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def holds_role(self, role: Role, member_id: int | None = None) -> bool:
        """Tell whether ``role`` was granted (for ``member_id``), whatever the member's status."""
        return any(r.role == role and (member_id is None or r.member_id == member_id)
                   for r in self.roles)

    def has_role(self, role: Role, member_id: int | None = None, acting: str = "write") -> bool:
        """Tell whether the user may act with ``role`` (for ``member_id`` when member-scoped)."""
        return any(r.role == role and (member_id is None or r.member_id == member_id)
                   and allows(r.member_status, acting) for r in self.roles)

    def member_ids(self, *roles: Role, acting: str = "write") -> set[int]:
        """Return the members for which the user may act with any of ``roles`` (all member
        roles by default)."""
        wanted = set(roles) or MEMBER_SCOPED
        return {r.member_id for r in self.roles if r.role in wanted and r.member_id
                and allows(r.member_status, acting)}

    def claimed_member_ids(self) -> set[int]:
        """Return the members the user belongs to, whether approved yet or not (rejected ones
        aside): whose profile they see, even pending."""
        return {r.member_id for r in self.roles if r.member_id
                and r.member_status != MemberStatus.rejected}


class User(SignedInUser, db.Model):
    """A person who signs in; what they may do comes from their roles."""

    __tablename__ = "users"

    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login, stored lower-cased.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Display name.
    name: Mapped[str] = mapped_column(String(200), default="")
    #: werkzeug scrypt hash; never the password itself.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Preferred interface language (fr or en).
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    #: Deactivated users cannot sign in nor use their tokens.
    active: Mapped[bool] = mapped_column(default=True)
    #: When the account was created.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: Changes when the password changes, so older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")


class UserRole(db.Model):
    """One role held by a user, scoped to a member for member roles."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "member_id", name="uq_user_roles_user_role_member"),
        CheckConstraint(
            "(role IN ('network_admin', 'network_treasurer', 'clause_facilitator'))"
            " = (member_id IS NULL)",
            name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of market.auth.roles.Role.
    role: Mapped[str] = mapped_column(String(32))
    #: The member organisation the role is held for; null for network roles.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    #: Loaded with the role: its status decides what the role allows.
    member: Mapped[Member | None] = relationship(lazy="joined")

    @property
    def member_status(self) -> str | None:
        """The status of the member the role is held for (None for network roles)."""
        return self.member.status if self.member is not None else None


class ApiToken(db.Model):
    """A bearer token for the JSON API, stored as a SHA-256 hash and shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the user called it ("ERP export").
    name: Mapped[str] = mapped_column(String(100), default="")
    #: First characters of the token, to recognise it in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    #: hex SHA-256 of the whole token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: When it was last used, to the minute (written at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once revoked; a revoked token never authenticates again (a password change
    #: revokes every token of the user).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this it no longer authenticates; None: until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether a call made with it may create other tokens (a token never may otherwise).
    can_create_tokens: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(db.Model):
    """A signed-in browser: opened at login, ended at logout, by a password change or when
    it has lasted PERMANENT_SESSION_LIFETIME; the session cookie names it by a random id."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: hex SHA-256 of the random id the cookie carries (never the id itself).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: Set at logout (or when the password changes); an ended session never comes back.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(db.Model):
    """A sign-in attempt whose password was checked, kept for the record (who tried to sign
    in as whom, from where); the limit itself is counted in RateLimit."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class RateLimit(db.Model):
    """What one key (an email, an address) used of one limit in its current window.

    A window opens with the first use after the previous one ended and lasts the limit's
    length; within it at most the limit's count of uses are taken. One row per key, taken
    and counted in one statement (market.auth.throttle).
    """

    __tablename__ = "rate_limits"

    #: Which limit: login_email, login_ip, signup_email, signup_ip.
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: What is limited: a normalised email or an IP address.
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    #: When the current window opened.
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Uses taken in the current window.
    count: Mapped[int] = mapped_column()
