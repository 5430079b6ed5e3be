"""Users, their roles, API tokens and login attempts."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.auth.roles import MEMBER_SCOPED, Role
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class SignedInUser:
    """What any signed-in user answers: flask-login's protocol and questions about roles.

    Subclasses provide ``id``, ``active``, ``session_version`` and ``roles`` (items with
    ``role`` and ``member_id``).
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

    def has_role(self, role: Role, member_id: int | None = None) -> bool:
        """Tell whether the user holds ``role`` (for ``member_id`` when it is member-scoped)."""
        return any(r.role == role and (member_id is None or r.member_id == member_id)
                   for r in self.roles)

    def member_ids(self, *roles: Role) -> set[int]:
        """Return the members for which the user holds any of ``roles`` (all member roles)."""
        wanted = set(roles) or MEMBER_SCOPED
        return {r.member_id for r in self.roles if r.role in wanted and r.member_id}


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
            "(role IN ('network_admin', 'network_treasurer')) = (member_id IS NULL)",
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
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once revoked; a revoked token never authenticates again.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """A sign-in attempt, kept to rate-limit password guessing per email and per address."""

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
