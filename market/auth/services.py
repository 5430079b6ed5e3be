"""Use cases for people: accounts, sign-in, passwords, roles and API tokens.

Every function takes the SQLAlchemy session, flushes, and leaves the commit to the caller
(one commit per use case); a refused operation raises before writing anything. Signing in
is market.auth.signin.
"""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from market.auth import sessions, tokens
from market.auth.models import ApiToken, User, UserRole
from market.auth.roles import MEMBER_SCOPED, Role
from market.members.models import Member
from market.platform.time import now_utc
from market.web.errors import NotFound, ValidationError
from market.web.pagination import Page, paginate

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
EMAIL_PATTERN = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def normalise_email(value: str) -> str:
    """Return the stored form of an email address (trimmed, lower-cased, no control codes)."""
    # Control characters are dropped so that a lookup never sends NUL to PostgreSQL.
    return CONTROL_CHARACTERS.sub("", (value or "").strip().lower())


def text_problem(value: str) -> str | None:
    """Return why free text cannot be stored (control characters), or None."""
    if CONTROL_CHARACTERS.search(value or ""):
        return _("Les caractères de contrôle ne sont pas acceptés.")
    return None


def email_problem(email: str) -> str | None:
    """Return why ``email`` cannot be used, or None."""
    email = (email or "").strip()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        return _("Cette adresse email n'est pas valide.")
    return None


def password_problem(password: str) -> str | None:
    """Return why ``password`` is too weak or too long, or None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("Le mot de passe doit compter au moins %(n)d caractères.",
                 n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Le mot de passe ne peut dépasser %(n)d caractères.", n=MAX_PASSWORD_LENGTH)
    return None


def hash_password(password: str) -> str:
    """Return the scrypt hash stored for ``password``."""
    return generate_password_hash(password, method="scrypt")


def find_user(session, email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def check_role(session, role: str, member_id: int | None) -> Role:
    """Return ``role`` as a Role if it may be held for ``member_id``; raise otherwise."""
    try:
        parsed = Role(role)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValidationError({"role": [_("Rôle inconnu : %(role)s (rôles valides : %(valid)s).",
                                          role=role, valid=valid)]}) from None
    if parsed in MEMBER_SCOPED and member_id is None:
        raise ValidationError({"member": [_("Ce rôle s'exerce pour un membre : indiquez "
                                            "lequel.")]})
    if parsed not in MEMBER_SCOPED and member_id is not None:
        raise ValidationError({"member": [_("Un rôle du réseau ne s'exerce pas pour un "
                                            "membre.")]})
    if member_id is not None and session.get(Member, member_id) is None:
        raise ValidationError({"member": [_("Ce membre n'existe pas.")]})
    return parsed


def create_user(session, email: str, password: str,
                roles: Iterable[tuple[str, int | None]] = (), name: str = "") -> User:
    """Create a user holding ``roles`` (pairs of role and member id, None for network roles)."""
    errors = {}
    if problem := email_problem(email):
        errors["email"] = [problem]
    elif find_user(session, email) is not None:
        errors["email"] = [_("Un compte existe déjà avec cette adresse email.")]
    email = normalise_email(email)
    if problem := password_problem(password):
        errors["password"] = [problem]
    if problem := text_problem(name):
        errors["name"] = [problem]
    elif len(name) > 200:
        errors["name"] = [_("Le nom ne peut dépasser 200 caractères.")]
    if errors:
        raise ValidationError(errors)
    checked = [(check_role(session, role, member_id), member_id) for role, member_id in roles]
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    user.roles = [UserRole(role=role, member_id=member_id) for role, member_id in checked]
    session.add(user)
    session.flush()
    return user


def grant_role(session, user: User, role: str, member_id: int | None = None) -> UserRole:
    """Give ``user`` a role (for ``member_id`` when member-scoped); granting twice is harmless."""
    parsed = check_role(session, role, member_id)
    for held in user.roles:
        if held.role == parsed and held.member_id == member_id:
            return held
    held = UserRole(role=parsed, member_id=member_id)
    user.roles.append(held)
    session.flush()
    return held


def revoke_role(session, user: User, role: str, member_id: int | None = None) -> None:
    """Take a role away from ``user``; raise NotFound if they do not hold it."""
    for held in list(user.roles):
        if held.role == role and held.member_id == member_id:
            user.roles.remove(held)
            session.flush()
            return
    raise NotFound(_("Cet utilisateur n'a pas ce rôle."))


def change_password(session, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one: every session of the user ends
    (the caller opens a new one for this browser) and every API token is revoked."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationError({"current_password": [_("Le mot de passe actuel est "
                                                      "incorrect.")]})
    if problem := password_problem(new):
        raise ValidationError({"new_password": [problem]})
    user.password_hash = hash_password(new)
    user.session_version += 1
    sessions.end_every_session(session, user)
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now_utc()))
    session.flush()


def set_active(session, user: User, active: bool) -> None:
    """Deactivate (or reactivate) a user: a deactivated user's sessions and tokens stop."""
    user.active = active
    session.flush()


#: The furthest a token's expiry may be set.
LONGEST_TOKEN = timedelta(days=5 * 366)


def create_token(session, user: User, name: str, expires_at: datetime | None = None,
                 can_create_tokens: bool = False) -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; return the row and the plaintext, shown only once.

    ``expires_at`` (optional) must lie ahead, within five years; ``can_create_tokens`` lets
    calls made with it create tokens (callers check who may grant that).
    """
    name = (name or "").strip()
    if problem := text_problem(name):
        raise ValidationError({"name": [problem]})
    if not name or len(name) > 100:
        raise ValidationError({"name": [_("Donnez au jeton un nom de 1 à 100 caractères.")]})
    now = now_utc()
    if expires_at is not None and not now < expires_at <= now + LONGEST_TOKEN:
        raise ValidationError({"expires_at": [_("Une date à venir, dans cinq ans au plus.")]})
    token, plaintext = tokens.issue_token(session, user, name, expires_at, can_create_tokens)
    session.flush()
    return token, plaintext


def live_tokens_query(user: User) -> Select:
    """Select ``user``'s tokens that still authenticate: not revoked, not expired."""
    return select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                                  or_(ApiToken.expires_at.is_(None),
                                      ApiToken.expires_at > now_utc()))


def live_tokens(session, user: User) -> list[ApiToken]:
    """Return ``user``'s tokens that are not revoked, oldest first."""
    return list(session.scalars(live_tokens_query(user).order_by(ApiToken.id)))


def token_page(session, user: User, limit: int, cursor: str | None) -> Page:
    """Return one page of ``user``'s live tokens, oldest first."""
    return paginate(session, live_tokens_query(user), ApiToken.id, limit=limit, cursor=cursor)


def revoke_token(session, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens; anyone else's is NotFound."""
    token = tokens.revoke_token(session, user, token_id)
    if token is None:
        raise NotFound(_("Ce jeton n'existe pas."))
    session.flush()
    return token
