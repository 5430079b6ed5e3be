"""A member treasurer signs in through the real form and reads an account's statement."""

import re

import pytest

import ledger
from tests.integration.ledger_api_helpers import make_world
from tests.integration.members_factories import PASSWORD


@pytest.fixture
def world(db):
    world = make_world(db)
    a, b = world.accounts["a"], world.accounts["b"]
    ledger.transfer(db.engine, [{"from": a, "to": b, "amount": "30.00"}],
                    description="Facture 7")
    ledger.transfer(db.engine, [{"from": b, "to": a, "amount": "5.50"}],
                    description="Avoir 7")
    return world


def test_a_member_treasurer_reads_the_statement_with_running_balance_and_chart(
        live_server, page, world, axe):
    outside = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else outside.append(r.url))
    page.goto(f"{live_server}/ledger/accounts")
    assert "/login" in page.url  # anonymous visitors are sent to sign in first
    page.fill("input[name=email]", "treasurer_a@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/ledger/accounts")

    rows = page.locator("table.ledger-accounts tbody tr")
    assert rows.count() == 3  # a, a_line, a_sol: none of member b's
    page.click(f"tr[data-account-id='{world.accounts['a']}'] a")
    page.wait_for_selector("table.statement")

    assert page.locator("h1").inner_text() == "a account"
    balances = page.locator("td.running-balance").all_inner_texts()
    assert balances == ["100,00", "70,00", "75,50"]
    assert page.locator("tr.movement td:nth-child(2)").all_inner_texts() == [
        "Apport initial", "Facture 7", "Avoir 7"]
    chart = page.locator("figure.balance-chart svg polyline")
    assert chart.count() == 1 and chart.get_attribute("points").count(",") >= 4
    assert page.locator("figure.balance-chart svg").bounding_box()["height"] > 50
    axe(page)

    page.fill("input[name=from]", "2999-01-01")
    page.click("main form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*from=2999-01-01.*"))
    assert page.locator("td.running-balance").count() == 0
    assert "75,50" in page.locator("tr.opening").inner_text()
    assert outside == []
