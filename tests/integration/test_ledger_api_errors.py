"""Every error code of the Ledger API, over HTTP, each leaving the ledger untouched."""

import pytest

from tests.integration.ledger_api_helpers import error_of, make_world, pay, snapshot


@pytest.fixture
def world(db):
    return make_world(db)


def refused(client, db, world, user, path, body=None, *, status, code, **kwargs):
    """POST `body` as `user`; check the status and code, and that nothing was written."""
    before = snapshot(db)
    headers = world.as_(user) if user else {}
    response = client.post(path, json=body, headers=headers, **kwargs)
    assert response.status_code == status, response.get_json()
    error = error_of(response)
    assert error["code"] == code
    assert snapshot(db) == before
    return error


def hold(client, world, source, target, amount="10.00", user="network_treasurer"):
    response = client.post("/api/v1/transfers", headers=world.as_(user),
                           json=pay(source, target, amount, pending=True))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_malformed_json_is_a_bad_request(client, db, world):
    before = snapshot(db)
    response = client.post("/api/v1/transfers", data='{"postings": [', headers={
        **world.as_("treasurer_a"), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert snapshot(db) == before


def test_a_call_without_credentials_is_unauthenticated(client, db, world):
    refused(client, db, world, None, "/api/v1/transfers",
            pay(world.accounts["a"], world.accounts["b"]), status=401, code="unauthenticated")
    response = client.get(f"/api/v1/accounts/{world.accounts['a']}")
    assert response.status_code == 401


def test_a_revoked_or_unknown_token_is_unauthenticated(client, db, world):
    response = client.post("/api/v1/transfers", json=pay(world.accounts["a"], 1),
                           headers={"Authorization": "Bearer ic_not-a-token"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_moving_another_members_money_is_forbidden(client, db, world):
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers",
                    pay(world.accounts["b"], world.accounts["a"]), status=403, code="forbidden")
    assert error["details"]["account_id"] == world.accounts["b"]


def test_one_foreign_posting_among_own_ones_forbids_the_whole_transfer(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    body = {"postings": [{"from": a, "to": b, "amount": "1.00"},
                         {"from": b, "to": a, "amount": "1.00"}]}
    refused(client, db, world, "treasurer_a", "/api/v1/transfers", body,
            status=403, code="forbidden")


def test_a_member_cannot_move_money_from_a_system_account(client, db, world):
    refused(client, db, world, "admin_a", "/api/v1/transfers",
            pay(world.accounts["system"], world.accounts["a"]), status=403, code="forbidden")


def test_member_staff_and_buyers_cannot_move_money(client, db, world):
    for user in ("staff_a", "buyer_a"):
        refused(client, db, world, user, "/api/v1/transfers",
                pay(world.accounts["a"], world.accounts["b"]), status=403, code="forbidden")


def test_a_batch_with_one_foreign_debit_is_forbidden_even_when_not_atomic(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    body = {"atomic": False, "transfers": [pay(a, b), pay(b, a)]}
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers/batch", body,
                    status=403, code="forbidden")
    assert error["details"]["index"] == 1


def test_posting_or_voiding_another_members_hold_is_forbidden(client, db, world):
    held = hold(client, world, world.accounts["a"], world.accounts["b"])
    for action in ("post", "void"):
        refused(client, db, world, "treasurer_b", f"/api/v1/transfers/{held}/{action}",
                status=403, code="forbidden")


def test_reversing_needs_control_of_the_credited_accounts(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    paid = client.post("/api/v1/transfers", json=pay(a, b), headers=world.as_("treasurer_a"))
    refused(client, db, world, "treasurer_a",
            f"/api/v1/transfers/{paid.get_json()['id']}/reverse", status=403, code="forbidden")


def test_only_network_admins_create_currencies(client, db, world):
    body = {"code": "XYZ", "name": "Test", "scale": 2, "kind": "fiat"}
    refused(client, db, world, "network_treasurer", "/api/v1/currencies", body,
            status=403, code="forbidden")


@pytest.mark.parametrize("path", ["/api/v1/accounts/{missing}", "/api/v1/accounts/{b}",
                                  "/api/v1/accounts/{b}/statement", "/api/v1/transfers/{missing}",
                                  "/api/v1/transfers?account={b}"])
def test_what_does_not_exist_or_is_not_yours_to_read_is_not_found(client, db, world, path):
    url = path.format(missing=999_999, b=world.accounts["b"])
    response = client.get(url, headers=world.as_("treasurer_a"))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("action", ["post", "void", "reverse"])
def test_acting_on_a_missing_transfer_is_not_found(client, db, world, action):
    refused(client, db, world, "network_treasurer", f"/api/v1/transfers/999999/{action}",
            status=404, code="not_found")


def test_a_wrong_method_is_405_with_an_allow_header(client, db, world):
    response = client.delete("/api/v1/transfers", headers=world.as_("network_treasurer"))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_posting_a_voided_hold_is_an_invalid_state(client, db, world):
    held = hold(client, world, world.accounts["a"], world.accounts["b"],
                user="treasurer_a")
    assert client.post(f"/api/v1/transfers/{held}/void",
                       headers=world.as_("treasurer_a")).status_code == 200
    refused(client, db, world, "treasurer_a", f"/api/v1/transfers/{held}/post",
            status=409, code="invalid_state")
    refused(client, db, world, "treasurer_a", f"/api/v1/transfers/{held}/void",
            status=409, code="invalid_state")


def test_voiding_a_posted_hold_is_an_invalid_state(client, db, world):
    held = hold(client, world, world.accounts["a"], world.accounts["b"],
                user="treasurer_a")
    assert client.post(f"/api/v1/transfers/{held}/post",
                       headers=world.as_("treasurer_a")).status_code == 200
    refused(client, db, world, "treasurer_a", f"/api/v1/transfers/{held}/void",
            status=409, code="invalid_state")


def test_reversing_twice_is_an_invalid_state(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    paid = client.post("/api/v1/transfers", json=pay(a, b), headers=world.as_("treasurer_a"))
    path = f"/api/v1/transfers/{paid.get_json()['id']}/reverse"
    assert client.post(path, headers=world.as_("treasurer_b")).status_code == 201
    refused(client, db, world, "treasurer_b", path, status=409, code="invalid_state")


def test_reversing_a_pending_hold_is_an_invalid_state(client, db, world):
    held = hold(client, world, world.accounts["a"], world.accounts["b"])
    refused(client, db, world, "network_treasurer", f"/api/v1/transfers/{held}/reverse",
            status=409, code="invalid_state")


def test_a_reused_reference_and_a_reused_currency_code_are_conflicts(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    first = client.post("/api/v1/transfers", json=pay(a, b, reference="INV-1"),
                        headers=world.as_("treasurer_a"))
    assert first.status_code == 201
    refused(client, db, world, "treasurer_a", "/api/v1/transfers",
            pay(a, b, reference="INV-1"), status=409, code="conflict")
    refused(client, db, world, "network_admin", "/api/v1/currencies",
            {"code": "EUR", "name": "Euro", "scale": 2, "kind": "fiat"},
            status=409, code="conflict")


def test_the_same_key_for_another_body_is_an_idempotency_conflict(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    key = {"Idempotency-Key": "order-17"}
    first = client.post("/api/v1/transfers", json=pay(a, b, "10.00"),
                        headers=world.as_("treasurer_a", **key))
    assert first.status_code == 201
    before = snapshot(db)
    again = client.post("/api/v1/transfers", json=pay(a, b, "11.00"),
                        headers=world.as_("treasurer_a", **key))
    assert again.status_code == 409
    assert error_of(again)["code"] == "idempotency_conflict"
    assert "Idempotency-Replayed" not in again.headers
    assert snapshot(db) == before


@pytest.mark.parametrize("amount, code", [
    (10.5, "validation_error"), (10, "validation_error"), (None, "validation_error"),
    ("0.00", "invalid_amount"), ("-5.00", "invalid_amount"), ("1.005", "invalid_amount"),
    ("1.5", "invalid_amount"), ("ten", "invalid_amount"), ("1e3", "invalid_amount"),
])
def test_bad_amounts_are_refused(client, db, world, amount, code):
    body = pay(world.accounts["a"], world.accounts["b"], amount)
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers", body,
                    status=422, code=code)
    if code == "validation_error":
        assert "amount" in error["details"]["fields"]["postings"]["0"]


def test_an_unknown_account_in_a_body_is_a_validation_error_not_a_404(client, db, world):
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers",
                    pay(world.accounts["a"], 999_999), status=422, code="validation_error")
    assert error["details"]["fields"] == {"postings.0.to": ["Compte inconnu."]}


@pytest.mark.parametrize("body", [
    {}, {"postings": []}, {"postings": "x"}, {"postings": [{"from": 1}]},
    {"postings": [{"from": "1", "to": 2, "amount": "1.00"}]},
    {"postings": [{"from": 1, "to": 2, "amount": "1.00"}], "surprise": True},
    {"postings": [{"from": 1, "to": 2, "amount": "1.00"}], "timeout_seconds": 1.5},
])
def test_malformed_transfers_are_validation_errors(client, db, world, body):
    refused(client, db, world, "network_treasurer", "/api/v1/transfers", body,
            status=422, code="validation_error")


def test_a_posting_from_an_account_to_itself_is_a_validation_error(client, db, world):
    a = world.accounts["a"]
    refused(client, db, world, "treasurer_a", "/api/v1/transfers", pay(a, a),
            status=422, code="validation_error")


@pytest.mark.parametrize("count", [0, 1001])
def test_a_batch_of_0_or_1001_transfers_is_a_validation_error(client, db, world, count):
    body = {"transfers": [pay(world.accounts["a"], world.accounts["b"], "0.01")] * count}
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers/batch", body,
                    status=422, code="validation_error")
    assert "transfers" in error["details"]["fields"]


def test_a_posting_across_two_currencies_is_a_currency_mismatch(client, db, world):
    refused(client, db, world, "treasurer_a", "/api/v1/transfers",
            pay(world.accounts["a_sol"], world.accounts["b"], "1.00"),
            status=422, code="currency_mismatch")


def test_a_posting_naming_another_currency_is_a_currency_mismatch(client, db, world):
    body = {"postings": [{"from": world.accounts["a"], "to": world.accounts["b"],
                          "amount": "1.00", "currency": "SOL"}]}
    refused(client, db, world, "treasurer_a", "/api/v1/transfers", body,
            status=422, code="currency_mismatch")


def test_spending_more_than_the_balance_is_insufficient_funds(client, db, world):
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers",
                    pay(world.accounts["a"], world.accounts["b"], "100.01"),
                    status=422, code="insufficient_funds")
    assert error["details"]["available"] == "100.00"


def test_a_credit_line_stops_at_its_limit(client, db, world):
    line, b = world.accounts["a_line"], world.accounts["b"]
    assert client.post("/api/v1/transfers", json=pay(line, b, "50.00"),
                       headers=world.as_("treasurer_a")).status_code == 201
    refused(client, db, world, "treasurer_a", "/api/v1/transfers", pay(line, b, "0.01"),
            status=422, code="insufficient_funds")


def test_crediting_past_the_maximum_balance_is_limit_exceeded(client, db, world):
    refused(client, db, world, "treasurer_a", "/api/v1/transfers",
            pay(world.accounts["a"], world.accounts["b_capped"], "20.01"),
            status=422, code="limit_exceeded")


def test_a_hold_reserves_funds_so_a_second_spend_is_refused(client, db, world):
    hold(client, world, world.accounts["a"], world.accounts["b"], "80.00", user="treasurer_a")
    refused(client, db, world, "treasurer_a", "/api/v1/transfers",
            pay(world.accounts["a"], world.accounts["b"], "20.01"),
            status=422, code="insufficient_funds")


def test_an_atomic_batch_fails_whole_with_the_failing_items_error_and_index(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    body = {"transfers": [pay(a, b, "60.00"), pay(a, b, "60.00"), pay(a, b, "1.00")]}
    error = refused(client, db, world, "treasurer_a", "/api/v1/transfers/batch", body,
                    status=422, code="insufficient_funds")
    assert error["details"]["index"] == 1


def test_a_frozen_account_refuses_transfers_with_an_invalid_state(client, db, world):
    import ledger

    ledger.freeze_account(db.engine, world.accounts["b"])
    refused(client, db, world, "treasurer_a", "/api/v1/transfers",
            pay(world.accounts["a"], world.accounts["b"]), status=409, code="invalid_state")


def test_a_ledger_refusal_reads_in_french_and_keeps_the_ledgers_reason(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    response = client.post("/api/v1/transfers", json=pay(a, b, "999999.00"),
                           headers=world.as_("treasurer_a"))
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) == (422, "insufficient_funds")
    assert error["message"].startswith("Provision insuffisante")
    assert str(a) in error["details"]["reason"]


def test_field_messages_read_in_french_unless_english_is_asked(client, db, world):
    a = world.accounts["a"]
    body = {"postings": [{"from": a, "to": "x", "amount": "1.00"}], "surprise": 1,
            "timeout_seconds": 0}
    french = refused(client, db, world, "treasurer_a", "/api/v1/transfers", body,
                     status=422, code="validation_error")["details"]["fields"]
    english = refused(client, db, world, "treasurer_a", "/api/v1/transfers", body,
                      status=422, code="validation_error",
                      environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"})["details"]["fields"]
    assert french["surprise"] == ["Champ inconnu."]
    assert french["postings"]["0"]["to"] == ["Nombre entier attendu."]
    assert french["timeout_seconds"] == ["Entre 1 et 31622400."]
    assert english["surprise"] == ["Unknown field."]
    assert english["timeout_seconds"] == ["Between 1 and 31622400."]
    # The ledger's own field messages (it knows no Flask) are translated the same way.
    same = {"postings": [{"from": a, "to": a, "amount": "1.00"}]}
    ledger_fields = refused(client, db, world, "treasurer_a", "/api/v1/transfers", same,
                            status=422, code="validation_error")["details"]["fields"]
    assert ledger_fields == {"postings.0": ["from et to désignent le même compte."]}
