"""The Ledger API over HTTP: what each endpoint answers when the request is good."""

import pytest

import ledger
from tests.integration.ledger_api_helpers import make_world, pay, snapshot


@pytest.fixture
def world(db):
    return make_world(db)


def call(client, world, user, method, path, body=None, status=200, **headers):
    response = client.open(path, method=method, json=body, headers=world.as_(user, **headers))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def account(client, world, name, user="network_treasurer"):
    return call(client, world, user, "GET", f"/api/v1/accounts/{world.accounts[name]}")


def test_network_admins_create_currencies_and_members_list_them(client, world):
    body = {"code": "GONETTE", "name": "Gonette", "scale": 2, "kind": "backed"}
    created = call(client, world, "network_admin", "POST", "/api/v1/currencies", body, 201)
    assert {k: created[k] for k in body} == body
    listed = call(client, world, "staff_a", "GET", "/api/v1/currencies")
    assert [c["code"] for c in listed["items"]] == ["EUR", "GONETTE", "SOL"]
    assert listed["next_cursor"] is None


def test_an_omitted_min_balance_forbids_overdraft_and_an_explicit_null_is_unbounded(
        client, world):
    base = {"currency": "EUR", "name": "Caisse", "owner_member_id": world.members["b"].id}
    plain = call(client, world, "network_treasurer", "POST", "/api/v1/accounts", base, 201)
    assert (plain["min_balance"], plain["available"], plain["max_balance"]) == (
        "0.00", "0.00", None)
    assert plain["owner_member_id"] == world.members["b"].id
    assert plain["owner_ref"] == f"member:{world.members['b'].id}"
    system = call(client, world, "network_treasurer", "POST", "/api/v1/accounts",
                  {**base, "owner_member_id": None, "min_balance": None}, 201)
    assert (system["min_balance"], system["available"], system["owner_member_id"]) == (
        None, None, None)
    line = call(client, world, "network_treasurer", "POST", "/api/v1/accounts",
                {**base, "min_balance": "-500.00", "max_balance": "1000.00"}, 201)
    assert (line["available"], line["max_balance"]) == ("500.00", "1000.00")


def test_a_member_admin_opens_an_account_for_their_member_without_credit(client, world):
    body = {"currency": "EUR", "name": "Ventes", "owner_member_id": world.members["a"].id}
    created = call(client, world, "admin_a", "POST", "/api/v1/accounts", body, 201)
    assert created["min_balance"] == "0.00"
    for refused in ({**body, "min_balance": "-10.00"}, {**body, "min_balance": None},
                    {**body, "owner_member_id": world.members["b"].id},
                    {**body, "owner_member_id": None}):
        call(client, world, "admin_a", "POST", "/api/v1/accounts", refused, 403)
    call(client, world, "treasurer_a", "POST", "/api/v1/accounts", body, 403)


def test_an_account_for_an_unknown_member_is_a_validation_error(client, world):
    body = {"currency": "EUR", "name": "X", "owner_member_id": 999_999}
    error = call(client, world, "network_admin", "POST", "/api/v1/accounts", body, 422)
    assert "owner_member_id" in error["error"]["details"]["fields"]
    body = {"currency": "XXX", "name": "X"}
    call(client, world, "network_admin", "POST", "/api/v1/accounts", body, 422)


