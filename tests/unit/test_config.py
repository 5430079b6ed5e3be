"""Configuration comes from the environment with safe defaults."""

import pytest

from market.platform.config import Config, database_url


def test_database_url_defaults_to_embedded_sqlite():
    assert database_url(None).startswith("sqlite:///")
    assert database_url("").endswith("instance/intercoop.sqlite")


@pytest.mark.parametrize("raw", ["postgres://u:p@h/db", "postgresql://u:p@h/db"])
def test_postgres_urls_use_psycopg_3(raw):
    assert database_url(raw) == "postgresql+psycopg://u:p@h/db"


def test_production_refuses_to_start_without_a_secret_key():
    production = type("Prod", (Config,), {"ENV_NAME": "production",
                                          "SECRET_KEY": "dev-only-secret-change-me"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production.check()


def test_session_cookies_are_http_only_and_same_site():
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for():
    from flask import request

    from market import create_app

    config = type("Proxied", (Config,), {"PROXY_FIX_HOPS": 1,
                                         "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app(config)
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_on_postgresql_the_pool_keeps_a_connection_per_thread():
    from market import create_app
    from market.platform.extensions import db

    config = type("Pooled", (Config,), {"DATABASE_POOL_SIZE": 12, "SQLALCHEMY_DATABASE_URI":
                                        "postgresql+psycopg://u@127.0.0.1:1/none"})
    with create_app(config).app_context():  # the engine connects on first use only
        assert db.engine.pool.size() == 12
        assert db.engine.pool._recycle == 1800
