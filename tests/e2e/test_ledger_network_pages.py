"""A network treasurer reads the trial balance, an account and a transfer with its hash."""

import re

from playwright.sync_api import expect

from tests.integration.ledger_api_helpers import make_world
from tests.integration.members_factories import PASSWORD


def test_a_network_treasurer_goes_from_trial_balance_to_a_transfer(live_server, page, db,
                                                                   axe):
    make_world(db)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "network_treasurer@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")

    page.goto(f"{live_server}/ledger/trial-balance")
    table = page.locator("table.trial-balance[data-currency=EUR]")
    expect(table.locator("td.total-balance")).to_have_text("0,00")
    axe(page)
    table.locator("a", has_text="a account").first.click()
    expect(page.locator("h1")).to_have_text("a account")

    page.locator("table.statement a", has_text=re.compile(r"^#\d+$")).first.click()
    expect(page.locator("h1")).to_contain_text("Virement")
    digest = page.locator("dd code.hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    expect(page.locator("main")).to_contain_text("Apport initial")
    axe(page)