def test_an_account_shows_balance_pending_sums_and_available(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    call(client, world, "treasurer_a", "POST", "/api/v1/transfers",
         pay(a, b, "30.00", pending=True, timeout_seconds=3600), 201)
    shown = account(client, world, "a", user="treasurer_a")
    assert (shown["balance"], shown["pending_debits"], shown["available"]) == (
        "100.00", "30.00", "70.00")
    assert account(client, world, "b", user="treasurer_b")["pending_credits"] == "30.00"


def test_a_transfer_is_created_with_its_postings_and_hash(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    body = pay(a, b, "12.50", description="Facture 12", reference="F-12",
               metadata={"order": 12})
    created = call(client, world, "treasurer_a", "POST", "/api/v1/transfers", body, 201)
    assert created["status"] == "posted" and len(created["hash"]) == 64
    assert created["postings"] == [{"from": a, "to": b, "amount": "12.50", "currency": "EUR"}]
    assert (created["reference"], created["metadata"]) == ("F-12", {"order": 12})
    assert call(client, world, "treasurer_b", "GET",
                f"/api/v1/transfers/{created['id']}") == created
    assert account(client, world, "a")["balance"] == "87.50"


def test_a_hold_is_posted_once(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    held = call(client, world, "treasurer_a", "POST", "/api/v1/transfers",
                pay(a, b, "40.00", pending=True), 201)
    assert held["status"] == "pending"
    posted = call(client, world, "treasurer_a", "POST", f"/api/v1/transfers/{held['id']}/post")
    assert posted["status"] == "posted" and posted["id"] == held["id"]
    assert account(client, world, "b")["balance"] == "40.00"


def test_a_voided_hold_releases_its_reservation(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    held = call(client, world, "treasurer_a", "POST", "/api/v1/transfers",
                pay(a, b, "40.00", pending=True), 201)
    voided = call(client, world, "treasurer_a", "POST", f"/api/v1/transfers/{held['id']}/void")
    assert voided["status"] == "voided"
    assert account(client, world, "a")["available"] == "100.00"


def test_a_reversal_links_both_transfers(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    paid = call(client, world, "treasurer_a", "POST", "/api/v1/transfers", pay(a, b), 201)
    back = call(client, world, "treasurer_b", "POST",
                f"/api/v1/transfers/{paid['id']}/reverse", status=201)
    assert back["reverses"] == paid["id"]
    assert back["postings"] == [{"from": b, "to": a, "amount": "10.00", "currency": "EUR"}]
    original = call(client, world, "treasurer_a", "GET", f"/api/v1/transfers/{paid['id']}")
    assert original["reversed_by"] == back["id"]
    assert account(client, world, "a")["balance"] == "100.00"


def test_an_atomic_batch_writes_every_transfer(client, world):
    a, b, line = world.accounts["a"], world.accounts["b"], world.accounts["a_line"]
    body = {"transfers": [pay(a, b, "60.00"), pay(line, b, "50.00"), pay(a, line, "40.00")]}
    created = call(client, world, "treasurer_a", "POST", "/api/v1/transfers/batch", body, 201)
    assert [t["status"] for t in created["items"]] == ["posted"] * 3
    assert account(client, world, "b")["balance"] == "110.00"
    assert account(client, world, "a")["balance"] == "0.00"


def test_a_non_atomic_batch_answers_each_item_with_its_index(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    body = {"atomic": False, "transfers": [pay(a, b, "60.00"), pay(a, b, "60.00"),
                                           pay(a, b, "0.00"), pay(a, b, "40.00")]}
    result = call(client, world, "treasurer_a", "POST", "/api/v1/transfers/batch", body, 200)
    items = result["items"]
    assert [i["ok"] for i in items] == [True, False, False, True]
    assert items[1]["error"]["code"] == "insufficient_funds"
    assert items[2]["error"]["code"] == "invalid_amount"
    assert [items[i]["error"]["details"]["index"] for i in (1, 2)] == [1, 2]
    assert items[3]["transfer"]["postings"][0]["amount"] == "40.00"
    assert account(client, world, "a")["balance"] == "0.00"


def test_transfers_are_listed_by_account_and_period_page_by_page(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    ids = [call(client, world, "treasurer_a", "POST", "/api/v1/transfers",
                pay(a, b, f"{n}.00"), 201)["id"] for n in (1, 2, 3)]
    first = call(client, world, "treasurer_b", "GET", f"/api/v1/transfers?account={b}&limit=2")
    assert [t["id"] for t in first["items"]] == ids[:2]
    rest = call(client, world, "treasurer_b", "GET",
                f"/api/v1/transfers?account={b}&limit=2&cursor={first['next_cursor']}")
    assert [t["id"] for t in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    everything = call(client, world, "network_treasurer", "GET", "/api/v1/transfers")
    assert len(everything["items"]) == 4  # the initial funding too
    later = call(client, world, "network_treasurer", "GET",
                 "/api/v1/transfers?from=2999-01-01T00:00:00Z")
    assert later["items"] == []
    call(client, world, "network_treasurer", "GET", "/api/v1/transfers?from=2020-01-01", status=422)


def test_a_statement_shows_each_movement_with_the_running_balance(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    for amount in ("10.00", "2.50"):
        call(client, world, "treasurer_a", "POST", "/api/v1/transfers", pay(a, b, amount), 201)
    call(client, world, "treasurer_b", "POST", "/api/v1/transfers", pay(b, a, "1.25"), 201)
    found = call(client, world, "treasurer_a", "GET", f"/api/v1/accounts/{a}/statement")
    assert [(line["amount"], line["balance"]) for line in found["lines"]] == [
        ("100.00", "100.00"), ("-10.00", "90.00"), ("-2.50", "87.50"), ("1.25", "88.75")]
    assert (found["opening_balance"], found["closing_balance"]) == ("0.00", "88.75")
    assert found["account"]["id"] == a and found["from"] is None
    empty = call(client, world, "treasurer_a", "GET",
                 f"/api/v1/accounts/{a}/statement?from=2999-01-01T00:00:00Z")
    assert (empty["lines"], empty["opening_balance"]) == ([], "88.75")


def test_the_trial_balance_totals_zero_per_currency(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    call(client, world, "treasurer_a", "POST", "/api/v1/transfers", pay(a, b, "33.33"), 201)
    found = call(client, world, "network_treasurer", "GET", "/api/v1/ledger/trial-balance")
    assert {t["currency"]: t["balance"] for t in found["totals"]} == {
        "EUR": "0.00", "SOL": "0.00"}
    eur = call(client, world, "network_treasurer", "GET",
               "/api/v1/ledger/trial-balance?currency=EUR")
    lines = {line["account_id"]: line for line in eur["items"]}
    assert lines[b]["balance"] == "33.33" and lines[a]["debits"] == "33.33"
    assert [t["currency"] for t in eur["totals"]] == ["EUR"]
    call(client, world, "treasurer_a", "GET", "/api/v1/ledger/trial-balance", status=403)


def test_a_replayed_key_returns_the_first_response_and_moves_money_once(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    key = {"Idempotency-Key": "pay-42"}
    first = client.post("/api/v1/transfers", json=pay(a, b), headers=world.as_("treasurer_a",
                                                                              **key))
    assert first.status_code == 201 and "Idempotency-Replayed" not in first.headers
    after_first = snapshot(db)
    again = client.post("/api/v1/transfers", json=pay(a, b),
                        headers=world.as_("treasurer_a", **key))
    assert again.status_code == 201
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert snapshot(db) == after_first
    assert account(client, world, "a")["balance"] == "90.00"


def test_keys_are_scoped_to_the_caller(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    key = {"Idempotency-Key": "same"}
    first = call(client, world, "treasurer_a", "POST", "/api/v1/transfers", pay(a, b), 201, **key)
    other = call(client, world, "treasurer_b", "POST", "/api/v1/transfers", pay(b, a), 201, **key)
    assert first["id"] != other["id"]


@pytest.mark.parametrize("body, status, code", [
    ("insufficient", 422, "insufficient_funds"),
    ("float", 422, "validation_error"),
    ("foreign", 403, "forbidden"),
])
def test_a_refusal_is_replayed_too_and_its_key_stays_bound(client, db, world, body, status,
                                                           code):
    a, b = world.accounts["a"], world.accounts["b"]
    bodies = {"insufficient": pay(a, b, "500.00"), "float": pay(a, b, 5.0),
              "foreign": pay(b, a)}
    headers = world.as_("treasurer_a", **{"Idempotency-Key": f"k-{code}"})
    first = client.post("/api/v1/transfers", json=bodies[body], headers=headers)
    assert (first.status_code, first.get_json()["error"]["code"]) == (status, code)
    before = snapshot(db)
    again = client.post("/api/v1/transfers", json=bodies[body], headers=headers)
    assert again.status_code == status and again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = client.post("/api/v1/transfers", json=pay(a, b, "1.00"), headers=headers)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_conflict"
    assert snapshot(db) == before


def test_post_void_reverse_and_batches_honour_keys(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    held = call(client, world, "treasurer_a", "POST", "/api/v1/transfers",
                pay(a, b, pending=True), 201)
    key = {"Idempotency-Key": "post-1"}
    path = f"/api/v1/transfers/{held['id']}/post"
    first = call(client, world, "treasurer_a", "POST", path, **key)
    response = client.post(path, headers=world.as_("treasurer_a", **key))
    assert response.status_code == 200 and response.get_json() == first
    assert response.headers["Idempotency-Replayed"] == "true"
    batch = {"transfers": [pay(a, b, "1.00")]}
    key = {"Idempotency-Key": "batch-1"}
    once = call(client, world, "treasurer_a", "POST", "/api/v1/transfers/batch", batch, 201,
                **key)
    twice = call(client, world, "treasurer_a", "POST", "/api/v1/transfers/batch", batch, 201,
                 **key)
    assert once == twice
    void = client.post(f"/api/v1/transfers/{held['id']}/void",
                       headers=world.as_("treasurer_a", **key))
    assert void.status_code == 409
    assert void.get_json()["error"]["code"] == "idempotency_conflict"


def test_an_oversized_idempotency_key_is_a_validation_error(client, world):
    a, b = world.accounts["a"], world.accounts["b"]
    call(client, world, "treasurer_a", "POST", "/api/v1/transfers", pay(a, b), 422,
         **{"Idempotency-Key": "k" * 256})


def test_a_statement_goes_a_page_at_a_time_through_its_cursor(client, db, world):
    a = world.accounts["a"]
    for _ in range(4):
        ledger.transfer(db.engine, [{"from": world.accounts["system"], "to": a,
                                     "amount": "1.00"}])
    headers = world.as_("treasurer_a")
    first = client.get(f"/api/v1/accounts/{a}/statement?limit=3", headers=headers).get_json()
    assert len(first["lines"]) == 3 and first["next_cursor"]
    rest = client.get(f"/api/v1/accounts/{a}/statement?limit=3&cursor={first['next_cursor']}",
                      headers=headers).get_json()
    assert [line["balance"] for line in rest["lines"]] == ["103.00", "104.00"]
    assert rest["opening_balance"] == first["closing_balance"] and rest["next_cursor"] is None
    unbounded = client.get(f"/api/v1/accounts/{a}/statement", headers=headers).get_json()
    assert len(unbounded["lines"]) == 5  # under the default page of 50
    for query in ("limit=501", "limit=0", "cursor=nope", "cursor=WyJ4IiwxLDFd"):
        response = client.get(f"/api/v1/accounts/{a}/statement?{query}", headers=headers)
        assert response.status_code == 422, query
