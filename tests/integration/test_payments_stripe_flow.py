"""The whole top-up against a real local Stripe server: the API creates the PaymentIntent,
the payer confirms it with a test card through the stripe library, localstripe delivers
the signed webhook to the running app, and the books move (or not, for a declined card)."""

import threading
import time

import pytest
import stripe
from werkzeug.serving import make_server

import ledger
from market.payments.models import TopUp
from tests.integration.currency_factories import balance
from tests.integration.localstripe_server import LocalStripe, pay, stripe_client
from tests.integration.payments_helpers import make_world


@pytest.fixture(scope="module")
def localstripe():
    return LocalStripe.shared()


@pytest.fixture
def served(app, localstripe):
    """The app on a real HTTP server that localstripe's webhook reaches."""
    app.config["STRIPE_API_BASE"] = localstripe.base
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    localstripe.webhook(f"http://127.0.0.1:{server.server_port}/stripe/webhook",
                        app.config["STRIPE_WEBHOOK_SECRET"])
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def world(db, served):
    return make_world(db)


def settled(db, topup_id: int, timeout: float = 15.0) -> TopUp:
    """The top-up once Stripe's webhook has moved it out of "created"."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        topup = db.session.get(TopUp, topup_id)
        if topup.status != "created" or time.monotonic() > deadline:
            return topup
        time.sleep(0.1)


def test_a_card_payment_credits_exactly_the_amount_and_the_reserve(client, db, world,
                                                                 localstripe):
    made = client.post("/api/v1/topups", json={"account": world.eusko, "amount": "37.50"},
                       headers=world.treasurer)
    assert made.status_code == 201, made.json
    paid = pay(stripe_client(localstripe), made.json["payment_intent"])
    assert paid.status == "succeeded"
    topup = settled(db, made.json["id"])
    assert topup.status == "succeeded"
    assert balance(db, world.eusko) == "37.50"
    assert balance(db, world.reserve) == "37.50"
    assert balance(db, world.euro_issuance) == "-37.50"
    shown = client.get(f"/api/v1/topups/{topup.id}", headers=world.treasurer).json
    assert shown["status"] == "succeeded" and shown["client_secret"] is None
    assert ledger.verify(db.engine)["ok"]


def test_a_card_payment_funds_the_members_euro_account(client, db, world, localstripe):
    made = client.post("/api/v1/topups", json={"account": world.eur, "amount": "12.00"},
                       headers=world.treasurer).json
    pay(stripe_client(localstripe), made["payment_intent"])
    assert settled(db, made["id"]).status == "succeeded"
    assert balance(db, world.eur) == "12.00"


def test_a_declined_card_credits_nothing(client, db, world, localstripe):
    made = client.post("/api/v1/topups", json={"account": world.eusko, "amount": "20.00"},
                       headers=world.treasurer).json
    with pytest.raises(stripe.CardError):
        pay(stripe_client(localstripe), made["payment_intent"], card="4000000000000341")
    topup = settled(db, made["id"])
    assert topup.status == "failed" and topup.failure_reason
    assert balance(db, world.eusko) == "0.00"
    assert balance(db, world.reserve) == "0.00"
