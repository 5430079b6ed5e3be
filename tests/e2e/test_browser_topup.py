"""A member's treasurer starts a card top-up in the browser, up to where Stripe.js takes
over: offline, Stripe's script cannot load, and the page says so plainly."""

import pytest

from tests.integration.localstripe_server import LocalStripe
from tests.integration.members_factories import PASSWORD
from tests.integration.payments_helpers import make_world


@pytest.fixture(scope="module")
def localstripe():
    return LocalStripe.shared()


@pytest.fixture
def world(app, db, localstripe):
    app.config["STRIPE_API_BASE"] = localstripe.base
    return make_world(db)


def test_the_top_up_page_says_plainly_that_stripe_could_not_load(live_server, page, world,
                                                                 axe):
    stripe_requests = []

    def offline(route):
        stripe_requests.append(route.request.url)
        route.abort()

    page.route("https://js.stripe.com/**", offline)
    page.goto(f"{live_server}/paiements/recharges")
    page.fill("input[name=email]", "tresorier@adour.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/paiements/recharges")
    axe(page)

    page.select_option("select[name=account]", str(world.eusko))
    page.fill("input[name=amount]", "0.10")
    page.click("main form button[type=submit]")
    assert page.locator("#amount-error-1").is_visible()
    axe(page)

    page.fill("input[name=amount]", "25.00")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#stripe-offline:not([hidden])")
    assert "/paiements/recharges/" in page.url
    message = page.locator("#stripe-offline")
    assert message.is_visible()
    assert "n'a pas pu se charger" in message.inner_text()
    assert not page.locator("#pay-button").is_visible()
    assert page.locator("#topup-status").inner_text() == "En attente de paiement"
    assert stripe_requests  # the page did ask for Stripe.js
    axe(page)
