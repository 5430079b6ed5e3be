"""Configuration read from the environment only, with safe development defaults."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"
DEV_SECRET = "dev-only-secret-change-me"


def database_url(raw: str | None) -> str:
    """Return a SQLAlchemy URL, defaulting to the embedded SQLite file and psycopg 3."""
    if not raw:
        return f"sqlite:///{INSTANCE / 'intercoop.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


class Config:
    """Settings for development and production, taken from the environment."""

    ENV_NAME = os.environ.get("INTERCOOP_ENV", "development")
    PRODUCTION = ENV_NAME == "production"
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. on every request.
    # Instead market.platform.connection pings only connections that sat idle over 30 s (those a
    # database restart or a firewall may have cut while nobody used them), and pool_recycle
    # replaces connections after 30 minutes. A connection that dies while in use fails its
    # request once; SQLAlchemy then invalidates the whole pool, so the next ones reconnect.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False, "pool_recycle": 1800}
    # PostgreSQL: pooled connections per process, kept rather than closed and reopened (their
    # prepared statements lost) whenever the load dips; requests beyond them wait their turn.
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "8"))
    # PostgreSQL: how long a process may remember who an API token belongs to at most; it
    # forgets at once when accounts or tokens change (market.auth.callers). 0: never.
    API_CALLER_CACHE_SECONDS = float(os.environ.get("API_CALLER_CACHE_SECONDS", "60"))
    STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "sk_test_intercoop")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_intercoop")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure cookies by default in production (served over HTTPS), opt-in elsewhere.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE",
                                           "1" if PRODUCTION else "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    #: Reverse proxies in front of the app: their X-Forwarded-* headers are trusted, so the
    #: login rate limit sees each client's address rather than the proxy's.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_CHECK_DEFAULT = False  # checked once in market.security, bearer calls exempt
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    LOGIN_MAX_ATTEMPTS = 5
    LOGIN_WINDOW_SECONDS = 15 * 60
    #: Sign-ups per address and per email, each in its own window.
    SIGNUP_MAX_PER_IP = 10
    SIGNUP_IP_WINDOW_SECONDS = 3600
    SIGNUP_MAX_PER_EMAIL = 3
    SIGNUP_EMAIL_WINDOW_SECONDS = 24 * 3600

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_SUPPORTED_LOCALES = ("fr", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "market" / "translations")

    API_TITLE = "Intercoop"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    API_SPEC_OPTIONS = {
        "info": {"description": "Intercoop JSON API: members, offers, procurement and ledger."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }

    @classmethod
    def check(cls) -> None:
        """Refuse to start in production without the secrets production needs."""
        if cls.ENV_NAME == "production" and cls.SECRET_KEY == DEV_SECRET:
            raise RuntimeError("SECRET_KEY must be set in production (INTERCOOP_ENV=production)")


class TestConfig(Config):
    """Settings for the test suite; the database URL is given by the fixture."""

    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_ENGINE_OPTIONS = {}
    LOGIN_MAX_ATTEMPTS = 5
