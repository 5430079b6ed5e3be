"""The auth JSON API: who am I, and the caller's API tokens."""

from sqlalchemy import select

from market.auth.models import ApiToken
from market.auth.roles import Role
from market.auth.tokens import hash_token
from tests.integration.auth_helpers import bearer, issue_token, login, make_member, make_user


def test_me_describes_the_caller_with_roles_and_member_ids(client, db):
    member = make_member(db)
    user = make_user(db, "alice@example.org", Role.member_admin, member)
    token = issue_token(db, user, can_create_tokens=True)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json["email"] == "alice@example.org"
    assert response.json["roles"] == [{"role": "member_admin", "member_id": member.id}]


def test_me_without_credentials_is_a_401_json_error(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_a_session_cookie_also_authenticates_api_reads(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    assert client.get("/api/v1/me").json["roles"] == [{"role": "network_admin",
                                                       "member_id": None}]


def test_creating_a_token_returns_it_once_and_stores_only_its_hash(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    response = client.post("/api/v1/tokens", json={"name": "ERP"},
                           headers=bearer(issue_token(db, user, can_create_tokens=True)))
    assert response.status_code == 201
    plaintext = response.json["token"]
    assert plaintext.startswith(response.json["prefix"])
    stored = db.session.get(ApiToken, response.json["id"])
    assert stored.token_hash == hash_token(plaintext)
    every_column = [str(v) for v in db.session.execute(select(ApiToken.__table__)).all()]
    assert not any(plaintext in row for row in every_column)
    listed = client.get("/api/v1/tokens", headers=bearer(plaintext)).json
    assert [t["name"] for t in listed["items"]] == ["test", "ERP"]
    assert listed["next_cursor"] is None
    assert all("token" not in t for t in listed["items"])


def test_creating_a_token_without_a_name_is_a_validation_error(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    response = client.post("/api/v1/tokens", json={"name": ""},
                           headers=bearer(issue_token(db, user, can_create_tokens=True)))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "name" in response.json["error"]["details"]["fields"]


def test_a_malformed_json_body_is_a_400(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    headers = {**bearer(issue_token(db, user, can_create_tokens=True)),
               "Content-Type": "application/json"}
    response = client.post("/api/v1/tokens", data="{not json", headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_tokens_are_listed_page_by_page(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    token = issue_token(db, user, "first")
    issue_token(db, user, "second")
    issue_token(db, user, "third")
    first = client.get("/api/v1/tokens?limit=2", headers=bearer(token)).json
    assert [t["name"] for t in first["items"]] == ["first", "second"]
    rest = client.get(f"/api/v1/tokens?limit=2&cursor={first['next_cursor']}",
                      headers=bearer(token)).json
    assert [t["name"] for t in rest["items"]] == ["third"]
    assert rest["next_cursor"] is None


def test_deleting_a_token_revokes_it(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    keep, doomed = issue_token(db, user, "keep"), issue_token(db, user, "doomed")
    doomed_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "doomed"))
    response = client.delete(f"/api/v1/tokens/{doomed_id}", headers=bearer(keep))
    assert response.status_code == 204 and response.data == b""
    response = client.get("/api/v1/me", headers=bearer(doomed))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"
    names = [t["name"] for t in client.get("/api/v1/tokens", headers=bearer(keep)).json["items"]]
    assert names == ["keep"]


def test_deleting_another_users_token_is_not_found(client, db):
    alice = make_user(db, "alice@example.org", Role.network_treasurer)
    bob = make_user(db, "bob@example.org", Role.network_treasurer)
    bobs = issue_token(db, bob, "bob's")
    bobs_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "bob's"))
    response = client.delete(f"/api/v1/tokens/{bobs_id}", headers=bearer(issue_token(db, alice)))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/me", headers=bearer(bobs)).status_code == 200


def test_an_unknown_token_is_a_401(client, db):
    response = client.get("/api/v1/me", headers=bearer("ic_not-a-real-token"))
    assert response.status_code == 401


def test_a_deactivated_users_token_is_a_401(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    token = issue_token(db, user, can_create_tokens=True)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_api_writes_with_a_session_cookie_need_the_csrf_token(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    response = client.post("/api/v1/tokens", json={"name": "from the browser"})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_the_auth_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get"} <= set(paths["/api/v1/me"])
    assert {"get", "post"} <= set(paths["/api/v1/tokens"])
    assert "delete" in paths["/api/v1/tokens/{token_id}"]


def test_deleting_a_token_with_an_absurdly_large_id_is_not_found(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    response = client.delete("/api/v1/tokens/99999999999999999999",
                             headers=bearer(issue_token(db, user, can_create_tokens=True)))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_token_name_with_a_nul_character_is_a_validation_error(client, db):
    user = make_user(db, "alice@example.org", Role.network_treasurer)
    response = client.post("/api/v1/tokens", json={"name": "ERP\u0000"},
                           headers=bearer(issue_token(db, user, can_create_tokens=True)))
    assert response.status_code == 422
    assert "name" in response.json["error"]["details"]["fields"]
