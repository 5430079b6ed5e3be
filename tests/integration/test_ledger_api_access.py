"""Who reads and moves what through the Ledger API."""

from decimal import Decimal

import pytest

import ledger
from ledger.store.tables import accounts, events, postings, transfers
from tests.integration.db_writes import nothing_written, writes
from tests.integration.ledger_api_helpers import error_of, make_world, pay, snapshot

#: The tables a transfer writes in: itself, its postings, its events, the accounts' sums.
TRANSFER_TABLES = tuple(t.name for t in (transfers, postings, events, accounts))


@pytest.fixture
def world(db):
    return make_world(db)


def listed(client, world, user, query="") -> set[int]:
    response = client.get(f"/api/v1/accounts{query}", headers=world.as_(user))
    assert response.status_code == 200, response.get_json()
    return {a["id"] for a in response.get_json()["items"]}


def ids(world, *names) -> set[int]:
    return {world.accounts[n] for n in names}


def balances(db, world, *names) -> list[Decimal]:
    return [Decimal(ledger.get_account(db.engine, world.accounts[n])["balance"])
            for n in names]


def assert_moved(db, world, response, source, target, amount: str, before: list[Decimal]):
    """The transfer of ``response`` is stored as it was asked, and moved exactly that."""
    assert response.status_code == 201, response.get_json()
    stored = ledger.get_transfer(db.engine, response.get_json()["id"])
    assert stored["status"] == "posted"
    assert [(p["from"], p["to"], p["amount"]) for p in stored["postings"]] == [
        (world.accounts[source], world.accounts[target], amount)]
    moved = Decimal(amount)
    assert balances(db, world, source, target) == [before[0] - moved, before[1] + moved]


def test_member_users_list_only_their_members_accounts(client, world):
    own = ids(world, "a", "a_line", "a_sol")
    for user in ("treasurer_a", "admin_a", "staff_a"):
        assert listed(client, world, user) == own
    assert listed(client, world, "treasurer_b") == ids(world, "b", "b_capped")


def test_network_treasurers_and_admins_list_every_account(client, world):
    assert listed(client, world, "network_treasurer") == set(world.accounts.values())
    assert listed(client, world, "network_admin", "?currency=SOL") == ids(world, "a_sol")
    member_b = world.members["b"].id
    assert listed(client, world, "network_treasurer", f"?member={member_b}") == ids(
        world, "b", "b_capped")


def test_a_member_user_may_not_filter_on_another_member(client, db, world):
    with nothing_written(db):
        response = client.get(f"/api/v1/accounts?member={world.members['b'].id}",
                              headers=world.as_("treasurer_a"))
    assert response.status_code == 403
    own = world.members["a"].id
    assert listed(client, world, "staff_a", f"?member={own}&currency=EUR") == ids(
        world, "a", "a_line")


def test_the_account_list_pages_with_a_cursor(client, world):
    first = client.get("/api/v1/accounts?limit=4", headers=world.as_("network_treasurer"))
    body = first.get_json()
    assert len(body["items"]) == 4 and body["next_cursor"]
    rest = client.get(f"/api/v1/accounts?limit=4&cursor={body['next_cursor']}",
                      headers=world.as_("network_treasurer")).get_json()
    assert {a["id"] for a in body["items"] + rest["items"]} == set(world.accounts.values())
    assert rest["next_cursor"] is None


def test_users_without_a_ledger_role_read_nothing(client, db, world):
    with nothing_written(db):
        for path in ("/api/v1/accounts", f"/api/v1/accounts/{world.accounts['a']}",
                     "/api/v1/currencies", "/api/v1/transfers"):
            assert client.get(path, headers=world.as_("buyer_a")).status_code == 403


