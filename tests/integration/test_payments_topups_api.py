"""`POST /api/v1/topups` and `GET /api/v1/topups/{id}` against a real local Stripe server:
the PaymentIntent, exact euros, who may top up what, Idempotency-Key, bad input."""

import pytest
from sqlalchemy import func, select

from market.payments.models import TopUp
from tests.integration.currency_factories import make_currency, open_account
from tests.integration.db_writes import nothing_written
from tests.integration.localstripe_server import LocalStripe, stripe_client
from tests.integration.payments_helpers import make_world


@pytest.fixture(scope="module")
def localstripe():
    return LocalStripe.shared()


@pytest.fixture
def world(app, db, localstripe):
    app.config["STRIPE_API_BASE"] = localstripe.base
    return make_world(db)


def create(client, world, account, amount="25.00", who=None, **headers):
    return client.post("/api/v1/topups", json={"account": account, "amount": amount},
                       headers={**(who or world.treasurer), **headers})


def count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(TopUp))


def test_a_top_up_creates_a_payment_intent_in_euro_cents_with_our_reference(
        client, db, world, localstripe):
    made = create(client, world, world.eusko, "25.00")
    assert made.status_code == 201, made.json
    body = made.json
    assert body["status"] == "created" and body["payment_intent"].startswith("pi_")
    assert body["client_secret"].startswith(body["payment_intent"] + "_secret_")
    assert (body["amount"], body["euros"], body["currency"]) == ("25.00", "25.00", "EUSKO")
    intent = stripe_client(localstripe).v1.payment_intents.retrieve(body["payment_intent"])
    assert (intent.amount, intent.currency) == (2500, "eur")
    assert intent.metadata["intercoop_topup"] == body["reference"]
    shown = client.get(f"/api/v1/topups/{body['id']}", headers=world.treasurer)
    assert shown.status_code == 200 and shown.json == body


def test_units_are_bought_at_the_currency_euro_parity_to_the_cent(client, db, world):
    code = "TXOKO"
    make_currency(db, code, kind="backed", euro_parity="1.10")
    account = open_account(db, world.member, code)
    made = create(client, world, account, "10.00")
    assert made.status_code == 201, made.json
    assert made.json["euros"] == "11.00"
    with nothing_written(db):
        inexact = create(client, world, account, "10.05")  # 11.055 €
        assert inexact.status_code == 422 and inexact.json["error"]["code"] == "invalid_amount"


@pytest.mark.parametrize("amount", ["0.49", "10000.01", "12.5", "-5.00", "0.00", "abc"])
def test_amounts_outside_the_bounds_or_wrongly_written_are_refused(client, db, world, amount):
    with nothing_written(db):
        refused = create(client, world, world.eur, amount)
        assert refused.status_code == 422, refused.json
        assert refused.json["error"]["code"] == "invalid_amount"


@pytest.mark.parametrize("body", [{"account": 1, "amount": 12.5}, {"account": "1",
                                  "amount": "12.50"}, {"amount": "12.50"}, {"account": 1},
                                  {"account": 1, "amount": "12.50", "extra": 1}])
def test_malformed_bodies_are_validation_errors(client, db, world, body):
    with nothing_written(db):
        refused = client.post("/api/v1/topups", json=body, headers=world.treasurer)
        assert refused.status_code == 422
        assert refused.json["error"]["code"] == "validation_error"


def test_another_members_account_and_a_missing_one_answer_alike(client, db, world):
    with nothing_written(db):
        theirs = create(client, world, world.other_eusko)
        missing = create(client, world, 999_999)
        assert theirs.status_code == missing.status_code == 422
        assert theirs.json == missing.json


def test_system_and_mutual_credit_accounts_cannot_be_topped_up(client, db, world):
    make_currency(db, "MUTU", kind="mutual_credit")
    mutual = open_account(db, world.member, "MUTU")
    with nothing_written(db):
        assert create(client, world, mutual).json["error"]["code"] == "not_eligible"
        assert create(client, world, world.reserve).status_code == 422


def test_staff_and_suspended_members_treasurers_cannot_top_up(client, db, world):
    with nothing_written(db):
        assert create(client, world, world.eusko, who=world.staff).status_code == 403
    world.member.status = "suspended"
    db.session.commit()
    with nothing_written(db):
        assert create(client, world, world.eusko).status_code == 403
    assert client.post("/api/v1/topups", json={"account": world.eusko, "amount": "1.00"}
                       ).status_code == 401


def test_another_members_top_up_is_not_found(client, db, world):
    made = create(client, world, world.eusko).json
    assert client.get(f"/api/v1/topups/{made['id']}", headers=world.outsider).status_code == 404
    assert client.get("/api/v1/topups/999999", headers=world.treasurer).status_code == 404


def test_the_same_idempotency_key_returns_the_first_top_up(client, db, world):
    first = create(client, world, world.eusko, "30.00", **{"Idempotency-Key": "k1"})
    again = create(client, world, world.eusko, "30.00", **{"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotency-Replayed"] == "true"
    assert count(db) == 1
    other = create(client, world, world.eusko, "31.00", **{"Idempotency-Key": "k1"})
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    assert count(db) == 1


def test_stripe_unreachable_is_503_and_writes_nothing(app, client, db, world):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("stripe_gateway", None)
    with nothing_written(db):
        down = create(client, world, world.eusko)
        assert down.status_code == 503 and down.json["error"]["code"] == "unavailable"
