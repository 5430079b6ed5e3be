"""Configuration comes from the environment with safe defaults."""

import pytest

from market.platform.config import DEV_SECRET, Config, database_url, from_environ


def test_database_url_defaults_to_embedded_sqlite():
    assert database_url(None).startswith("sqlite:///")
    assert database_url("").endswith("instance/intercoop.sqlite")


@pytest.mark.parametrize("raw", ["postgres://u:p@h/db", "postgresql://u:p@h/db"])
def test_postgres_urls_use_psycopg_3(raw):
    assert database_url(raw) == "postgresql+psycopg://u:p@h/db"


KEY = "a-long-random-secret-key-from-the-environment"
#: What `make run` chooses: development, with its default key.
LOCAL = from_environ({"INTERCOOP_ENV": "development"})


@pytest.mark.parametrize("environ", [
    {}, {"INTERCOOP_ENV": "production"}, {"SECRET_KEY": DEV_SECRET},
    {"INTERCOOP_ENV": "production", "SECRET_KEY": DEV_SECRET}, {"INTERCOOP_ENV": ""},
])
def test_without_a_secret_key_of_its_own_the_app_refuses_to_start(environ):
    """Unless development or testing was chosen explicitly, the default key is refused."""
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        from_environ(environ).check()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_may_use_the_default_key_when_chosen(env):
    config = from_environ({"INTERCOOP_ENV": env})
    config.check()
    assert config.SECRET_KEY == DEV_SECRET and config.SESSION_COOKIE_SECURE is False


def test_with_its_own_key_the_app_starts_with_secure_cookies_and_a_known_environment():
    config = from_environ({"SECRET_KEY": KEY})
    config.check()
    assert (config.ENV_NAME, config.SECRET_KEY) == ("production", KEY)
    assert config.SESSION_COOKIE_SECURE is True and config.REMEMBER_COOKIE_SECURE is True
    plain = from_environ({"SECRET_KEY": KEY, "SESSION_COOKIE_SECURE": "0"})
    assert plain.SESSION_COOKIE_SECURE is False  # when it is said explicitly
    assert from_environ({"INTERCOOP_ENV": "development",
                         "SESSION_COOKIE_SECURE": "1"}).SESSION_COOKIE_SECURE is True


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="INTERCOOP_ENV"):
        from_environ({"INTERCOOP_ENV": "prod", "SECRET_KEY": KEY}).check()


def test_the_app_factory_reads_the_environment_and_refuses_without_a_key(monkeypatch):
    from market import create_app

    for name in ("INTERCOOP_ENV", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("INTERCOOP_ENV", "development")
    assert create_app().secret_key == DEV_SECRET


def test_session_cookies_are_http_only_and_same_site():
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for():
    from flask import request

    from market import create_app

    config = type("Proxied", (LOCAL,), {"PROXY_FIX_HOPS": 1,
                                         "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app(config)
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_on_postgresql_the_pool_keeps_a_connection_per_thread():
    from market import create_app
    from market.platform.extensions import db

    config = type("Pooled", (LOCAL,), {"DATABASE_POOL_SIZE": 12, "SQLALCHEMY_DATABASE_URI":
                                        "postgresql+psycopg://u@127.0.0.1:1/none"})
    with create_app(config).app_context():  # the engine connects on first use only
        assert db.engine.pool.size() == 12
        assert db.engine.pool._recycle == 1800