def test_users_without_a_ledger_role_move_nothing(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    with nothing_written(db):
        response = client.post("/api/v1/transfers", json=pay(a, b),
                               headers=world.as_("buyer_a"))
        batch = client.post("/api/v1/transfers/batch", json={"transfers": [pay(a, b)]},
                            headers=world.as_("staff_a"))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert batch.status_code == 403 and error_of(batch)["code"] == "forbidden"


def test_member_staff_read_their_accounts_statements_and_transfers(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    paid = client.post("/api/v1/transfers", json=pay(a, b), headers=world.as_("treasurer_a"))
    assert paid.status_code == 201
    assert balances(db, world, "a", "b") == [Decimal("90.00"), Decimal("10.00")]
    staff = world.as_("staff_a")
    assert client.get(f"/api/v1/accounts/{a}", headers=staff).status_code == 200
    assert client.get(f"/api/v1/accounts/{a}/statement", headers=staff).status_code == 200
    assert client.get(f"/api/v1/transfers?account={a}", headers=staff).status_code == 200
    transfer = client.get(f"/api/v1/transfers/{paid.get_json()['id']}", headers=staff)
    assert transfer.status_code == 200


def test_a_transfer_between_two_members_is_visible_to_both_and_nobody_else(client, db, world):
    from tests.integration.ledger_api_helpers import make_user
    from tests.integration.members_factories import bearer, make_member

    other = make_member(db, "Coop C", n=3)
    outsider = bearer(db, make_user(db, "c@example.org", [("member_treasurer", other.id)]))
    paid = client.post("/api/v1/transfers", json=pay(world.accounts["a"], world.accounts["b"]),
                       headers=world.as_("treasurer_a")).get_json()
    assert ledger.get_transfer(db.engine, paid["id"])["status"] == "posted"
    path = f"/api/v1/transfers/{paid['id']}"
    for user in ("treasurer_a", "treasurer_b", "network_treasurer"):
        assert client.get(path, headers=world.as_(user)).status_code == 200
    assert client.get(path, headers=outsider).status_code == 404


def test_member_users_must_name_an_account_to_list_transfers(client, db, world):
    with nothing_written(db):
        response = client.get("/api/v1/transfers", headers=world.as_("treasurer_a"))
    assert response.status_code == 403
    ok = client.get(f"/api/v1/transfers?account={world.accounts['a']}",
                    headers=world.as_("treasurer_a"))
    assert [t["description"] for t in ok.get_json()["items"]] == ["Apport initial"]


def test_network_treasurers_move_money_from_system_accounts(client, db, world):
    before = balances(db, world, "system", "b")
    with writes(db, *TRANSFER_TABLES):
        response = client.post("/api/v1/transfers",
                               json=pay(world.accounts["system"], world.accounts["b"], "5.00"),
                               headers=world.as_("network_treasurer"))
    assert response.status_code == 201
    assert_moved(db, world, response, "system", "b", "5.00", before)


def test_a_member_admin_moves_money_from_their_own_accounts(client, db, world):
    with writes(db, *TRANSFER_TABLES):
        response = client.post("/api/v1/transfers",
                               json=pay(world.accounts["a"], world.accounts["b"], "5.00"),
                               headers=world.as_("admin_a"))
    assert response.status_code == 201
    assert_moved(db, world, response, "a", "b", "5.00", [Decimal("100.00"), Decimal(0)])
    assert response.get_json()["placed_by"] == f"user:{world.users['admin_a'].id}"


def test_a_member_admin_moves_no_money_from_another_members_accounts(client, db, world):
    with nothing_written(db):
        response = client.post("/api/v1/transfers",
                               json=pay(world.accounts["b"], world.accounts["a"], "5.00"),
                               headers=world.as_("admin_a"))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_a_session_cookie_without_csrf_cannot_move_money(client, db, world):
    from tests.integration.members_factories import log_in

    log_in(client, world.users["treasurer_a"])
    before = snapshot(db)
    with nothing_written(db, skip=()):
        response = client.post("/api/v1/transfers",
                               json=pay(world.accounts["a"], world.accounts["b"]))
        batch = client.post("/api/v1/transfers/batch",
                            json={"transfers": [pay(world.accounts["a"], world.accounts["b"])]})
    assert response.status_code == 400
    assert batch.status_code == 400
    assert snapshot(db) == before
    assert client.get(f"/api/v1/accounts/{world.accounts['a']}").status_code == 200
