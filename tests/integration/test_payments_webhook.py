"""Stripe's webhook with events signed as Stripe signs them: credit once, failures, refunds,
bad signatures and stale timestamps, replays (one after another and at once)."""

import http.client
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

import ledger
from market.payments.models import StripeEvent, TopUp
from tests.integration.currency_factories import balance
from tests.integration.db_writes import nothing_written
from tests.integration.payments_helpers import (
    add_topup,
    charge_object,
    event,
    intent_object,
    make_world,
    sign,
    signed,
)

URL = "/stripe/webhook"


@pytest.fixture
def world(db):
    return make_world(db)


@pytest.fixture
def secret(app):
    return app.config["STRIPE_WEBHOOK_SECRET"]


def deliver(client, evt: dict, secret: str, timestamp: int | None = None):
    body, headers = signed(evt, secret, timestamp)
    return client.post(URL, data=body, headers=headers)


def state(db, topup_id: int) -> TopUp:
    db.session.rollback()
    return db.session.get(TopUp, topup_id)


def events(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


def test_a_succeeded_payment_credits_the_units_and_the_reserve_in_one_transfer(
        client, db, world, secret):
    topup = add_topup(db, world, amount="25.00")
    answer = deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    assert answer.status_code == 200, answer.json
    assert answer.json == {"received": True, "outcome": "credited"}
    done = state(db, topup.id)
    assert done.status == "succeeded"
    assert balance(db, world.eusko) == "25.00"
    assert balance(db, world.reserve) == "25.00"
    transfer = ledger.get_transfer(db.engine, done.transfer_id)
    assert transfer["reference"] == f"topup:{topup.reference}"
    assert sorted((p["from"], p["to"], p["amount"]) for p in transfer["postings"]) == sorted([
        (world.eusko_issuance, world.eusko, "25.00"),
        (world.euro_issuance, world.reserve, "25.00")])
    assert ledger.verify(db.engine)["ok"]


def test_a_euro_top_up_moves_euros_from_stripe_clearing_to_the_member(client, db, world,
                                                                      secret):
    topup = add_topup(db, world, account=world.eur, amount="40.00")
    assert deliver(client, event("payment_intent.succeeded", intent_object(topup)),
                   secret).status_code == 200
    assert balance(db, world.eur) == "40.00"
    assert balance(db, world.euro_issuance) == "-40.00"
    assert balance(db, world.reserve) == "0.00"


def test_the_same_event_delivered_ten_times_credits_once(client, db, world, secret):
    topup = add_topup(db, world, amount="10.00")
    evt = event("payment_intent.succeeded", intent_object(topup))
    outcomes = [deliver(client, evt, secret).json["outcome"] for _ in range(10)]
    assert outcomes == ["credited"] + ["duplicate"] * 9
    assert balance(db, world.eusko) == "10.00"
    assert events(db) == 1


def test_another_success_event_for_a_credited_top_up_changes_nothing(client, db, world,
                                                                     secret):
    topup = add_topup(db, world, amount="10.00")
    deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    again = deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    assert again.json["outcome"] == "ignored"
    assert balance(db, world.eusko) == "10.00"


@pytest.fixture
def served(app):
    """The app on a real HTTP server (threads), for concurrent deliveries."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_same_event_delivered_ten_times_at_once_credits_once(db, world, secret, served):
    topup = add_topup(db, world, amount="10.00")
    body, headers = signed(event("payment_intent.succeeded", intent_object(topup)), secret)
    statuses, start = [], threading.Barrier(10)

    def send():
        conn = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
        start.wait()
        conn.request("POST", URL, body=body, headers=headers)
        response = conn.getresponse()
        statuses.append((response.status, response.read()))
        conn.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in statuses] == [200] * 10, statuses
    assert sum(b'"credited"' in body for _, body in statuses) == 1
    assert balance(db, world.eusko) == "10.00"
    assert balance(db, world.reserve) == "10.00"
    assert events(db) == 1


def test_a_bad_signature_is_refused_and_writes_nothing(client, db, world, secret):
    topup = add_topup(db, world)
    evt = event("payment_intent.succeeded", intent_object(topup))
    with nothing_written(db):
        wrong = deliver(client, evt, "whsec_not_ours")
        assert wrong.status_code == 400 and wrong.json["error"]["code"] == "bad_request"
        body, headers = signed(evt, secret)
        tampered = client.post(URL, data=body.replace(b"2500", b"9900"), headers=headers)
        assert tampered.status_code == 400
        assert client.post(URL, data=body, headers={"Content-Type": "application/json"}
                           ).status_code == 400
        assert client.post(URL, data=body, headers={"Stripe-Signature": "t=1,v1=abc"}
                           ).status_code == 400
    assert state(db, topup.id).status == "created"


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"id": "evt_1"}',
                                     b'{"id": "evt_1", "data": []}',
                                     b'{"id": "", "data": {"object": {}}}'])
def test_a_well_signed_body_that_is_no_stripe_event_is_refused(client, db, world, secret,
                                                                payload):
    with nothing_written(db):
        answer = client.post(URL, data=payload, headers={
            "Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"})
        assert answer.status_code == 400, answer.json


def test_a_stale_timestamp_is_refused_and_writes_nothing(client, db, world, secret):
    topup = add_topup(db, world)
    evt = event("payment_intent.succeeded", intent_object(topup))
    with nothing_written(db):
        stale = deliver(client, evt, secret, timestamp=int(time.time()) - 301)
        assert stale.status_code == 400, stale.json
    assert balance(db, world.eusko) == "0.00"


def test_an_unknown_event_type_is_acknowledged_and_ignored(client, db, world, secret):
    topup = add_topup(db, world)
    with nothing_written(db):
        answer = deliver(client, event("customer.created", {"id": "cus_1"}), secret)
        assert answer.status_code == 200 and answer.json["outcome"] == "ignored"
        other = deliver(client, event("payment_intent.succeeded",
                                      intent_object(topup, id="pi_not_ours")), secret)
        assert other.status_code == 200 and other.json["outcome"] == "ignored"


@pytest.mark.parametrize("change", [{"amount": 9900}, {"currency": "usd"},
                                    {"metadata": {"intercoop_topup": "tu_other"}}])
def test_an_event_that_does_not_match_its_top_up_is_acknowledged_and_books_nothing(
        client, db, world, secret, change):
    topup = add_topup(db, world)
    answer = deliver(client, event("payment_intent.succeeded", intent_object(topup, **change)),
                     secret)
    assert answer.status_code == 200 and answer.json["outcome"] == "mismatch"
    assert state(db, topup.id).status == "created"
    assert balance(db, world.eusko) == "0.00"


def test_a_failed_payment_marks_the_top_up_failed_and_credits_nothing(client, db, world,
                                                                      secret):
    topup = add_topup(db, world)
    failure = intent_object(topup, status="requires_payment_method",
                            last_payment_error={"message": "Your card was declined."})
    answer = deliver(client, event("payment_intent.payment_failed", failure), secret)
    assert answer.json["outcome"] == "failed"
    done = state(db, topup.id)
    assert (done.status, done.failure_reason) == ("failed", "Your card was declined.")
    assert balance(db, world.eusko) == "0.00"
    # Another card, then: the same top-up succeeds.
    deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    assert state(db, topup.id).status == "succeeded"
    assert balance(db, world.eusko) == "25.00"


def test_a_refund_reverses_the_credit_once(client, db, world, secret):
    topup = add_topup(db, world)
    deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    refund = event("charge.refunded", charge_object(topup))
    answers = [deliver(client, refund, secret).json["outcome"] for _ in range(3)]
    assert answers == ["refunded", "duplicate", "duplicate"]
    done = state(db, topup.id)
    assert done.status == "refunded" and done.reversal_id is not None
    assert balance(db, world.eusko) == "0.00"
    assert balance(db, world.reserve) == "0.00"
    assert ledger.get_transfer(db.engine, done.reversal_id)["reverses"] == done.transfer_id
    assert ledger.verify(db.engine)["ok"]


def test_a_partial_refund_is_left_to_a_treasurer(client, db, world, secret):
    topup = add_topup(db, world)
    deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    answer = deliver(client, event("charge.refunded", charge_object(topup, refunded=500)),
                     secret)
    assert answer.json["outcome"] == "ignored"
    assert state(db, topup.id).status == "succeeded"
    assert balance(db, world.eusko) == "25.00"


def test_a_refund_of_spent_units_is_recorded_and_moves_nothing(client, db, world, secret):
    topup = add_topup(db, world)
    deliver(client, event("payment_intent.succeeded", intent_object(topup)), secret)
    ledger.transfer(db.engine, [{"from": world.eusko, "to": world.other_eusko,
                                 "amount": "20.00"}])
    answer = deliver(client, event("charge.refunded", charge_object(topup)), secret)
    assert answer.status_code == 200 and answer.json["outcome"] == "refused"
    assert state(db, topup.id).status == "succeeded"
    assert balance(db, world.eusko) == "5.00"


def test_a_refund_before_any_credit_changes_nothing(client, db, world, secret):
    topup = add_topup(db, world)
    answer = deliver(client, event("charge.refunded", charge_object(topup)), secret)
    assert answer.json["outcome"] == "ignored"
    assert state(db, topup.id).status == "created"


@pytest.mark.parametrize("odd", [
    {"type": ["payment_intent.succeeded"]},
    {"data": {"object": {"id": ["pi_1"]}}},
    {"metadata": ["tu_1"]},
    {"type": "payment_intent.payment_failed", "last_payment_error": "declined"},
])
def test_oddly_shaped_signed_events_never_fail_the_webhook(client, db, world, secret, odd):
    topup = add_topup(db, world)
    evt = event(odd.get("type") if "type" in odd else "payment_intent.succeeded",
                intent_object(topup, **{k: v for k, v in odd.items()
                                        if k not in ("type", "data")}))
    if "data" in odd:
        evt["data"] = odd["data"]
    answer = deliver(client, evt, secret)
    assert answer.status_code == 200, answer.json
    assert balance(db, world.eusko) == "0.00"
