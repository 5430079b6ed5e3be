"""Who makes a request: the session cookie's user, or the user of a bearer token."""

from flask import Flask, current_app, g, request, session
from flask_babel import gettext as _

from market.auth import sessions
from market.auth.models import User
from market.auth.tokens import TokenUser, touch, user_for_token
from market.platform import connection
from market.platform.extensions import db, login_manager
from market.web.csrf import bearer_token
from market.web.errors import Unauthenticated


def is_api(req) -> bool:
    """Whether a request is for the JSON API: tokens authenticate it, and nothing else."""
    return req.path.startswith("/api/")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of the session's cookie, while the session the server opened is open."""
    if bearer_token() is not None and is_api(request):
        return None  # an API call that carries a token is judged by that token alone
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    return sessions.signed_in_user(db.session, int(user_id), version,
                                   session.get(sessions.KEY),
                                   current_app.permanent_session_lifetime.total_seconds())


@login_manager.request_loader
def load_user_from_token(req) -> TokenUser | None:
    """Authenticate API calls that carry ``Authorization: Bearer <token>``, in one query at
    most; a token opens no page (pages use the session cookie only)."""
    token = bearer_token()
    if token is None or not is_api(req):
        return None
    callers = current_app.extensions.get("api_callers")  # PostgreSQL only
    user = user_for_token(connection.read_rows, token, callers)
    if user is None:
        raise Unauthenticated(_("Jeton d'API invalide, expiré ou révoqué."))
    touch(connection.write, user.token_id)
    g.authenticated_by_token = True
    return user


def init_app(app: Flask) -> None:
    """Send people who must sign in to the login page, with no flashed message."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
