"""Every page passes axe-core (WCAG 2.0 and 2.1, A and AA, and best practices): the RGAA
public buyers work under. Each page is seen as the user it is for, in the states that show
its content (charts, filters, pagers, tables, forms with their errors, flashes), in French
and in English.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

import ledger
from market.members.models import MemberStatus
from market.treasury import views as treasury_views
from tests.e2e.browser_helpers import sign_in
from tests.e2e.conftest import SWAGGER_UI, SWAGGER_UI_FAILS
from tests.integration.ledger_api_helpers import make_world
from tests.integration.members_factories import (
    make_member,
    make_network,
    make_user,
)

LANGUAGES = ["fr", "en"]


def choose_language(page, live_server, lang: str) -> None:
    """Pick the interface language with the header's switch (French is the default)."""
    page.goto(f"{live_server}/")
    if lang != "fr":
        page.click(f"header button[name=lang][value={lang}]")
    expect(page.locator("html")).to_have_attribute("lang", lang)


def visit(page, axe, url: str) -> None:
    """Go to ``url`` and check the page with axe."""
    page.goto(url)
    axe(page)


def seed_directory(db) -> dict:
    """Active members in two regions and several kinds, one with a full profile; a network."""
    network = make_network(db)
    full = make_member(
        db, "Jardins de l'Adour", n=1, sectors=("green.maintenance", "green.landscaping"),
        networks=(network,), inclusion_kind="ACI", legal_form="association",
        description="Maraîchage biologique et entretien des berges.",
        address="12 chemin de Halage", postcode="64100", insee_code="64102",
        latitude=Decimal("43.492949"), longitude=Decimal("-1.474841"),
        website="https://adour.example", contact_name="Maite Etcheverry",
        contact_email="contact@adour.example", contact_phone="05 59 00 00 00",
        turnover_cents=12_500_050, headcount=12, insertion_headcount=8)
    make_member(db, "Recyclerie des Gaves", n=2, inclusion_kind="EI", legal_form="scic",
                city="Orthez", sectors=("cleaning.offices",))
    make_member(db, "Nettoyage Solidaire", n=3, inclusion_kind="EA", legal_form="scop",
                region="Occitanie", department="31", city="Toulouse", nuts_code="FRJ23")
    foreign = make_member(db, "Cooperativa del Pirineo", n=4, foreign_id="F12345678",
                          country="ES", region="Aragón", department="Huesca",
                          nuts_code="ES241", city="Jaca")
    foreign.siret = foreign.siren = None
    db.session.commit()
    return {"full": full, "foreign": foreign, "network": network}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages_pass_axe(live_server, page, db, axe, lang, monkeypatch):
    from market.members import views as member_views

    monkeypatch.setattr(member_views, "DIRECTORY_PAGE_SIZE", 1)  # pager links with 4 members
    seeded = seed_directory(db)
    choose_language(page, live_server, lang)

    # The home page: the directory with its filters, its two bar charts and the pager.
    visit(page, axe, f"{live_server}/")
    expect(page.locator("figure.bar-chart svg")).to_have_count(2)
    bar = {"fr": "Nouvelle-Aquitaine : 2 membres", "en": "Nouvelle-Aquitaine: 2 members"}
    expect(page.get_by_role("link", name=bar[lang], exact=True)).to_have_count(1)
    page.keyboard.press("Tab")  # the first stop is the skip link, shown when focused
    expect(page.locator("a.skip-link")).to_be_focused()
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/#content")
    expect(page.locator("nav.pager a[rel=next]")).to_have_count(1)
    page.click("nav.pager a[rel=next]")  # the second page: a link back to the first
    expect(page.locator("nav.pager a")).to_have_count(2)
    axe(page)

    # Filters applied (no charts, a link to clear them), a refused filter, no match.
    visit(page, axe, f"{live_server}/?q=Jardins&region=Nouvelle-Aquitaine"
                     f"&sector_group=green&network={seeded['network'].slug}")
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator("figure.bar-chart")).to_have_count(0)
    visit(page, axe, f"{live_server}/?inclusion_kind=XYZ")
    expect(page.locator("main p.error")).to_have_count(1)
    visit(page, axe, f"{live_server}/?q=personne")
    expect(page.locator("p.empty")).to_have_count(1)

    # A member's full profile; a foreign one.
    visit(page, axe, f"{live_server}/members/{seeded['full'].id}")
    expect(page.locator("main")).to_contain_text("contact@adour.example")
    visit(page, axe, f"{live_server}/members/{seeded['foreign'].id}")
    expect(page.locator("main")).to_contain_text("F12345678")

    # Sign-in: the form, then the form refusing a wrong password.
    visit(page, axe, f"{live_server}/login")
    page.fill("input[name=email]", "personne@example.org")
    page.fill("input[name=password]", "pas le bon mot de passe")
    page.click("main form button[type=submit]")
    expect(page.locator("main .flash-error")).to_have_count(1)
    axe(page)

    # Sign-up: the form, then the form with its errors.
    visit(page, axe, f"{live_server}/signup")
    page.fill("input[name=siret]", "123")
    page.fill("input[name=password]", "court")
    page.fill("input[name=password_confirm]", "autre")
    page.click("main form button[type=submit]")
    expect(page.locator("main p.error").first).to_be_visible()
    axe(page)

    # An error page.
    visit(page, axe, f"{live_server}/nulle-part")
    expect(page.locator("h1")).to_have_text("404")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_member_admin_pages_pass_axe(live_server, page, db, axe, lang):
    seeded = seed_directory(db)
    member = seeded["full"]
    make_user(db, "admin@adour.example", [("member_admin", member.id),
                                          ("member_treasurer", member.id)])
    choose_language(page, live_server, lang)
    sign_in(page, live_server, "admin@adour.example")

    # The profile as its admin sees it (an edit button), then the edit form.
    visit(page, axe, f"{live_server}/members/{member.id}")
    expect(page.locator("main a.btn")).to_have_count(1)
    visit(page, axe, f"{live_server}/members/{member.id}/edit")

    # A bad submission: the form again, with its errors.
    page.fill("input[name=siret]", "123")
    page.fill("input[name=latitude]", "nord")
    page.fill("input[name=contact_email]", "pas-un-courriel")
    page.fill("input[name=turnover]", "beaucoup")
    page.click("form.member-form button[type=submit]")
    expect(page.locator("main .flash-error")).to_have_count(1)
    expect(page.locator("form.member-form p.error").first).to_be_visible()
    axe(page)

    # A good one: the profile with the flash message.
    page.goto(f"{live_server}/members/{member.id}/edit")
    page.fill("input[name=city]", "Ustaritz")
    page.click("form.member-form button[type=submit]")
    expect(page.locator("main .flash")).to_have_count(1)
    axe(page)

    # The account: roles, the password form with its errors, a token shown once and listed.
    visit(page, axe, f"{live_server}/account")
    page.fill("input[name=current_password]", "faux")
    page.fill("input[name=new_password]", "court")
    page.click("main form[action$='/account/password'] button[type=submit]")
    expect(page.locator("main p.error").first).to_be_visible()
    axe(page)
    page.goto(f"{live_server}/account")
    page.click("main form[action$='/account/tokens'] button[type=submit]")  # no name
    expect(page.locator("main p.error").first).to_be_visible()
    axe(page)
    page.fill("input[name=name]", "Export comptable")
    page.check("input[name=can_create_tokens]")
    page.click("main form[action$='/account/tokens'] button[type=submit]")
    expect(page.locator("#new-token")).to_have_count(1)
    expect(page.locator("main table tr", has_text="Export comptable")).to_have_count(1)
    axe(page)

    # A page this user may not see.
    visit(page, axe, f"{live_server}/admin/members")
    expect(page.locator("h1")).to_have_text("403")

    # Signed out: the directory with the flash that says so.
    page.click("header form[action$='/logout'] button")
    expect(page.locator("main .flash")).to_have_count(1)
    axe(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_network_admin_pages_pass_axe(live_server, page, db, axe, lang):
    seeded = seed_directory(db)
    pending = make_member(db, "Jardins de l'Adour bis", n=1,  # the SIRET of a member
                          status=MemberStatus.pending, contact_name="Jon",
                          contact_email="jon@adour.example")
    for name, who in (("Ressourcerie du Pays Basque", "ane"), ("Ressourcerie Basque", "peio")):
        make_member(db, name, n=50, status=MemberStatus.pending,
                    contact_name=who.title(), contact_email=f"{who}@basque.example",
                    inclusion_kind="AI", legal_form="association", postcode="64500")
    make_user(db, "admin@reseau.example", [("network_admin", None)])
    choose_language(page, live_server, lang)
    sign_in(page, live_server, "admin@reseau.example")

    # Pending sign-ups: one whose SIRET a member holds, two that contest the same SIRET.
    visit(page, axe, f"{live_server}/admin/members")
    expect(page.locator("p.claim-taken")).to_have_count(1)
    expect(page.locator("p.claim-contested")).to_have_count(2)
    page.locator("tr", has_text="Ressourcerie Basque").locator("button").first.click()
    expect(page.locator("main .flash")).to_have_count(1)
    axe(page)

    # A network admin's edit form has the status and networks fields too.
    visit(page, axe, f"{live_server}/members/{seeded['full'].id}/edit")
    expect(page.locator("select[name=status]")).to_have_count(1)
    expect(page.locator("select[name=networks]")).to_have_count(1)

    # A pending member's profile (its status badge) and the account with a network role.
    visit(page, axe, f"{live_server}/members/{pending.id}")
    expect(page.locator("main .badge-status")).to_have_count(1)
    visit(page, axe, f"{live_server}/account")
    expect(page.locator("main table")).to_have_count(1)


@pytest.fixture
def books(db):
    """make_world's book, with movements on account a, a reversal and a hold."""
    world = make_world(db)
    a, b, line = world.accounts["a"], world.accounts["b"], world.accounts["a_line"]
    for n in range(1, 4):
        ledger.transfer(db.engine, [{"from": a, "to": b, "amount": f"{10 * n}.00"}],
                        description=f"Facture {n}", reference=f"F-{n}")
    paid = ledger.transfer(db.engine, [{"from": b, "to": a, "amount": "5.50"}],
                           description="Avoir 7")
    ledger.reverse(db.engine, paid["id"], description="Avoir annulé")
    held = ledger.hold(db.engine, [{"from": a, "to": line, "amount": "4.00"}],
                       timeout_seconds=3600, description="Réservation", post_by="debtor")
    db.session.commit()
    return world, paid["id"], held["id"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_treasurer_pages_pass_axe(live_server, page, books, axe, lang, monkeypatch):
    world, reversed_id, held_id = books
    monkeypatch.setattr(treasury_views, "STATEMENT_PAGE", 3)  # a pager without 200 lines
    monkeypatch.setattr(treasury_views, "ACCOUNTS_PAGE", 4)
    a = world.accounts["a"]
    choose_language(page, live_server, lang)
    sign_in(page, live_server, "network_treasurer@example.org")

    # Accounts: the currency filter, the table, the pager.
    visit(page, axe, f"{live_server}/ledger/accounts")
    expect(page.locator("table.ledger-accounts tbody tr")).to_have_count(4)
    expect(page.locator("p.pager a[rel=next]")).to_have_count(1)
    visit(page, axe, f"{live_server}/ledger/accounts?currency=EUR")

    # A statement: balances, the period links, the chart, the pager to the next lines.
    visit(page, axe, f"{live_server}/ledger/accounts/{a}")
    expect(page.locator("figure.balance-chart svg")).to_have_count(1)
    expect(page.locator("tr.movement")).to_have_count(3)
    page.click("p.pager a[rel=next]")  # the next lines, from the balance brought forward
    expect(page.locator("tr.movement")).to_have_count(3)
    axe(page)
    visit(page, axe, f"{live_server}/ledger/accounts/{a}?from=pas-une-date")
    expect(page.locator("main .flash-error")).to_have_count(1)
    visit(page, axe, f"{live_server}/ledger/accounts/{a}?from=2999-01-01")
    expect(page.locator("tr.movement")).to_have_count(0)

    # Transfers: a reversed one (its link to the reversal), a hold.
    visit(page, axe, f"{live_server}/ledger/transfers/{reversed_id}")
    expect(page.locator("code.hash").first).to_be_visible()
    visit(page, axe, f"{live_server}/ledger/transfers/{held_id}")

    # The trial balance, every currency and then one.
    visit(page, axe, f"{live_server}/ledger/trial-balance")
    expect(page.locator("table.trial-balance")).to_have_count(2)
    visit(page, axe, f"{live_server}/ledger/trial-balance?currency=EUR")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_member_treasurer_pages_pass_axe(live_server, page, books, axe, lang):
    world, _reversed, _held = books
    choose_language(page, live_server, lang)
    sign_in(page, live_server, "treasurer_a@example.org")
    visit(page, axe, f"{live_server}/ledger/accounts")  # no currency filter for a member
    expect(page.locator("table.ledger-accounts tbody tr")).to_have_count(3)
    visit(page, axe, f"{live_server}/ledger/accounts/{world.accounts['a']}")
    expect(page.locator("figure.balance-chart")).to_have_count(1)
    visit(page, axe, f"{live_server}/ledger/accounts/{world.accounts['b']}")  # not theirs
    expect(page.locator("h1")).to_have_text("404")


def check_api_docs(page, axe) -> None:
    """The page but Swagger UI's markup with every rule; that markup with all but the rules
    it fails (see SWAGGER_UI in conftest.py)."""
    axe(page, SWAGGER_UI)
    axe(page, "#swagger-ui-container", disabled=SWAGGER_UI_FAILS)


def test_api_docs_pass_axe_but_for_swagger_uis_own_markup(live_server, page, axe):
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    check_api_docs(page, axe)
    operation = page.locator("#operations-auth_api-post_api_v1_tokens")
    operation.locator(".opblock-summary-control").click()  # an operation, open
    operation.locator(".try-out__btn").click()  # its "Try it out" form
    page.wait_for_selector(".swagger-ui .opblock-body textarea", timeout=15_000)
    check_api_docs(page, axe)


def test_axe_fails_the_test_with_a_readable_message(live_server, page, axe):
    page.goto(f"{live_server}/login")
    page.evaluate("document.querySelector('label[for=email]').remove()")
    with pytest.raises(AssertionError) as failed:
        axe(page)
    message = str(failed.value)
    assert "- label [critical] Form elements must have labels" in message
    assert '["#email"]' in message and "/login (lang=fr)" in message
