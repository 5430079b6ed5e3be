"""Bad input that used to give a 500: deeply nested JSON, a batch naming more accounts than a
statement may hold, control characters in text. Each is a 4xx that writes nothing."""

import pytest

from tests.integration.ledger_api_helpers import error_of, make_world, pay, snapshot

DEEP = "[" * 100_000 + "]" * 100_000
NESTED = '{"postings": ' + "[" * 100 + "]" * 100 + "}"


@pytest.fixture
def world(db):
    return make_world(db)


@pytest.mark.parametrize("body", [DEEP, NESTED])
@pytest.mark.parametrize("keyed", [False, True])
def test_deeply_nested_json_is_a_bad_request(client, db, world, body, keyed):
    before = snapshot(db)
    for user, method, path in (
            ("treasurer_a", "POST", "/api/v1/transfers"),
            ("treasurer_a", "POST", "/api/v1/transfers/batch"),
            ("network_treasurer", "POST", "/api/v1/accounts"),
            ("admin_a", "PATCH", f"/api/v1/members/{world.members['a'].id}")):
        headers = {**world.as_(user), "Content-Type": "application/json"}
        if keyed:
            headers["Idempotency-Key"] = f"nested {path}"
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code == 400, (path, response.get_json())
        assert error_of(response)["code"] == "bad_request"
    assert snapshot(db) == before


def test_a_batch_naming_more_accounts_than_a_statement_holds_is_refused(client, db, world):
    first = 10**6
    body = {"transfers": [{"postings": [
        {"from": first + 200 * i + 2 * j, "to": first + 200 * i + 2 * j + 1, "amount": "1.00"}
        for j in range(100)]} for i in range(400)]}
    before = snapshot(db)
    response = client.post("/api/v1/transfers/batch", json=body,
                           headers=world.as_("network_treasurer"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"
    assert snapshot(db) == before


def test_many_accounts_in_a_batch_are_locked_in_chunks(client, db, world):
    """Under the postings bound, a batch may still name thousands of accounts: each lock
    and lookup statement takes them a chunk at a time."""
    import ledger
    from ledger.store import repo

    monkey_chunk = repo.CHUNK
    try:
        repo.CHUNK = 3  # as if the database took only three parameters a statement
        a, b, system = world.accounts["a"], world.accounts["b"], world.accounts["system"]
        items = [{"postings": [{"from": system, "to": target, "amount": "1.00"}]}
                 for target in (a, b, world.accounts["a_line"], world.accounts["b_capped"])]
        written = ledger.batch(db.engine, items)
    finally:
        repo.CHUNK = monkey_chunk
    assert len(written) == 4


@pytest.mark.parametrize("field", ["description", "reference"])
@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_in_a_text_field_are_a_validation_error(client, db, world, field,
                                                                   character):
    before = snapshot(db)
    body = pay(world.accounts["a"], world.accounts["b"], **{field: f"Facture{character}7"})
    response = client.post("/api/v1/transfers", json=body, headers=world.as_("treasurer_a"))
    assert response.status_code == 422
    assert field in error_of(response)["details"]["fields"]
    assert snapshot(db) == before


def test_a_description_may_hold_line_breaks_and_tabs(client, world):
    body = pay(world.accounts["a"], world.accounts["b"], description="Ligne 1\n\tLigne 2")
    assert client.post("/api/v1/transfers", json=body,
                       headers=world.as_("treasurer_a")).status_code == 201


@pytest.mark.parametrize("metadata", [{"note": "a\x00b"}, {"k\x01": "v"}, {"k": ["\x00"]},
                                      {"k": {"deeper": "\x02"}}])
def test_control_characters_in_metadata_are_a_validation_error(client, db, world, metadata):
    before = snapshot(db)
    body = pay(world.accounts["a"], world.accounts["b"], metadata=metadata)
    response = client.post("/api/v1/transfers", json=body, headers=world.as_("treasurer_a"))
    assert response.status_code == 422
    assert "metadata" in error_of(response)["details"]["fields"]
    assert snapshot(db) == before


@pytest.mark.parametrize("path", ["/ledger/accounts?currency=%00",
                                  "/ledger/trial-balance?currency=%00", "/?q=%00", "/?region=%00",
                                  "/api/v1/members?q=%00", "/api/v1/accounts?currency=%00"])
def test_a_nul_character_in_a_query_is_a_client_error(client, world, path):
    from tests.integration.members_factories import log_in

    log_in(client, world.users["network_admin"])
    response = client.get(path, headers=world.as_("network_admin") if "/api/" in path else {})
    assert 400 <= response.status_code < 500, path
