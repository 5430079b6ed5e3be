"""The share pages on both databases: subscribing through the form (a refusal shown on it,
nothing written), the cooperative treasurer's register, its CSV, calls and decisions, and
another member's register answering 404 like a missing one."""

import csv
import html
import io
from datetime import UTC, datetime

import pytest

import ledger
from market.auth.roles import Role
from market.currencies import shares
from market.offers.models import Offer
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in, make_user
from tests.integration.offers_factories import make_offer, make_trader


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, path: str, page: str, **form):
    form["csrf_token"] = CSRF_INPUT.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(path, data=form)


@pytest.fixture
def coop(db):
    return make_trader(db, 1, "Scic Énergie du Labourd")


@pytest.fixture
def alice(db):
    return make_trader(db, 2, "Jardins de l'Adour", funds={"EUR": "1000.00"})


@pytest.fixture
def offer(db, coop):
    return make_offer(db, coop, kind="share", title="Parts sociales", unit="part",
                      price="100.00", quantity=None, share_min=2, share_max=10).id


def subscribe_page(offer_id: int) -> str:
    return f"/parts/offres/{offer_id}/souscrire"


def subscribe(client, offer_id: int, **form):
    page = subscribe_page(offer_id)
    return post(client, page, page, **form)


def holders(db, coop) -> dict:
    db.session.rollback()
    return {h["name"]: h for h in shares.register(db.session, coop.member.id)["holders"]}


def balance(db, account_id) -> str:
    db.session.rollback()
    return ledger.get_account(db.engine, account_id)["balance"]


def test_the_share_offer_page_links_to_its_subscription(client, db, coop, alice, offer):
    log_in(client, alice.user)
    assert f'href="{subscribe_page(offer)}"' in text(client.get(f"/offres/{offer}"))
    product = make_offer(db, coop).id
    assert "/souscrire" not in text(client.get(f"/offres/{product}"))


def test_the_subscription_page_shows_the_offer_terms_and_a_quarter_paid_by_default(
        client, db, coop, alice, offer):
    log_in(client, alice.user)
    page = text(client.get(subscribe_page(offer)))
    assert "100,00 EUR" in page and "de 2 à 10" in page
    assert 'name="shares"' in page and 'value="2"' in page
    assert 'value="50.00"' in page  # a quarter of 2 x 100.00
    assert 'name="member"' not in page  # one member: nothing to choose


def test_a_member_subscribes_shares_through_the_form(client, db, coop, alice, offer):
    log_in(client, alice.user)
    done = subscribe(client, offer, shares="4", paid="100,00")
    assert done.status_code == 302, text(done)
    assert done.headers["Location"].endswith(f"/offres/{offer}")
    assert "a souscrit 4 parts" in text(client.get(done.headers["Location"]))
    held = holders(db, coop)["Jardins de l'Adour"]
    assert (held["units"], held["paid"], held["uncalled"]) == (4, 10000, 30000)
    assert balance(db, alice.accounts["EUR"]) == "900.00"


def test_euros_left_blank_pay_a_quarter_rounded_up_to_the_cent(client, db, coop, alice):
    odd = make_offer(db, coop, kind="share", title="Parts", unit="part", price="10.01",
                     quantity=None, share_min=1, share_max=None).id
    log_in(client, alice.user)
    assert subscribe(client, odd, shares="3", paid="").status_code == 302
    assert holders(db, coop)["Jardins de l'Adour"]["paid"] == 751  # 30.03 / 4 = 7.5075


@pytest.mark.parametrize("units, paid, message", [
    ("4", "99,99", "Au moins un quart du nominal"),
    ("1", "100,00", "Au moins 2 parts"),
    ("11", "1100,00", "Au plus 10 parts"),
    ("2", "200,01", "Pas plus que le nominal"),
    ("deux", "50,00", "Un nombre entier de parts"),
    ("2", "cinquante", "Un montant positif en euros"),
])
def test_a_subscription_breaking_a_rule_is_shown_on_the_form_and_writes_nothing(
        client, db, coop, alice, offer, units, paid, message):
    log_in(client, alice.user)
    with nothing_written(db):
        refused = subscribe(client, offer, shares=units, paid=paid)
    assert refused.status_code == 422
    page = text(refused)
    assert message in page and 'aria-invalid="true"' in page


