"""A network admin creates a currency in the browser; a network treasurer grants a credit
line and reads its history; both pages pass axe-core."""

import ledger
from market.auth.roles import Role
from tests.e2e.browser_helpers import sign_in
from tests.integration.currency_factories import make_currency, open_account
from tests.integration.members_factories import make_member, make_user


def test_an_admin_creates_a_currency_and_a_treasurer_grants_a_line(live_server, page, db,
                                                                     axe):
    make_user(db, "admin@example.org", [(Role.network_admin, None)])
    make_user(db, "tresor@example.org", [(Role.network_treasurer, None)])
    member = make_member(db, "Cantine Solidaire")
    make_currency(db, "EUSKO", "backed", redemption_fee_bp=300)

    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/monnaies")
    assert page.locator("tr[data-currency=EUSKO]").count() == 1
    axe(page)
    page.fill("input[name=code]", "MUTU")
    page.fill("input[name=name]", "Crédit mutuel du réseau")
    page.select_option("select[name=kind]", "mutual_credit")
    page.fill("input[name=default_credit_line]", "500,00")
    page.click("form.currency-form button[type=submit]")
    page.wait_for_url(f"{live_server}/monnaies/MUTU")
    assert "Crédit mutuel du réseau (MUTU)" in page.locator("h1").inner_text()
    axe(page)

    account_id = open_account(db, member, "MUTU")
    assert ledger.get_account(db.engine, account_id)["min_balance"] == "-500.00"
    page.context.clear_cookies()
    sign_in(page, live_server, "tresor@example.org")
    page.goto(f"{live_server}/monnaies/MUTU")
    page.select_option("select[name=account]", str(account_id))
    page.fill("input[name=credit_line]", "1200,00")
    page.fill("textarea[name=reason]", "Groupement de commandes de la cantine")
    page.click("#credit-lines + form button[type=submit]")
    page.wait_for_selector("table.credit-history")
    assert "Groupement de commandes de la cantine" in page.locator(
        "table.credit-history").inner_text()
    axe(page)
    assert ledger.get_account(db.engine, account_id)["min_balance"] == "-1200.00"
