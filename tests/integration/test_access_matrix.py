"""Who may do what: every role against representative pages and API calls.

Pages answer anonymous visitors with a redirect to the login page and signed-in users
without the right with 403; the API answers 401 and 403 as JSON. Every endpoint of every
blueprint must declare an access rule, so nothing is reachable by omission.
"""

from dataclasses import dataclass

import pytest
from flask import Blueprint

from market.auth.roles import Role
from market.members.models import Member, MemberStatus
from market.web.access import protect
from tests.integration.auth_helpers import (
    SIRETS,
    bearer,
    csrf_from,
    issue_token,
    login,
    make_member,
    make_user,
)

ANONYMOUS = "anonymous"
ROLES = [ANONYMOUS, *(role.value for role in Role)]
SIGNED_IN = frozenset(role.value for role in Role)
NETWORK_ADMIN = frozenset({Role.network_admin.value})
OWN_MEMBER_ADMIN = frozenset({Role.member_admin.value, Role.network_admin.value})
#: Blueprints that are not ours to guard: static files and the OpenAPI document and docs.
UNGUARDED_BLUEPRINTS = {"api-docs"}


@dataclass(frozen=True)
class Case:
    """One request, and the roles that may make it (with the status they then get)."""

    method: str
    path: str
    allowed: frozenset
    ok_status: int
    json: dict | None = None

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


CASES = [
    Case("GET", "/account", SIGNED_IN, 200),
    Case("POST", "/account/tokens", SIGNED_IN, 200),
    Case("GET", "/admin/members", NETWORK_ADMIN, 200),
    Case("POST", "/admin/members/{pending}/approve", NETWORK_ADMIN, 302),
    Case("POST", "/admin/members/{pending}/reject", NETWORK_ADMIN, 302),
    Case("GET", "/api/v1/me", SIGNED_IN, 200),
    Case("GET", "/api/v1/tokens", SIGNED_IN, 200),
    # A token without the right to create tokens creates none, whoever holds it.
    Case("POST", "/api/v1/tokens", frozenset(), 201, {"name": "matrix"}),
    Case("PATCH", "/api/v1/members/{own}", OWN_MEMBER_ADMIN, 200,
         {"description": "Mise à jour"}),
    Case("PATCH", "/api/v1/members/{other}", NETWORK_ADMIN, 200,
         {"description": "Mise à jour"}),
]


@pytest.fixture
def members(db) -> dict:
    """The caller's own member, another active member, and one waiting for approval."""
    own = make_member(db, SIRETS[0], "Coop du Test")
    other = make_member(db, SIRETS[1], "Autre Coop")
    pending = make_member(db, SIRETS[2], "Coop en attente", status=MemberStatus.pending)
    return {"own": own.id, "other": other.id, "pending": pending.id}


def call(client, case: Case, path: str, token: str | None):
    """Make the request of ``case`` as a browser (pages) or an API client (API)."""
    if case.is_api:
        headers = bearer(token) if token else {}
        return client.open(path, method=case.method, json=case.json, headers=headers)
    data = None
    if case.method != "GET":
        data = {"csrf_token": csrf_from(client, "/login"), "name": "matrix"}
    return client.open(path, method=case.method, data=data)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_do_what_it_may_and_nothing_else(client, db, members, role, case):
    token = None
    if role != ANONYMOUS:
        member = db.session.get(Member, members["own"])
        user = make_user(db, f"{role}@example.org", role, member)
        token = issue_token(db, user) if case.is_api else None
        if not case.is_api:
            assert login(client, user.email).status_code == 302
    response = call(client, case, case.path.format(**members), token)
    if role in case.allowed:
        assert response.status_code == case.ok_status, response.get_data(as_text=True)[:300]
    elif role == ANONYMOUS and case.is_api:
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthenticated"
    elif role == ANONYMOUS:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403
        if case.is_api:
            assert response.json["error"]["code"] == "forbidden"


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
