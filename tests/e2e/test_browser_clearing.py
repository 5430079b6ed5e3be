"""A member treasurer pays a member of another network in the browser; a network treasurer
reads the clearing positions and approves a redemption; every page passes axe-core."""

from market.auth.roles import Role
from market.currencies import clearing
from market.payments import redemptions
from tests.e2e.browser_helpers import sign_in
from tests.integration.currency_factories import (
    balance,
    funded_account,
    make_currency,
    open_account,
)
from tests.integration.members_factories import (
    make_member,
    make_network,
    make_user,
)


def test_a_payment_across_networks_then_positions_and_a_redemption(live_server, page, db, axe):
    basque = make_network(db, "pays-basque", "Pays basque")
    toulouse = make_network(db, "toulouse", "Toulouse")
    payer = make_member(db, "Jardins de l'Adour", n=1, networks=[basque])
    payee = make_member(db, "Épicerie du Capitole", n=2, networks=[toulouse])
    make_currency(db, "EUSKO", "backed", network_id=basque.id, redemption_fee_bp=200)
    make_currency(db, "SOL", "backed", network_id=toulouse.id)
    source = funded_account(db, payer, "EUSKO", "200.00")
    target = open_account(db, payee, "SOL")
    clearing.create_agreement(db.session, network_a_id=basque.id, network_b_id=toulouse.id,
                              currency_a="EUSKO", currency_b="SOL", rate="2", limit="50.00")
    asked = redemptions.request_redemption(db.session, account_id=source, amount="10.00",
                                           movers=frozenset({payer.id}))
    db.session.commit()
    asked_id = asked.id
    make_user(db, "tresorier@example.org", [(Role.member_treasurer, payer.id)])
    make_user(db, "reseau@example.org", [(Role.network_treasurer, None)])

    sign_in(page, live_server, "tresorier@example.org")
    page.goto(f"{live_server}/compensation/payer")
    axe(page)
    page.select_option("select[name=from_account]", str(source))
    page.select_option("select[name=to_member]", str(payee.id))
    page.fill("input[name=amount]", "12,50")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/compensation/payer")
    assert "Épicerie du Capitole" in page.locator("main").inner_text()
    axe(page)
    assert balance(db, target) == "25.00"

    page.context.clear_cookies()
    sign_in(page, live_server, "reseau@example.org")
    page.goto(f"{live_server}/compensation/positions")
    assert "25.00 / 100.00 SOL" in page.locator("table.clearing").inner_text()
    axe(page)
    page.goto(f"{live_server}/compensation/reconversions")
    axe(page)
    page.fill(f"#payout-{asked_id}", "VIR-2026-1")
    page.click(f"form[action$='/{asked_id}/approuver'] button[type=submit]")
    page.wait_for_url(f"{live_server}/compensation/reconversions")
    assert "VIR-2026-1" in page.locator("table.redemptions-decided").inner_text()
    axe(page)
