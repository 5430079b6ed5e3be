"""Sessions and API tokens: a login opens a session the server knows, a logout ends it for
good, CSRF tokens expire; tokens expire, a password change revokes them, they are touched
at most once a minute, only a token with that right mints another, and they open no page."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from market.auth import tokens as token_module
from market.auth.models import ApiToken, User
from market.auth.roles import Role
from market.platform.time import now_utc
from tests.integration.auth_helpers import (
    PASSWORD,
    bearer,
    csrf_from,
    issue_token,
    login,
    make_user,
)
from tests.integration.test_http_path_lean import statements_during


@pytest.fixture
def alice(db):
    return make_user(db, "alice@example.org", Role.network_admin)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_signing_in_and_out_gives_a_new_csrf_token(client, alice):
    before = csrf_from(client, "/login")
    assert login(client, "alice@example.org").status_code == 302
    signed_in = csrf_from(client, "/account")
    assert signed_in != before
    client.post("/logout", data={"csrf_token": signed_in})
    assert csrf_from(client, "/login") not in (before, signed_in)


def test_a_logout_ends_the_session_for_good_even_for_a_copy_of_its_cookie(app, client,
                                                                          alice):
    login(client, "alice@example.org")
    stolen = session_cookie(client)
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401


def test_another_session_of_the_same_user_survives_a_logout(app, alice):
    here, there = app.test_client(), app.test_client()
    login(here, "alice@example.org")
    login(there, "alice@example.org")
    here.post("/logout", data={"csrf_token": csrf_from(here, "/account")})
    assert there.get("/account").status_code == 200


def test_a_csrf_token_expires(app, client, alice, monkeypatch):
    login(client, "alice@example.org")
    token = csrf_from(client, "/account")
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post("/account/tokens", data={"name": "late", "csrf_token": token})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert app.config["WTF_CSRF_TIME_LIMIT"] <= 8 * 3600


def test_a_password_change_revokes_every_api_token(client, db, alice):
    plaintext = issue_token(db, alice)
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 200
    login(client, "alice@example.org")
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "another long passphrase",
        "new_password_confirm": "another long passphrase",
        "csrf_token": csrf_from(client, "/account")})
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 401
    db.session.expire_all()
    assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken)))


def test_a_token_past_its_expiry_no_longer_authenticates(app, client, db, alice):
    if (callers := app.extensions.get("api_callers")) is not None:
        assert callers.wait_listening(5)
    plaintext = issue_token(db, alice)
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 200
    db.session.execute(update(ApiToken).values(expires_at=now_utc() + timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 200
    time.sleep(1.2)  # even a process that remembers the caller must see it has expired
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 401


def test_a_token_can_be_created_with_an_expiry(client, db, alice):
    headers = bearer(issue_token(db, alice, can_create_tokens=True))
    expiry = (now_utc() + timedelta(days=30)).isoformat()
    made = client.post("/api/v1/tokens", headers=headers,
                       json={"name": "export", "expires_at": expiry})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["expires_at"].startswith(expiry[:16])
    past = client.post("/api/v1/tokens", headers=headers,
                       json={"name": "old", "expires_at": "2020-01-01T00:00:00+00:00"})
    assert past.status_code == 422


def token_touches(db, call) -> int:
    """How many statements write last_used_at while ``call()`` runs."""
    return sum(1 for statement in statements_during(db, call) if "last_used_at" in statement
               and statement.lstrip().upper().startswith("UPDATE"))


def last_used(db):
    db.session.rollback()  # a fresh snapshot: the request wrote on a connection of its own
    return db.session.scalar(select(ApiToken.last_used_at))


def test_a_tokens_last_use_is_written_at_most_once_a_minute(client, db, alice, monkeypatch):
    monkeypatch.setattr(token_module, "_touched", {})
    headers = bearer(issue_token(db, alice))
    assert last_used(db) is None
    client.get("/api/v1/me", headers=headers)
    first = last_used(db)
    assert first is not None and now_utc() - first < timedelta(seconds=30)
    assert token_touches(db, lambda: [client.get("/api/v1/me", headers=headers)
                                      for _ in range(5)]) == 0
    assert last_used(db) == first
    # A minute later (and another process would not know this one wrote), it is written.
    db.session.execute(update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
    db.session.commit()
    monkeypatch.setattr(token_module, "_touched", {})
    client.get("/api/v1/me", headers=headers)
    assert last_used(db) > first - timedelta(minutes=2)


def test_a_token_mints_another_only_if_it_carries_that_right(client, db, alice):
    plain = bearer(issue_token(db, alice))
    refused = client.post("/api/v1/tokens", headers=plain, json={"name": "child"})
    assert refused.status_code == 403
    assert db.session.scalar(select(ApiToken.id).where(ApiToken.name == "child")) is None
    minting = bearer(issue_token(db, alice, can_create_tokens=True))
    made = client.post("/api/v1/tokens", headers=minting, json={"name": "child"})
    assert made.status_code == 201
    assert made.get_json()["can_create_tokens"] is False
    escalate = client.post("/api/v1/tokens", headers=minting,
                           json={"name": "grandchild", "can_create_tokens": True})
    assert escalate.status_code == 201  # a minting token may pass its right on


def test_a_token_opens_no_page(client, db, alice):
    headers = bearer(issue_token(db, alice))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    for path in ("/account", "/admin/members", "/ledger/accounts"):
        response = client.get(path, headers=headers)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = client.post("/account/tokens", headers=headers, data={"name": "x"})
    assert response.status_code in (302, 400)
    assert db.session.scalar(select(ApiToken.id).where(ApiToken.name == "x")) is None


def test_a_deactivated_users_session_ends(client, db, alice):
    login(client, "alice@example.org")
    db.session.execute(update(User).values(active=False))
    db.session.commit()
    assert client.get("/account").status_code == 302
