"""A member's status decides what its users may do: pending waits, suspended reads, rejected
does nothing; the same rule holds for pages, the API and the ledger's fast path."""

import pytest

import ledger
from market.auth.roles import Role
from market.members.models import Member, MemberStatus
from tests.integration.ledger_api_helpers import error_of, make_user, make_world, pay, snapshot
from tests.integration.members_factories import bearer, log_in

STATUSES = ["active", "suspended", "pending", "rejected"]
#: Whether a member's users read and write, by its status.
READS = {"active": True, "suspended": True, "pending": False, "rejected": False}
WRITES = {"active": True, "suspended": False, "pending": False, "rejected": False}


@pytest.fixture
def world(db):
    return make_world(db)


def set_status(db, world, status: str, key: str = "a") -> None:
    member = db.session.get(Member, world.members[key].id)
    member.status = status
    db.session.commit()


@pytest.mark.parametrize("status", STATUSES)
def test_a_members_treasurer_reads_its_accounts_only_while_active_or_suspended(
        client, db, world, status):
    set_status(db, world, status)
    headers = world.as_("treasurer_a")
    account = world.accounts["a"]
    responses = [client.get("/api/v1/accounts", headers=headers),
                 client.get(f"/api/v1/accounts/{account}", headers=headers),
                 client.get(f"/api/v1/accounts/{account}/statement", headers=headers)]
    assert [r.status_code for r in responses] == [200 if READS[status] else 403] * 3


@pytest.mark.parametrize("status", STATUSES)
def test_a_members_treasurer_moves_money_only_while_active(client, db, world, status):
    set_status(db, world, status)
    before = snapshot(db)
    response = client.post("/api/v1/transfers", headers=world.as_("treasurer_a"),
                           json=pay(world.accounts["a"], world.accounts["b"], "1.00"))
    if WRITES[status]:
        assert response.status_code == 201
        assert snapshot(db) != before
    else:
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
        assert snapshot(db) == before


@pytest.mark.parametrize("status", STATUSES)
def test_batches_holds_and_account_openings_need_an_active_member(client, db, world, status):
    set_status(db, world, status)
    a, b = world.accounts["a"], world.accounts["b"]
    before = snapshot(db)
    calls = [
        ("treasurer_a", "/api/v1/transfers/batch", {"transfers": [pay(a, b, "1.00")]}),
        ("treasurer_a", "/api/v1/transfers", pay(a, b, "1.00", pending=True)),
        ("admin_a", "/api/v1/accounts", {"currency": "EUR", "name": "Caisse",
                                         "owner_member_id": world.members["a"].id}),
    ]
    codes = [client.post(path, headers=world.as_(user), json=body).status_code
             for user, path, body in calls]
    if WRITES[status]:
        assert codes == [201, 201, 201]
    else:
        assert codes == [403, 403, 403]
        assert snapshot(db) == before


@pytest.mark.parametrize("action", ["post", "void"])
def test_a_suspended_members_treasurer_cannot_resolve_the_hold_it_placed(client, db, world,
                                                                          action):
    held = client.post("/api/v1/transfers", headers=world.as_("treasurer_a"),
                       json=pay(world.accounts["a"], world.accounts["b"], pending=True))
    set_status(db, world, "suspended")
    before = snapshot(db)
    response = client.post(f"/api/v1/transfers/{held.get_json()['id']}/{action}",
                           headers=world.as_("treasurer_a"))
    assert response.status_code == 403
    assert snapshot(db) == before


def test_a_user_of_an_active_and_a_suspended_member_debits_only_the_active_ones_accounts(
        client, db, world):
    """The ledger's own check of debited owners (the fast path on PostgreSQL) refuses too."""
    both = make_user(db, "both@example.org", [(Role.member_treasurer, world.members["a"].id),
                                              (Role.member_treasurer, world.members["b"].id)])
    headers = bearer(db, both)
    set_status(db, world, "suspended", key="b")
    ledger.transfer(db.engine, [{"from": world.accounts["system"], "to": world.accounts["b"],
                                 "amount": "5.00"}])
    before = snapshot(db)
    refused = client.post("/api/v1/transfers", headers=headers,
                          json=pay(world.accounts["b"], world.accounts["a"], "1.00"))
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert snapshot(db) == before
    mixed = {"postings": [{"from": world.accounts["a"], "to": world.accounts["b"],
                           "amount": "1.00"},
                          {"from": world.accounts["b"], "to": world.accounts["a"],
                           "amount": "1.00"}]}
    assert client.post("/api/v1/transfers", headers=headers, json=mixed).status_code == 403
    assert snapshot(db) == before
    allowed = client.post("/api/v1/transfers", headers=headers,
                          json=pay(world.accounts["a"], world.accounts["b"], "1.00"))
    assert allowed.status_code == 201


@pytest.mark.parametrize("status", STATUSES)
def test_a_members_admin_edits_its_profile_only_while_active(client, db, world, status):
    set_status(db, world, status)
    member_id = world.members["a"].id
    response = client.patch(f"/api/v1/members/{member_id}", headers=world.as_("admin_a"),
                            json={"description": "Changée"})
    assert response.status_code == (200 if WRITES[status] else 403)
    db.session.expire_all()
    assert (db.session.get(Member, member_id).description == "Changée") is WRITES[status]
    log_in(client, world.users["admin_a"])
    assert client.get(f"/members/{member_id}/edit").status_code == (
        200 if WRITES[status] else 403)


@pytest.mark.parametrize("status", STATUSES)
def test_a_members_users_see_its_profile_unless_it_was_rejected(client, db, world, status):
    set_status(db, world, status)
    member_id = world.members["a"].id
    api = client.get(f"/api/v1/members/{member_id}", headers=world.as_("staff_a"))
    assert api.status_code == (404 if status == MemberStatus.rejected else 200)
    log_in(client, world.users["staff_a"])
    page = client.get(f"/members/{member_id}")
    assert page.status_code == (404 if status == MemberStatus.rejected else 200)


@pytest.mark.parametrize("status", STATUSES)
def test_the_treasurer_pages_follow_the_same_rule(client, db, world, status):
    set_status(db, world, status)
    log_in(client, world.users["treasurer_a"])
    page = client.get(f"/ledger/accounts/{world.accounts['a']}")
    assert page.status_code == (200 if READS[status] else 403)


def test_suspending_a_member_takes_effect_at_once_for_a_remembered_token(app, client, db,
                                                                          world):
    if (callers := app.extensions.get("api_callers")) is not None:
        assert callers.wait_listening(5)  # on PostgreSQL the process remembers callers
    headers = world.as_("treasurer_a")
    body = pay(world.accounts["a"], world.accounts["b"], "1.00")
    assert client.post("/api/v1/transfers", headers=headers, json=body).status_code == 201
    set_status(db, world, "suspended")
    assert client.post("/api/v1/transfers", headers=headers, json=body).status_code == 403