def test_a_subscription_beyond_the_members_euros_is_refused_and_writes_nothing(
        client, db, coop, offer):
    poor = make_trader(db, 4, "Menuiserie Basque", funds={"EUR": "10.00"})
    log_in(client, poor.user)
    with nothing_written(db):
        refused = subscribe(client, offer, shares="2", paid="50,00")
    assert refused.status_code == 422
    assert "Pas assez d'euros" in text(refused)


def test_a_user_acting_for_several_members_chooses_which_subscribes(client, db, coop, alice,
                                                                     offer):
    bob = make_trader(db, 3, "Menuiserie Basque", funds={"EUR": "1000.00"})
    both = make_user(db, "deux@example.org", [(Role.member_treasurer, alice.member.id),
                                              (Role.member_admin, bob.member.id),
                                              (Role.member_admin, coop.member.id)])
    log_in(client, both)
    page = text(client.get(subscribe_page(offer)))
    assert 'name="member"' in page and "Menuiserie Basque" in page
    assert "Scic Énergie du Labourd</option>" not in page  # not its own offer
    assert subscribe(client, offer, member=str(bob.member.id), shares="2",
                     paid="50,00").status_code == 302
    assert set(holders(db, coop)) == {"Menuiserie Basque"}
    assert subscribe(client, offer, shares="2", paid="50,00").status_code == 422


def test_only_share_offers_are_subscribed_and_only_by_admins_or_treasurers(client, db, coop,
                                                                           alice):
    product = make_offer(db, coop).id
    log_in(client, alice.user)
    assert client.get(subscribe_page(product)).status_code == 404
    assert client.get(subscribe_page(2147483647)).status_code == 404
    staff = make_user(db, "vendeur@example.org", [(Role.member_staff, alice.member.id)])
    log_in(client, staff)
    assert client.get(subscribe_page(product)).status_code == 403


