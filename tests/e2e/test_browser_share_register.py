"""A member subscribes cooperative shares in the browser and asks to withdraw one; the
cooperative's treasurer opens the register, sees the holder, downloads the CSV, calls capital
and approves the withdrawal; every page passes axe-core."""

import csv
import io
from pathlib import Path

from market.auth.roles import Role
from tests.e2e.browser_helpers import sign_in
from tests.integration.members_factories import make_user
from tests.integration.offers_factories import make_offer, make_trader


def test_a_member_subscribes_and_the_treasurer_reads_and_downloads_the_register(
        live_server, page, db, axe):
    coop = make_trader(db, 1, "Scic Énergie du Labourd")
    alice = make_trader(db, 2, "Jardins de l'Adour", funds={"EUR": "1000.00"})
    offer = make_offer(db, coop, kind="share", title="Parts sociales", unit="part",
                       price="100.00", quantity=None, share_min=2, share_max=10).id
    make_user(db, "tresorier@example.org", [(Role.member_treasurer, coop.member.id)])
    coop_id, alice_id = coop.member.id, alice.member.id

    sign_in(page, live_server, alice.user.email)
    page.goto(f"{live_server}/offres/{offer}")
    page.click("text=Souscrire des parts")
    page.wait_for_url(f"{live_server}/parts/offres/{offer}/souscrire")
    axe(page)
    assert page.input_value("input[name=paid]") == "50.00"
    page.fill("input[name=shares]", "1")
    page.click("main form button[type=submit]")
    assert "Au moins 2 parts" in page.locator("main form").inner_text()
    axe(page)  # the refusal on the form: tied to its field, announced
    page.fill("input[name=shares]", "4")
    page.fill("input[name=paid]", "100,00")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/offres/{offer}")
    assert "a souscrit 4 parts" in page.locator("main").inner_text()
    axe(page)
    page.goto(f"{live_server}/parts/mes-parts")
    axe(page)
    page.fill(f"#withdraw-{coop_id}-{alice_id}", "1")
    page.click("form[action$='/retrait'] button[type=submit]")
    page.wait_for_url(f"{live_server}/parts/mes-parts")
    assert "Retrait de 1 parts" in page.locator("main").inner_text()
    axe(page)

    page.context.clear_cookies()
    sign_in(page, live_server, "tresorier@example.org")
    page.goto(f"{live_server}/parts/registre/{coop_id}")
    axe(page)
    row = page.locator("table.share-holders tbody tr").first.inner_text()
    assert "Jardins de l'Adour" in row and "4" in row
    with page.expect_download() as info:
        page.click("text=Télécharger le registre (CSV)")
    download = info.value
    assert download.suggested_filename == f"registre-parts-{coop_id}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [(r["holder"], r["units"], r["paid"], r["uncalled"]) for r in rows] == [
        ("Jardins de l'Adour", "4", "100.00", "300.00")]

    page.fill("input[name=per_share]", "25,00")
    page.click("form[action$='/appel'] button[type=submit]")
    page.wait_for_url(f"{live_server}/parts/registre/{coop_id}")
    assert "Capital appelé" in page.locator("main").inner_text()
    assert "200,00 EUR" in page.locator("table.share-holders").inner_text()  # uncalled
    axe(page)
    page.click("form[action$='/approuver'] button[type=submit]")
    page.wait_for_url(f"{live_server}/parts/registre/{coop_id}")
    assert "approuvée" in page.locator("main").inner_text()
    assert "Retrait" in page.locator("table.share-events").inner_text()
    axe(page)
