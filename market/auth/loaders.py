"""Who makes a request: the session cookie's user, or the user of a bearer token."""

from flask import Flask, current_app, g
from flask_babel import gettext as _

from market.auth.models import User
from market.auth.tokens import TokenUser, user_for_token
from market.platform import connection
from market.platform.extensions import db, login_manager
from market.web.csrf import bearer_token
from market.web.errors import Unauthenticated


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


def init_app(app: Flask) -> None:
    """Send people who must sign in to the login page, with no flashed message."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