@pytest.fixture
def subscribed(db, coop, alice, offer):
    """Alice holds 4 shares: 100.00 paid, 300.00 uncalled, since 1 July 2026 at noon in Paris."""
    shares.subscribe(db.session, db.session.get(Offer, offer), alice.member, 4, 10000,
                     now=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    db.session.commit()


def test_the_cooperative_treasurer_reads_its_register(client, db, coop, alice, subscribed):
    treasurer = make_user(db, "tresorier@example.org",
                          [(Role.member_treasurer, coop.member.id)])
    log_in(client, treasurer)
    page = text(client.get(f"/parts/registre/{coop.member.id}"))
    assert "Registre des parts de Scic Énergie du Labourd" in page
    assert "<caption>Parts détenues par chaque associé</caption>" in page
    assert "Jardins de l'Adour" in page and "Souscription" in page
    assert "400,00 EUR" in page and "300,00 EUR" in page  # subscribed, uncalled
    assert "01/07/2026 12:00" in page  # Paris time
    assert f"/api/v1/members/{coop.member.id}/share-register.csv" in page
    assert 'name="per_share"' in page


def test_network_treasurers_read_the_register_but_neither_call_nor_decide(client, db, coop,
                                                                          alice, subscribed):
    network = make_user(db, "reseau@example.org", [(Role.network_treasurer, None)])
    log_in(client, network)
    page = text(client.get(f"/parts/registre/{coop.member.id}"))
    assert "Jardins de l'Adour" in page and 'name="per_share"' not in page


def test_another_members_register_is_not_found_like_a_missing_one(client, db, coop, alice,
                                                                  offer, subscribed):
    log_in(client, alice.user)
    for path in (f"/parts/registre/{coop.member.id}",
                 f"/api/v1/members/{coop.member.id}/share-register.csv",
                 f"/parts/registre/{alice.member.id}", "/parts/registre/2147483647"):
        assert client.get(path).status_code == 404, path
    own = subscribe_page(offer)
    with nothing_written(db):
        called = post(client, f"/parts/registre/{coop.member.id}/appel", own,
                      per_share="10,00")
    assert called.status_code == 404


def test_the_register_downloads_as_csv_that_parses_back(client, db, coop, alice, subscribed):
    """The page links to the API's CSV, which the session cookie opens."""
    log_in(client, coop.user)
    got = client.get(f"/api/v1/members/{coop.member.id}/share-register.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert [(r["holder"], r["units"], r["paid"], r["uncalled"]) for r in rows] == [
        ("Jardins de l'Adour", "4", "100.00", "300.00")]


def test_the_cooperative_calls_capital_from_its_register(client, db, coop, alice, subscribed):
    log_in(client, coop.user)
    page = f"/parts/registre/{coop.member.id}"
    done = post(client, f"{page}/appel", page, per_share="25,00")
    assert done.status_code == 302
    assert "Capital appelé auprès de 1 associés" in text(client.get(page))
    held = holders(db, coop)["Jardins de l'Adour"]
    assert (held["called"], held["uncalled"]) == (10000, 20000)
    with nothing_written(db):
        refused = post(client, f"{page}/appel", page, per_share="zéro")
    assert refused.status_code == 302
    assert "Un appel positif par part" in text(client.get(page))


def test_the_cooperative_approves_or_refuses_requests_from_its_register(client, db, coop,
                                                                        alice, offer,
                                                                        subscribed):
    first = shares.ask(db.session, coop.member.id, alice.member.id, "withdrawal", 1)
    second = shares.ask(db.session, coop.member.id, alice.member.id, "withdrawal", 1)
    db.session.commit()
    first_id, second_id = first.id, second.id
    log_in(client, coop.user)
    page = f"/parts/registre/{coop.member.id}"
    shown = text(client.get(page))
    assert f"Demande n° {first_id} : Retrait de 1 parts par Jardins de l'Adour" in shown
    assert post(client, f"/parts/demandes/{first_id}/approuver", page).status_code == 302
    assert post(client, f"/parts/demandes/{second_id}/refuser", page,
                reason="Pas cette année").status_code == 302
    assert f"Demande n° {second_id} refusée" in text(client.get(page))
    assert holders(db, coop)["Jardins de l'Adour"]["units"] == 3
    assert balance(db, alice.accounts["EUR"]) == "925.00"  # 900.00 + 25.00 paid on one share
    log_in(client, alice.user)
    assert post(client, f"/parts/demandes/{second_id}/approuver",
                subscribe_page(offer)).status_code == 404


def test_a_holder_asks_a_withdrawal_from_its_own_page(client, db, coop, alice, offer,
                                                      subscribed):
    log_in(client, alice.user)
    page = "/parts/mes-parts"
    shown = text(client.get(page))
    assert "Jardins de l'Adour chez Scic Énergie du Labourd" in shown
    action = f"/parts/mes-parts/{coop.member.id}/{alice.member.id}/retrait"
    assert action in shown
    with nothing_written(db):
        too_many = post(client, action, page, shares="5")
    assert too_many.status_code == 302
    assert "Au plus les 4 parts détenues" in text(client.get(page))
    asked = post(client, action, page, shares="2")
    assert asked.status_code == 302
    shown = text(client.get(page))
    assert "la coopérative décidera du retrait" in shown
    assert "en attente : Retrait de 2 parts" in shown
    log_in(client, coop.user)
    assert "Retrait de 2 parts par Jardins de l'Adour" in text(
        client.get(f"/parts/registre/{coop.member.id}"))


def test_a_withdrawal_for_another_members_shares_is_not_found(client, db, coop, alice, offer,
                                                              subscribed):
    log_in(client, coop.user)
    assert "Vos structures ne détiennent aucune part" in text(client.get("/parts/mes-parts"))
    with nothing_written(db):
        refused = post(client, f"/parts/mes-parts/{coop.member.id}/{alice.member.id}/retrait",
                       "/parts/mes-parts", shares="1")
    assert refused.status_code == 404


def test_the_header_and_the_holdings_page_lead_to_the_cooperatives_own_register(
        client, db, coop, alice, subscribed):
    treasurer = make_user(db, "tresorier@example.org",
                          [(Role.member_treasurer, coop.member.id)])
    log_in(client, treasurer)
    page = text(client.get("/parts/mes-parts"))
    assert 'href="/parts/mes-parts"' in page  # the header's "Parts sociales"
    assert f'href="/parts/registre/{coop.member.id}"' in page
    log_in(client, alice.user)
    assert f'href="/parts/registre/{coop.member.id}"' not in text(client.get("/parts/mes-parts"))
