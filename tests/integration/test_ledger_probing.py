"""A member cannot tell another member's account or transfer from a missing one, and a
refusal never shows it the currency, limit or balance of an account it cannot read."""

import re

import pytest

import ledger
from market.treasury.owners import owner_ref
from tests.integration.ledger_api_helpers import error_of, make_world, pay
from tests.integration.members_factories import log_in

MISSING = 987654
CSRF = re.compile(r'(name="csrf[-_]token"[^>]*(?:content|value)=")[^"]+')


@pytest.fixture
def world(db):
    world = make_world(db)
    sol_b = ledger.create_account(db.engine, "SOL", "b sol", owner_ref=owner_ref(
        world.members["b"].id))["id"]
    world.accounts["b_sol"] = sol_b
    paid = ledger.transfer(db.engine, [{"from": world.accounts["system"],
                                        "to": world.accounts["b"], "amount": "50.00"}])
    world.accounts["b_transfer"] = paid["id"]
    return world


def same_but_the_id(first: dict, second: dict, first_id: int, second_id: int) -> None:
    """The two bodies are the same once the id each names is set aside."""
    def hide(body, number):
        return re.sub(rf"\b{number}\b", "ID", str(body))
    assert hide(first, first_id) == hide(second, second_id)


@pytest.mark.parametrize("path", ["/api/v1/accounts/{id}", "/api/v1/accounts/{id}/statement"])
def test_another_members_account_reads_as_missing(client, world, path):
    other = world.accounts["b"]
    seen = client.get(path.format(id=other), headers=world.as_("treasurer_a"))
    missing = client.get(path.format(id=MISSING), headers=world.as_("treasurer_a"))
    assert seen.status_code == missing.status_code == 404
    same_but_the_id(seen.get_json(), missing.get_json(), other, MISSING)


@pytest.mark.parametrize("action", ["", "/post", "/void", "/reverse"])
def test_another_members_transfer_reads_and_acts_as_missing(client, world, action):
    other = world.accounts["b_transfer"]
    method = client.get if not action else client.post
    seen = method(f"/api/v1/transfers/{other}{action}", headers=world.as_("treasurer_a"))
    missing = method(f"/api/v1/transfers/{MISSING}{action}", headers=world.as_("treasurer_a"))
    assert seen.status_code == missing.status_code == 404
    same_but_the_id(seen.get_json(), missing.get_json(), other, MISSING)


def test_the_treasurer_pages_say_the_same_of_another_members_account(client, world):
    log_in(client, world.users["treasurer_a"])
    for path, other in (("/ledger/accounts/", world.accounts["b"]),
                        ("/ledger/transfers/", world.accounts["b_transfer"])):
        seen, missing = client.get(f"{path}{other}"), client.get(f"{path}{MISSING}")
        assert seen.status_code == missing.status_code == 404
        # The same page, but for the address it was asked at (the language switch's) and
        # the CSRF token's timestamp.
        same_but_the_id(*(CSRF.sub("CSRF", r.get_data(as_text=True)) for r in (seen, missing)),
                        other, MISSING)


def test_a_currency_mismatch_does_not_show_the_other_accounts_currency(client, world):
    response = client.post("/api/v1/transfers", headers=world.as_("treasurer_a"),
                           json=pay(world.accounts["a"], world.accounts["b_sol"]))
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "currency_mismatch"
    assert "SOL" not in str(error)
    assert error["details"]["from_currency"] == "EUR"  # its own account's, it may know


def test_a_network_treasurer_sees_both_currencies(client, world):
    response = client.post("/api/v1/transfers", headers=world.as_("network_treasurer"),
                           json=pay(world.accounts["a"], world.accounts["b_sol"]))
    details = error_of(response)["details"]
    assert (details["from_currency"], details["to_currency"]) == ("EUR", "SOL")


def test_a_limit_exceeded_does_not_show_the_other_accounts_limit(client, world):
    response = client.post("/api/v1/transfers", headers=world.as_("treasurer_a"),
                           json=pay(world.accounts["a"], world.accounts["b_capped"], "25.00"))
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "limit_exceeded"
    assert "20.00" not in str(error) and "max_balance" not in error["details"]
    replay_headers = world.as_("treasurer_a", **{"Idempotency-Key": "probe-1"})
    first = client.post("/api/v1/transfers", headers=replay_headers,
                        json=pay(world.accounts["a"], world.accounts["b_capped"], "25.00"))
    again = client.post("/api/v1/transfers", headers=replay_headers,
                        json=pay(world.accounts["a"], world.accounts["b_capped"], "25.00"))
    assert again.headers.get("Idempotency-Replayed") == "true"
    for response in (first, again):  # stored or replayed, the figure stays hidden
        assert "20.00" not in str(error_of(response))


def test_the_owner_of_a_capped_account_sees_its_limit(client, world):
    response = client.post("/api/v1/transfers", headers=world.as_("treasurer_b"),
                           json=pay(world.accounts["b"], world.accounts["b_capped"], "25.00"))
    assert error_of(response)["details"]["max_balance"] == "20.00"
