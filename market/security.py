"""Request authentication (session cookie or bearer token) and CSRF, checked in one place."""

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user

from market import connection
from market.auth.models import User
from market.auth.tokens import TokenUser, user_for_token
from market.errors import Unauthenticated
from market.extensions import csrf, db, login_manager

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def bearer_token() -> str | None:
    """Return the bearer token of the current request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the session's user; a password change or deactivation ends older sessions."""
    if bearer_token() is not None:
        return None  # a request that carries a token is judged by that token alone
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req) -> TokenUser | User | None:
    """Authenticate calls that carry ``Authorization: Bearer <token>``, in one query at most."""
    token = bearer_token()
    if token is None:
        return None
    callers = current_app.extensions.get("api_callers")  # PostgreSQL only
    user = user_for_token(connection.read_rows, token, callers)
    if user is not None and not req.path.startswith("/api/"):
        # Pages work on the ORM row (password change, memberships): load it, rarely.
        user = db.session.get(User, user.id)
    if user is None:
        raise Unauthenticated(_("Jeton d'API invalide ou révoqué."))
    g.authenticated_by_token = True
    return user


def check_csrf() -> None:
    """Require a CSRF token on every unsafe request that a browser cookie authenticates."""
    if request.method not in UNSAFE_METHODS or not request.endpoint:
        return
    if request.path.startswith("/api/"):
        if bearer_token() is not None:
            return  # a bearer token is not sent by browsers on their own: no CSRF risk
        if not current_user.is_authenticated:
            return  # unauthenticated API calls are refused by the access rules
    csrf.protect()


def init_app(app: Flask) -> None:
    """Install authentication and CSRF checks on ``app``."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    connection.init_app(app)
    app.before_request(check_csrf)
