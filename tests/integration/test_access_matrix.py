"""Who may do what: every role against representative pages and API calls.

Pages answer anonymous visitors with a redirect to the login page and signed-in users
without the right with 403; the API answers 401 and 403 as JSON. Every endpoint of every
blueprint must declare an access rule, so nothing is reachable by omission. The database
says the same: a refused request writes nothing in any table, an allowed read writes
nothing either, and an allowed write makes exactly the change it names.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Blueprint
from sqlalchemy import select

from market.auth.models import ApiToken
from market.auth.roles import Role
from market.members.models import Member, MemberStatus
from market.web.access import protect, public
from tests.integration.auth_helpers import (
    SIRETS,
    bearer,
    csrf_from,
    issue_token,
    login,
    make_member,
    make_user,
)
from tests.integration.db_writes import database_rows, nothing_written, writes, written

ANONYMOUS = "anonymous"
ROLES = [ANONYMOUS, *(role.value for role in Role)]
SIGNED_IN = frozenset(role.value for role in Role)
NETWORK_ADMIN = frozenset({Role.network_admin.value})
OWN_MEMBER_ADMIN = frozenset({Role.member_admin.value, Role.network_admin.value})
#: What a refused API call reads.
NOT_ALLOWED = "Vous n'avez pas le droit de faire cela."
#: Blueprints that are not ours to guard: static files and the OpenAPI document and docs.
UNGUARDED_BLUEPRINTS = {"api-docs"}


def token_made(db, members, user) -> None:
    """The caller now holds a token named "matrix"."""
    names = db.session.scalars(select(ApiToken.name).where(ApiToken.user_id == user.id))
    assert "matrix" in set(names)


def status_of(key: str, status: MemberStatus) -> Callable:
    """The member ``key`` now has ``status``."""
    def check(db, members, user) -> None:
        assert db.session.get(Member, members[key]).status == status
    return check


def described(key: str) -> Callable:
    """The member ``key`` now has the new description."""
    def check(db, members, user) -> None:
        assert db.session.get(Member, members[key]).description == "Mise à jour"
    return check


@dataclass(frozen=True)
class Case:
    """One request, and the roles that may make it (with the status they then get); a write
    names the tables it changes and checks the change (``effect(db, members, user)``)."""

    method: str
    path: str
    allowed: frozenset
    ok_status: int
    json: dict | None = None
    writes: frozenset = frozenset()
    effect: Callable | None = None

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


MEMBERS = frozenset({"members"})
CASES = [
    Case("GET", "/account", SIGNED_IN, 200),
    Case("POST", "/account/tokens", SIGNED_IN, 200, writes=frozenset({"api_tokens"}),
         effect=token_made),
    Case("GET", "/admin/members", NETWORK_ADMIN, 200),
    Case("POST", "/admin/members/{pending}/approve", NETWORK_ADMIN, 302, writes=MEMBERS,
         effect=status_of("pending", MemberStatus.active)),
    Case("POST", "/admin/members/{pending}/reject", NETWORK_ADMIN, 302, writes=MEMBERS,
         effect=status_of("pending", MemberStatus.rejected)),
    Case("GET", "/api/v1/me", SIGNED_IN, 200),
    Case("GET", "/api/v1/tokens", SIGNED_IN, 200),
    # A token without the right to create tokens creates none, whoever holds it.
    Case("POST", "/api/v1/tokens", frozenset(), 201, {"name": "matrix"}),
    Case("PATCH", "/api/v1/members/{own}", OWN_MEMBER_ADMIN, 200,
         {"description": "Mise à jour"}, writes=MEMBERS, effect=described("own")),
    Case("PATCH", "/api/v1/members/{other}", NETWORK_ADMIN, 200,
         {"description": "Mise à jour"}, writes=MEMBERS, effect=described("other")),
]


@pytest.fixture
def members(db) -> dict:
    """The caller's own member, another active member, and one waiting for approval."""
    own = make_member(db, SIRETS[0], "Coop du Test")
    other = make_member(db, SIRETS[1], "Autre Coop")
    pending = make_member(db, SIRETS[2], "Coop en attente", status=MemberStatus.pending)
    return {"own": own.id, "other": other.id, "pending": pending.id}


