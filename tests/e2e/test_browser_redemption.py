"""A member treasurer asks a redemption in the browser and sees it pending; the network
treasurer approves it; the member then sees it paid with the transfer's reference. Every
page passes axe-core."""

from market.auth.roles import Role
from tests.e2e.browser_helpers import sign_in
from tests.integration.currency_factories import balance, funded_account, make_currency
from tests.integration.members_factories import (
    make_member,
    make_network,
    make_user,
)


def test_a_member_asks_a_redemption_that_the_network_treasurer_pays(
        live_server, page, db, axe):
    basque = make_network(db, "pays-basque", "Pays basque")
    member = make_member(db, "Jardins de l'Adour", n=1, networks=[basque])
    make_currency(db, "EUSKO", "backed", network_id=basque.id, redemption_fee_bp=200)
    account = funded_account(db, member, "EUSKO", "80.00")
    make_user(db, "tresorier@example.org", [(Role.member_treasurer, member.id)])
    make_user(db, "reseau@example.org", [(Role.network_treasurer, None)])

    page.context.clear_cookies()
    sign_in(page, live_server, "tresorier@example.org")
    page.click("header nav a[href='/reconversions']")
    page.wait_for_url(f"{live_server}/reconversions")
    assert "2 %" in page.locator("#amount-help").inner_text()
    axe(page)

    page.select_option("select[name=account]", str(account))
    page.fill("input[name=amount]", "80,01")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#amount-error-1").is_visible()
    axe(page)  # the form with its error

    page.fill("input[name=amount]", "25,00")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/reconversions")
    assert "Demande de reconversion n° 1 enregistrée" in page.locator("main").inner_text()
    row = page.locator("#reconversion-1").inner_text()
    assert "En attente de décision" in row and "24.50 €" in row and "0.50 EUSKO" in row
    axe(page)
    assert balance(db, account) == "80.00"  # held only

    page.context.clear_cookies()
    sign_in(page, live_server, "reseau@example.org")
    page.goto(f"{live_server}/compensation/reconversions")
    axe(page)
    page.fill("#payout-1", "VIR-2026-77")
    page.click("form[action$='/1/approuver'] button[type=submit]")
    page.wait_for_url(f"{live_server}/compensation/reconversions")
    assert "VIR-2026-77" in page.locator("table.redemptions-decided").inner_text()
    assert balance(db, account) == "55.00"

    page.context.clear_cookies()
    sign_in(page, live_server, "tresorier@example.org")
    page.goto(f"{live_server}/reconversions")
    row = page.locator("#reconversion-1").inner_text()
    assert "Payée" in row and "VIR-2026-77" in row
    axe(page)
