"""Edges of the ledger's access policy over the API: transfers of several postings, where a
posting other than the first concerns another member's account, and the corners of
market.treasury.access that the other tests leave open.

Whatever is refused writes nothing: neither the ledger's rows and balances (``snapshot``)
nor anything in any other table.
"""

import pytest

import ledger
from tests.integration.db_writes import nothing_written
from tests.integration.ledger_api_helpers import error_of, make_world, snapshot


@pytest.fixture
def world(db):
    return make_world(db)


def legs(world, *pairs, amount="10.00") -> list[dict]:
    return [{"from": world.accounts[s], "to": world.accounts[t], "amount": amount}
            for s, t in pairs]


def place(client, world, user, postings, **extra) -> dict:
    response = client.post("/api/v1/transfers", json={"postings": postings, **extra},
                           headers=world.as_(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, world, user, transfer, action):
    return client.post(f"/api/v1/transfers/{transfer['id']}/{action}",
                       headers=world.as_(user))


def refused_and_unwritten(client, db, world, user, transfer, action) -> dict:
    """``user``'s ``action`` on ``transfer`` is a 403 that writes nothing; its error."""
    before = snapshot(db)
    with nothing_written(db):
        response = act(client, world, user, transfer, action)
    assert response.status_code == 403, response.get_json()
    assert snapshot(db) == before
    return error_of(response)


def fund_b(db, world) -> None:
    ledger.transfer(db.engine, legs(world, ("system", "b"), amount="20.00"))


def status_of(db, transfer) -> str:
    return ledger.get_transfer(db.engine, transfer["id"])["status"]


# A hold [a→b, b→a] placed by the network: its second posting debits member b.

@pytest.fixture
def swap(client, world) -> dict:
    return place(client, world, "network_treasurer", legs(world, ("a", "b"), ("b", "a")),
                 pending=True, post_by="debtor")


@pytest.mark.parametrize("user", ["treasurer_a", "admin_a", "treasurer_b"])
def test_no_member_posts_a_debtor_hold_that_debits_both_members(client, db, world, swap,
                                                                user):
    """Both debtors must confirm: each member's users control one of them only (a's the
    first posting's, b's the second's)."""
    error = refused_and_unwritten(client, db, world, user, swap, "post")
    assert error["code"] == "forbidden" and error["details"]["rule"] == "debtor"
    assert status_of(db, swap) == "pending"


@pytest.mark.parametrize("user", ["treasurer_a", "admin_a", "treasurer_b"])
def test_no_member_voids_a_hold_the_network_placed_over_both_members(client, db, world, swap,
                                                                     user):
    error = refused_and_unwritten(client, db, world, user, swap, "void")
    assert error["code"] == "forbidden" and error["details"]["rule"] == "placer"
    assert status_of(db, swap) == "pending"


def test_the_network_posts_the_hold_over_both_members(client, db, world, swap):
    for user in ("treasurer_a", "treasurer_b"):
        refused_and_unwritten(client, db, world, user, swap, "post")
    posted = act(client, world, "network_treasurer", swap, "post")
    assert posted.status_code == 200 and posted.get_json()["status"] == "posted"
    assert status_of(db, swap) == "posted"


@pytest.mark.parametrize("user", ["treasurer_a", "treasurer_b"])
def test_no_member_captures_a_creditor_hold_crediting_both_members(client, db, world, user):
    """[b→a, a→b] for the creditor: a is credited first, b second."""
    held = place(client, world, "network_treasurer", legs(world, ("b", "a"), ("a", "b")),
                 pending=True, post_by="creditor")
    error = refused_and_unwritten(client, db, world, user, held, "post")
    assert error["details"]["rule"] == "creditor"
    assert status_of(db, held) == "pending"


def test_a_creditor_hold_whose_every_posting_credits_a_is_captured_by_a(client, db, world):
    fund_b(db, world)
    held = place(client, world, "network_treasurer",
                 legs(world, ("b", "a"), ("system", "a")), pending=True, post_by="creditor")
    refused_and_unwritten(client, db, world, "treasurer_b", held, "post")
    posted = act(client, world, "treasurer_a", held, "post")
    assert posted.status_code == 200 and posted.get_json()["status"] == "posted"


# A posted transfer [b→a, system→b]: reversing it debits a (first) and b (second).

@pytest.fixture
def mixed(client, world) -> dict:
    return place(client, world, "network_treasurer", legs(world, ("b", "a"), ("system", "b")))


@pytest.mark.parametrize("user", ["treasurer_a", "admin_a", "treasurer_b"])
def test_no_member_reverses_a_transfer_whose_reversal_debits_another_member(client, db, world,
                                                                           mixed, user):
    error = refused_and_unwritten(client, db, world, user, mixed, "reverse")
    assert error["code"] == "forbidden"
    assert error["details"] == {"transfer_id": mixed["id"]}
    stored = ledger.get_transfer(db.engine, mixed["id"])
    assert stored["status"] == "posted" and stored["reversed_by"] is None


def test_the_network_reverses_the_transfer_over_both_members(client, db, world, mixed):
    before = [ledger.get_account(db.engine, world.accounts[n])["balance"] for n in "ab"]
    reversed_ = act(client, world, "network_treasurer", mixed, "reverse")
    assert reversed_.status_code == 201, reversed_.get_json()
    assert ledger.get_transfer(db.engine, mixed["id"])["reversed_by"] == \
        reversed_.get_json()["id"]
    after = [ledger.get_account(db.engine, world.accounts[n])["balance"] for n in "ab"]
    assert before == ["110.00", "0.00"] and after == ["100.00", "0.00"]


def test_a_member_reverses_a_transfer_whose_every_credit_is_its_own(client, db, world):
    fund_b(db, world)
    paid = place(client, world, "network_treasurer", legs(world, ("b", "a"), ("system", "a"),
                                                          amount="1.00"))
    refused_and_unwritten(client, db, world, "treasurer_b", paid, "reverse")
    response = act(client, world, "treasurer_a", paid, "reverse")
    assert response.status_code == 201, response.get_json()


# Creating such a transfer is refused to a member's user: its second posting debits b.

@pytest.mark.parametrize("extra", [{}, {"pending": True}, {"pending": True,
                                                           "post_by": "debtor"}],
                         ids=["posted", "hold", "debtor hold"])
@pytest.mark.parametrize("pairs", [(("a", "b"), ("b", "a")), (("a", "b"), ("b_capped", "a")),
                                   (("system", "a"), ("a", "b"))],
                         ids=["b debited second", "b capped debited second",
                              "system debited first"])
def test_a_member_cannot_create_a_transfer_with_a_foreign_debit_past_the_first(
        client, db, world, extra, pairs):
    body = {"postings": legs(world, *pairs), **extra}
    before = snapshot(db)
    with nothing_written(db):
        response = client.post("/api/v1/transfers", json=body,
                               headers=world.as_("treasurer_a"))
        batch = client.post("/api/v1/transfers/batch", json={"transfers": [body]},
                            headers=world.as_("treasurer_a"))
    assert response.status_code == 403, response.get_json()
    assert error_of(response)["code"] == "forbidden"
    assert batch.status_code == 403 and error_of(batch)["code"] == "forbidden"
    assert snapshot(db) == before


# Every refusal of the policy, word for word: its message and exactly the details it gives.

NOT_ALLOWED = "Vous n'avez pas le droit de faire cela."
MISSING = "Cette page ou cette ressource n'existe pas."
OWN_DEBITS_ONLY = "Vous ne pouvez débiter que les comptes de votre structure."
OWN_ACCOUNTS_ONLY = "Vous ne pouvez ouvrir des comptes que pour votre structure."
NO_CREDIT_LINE = "Seul le réseau accorde une ligne de crédit."
NAME_AN_ACCOUNT = "Précisez un compte de votre structure : ?account=."


def refusal(client, db, world, user, method, path, status, json=None) -> dict:
    """The error ``user`` gets for the request, which writes nothing."""
    with nothing_written(db):
        response = client.open(path, method=method, json=json, headers=world.as_(user))
    assert response.status_code == status, response.get_json()
    return error_of(response)


def test_filtering_accounts_on_another_member_names_the_member(client, db, world):
    b = world.members["b"].id
    error = refusal(client, db, world, "treasurer_a", "GET", f"/api/v1/accounts?member={b}",
                    403)
    assert error == {"code": "forbidden", "message": NOT_ALLOWED, "details": {"member_id": b}}


@pytest.mark.parametrize("path", ["/api/v1/accounts/{id}", "/api/v1/accounts/{id}/statement"])
def test_another_members_account_is_missing_by_its_id(client, db, world, path):
    b = world.accounts["b"]
    error = refusal(client, db, world, "treasurer_a", "GET", path.format(id=b), 404)
    assert error == {"code": "not_found", "message": MISSING, "details": {"account_id": b}}


def test_another_members_transfer_is_missing_by_its_id(client, db, world):
    paid = ledger.transfer(db.engine, legs(world, ("system", "b")))
    for user in ("treasurer_a", "staff_a"):
        error = refusal(client, db, world, user, "GET", f"/api/v1/transfers/{paid['id']}", 404)
        assert error == {"code": "not_found", "message": MISSING,
                         "details": {"transfer_id": paid["id"]}}


def test_a_refused_reversal_says_whose_accounts_may_be_debited(client, db, world, mixed):
    error = refused_and_unwritten(client, db, world, "treasurer_a", mixed, "reverse")
    assert error == {"code": "forbidden", "message": OWN_DEBITS_ONLY,
                     "details": {"transfer_id": mixed["id"]}}


def test_listing_transfers_needs_an_account_the_member_reads(client, db, world):
    error = refusal(client, db, world, "treasurer_a", "GET", "/api/v1/transfers", 403)
    assert error == {"code": "forbidden", "message": NAME_AN_ACCOUNT, "details": {}}
    for account in (world.accounts["b"], 987654):  # another member's, or none at all
        error = refusal(client, db, world, "staff_a", "GET",
                        f"/api/v1/transfers?account={account}", 404)
        assert error == {"code": "not_found", "message": MISSING,
                         "details": {"account_id": account}}


def opening(world, owner="a", **extra) -> dict:
    owner_id = world.members[owner].id if owner in world.members else owner
    return {"currency": "EUR", "name": "Ventes", "owner_member_id": owner_id, **extra}


@pytest.mark.parametrize("user", ["admin_a", "network_admin"])
def test_an_account_for_an_unknown_member_is_refused_to_everyone(client, db, world, user):
    error = refusal(client, db, world, user, "POST", "/api/v1/accounts", 422,
                    opening(world, 987654))
    assert error["code"] == "validation_error"
    assert error["details"] == {"fields": {"owner_member_id": ["Structure inconnue."]}}


@pytest.mark.parametrize("owner", ["b", None], ids=["another member", "the network"])
def test_a_member_admin_opens_no_account_for_another_owner(client, db, world, owner):
    error = refusal(client, db, world, "admin_a", "POST", "/api/v1/accounts", 403,
                    opening(world, owner))
    assert error == {"code": "forbidden", "message": OWN_ACCOUNTS_ONLY, "details": {}}


@pytest.mark.parametrize("minimum", ["-10.00", " -10.00", "\u00a0-0.01", "-1e3", "-x", None])
def test_a_member_admin_grants_no_credit_line(client, db, world, minimum):
    error = refusal(client, db, world, "admin_a", "POST", "/api/v1/accounts", 403,
                    opening(world, min_balance=minimum))
    assert error == {"code": "forbidden", "message": NO_CREDIT_LINE, "details": {}}


@pytest.mark.parametrize("extra", [{}, {"min_balance": "0.00"},
                                   {"min_balance": "0.00", "max_balance": "100.00"}])
def test_a_member_admin_opens_an_account_without_credit_for_its_member(client, db, world,
                                                                      extra):
    response = client.post("/api/v1/accounts", json=opening(world, **extra),
                           headers=world.as_("admin_a"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    a = world.members["a"].id
    assert (body["owner_member_id"], body["owner_ref"]) == (a, f"member:{a}")
    stored = ledger.get_account(db.engine, body["id"])
    assert stored["owner_ref"] == f"member:{a}"
    assert stored["min_balance"] == extra.get("min_balance", "0.00")


def test_a_minimum_of_minus_zero_is_no_credit_line(client, db, world):
    response = client.post("/api/v1/accounts", json=opening(world, min_balance="-0.00"),
                           headers=world.as_("admin_a"))
    assert response.status_code == 201, response.get_json()
    assert ledger.get_account(db.engine, response.get_json()["id"])["min_balance"] == "0.00"


def test_the_network_opens_system_accounts_and_credit_lines(client, db, world):
    for body in (opening(world, None), opening(world, None, min_balance=None),
                 opening(world, "b", min_balance="-500.00")):
        response = client.post("/api/v1/accounts", json=body,
                               headers=world.as_("network_treasurer"))
        assert response.status_code == 201, response.get_json()
        created = response.get_json()
        assert created["owner_member_id"] == body["owner_member_id"]
        stored = ledger.get_account(db.engine, created["id"])
        assert stored["min_balance"] == body.get("min_balance", "0.00")


def test_every_account_the_api_shows_names_its_owning_member(client, world):
    a = world.members["a"].id
    shown = client.get(f"/api/v1/accounts/{world.accounts['a']}",
                       headers=world.as_("staff_a")).get_json()
    assert shown["owner_member_id"] == a
    listed = client.get("/api/v1/accounts", headers=world.as_("network_admin")).get_json()
    owners = {item["id"]: item["owner_member_id"] for item in listed["items"]}
    assert owners[world.accounts["system"]] is None
    assert owners[world.accounts["b"]] == world.members["b"].id
    statement = client.get(f"/api/v1/accounts/{world.accounts['a']}/statement",
                           headers=world.as_("treasurer_a")).get_json()
    assert statement["account"]["owner_member_id"] == a


def test_a_hidden_figure_leaves_the_rest_of_the_refusal_whole(client, db, world):
    capped = world.accounts["b_capped"]
    body = {"postings": legs(world, ("a", "b_capped"), amount="25.00")}
    error = refusal(client, db, world, "treasurer_a", "POST", "/api/v1/transfers", 422, body)
    assert error["code"] == "limit_exceeded"
    assert error["details"] == {
        "account_id": capped, "incoming": "25.00",
        "reason": f"Account {capped} would exceed its maximum balance."}


def test_redacting_a_refusal_twice_changes_nothing_more(app, db, world):
    """A refusal already shown without its figures (a replay, say) is redacted again as is."""
    from market.treasury.access import Viewer, redacted

    capped = world.accounts["b_capped"]
    viewer = Viewer(movers=frozenset({world.members["a"].id}),
                    readers=frozenset({world.members["a"].id}))
    error = ledger.LimitExceeded("over", account_id=capped, max_balance="20.00",
                                 incoming="25.00")
    with db.engine.connect() as conn:
        once = redacted(error, viewer, conn)
        twice = redacted(once, viewer, conn)
    assert once.details == twice.details == {"account_id": capped, "incoming": "25.00"}
    assert (twice.code, twice.message) == ("limit_exceeded", "over")


def test_the_readable_accounts_start_at_the_first_and_stop_at_the_limit(app, db, world):
    from market.treasury.access import Viewer, readable_accounts

    every = sorted(world.accounts.values())
    with db.engine.connect() as conn:
        network_wide = Viewer(network=True)
        assert [a["id"] for a in readable_accounts(network_wide, conn)] == every
        assert [a["id"] for a in readable_accounts(network_wide, conn, limit=2)] == every[:2]
        assert [a["id"] for a in readable_accounts(network_wide, conn, after=every[1])] == \
            every[2:]
        assert [a["id"] for a in readable_accounts(network_wide, conn, "SOL")] == [
            world.accounts["a_sol"]]
        b_only = Viewer(readers=frozenset({world.members["b"].id}))
        assert [a["id"] for a in readable_accounts(b_only, conn)] == sorted(
            [world.accounts["b"], world.accounts["b_capped"]])


def test_member_names_name_the_network_for_system_accounts(app, db, world):
    from market.treasury.access import member_names

    a, b = world.members["a"].id, world.members["b"].id
    assert member_names(db.session, [None, f"member:{a}", f"member:{b}"]) == {
        None: "Réseau", f"member:{a}": "Coop A", f"member:{b}": "Coop B"}
    assert member_names(db.session, []) == {None: "Réseau"}