def call(client, case: Case, path: str, token: str | None, csrf: str | None = None):
    """Make the request of ``case`` as a browser (pages, with the form's ``csrf`` token) or
    an API client (API)."""
    if case.is_api:
        headers = bearer(token) if token else {}
        return client.open(path, method=case.method, json=case.json, headers=headers)
    data = None
    if case.method != "GET":
        data = {"csrf_token": csrf or csrf_from(client, "/login"), "name": "matrix"}
    return client.open(path, method=case.method, data=data)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_do_what_it_may_and_nothing_else(client, db, members, role, case):
    token = user = csrf = None
    if role != ANONYMOUS:
        member = db.session.get(Member, members["own"])
        user = make_user(db, f"{role}@example.org", role, member)
        token = issue_token(db, user) if case.is_api else None
        if not case.is_api:
            assert login(client, user.email).status_code == 302
        else:  # a token's first use records it: before the request, so that it writes nothing
            assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    if not case.is_api and case.method != "GET":
        csrf = csrf_from(client, "/login")
    before = database_rows(db)
    response = call(client, case, case.path.format(**members), token, csrf)
    changed = written(before, database_rows(db))
    db.session.rollback()  # read what the request committed, not what the session remembers
    if role in case.allowed:
        assert response.status_code == case.ok_status, response.get_data(as_text=True)[:300]
    elif role == ANONYMOUS and case.is_api:
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthenticated"
        assert response.json["error"]["message"] == "Connectez-vous pour continuer."
    elif role == ANONYMOUS:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403
        if case.is_api:
            assert response.json["error"]["code"] == "forbidden"
            assert response.json["error"]["message"] == NOT_ALLOWED
    if role not in case.allowed:
        assert changed == set(), f"a refused {case} wrote in {sorted(changed)}"
        return
    assert changed == case.writes
    if case.effect is not None:
        case.effect(db, members, user)


def test_every_endpoint_of_every_blueprint_has_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        blueprint, _dot, view = rule.endpoint.rpartition(".")
        if rule.endpoint == "static" or blueprint in UNGUARDED_BLUEPRINTS:
            continue
        rules = getattr(app.blueprints.get(blueprint), "access_rules", None)
        if not blueprint or rules is None or view not in rules:
            missing.append(f"{rule.endpoint} ({rule.rule})")
    assert missing == []


def test_a_view_without_an_access_rule_is_refused_to_everyone(app, client, db):
    bp = Blueprint("forgotten", __name__)

    @bp.get("/forgotten")
    def forgotten():
        return "should not be served"

    protect(bp, {})
    app.register_blueprint(bp)
    assert client.get("/forgotten").status_code == 403
    make_user(db, "admin@reseau.example", Role.network_admin)
    login(client, "admin@reseau.example")
    assert client.get("/forgotten").status_code == 403


@pytest.mark.parametrize("case", [c for c in CASES if c.writes], ids=str)
def test_a_write_without_its_csrf_token_is_refused_and_writes_nothing(client, db, members,
                                                                      case):
    """A signed-in browser may make every one of these writes, but not without the token."""
    user = make_user(db, "admin@reseau.example", Role.network_admin)
    assert login(client, user.email).status_code == 302
    path = case.path.format(**members)
    with nothing_written(db, skip=()):
        if case.is_api:  # the session cookie, without the X-CSRFToken header
            response = client.open(path, method=case.method, json=case.json)
        else:
            response = client.open(path, method=case.method, data={"name": "matrix"})
    assert response.status_code == 400
    # With the token the same write is made: the refusal was the missing token.
    token = csrf_from(client, "/account")
    with writes(db, *case.writes, skip=()):
        if case.is_api:
            response = client.open(path, method=case.method, json=case.json,
                                   headers={"X-CSRFToken": token})
        else:
            response = client.open(path, method=case.method,
                                   data={"name": "matrix", "csrf_token": token})
    assert response.status_code == case.ok_status
    case.effect(db, members, user)


def test_a_public_endpoint_looks_at_no_credentials(client, db, monkeypatch):
    """Saying yes to anyone needs no user: a token on a public call is not even read (an
    invalid one is no 401, a valid one's last use is not recorded)."""
    from market.auth import tokens

    monkeypatch.setattr(tokens, "_touched", {})  # this process wrote no last use yet
    user = make_user(db, "someone@example.org", Role.network_treasurer)
    token = issue_token(db, user)
    with nothing_written(db, skip=()):
        for headers in (bearer(token), bearer("ic_not-a-token")):
            response = client.get("/api/v1/sectors", headers=headers)
            assert response.status_code == 200
    assert db.session.get(ApiToken, 1).last_used_at is None
    assert client.get("/api/v1/me", headers=bearer("ic_not-a-token")).status_code == 401


def test_a_nested_blueprints_views_are_found_in_its_own_access_table(app, client):
    outer, inner = Blueprint("outer", __name__), Blueprint("inner", __name__)

    @inner.get("/open")
    def open_view():
        return "open"

    @inner.get("/closed")
    def closed_view():
        return "closed"

    protect(inner, {"open_view": public})
    outer.register_blueprint(inner, url_prefix="/inner")
    app.register_blueprint(outer, url_prefix="/outer")
    assert client.get("/outer/inner/open").get_data(as_text=True) == "open"
    assert client.get("/outer/inner/closed").status_code == 403  # no rule: nobody
