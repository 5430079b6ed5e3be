"""CSRF, checked in one place: every unsafe request that a browser cookie authenticates."""

from flask import Flask, request
from flask_login import current_user

from market.platform.extensions import csrf

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Endpoints no browser cookie authenticates, whose callers prove themselves otherwise (a
#: signed webhook): no CSRF token to ask for. Added with exempt().
EXEMPT: set[str] = set()


def exempt(endpoint: str) -> None:
    """Exempt ``endpoint`` ("blueprint.view") from CSRF: it must authenticate its callers."""
    EXEMPT.add(endpoint)


def bearer_token() -> str | None:
    """Return the bearer token of the current request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def check_csrf() -> None:
    """Require a CSRF token on every unsafe request that a browser cookie authenticates."""
    if request.method not in UNSAFE_METHODS or not request.endpoint \
            or request.endpoint in EXEMPT:
        return
    if request.path.startswith("/api/"):
        if bearer_token() is not None:
            return  # a bearer token is not sent by browsers on their own: no CSRF risk
        if not current_user.is_authenticated:
            return  # unauthenticated API calls are refused by the access rules
    csrf.protect()


def init_app(app: Flask) -> None:
    """Check CSRF before every request of ``app``."""
    app.before_request(check_csrf)
