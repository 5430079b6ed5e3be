"""The governance API: who creates currencies and grants lines, and the refusals people read."""

import pytest

from market.auth.roles import Role
from tests.integration.currency_factories import make_currency, open_account
from tests.integration.ledger_api_helpers import error_of, snapshot
from tests.integration.members_factories import bearer, make_member, make_user

NEW = {"code": "SOL", "name": "Sol-violette", "scale": 2, "kind": "backed",
       "euro_parity": "1", "redemption_fee_bp": 300}


@pytest.fixture
def people(db):
    """A network admin, a network treasurer and a member's admin, with API headers."""
    member = make_member(db)
    users = {"admin": [(Role.network_admin, None)],
             "treasurer": [(Role.network_treasurer, None)],
             "member": [(Role.member_admin, member.id)]}
    headers = {name: bearer(db, make_user(db, f"{name}@example.org", roles))
               for name, roles in users.items()}
    return member, headers


def test_a_network_admin_creates_a_backed_currency_with_its_accounts(client, people):
    _member, headers = people
    response = client.post("/api/v1/currency-policies", json=NEW, headers=headers["admin"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["code"], body["kind"], body["euro_parity"]) == ("SOL", "backed", "1.000000")
    assert body["reserve_account_id"] and body["issuance_account_id"] and body["fee_account_id"]
    listed = client.get("/api/v1/currency-policies", headers=headers["member"]).get_json()
    assert [p["code"] for p in listed["items"]] == ["EUR", "SOL"]


@pytest.mark.parametrize("who", ["treasurer", "member"])
def test_only_a_network_admin_creates_a_currency(client, db, people, who):
    _member, headers = people
    before = snapshot(db)
    response = client.post("/api/v1/currency-policies", json=NEW, headers=headers[who])
    assert response.status_code == 403
    assert snapshot(db) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"scale": 7}, "scale"), ({"redemption_fee_bp": -1}, "redemption_fee_bp"),
    ({"euro_parity": "-2"}, "euro_parity"), ({"scale": "2"}, "scale"),
    ({"code": "EUR"}, None),
])
def test_a_bad_currency_is_a_clear_error_and_writes_nothing(client, db, people, change, field):
    _member, headers = people
    make_currency(db, "MUTU", "mutual_credit")
    before = snapshot(db)
    response = client.post("/api/v1/currency-policies", json={**NEW, **change},
                           headers=headers["admin"])
    error = error_of(response)
    if field is None:
        assert (response.status_code, error["code"]) == (409, "conflict")
    else:
        assert response.status_code == 422
        assert field in error["details"]["fields"]
    assert snapshot(db) == before


def test_a_treasurer_grants_a_credit_line_and_the_log_shows_it(client, db, people):
    member, headers = people
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="100.00")
    account_id = open_account(db, member, "MUTU")
    response = client.put(f"/api/v1/accounts/{account_id}/credit-line",
                          json={"credit_line": "750.00", "reason": "Marché de cantine"},
                          headers=headers["treasurer"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["min_balance"] == "-750.00"
    log = client.get(f"/api/v1/accounts/{account_id}/credit-line-changes",
                     headers=headers["member"]).get_json()["items"]
    assert [(c["old_line"], c["new_line"], c["reason"]) for c in log] == [
        ("100.00", "750.00", "Marché de cantine")]


@pytest.mark.parametrize("line", ["-10.00", "10", 10])
def test_a_negative_or_malformed_credit_line_is_refused(client, db, people, line):
    member, headers = people
    make_currency(db, "MUTU", "mutual_credit")
    account_id = open_account(db, member, "MUTU")
    before = snapshot(db)
    response = client.put(f"/api/v1/accounts/{account_id}/credit-line",
                          json={"credit_line": line, "reason": "x"}, headers=headers["treasurer"])
    assert response.status_code == 422
    assert snapshot(db) == before


def test_a_member_cannot_grant_itself_a_line(client, db, people):
    member, headers = people
    make_currency(db, "MUTU", "mutual_credit")
    account_id = open_account(db, member, "MUTU")
    response = client.put(f"/api/v1/accounts/{account_id}/credit-line",
                          json={"credit_line": "1000.00", "reason": "moi"},
                          headers=headers["member"])
    assert response.status_code == 403


def test_a_member_admin_opens_its_own_account_with_the_default_line(client, db, people):
    member, headers = people
    other = make_member(db, "Autre", n=7)
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="250.00")
    response = client.post("/api/v1/currency-policies/MUTU/accounts",
                           json={"member_id": member.id}, headers=headers["member"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["min_balance"] == "-250.00"
    assert response.get_json()["owner_member_id"] == member.id
    refused = client.post("/api/v1/currency-policies/MUTU/accounts",
                          json={"member_id": other.id}, headers=headers["member"])
    assert refused.status_code == 404
