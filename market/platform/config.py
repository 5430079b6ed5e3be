"""Configuration read from the environment only; development defaults only when chosen."""

from collections.abc import Mapping
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


#: The environments INTERCOOP_ENV may name. Development and testing must be chosen
#: explicitly: only then may the app run with the published development key and send its
#: cookies over plain HTTP. Unset means production.
ENVIRONMENTS = ("development", "testing", "demo", "production")
LOCAL_ENVIRONMENTS = ("development", "testing")


class Config:
    """Settings that do not depend on the environment; from_environ() adds those that do."""

    ENV_NAME = "production"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = database_url(None)
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. on every request.
    # Instead market.platform.connection pings only connections that sat idle over 30 s
    # (those a database restart or a firewall may have cut while nobody used them), and
    # pool_recycle replaces connections after 30 minutes. A connection that dies while in use
    # fails its request once; SQLAlchemy then invalidates the whole pool, so the next ones
    # reconnect.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False, "pool_recycle": 1800}
    # PostgreSQL: pooled connections per process, kept rather than closed and reopened (their
    # prepared statements lost) whenever the load dips; requests beyond them wait their turn.
    DATABASE_POOL_SIZE = 8
    # PostgreSQL: how long a process may remember who an API token belongs to at most; it
    # forgets at once when accounts or tokens change (market.auth.callers). 0: never.
    API_CALLER_CACHE_SECONDS = 60.0
    STRIPE_API_KEY = "sk_test_intercoop"
    STRIPE_WEBHOOK_SECRET = "whsec_intercoop"
    STRIPE_API_BASE = None
    #: The key the top-up page gives Stripe.js (public by design: "pk_...").
    STRIPE_PUBLISHABLE_KEY = "pk_test_intercoop"
    LEDGER_SIGNING_KEY = None
    #: Cookies only over HTTPS, unless development or testing was chosen.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    #: Reverse proxies in front of the app: their X-Forwarded-* headers are trusted, so the
    #: login rate limit sees each client's address rather than the proxy's.
    PROXY_FIX_HOPS = 0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_CHECK_DEFAULT = False  # checked once in market.security, bearer calls exempt
    #: A CSRF token is refused once this old (a page left open for half a day is reloaded).
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    #: Where mail goes: smtp://user:pass@host:port or smtps://...; None writes it to the log.
    MAIL_URL = None
    MAIL_FROM = "Intercoop <no-reply@intercoop.local>"
    #: The site's public address, for the links of emails ("https://intercoop.example").
    SITE_URL = None
    #: Map tiles ({z}/{x}/{y}); with none reachable the map draws the shipped outlines.
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    #: The map fetches the search's offers in pages of this many, MAP_MAX_PAGES at most.
    MAP_PAGE_SIZE = 500
    MAP_MAX_PAGES = 10
    #: Where uploaded images are kept (default: instance/uploads) and how large one may be.
    UPLOAD_DIR = None
    UPLOAD_MAX_MB = 8

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
        """Refuse to start without a secret key of its own, unless development or testing
        was chosen explicitly (anyone may sign a session with the published one)."""
        if cls.ENV_NAME not in ENVIRONMENTS:
            raise RuntimeError(f"INTERCOOP_ENV={cls.ENV_NAME!r} is not one of "
                               f"{', '.join(ENVIRONMENTS)}")
        if cls.ENV_NAME not in LOCAL_ENVIRONMENTS and cls.SECRET_KEY in (None, "", DEV_SECRET):
            raise RuntimeError("SECRET_KEY must be set to a long random value of your own "
                               "(only INTERCOOP_ENV=development or testing may run without)")


def flag(raw: str | None, default: bool) -> bool:
    """A yes/no setting: 1, true, yes or on (any case) is yes; unset keeps the default."""
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def from_environ(environ: Mapping[str, str]) -> type[Config]:
    """The settings the environment gives (os.environ when the app starts), over Config."""
    name = environ.get("INTERCOOP_ENV", "").strip().lower() or "production"
    local = name in LOCAL_ENVIRONMENTS
    secure = flag(environ.get("SESSION_COOKIE_SECURE"), not local)
    values = {
        "ENV_NAME": name,
        "SECRET_KEY": environ.get("SECRET_KEY") or (DEV_SECRET if local else None),
        "SQLALCHEMY_DATABASE_URI": database_url(environ.get("DATABASE_URL")),
        "DATABASE_POOL_SIZE": int(environ.get("DATABASE_POOL_SIZE", "8")),
        "API_CALLER_CACHE_SECONDS": float(environ.get("API_CALLER_CACHE_SECONDS", "60")),
        "STRIPE_API_KEY": environ.get("STRIPE_API_KEY", Config.STRIPE_API_KEY),
        "STRIPE_WEBHOOK_SECRET": environ.get("STRIPE_WEBHOOK_SECRET",
                                             Config.STRIPE_WEBHOOK_SECRET),
        "STRIPE_API_BASE": environ.get("STRIPE_API_BASE"),
        "STRIPE_PUBLISHABLE_KEY": environ.get("STRIPE_PUBLISHABLE_KEY",
                                              Config.STRIPE_PUBLISHABLE_KEY),
        "LEDGER_SIGNING_KEY": environ.get("LEDGER_SIGNING_KEY"),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "PROXY_FIX_HOPS": int(environ.get("PROXY_FIX_HOPS", "0")),
        "MAIL_URL": environ.get("MAIL_URL") or None,
        "MAIL_FROM": environ.get("MAIL_FROM") or Config.MAIL_FROM,
        "SITE_URL": environ.get("SITE_URL") or None,
        "MAP_TILE_URL": environ.get("MAP_TILE_URL", Config.MAP_TILE_URL),
        "MAP_TILE_ATTRIBUTION": environ.get("MAP_TILE_ATTRIBUTION",
                                            Config.MAP_TILE_ATTRIBUTION),
        "UPLOAD_DIR": environ.get("UPLOAD_DIR") or None,
        "UPLOAD_MAX_MB": int(environ.get("UPLOAD_MAX_MB", str(Config.UPLOAD_MAX_MB))),
    }
    return type("EnvironmentConfig", (Config,), values)


class TestConfig(Config):
    """Settings for the test suite; the database URL is given by the fixture."""

    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_ENGINE_OPTIONS = {}
    LOGIN_MAX_ATTEMPTS = 5
    #: No tile server in tests: the map draws on the outlines shipped with the project.
    MAP_TILE_URL = ""
