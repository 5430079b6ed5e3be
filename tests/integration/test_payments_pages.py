"""The top-up pages: the form starts a top-up at the local Stripe server, the top-up's page
alone lets Stripe.js in, others' top-ups are not found, the header link."""

import re

import pytest
from sqlalchemy import func, select

from market.payments.models import TopUp
from tests.integration.db_writes import nothing_written
from tests.integration.localstripe_server import LocalStripe
from tests.integration.members_factories import log_in
from tests.integration.payments_helpers import add_topup, make_world

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="request_key"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def localstripe():
    return LocalStripe.shared()


@pytest.fixture
def world(app, db, localstripe):
    app.config["STRIPE_API_BASE"] = localstripe.base
    return make_world(db)


def form_of(client) -> dict:
    page = client.get("/paiements/recharges").get_data(as_text=True)
    return {"csrf_token": CSRF.search(page).group(1), "request_key": KEY.search(page).group(1)}


def count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(TopUp))


def test_a_treasurer_starts_a_top_up_and_lands_on_its_payment_page(client, db, world):
    log_in(client, world.users["treasurer"])
    listing = client.get("/paiements/recharges")
    assert listing.status_code == 200
    assert 'href="/paiements/recharges"' in listing.get_data(as_text=True)  # header link
    fields = {**form_of(client), "account": str(world.eusko), "amount": "15.00"}
    sent = client.post("/paiements/recharges", data=fields)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    again = client.post("/paiements/recharges", data=fields)
    assert again.headers["Location"] == sent.headers["Location"]
    assert count(db) == 1
    page = client.get(sent.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="payment-element"' in html and "https://js.stripe.com/v3/" in html
    assert 'data-client-secret="pi_' in html and 'data-publishable-key="pk_test' in html
    assert 'id="stripe-offline"' in html
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "frame-src https://js.stripe.com" in policy
    assert "connect-src 'self' https://api.stripe.com" in policy
    assert "frame-ancestors 'none'" in policy


def test_only_the_top_up_page_lets_stripe_in(client, db, world):
    log_in(client, world.users["treasurer"])
    for path in ("/paiements/recharges", "/commandes", "/"):
        assert "stripe" not in client.get(path).headers["Content-Security-Policy"]


def test_a_refused_amount_is_shown_by_its_field_and_writes_nothing(client, db, world):
    log_in(client, world.users["treasurer"])
    fields = {**form_of(client), "account": str(world.eusko), "amount": "0.10"}
    with nothing_written(db):
        refused = client.post("/paiements/recharges", data=fields)
    assert refused.status_code == 422
    assert "0,50 €" in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, db, world):
    log_in(client, world.users["treasurer"])
    with nothing_written(db):
        refused = client.post("/paiements/recharges",
                              data={"account": str(world.eusko), "amount": "10.00"})
        assert refused.status_code in (400, 422)


def test_another_members_top_up_page_is_not_found(client, db, world):
    topup = add_topup(db, world)
    log_in(client, world.users["outsider"])
    assert client.get(f"/paiements/recharges/{topup.id}").status_code == 404


def test_staff_see_no_top_up_pages(client, db, world):
    log_in(client, world.users["staff"])
    assert client.get("/paiements/recharges").status_code == 403
    assert 'href="/paiements/recharges"' not in client.get("/commandes").get_data(as_text=True)


def test_a_paid_top_up_page_no_longer_offers_to_pay(client, db, world):
    topup = add_topup(db, world)
    topup.status = "succeeded"
    db.session.commit()
    log_in(client, world.users["treasurer"])
    html = client.get(f"/paiements/recharges/{topup.id}").get_data(as_text=True)
    assert 'id="payment-element"' not in html and "js.stripe.com" not in html
