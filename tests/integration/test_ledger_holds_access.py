"""Who may post and void a hold: the rule its placer stated, over HTTP and in the ledger."""

import pytest

import ledger
from tests.integration.ledger_api_helpers import error_of, make_world, pay, snapshot


@pytest.fixture
def world(db):
    return make_world(db)


def hold(client, world, user, source="a", target="b", **extra):
    body = pay(world.accounts[source], world.accounts[target], "10.00", pending=True, **extra)
    response = client.post("/api/v1/transfers", json=body, headers=world.as_(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, world, user, held, action):
    return client.post(f"/api/v1/transfers/{held['id']}/{action}", headers=world.as_(user))


def test_a_hold_records_who_placed_it_and_its_rule(client, world):
    held = hold(client, world, "treasurer_a", post_by="creditor")
    assert held["placed_by"] == f"user:{world.users['treasurer_a'].id}"
    assert held["post_by"] == "creditor"
    assert hold(client, world, "treasurer_a")["post_by"] == "placer"


def test_the_debited_side_cannot_void_a_hold_a_network_treasurer_placed(client, db, world):
    held = hold(client, world, "network_treasurer")
    before = snapshot(db)
    response = act(client, world, "treasurer_a", held, "void")
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert snapshot(db) == before
    assert act(client, world, "network_treasurer", held, "void").status_code == 200


def test_only_the_placer_or_the_network_voids_a_hold(client, db, world):
    held = hold(client, world, "treasurer_a", post_by="creditor")
    before = snapshot(db)
    for user in ("admin_a", "treasurer_b"):
        assert act(client, world, user, held, "void").status_code == 403
    assert snapshot(db) == before
    assert act(client, world, "treasurer_a", held, "void").get_json()["status"] == "voided"
    other = hold(client, world, "treasurer_a")
    assert act(client, world, "network_admin", other, "void").status_code == 200


def test_the_credited_side_captures_a_hold_whose_rule_names_the_creditor(client, db, world):
    held = hold(client, world, "treasurer_a", post_by="creditor")
    before = snapshot(db)
    assert act(client, world, "admin_a", held, "post").status_code == 403
    assert snapshot(db) == before
    posted = act(client, world, "treasurer_b", held, "post")
    assert posted.status_code == 200 and posted.get_json()["status"] == "posted"


def test_the_buyer_confirms_delivery_of_a_hold_whose_rule_names_the_debtor(client, db, world):
    held = hold(client, world, "network_treasurer", post_by="debtor")
    before = snapshot(db)
    assert act(client, world, "treasurer_b", held, "post").status_code == 403
    assert snapshot(db) == before
    assert act(client, world, "admin_a", held, "post").get_json()["status"] == "posted"


def test_a_placer_rule_hold_is_posted_by_its_placer_alone(client, db, world):
    held = hold(client, world, "treasurer_a")
    before = snapshot(db)
    for user in ("admin_a", "treasurer_b"):
        assert act(client, world, user, held, "post").status_code == 403
    assert snapshot(db) == before
    assert act(client, world, "treasurer_a", held, "post").get_json()["status"] == "posted"


def test_a_rule_for_an_immediate_transfer_or_an_unknown_rule_is_refused(client, db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    before = snapshot(db)
    for body in (pay(a, b, post_by="debtor"), pay(a, b, pending=True, post_by="anyone")):
        response = client.post("/api/v1/transfers", json=body,
                               headers=world.as_("treasurer_a"))
        assert response.status_code == 422 and error_of(response)["code"] == "validation_error"
    assert snapshot(db) == before


@pytest.mark.parametrize("action", ["post", "void"])
def test_in_the_ledger_a_restricted_caller_must_be_named_by_the_rule(db, world, action):
    a, b = world.accounts["a"], world.accounts["b"]
    owner_a = f"member:{world.members['a'].id}"
    owner_b = f"member:{world.members['b'].id}"
    resolve = ledger.post_pending if action == "post" else ledger.void_pending
    held = ledger.hold(db.engine, [{"from": a, "to": b, "amount": "1.00"}],
                       placed_by="user:1", post_by="creditor")
    with pytest.raises(ledger.Forbidden):
        resolve(db.engine, held["id"], by="user:2", controls=[owner_a])
    if action == "post":
        with pytest.raises(ledger.Forbidden):
            resolve(db.engine, held["id"], by="user:1", controls=[owner_a])
        assert resolve(db.engine, held["id"], by="user:3", controls=[owner_b])["status"] \
            == "posted"
    else:
        assert resolve(db.engine, held["id"], by="user:1", controls=[owner_a])["status"] \
            == "voided"


def test_a_placer_who_no_longer_controls_the_debited_account_cannot_post(db, world):
    a, b = world.accounts["a"], world.accounts["b"]
    held = ledger.hold(db.engine, [{"from": a, "to": b, "amount": "1.00"}], placed_by="user:1")
    with pytest.raises(ledger.Forbidden):
        ledger.post_pending(db.engine, held["id"], by="user:1", controls=["member:999"])
    # Giving the money back stays the placer's right.
    assert ledger.void_pending(db.engine, held["id"], by="user:1",
                               controls=["member:999"])["status"] == "voided"


def test_an_expired_hold_never_posts_whoever_asks(db, world):
    from datetime import timedelta

    from ledger.store.types import now_utc

    a, b = world.accounts["a"], world.accounts["b"]
    held = ledger.hold(db.engine, [{"from": a, "to": b, "amount": "1.00"}],
                       timeout_seconds=60, post_by="debtor")
    later = now_utc() + timedelta(seconds=61)
    with pytest.raises(ledger.InvalidState):
        ledger.post_pending(db.engine, held["id"], now=later)
    assert ledger.get_transfer(db.engine, held["id"])["status"] == "expired"


def test_tampering_with_a_holds_rule_is_caught_by_verify(db, world):
    from sqlalchemy import update

    from ledger.store.tables import transfers

    a, b = world.accounts["a"], world.accounts["b"]
    held = ledger.hold(db.engine, [{"from": a, "to": b, "amount": "1.00"}], post_by="debtor")
    assert ledger.verify(db.engine, seal=False)["ok"]
    with db.engine.begin() as conn:
        conn.execute(update(transfers).where(transfers.c.id == held["id"])
                     .values(post_by="creditor"))
    report = ledger.verify(db.engine, seal=False)
    assert not report["ok"] and report["first_problem"]["transfer_id"] == held["id"]
