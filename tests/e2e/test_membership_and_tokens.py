"""An organisation signs up, a network admin approves it, its admin creates an API token."""

from playwright.sync_api import expect

from tests.integration.members_factories import PASSWORD, make_user, valid_siret

NEW_PASSWORD = "un-mot-de-passe-solide"


def sign_in(page, live_server, email, password):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    expect(page.locator("header")).to_contain_text(email)


def sign_out(page):
    page.click("header button:has-text('Se déconnecter')")
    expect(page.locator("header")).to_contain_text("Se connecter")


def test_signup_waits_for_approval_then_appears_in_the_directory(live_server, page, db, axe):
    make_user(db, "admin@reseau.example", [("network_admin", None)])

    page.goto(f"{live_server}/signup")
    page.fill("input[name=organisation]", "Recyclerie des Gaves")
    page.fill("input[name=siret]", valid_siret(7))
    page.select_option("select[name=inclusion_kind]", "ACI")
    page.fill("input[name=postcode]", "64300")
    page.fill("input[name=city]", "Orthez")
    page.fill("input[name=contact_name]", "Itziar Etxeberria")
    page.fill("input[name=email]", "itziar@gaves.example")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password_confirm]", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("validation")
    axe(page)  # the account page of a sign-up waiting for approval

    page.goto(f"{live_server}/?q=Gaves")
    expect(page.locator(".card", has_text="Recyclerie des Gaves")).to_have_count(0)

    sign_in(page, live_server, "admin@reseau.example", PASSWORD)
    page.goto(f"{live_server}/admin/members")
    row = page.locator("tr", has_text="Recyclerie des Gaves")
    row.locator("button:has-text('Accepter')").click()
    expect(page.locator("tr", has_text="Recyclerie des Gaves")).to_have_count(0)
    sign_out(page)

    page.goto(f"{live_server}/?q=Gaves")
    expect(page.locator(".card", has_text="Recyclerie des Gaves")).to_have_count(1)


def test_a_member_admin_creates_a_token_shown_once_and_revokes_it(live_server, page, db,
                                                                   axe):
    make_user(db, "admin@coop.example", [("network_admin", None)])
    sign_in(page, live_server, "admin@coop.example", PASSWORD)

    page.goto(f"{live_server}/account")
    page.fill("input[name=name]", "Export comptable")
    page.click("main form button:has-text('Créer un jeton')")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("ic_") and len(token) > 30

    page.goto(f"{live_server}/account")
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.locator("tr", has_text="Export comptable")
    expect(row).to_contain_text(token[:10])
    row.locator("button:has-text('Révoquer')").click()
    expect(page.locator("tr", has_text="Export comptable")).to_have_count(0)
    axe(page)  # the flash saying the token is revoked
