"""The account page: changing one's password, and creating and revoking API tokens."""

import re
import time

import pytest
from sqlalchemy import select

from market.auth.models import ApiToken, User
from market.auth.roles import Role
from market.auth.tokens import hash_token
from tests.integration.auth_helpers import (
    PASSWORD,
    bearer,
    csrf_from,
    issue_token,
    login,
    make_user,
)
from tests.integration.db_writes import nothing_written

NEW_PASSWORD = "another long passphrase"
SHOWN_TOKEN = re.compile(r'<code id="new-token">(ic_[^<]+)</code>')


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "new_password_confirm": new if confirm is None else confirm,
        "csrf_token": csrf_from(client, "/account")})


def create_token(client, name="Export comptable"):
    return client.post("/account/tokens",
                       data={"name": name, "csrf_token": csrf_from(client, "/account")})


def test_password_change_ends_the_other_sessions_but_keeps_this_one(app, db):
    make_user(db, "alice@example.org", Role.network_admin)
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "alice@example.org")
    login(elsewhere, "alice@example.org")
    response = change_password(here)
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert login(elsewhere, "alice@example.org", PASSWORD).status_code == 401
    assert login(elsewhere, "alice@example.org", NEW_PASSWORD).status_code == 302


def test_password_change_needs_the_current_password(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    token = csrf_from(client, "/account")
    with nothing_written(db):
        response = client.post("/account/password", data={
            "current_password": "not my password", "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 422
    assert "Le mot de passe actuel est incorrect" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    assert login(client, "alice@example.org", PASSWORD).status_code == 302


def test_password_change_refuses_a_short_password(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    token = csrf_from(client, "/account")
    with nothing_written(db):
        response = client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": "short",
            "new_password_confirm": "short", "csrf_token": token})
    assert response.status_code == 422
    assert "Entre 10 et 256 caractères" in response.get_data(as_text=True)


def test_a_token_is_shown_once_and_stored_hashed(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    page = create_token(client).get_data(as_text=True)
    plaintext = SHOWN_TOKEN.search(page).group(1)
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == hash_token(plaintext)
    assert plaintext not in (stored.token_hash, stored.prefix, stored.name)
    again = client.get("/account").get_data(as_text=True)
    assert plaintext not in again and "Export comptable" in again
    assert client.get("/api/v1/me", headers=bearer(plaintext)).json["email"] == \
        "alice@example.org"


def test_a_token_revoked_on_the_account_page_no_longer_authenticates(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    plaintext = SHOWN_TOKEN.search(create_token(client).get_data(as_text=True)).group(1)
    token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/account/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_from(client, "/account")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 401


def test_nobody_can_revoke_another_users_token_from_the_account_page(client, db):
    bob = make_user(db, "bob@example.org", Role.network_treasurer)
    bob_token = issue_token(db, bob)
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    token_id = db.session.scalar(select(ApiToken.id))
    token = csrf_from(client, "/account")
    with nothing_written(db):
        response = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(bob_token)).status_code == 200


def test_a_token_without_a_name_is_refused(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    token = csrf_from(client, "/account")
    with nothing_written(db):
        response = client.post("/account/tokens", data={"name": "", "csrf_token": token})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiToken)) is None


def test_a_deactivated_user_loses_their_session(client, db):
    user = make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    user.active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("form", ["password", "token", "revoke"])
def test_the_account_forms_need_their_csrf_token_and_write_nothing_without(app, client, db,
                                                                          monkeypatch, form):
    """No token, a forged one, an expired one: refused, and nothing is written."""
    user = make_user(db, "alice@example.org", Role.network_admin)
    issue_token(db, user, name="kept")
    token_id = db.session.scalar(select(ApiToken.id))
    login(client, "alice@example.org")
    path, data = {
        "password": ("/account/password", {"current_password": PASSWORD,
                                           "new_password": NEW_PASSWORD,
                                           "new_password_confirm": NEW_PASSWORD}),
        "token": ("/account/tokens", {"name": "Export comptable"}),
        "revoke": (f"/account/tokens/{token_id}/revoke", {}),
    }[form]
    token = csrf_from(client, "/account")
    with nothing_written(db, skip=()):
        response = client.post(path, data=data)
        forged = client.post(path, data={**data, "csrf_token": "forged"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert forged.status_code == 400
    assert db.session.get(User, user.id).session_version == 1
    assert [(t.name, t.revoked_at) for t in db.session.scalars(select(ApiToken))] == [
        ("kept", None)]
    assert client.get("/account").status_code == 200  # still signed in
    # Last, as the clock it needs also ends the session: a token past its time limit.
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with nothing_written(db, skip=()):
        expired = client.post(path, data={**data, "csrf_token": token})
    assert expired.status_code == 400 and "CSRF" in expired.get_data(as_text=True)
    monkeypatch.undo()
    assert login(client, "alice@example.org", PASSWORD).status_code == 302  # same password
