"""Import every model so the metadata (and Alembic) sees all tables."""

from market.auth.models import ApiToken, LoginAttempt, User, UserRole
from market.members.models import Member, MemberSector, Network

__all__ = ["ApiToken", "LoginAttempt", "Member", "MemberSector", "Network", "User", "UserRole"]
