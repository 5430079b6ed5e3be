"""The currency pages: the list with its rules, creation by a network admin, rules, credit
lines granted by a network treasurer with their history; refusals say why, write nothing."""

import html

import pytest
from sqlalchemy import func, select

import ledger
from market.auth.roles import Role
from market.currencies import governance
from market.currencies.models import CreditLineChange, CurrencyPolicy
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.currency_factories import funded_account, make_currency, open_account
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in, make_member, make_network, make_user


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, path: str, **form):
    form["csrf_token"] = CSRF_INPUT.search(client.get("/monnaies").get_data(as_text=True)) \
        .group(1)
    return client.post(path, data=form)


@pytest.fixture
def people(db):
    member = make_member(db)
    return {"member": member,
            "admin": make_user(db, "admin@example.org", [(Role.network_admin, None)]),
            "treasurer": make_user(db, "tresor@example.org",
                                   [(Role.network_treasurer, None)]),
            "member_admin": make_user(db, "coop@example.org",
                                      [(Role.member_admin, member.id)])}


def test_the_list_shows_each_currency_with_its_rules(client, db, people):
    network = make_network(db)
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="500.00",
                  network_id=network.id)
    make_currency(db, "CHIEM", "backed", redemption_fee_bp=500, demurrage_rate_bp=800,
                  demurrage_period="monthly", euro_parity="1.5")
    log_in(client, people["member_admin"])
    page = text(client.get("/monnaies"))
    assert "ligne par défaut 500.00" in page and "RIPESS Europe" in page
    assert "reconversion 5 %" in page and "fonte 8 % par an" in page and "1.5" in page
    assert "Créer une monnaie" not in page


def test_a_network_admin_creates_a_currency_from_the_page(client, db, people):
    log_in(client, people["admin"])
    response = post(client, "/monnaies", code="SOL", name="Sol-violette", kind="backed",
                    scale="2", network="", euro_parity="1", redemption_fee="2,5",
                    demurrage_rate="", demurrage_period="")
    assert response.status_code == 302, text(response)
    created = db.session.get(CurrencyPolicy, "SOL")
    assert created.redemption_fee_bp == 250 and created.reserve_account_id
    page = text(client.get("/monnaies/SOL"))
    assert "Sol-violette (SOL)" in page and "2.5 %" in page and "Réserve en euros" in page


@pytest.mark.parametrize(("form", "said"), [
    ({"scale": "7"}, "Un entier de 0 à 6."),
    ({"code": "eu"}, "2 à 16 capitales"),
    ({"redemption_fee": "150"}, "de 0 à 10 000"),
    ({"code": "EUR"}, "Une monnaie porte déjà ce code."),
])
def test_a_bad_currency_form_says_why_and_writes_nothing(client, db, people, form, said):
    log_in(client, people["admin"])
    values = {"code": "SOL", "name": "Sol", "kind": "backed", "scale": "2",
              "euro_parity": "1", **form}
    with nothing_written(db):
        response = post(client, "/monnaies", **values)
    assert response.status_code in (409, 422)
    assert said in text(response)


def test_only_a_network_admin_creates_or_changes_rules(client, db, people):
    make_currency(db, "MUTU", "mutual_credit")
    log_in(client, people["treasurer"])
    with nothing_written(db):
        assert post(client, "/monnaies", code="SOL", name="Sol", kind="backed",
                    scale="2").status_code == 403
        assert post(client, "/monnaies/MUTU/regles", euro_parity="2").status_code == 403


def test_a_network_admin_sets_demurrage_rules(client, db, people):
    make_currency(db, "CHIEM", "backed")
    log_in(client, people["admin"])
    response = post(client, "/monnaies/CHIEM/regles", euro_parity="1",
                    demurrage_rate="8", demurrage_free_base="100,00",
                    demurrage_period="monthly", redemption_fee="5", merchant_fee="")
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    policy = db.session.get(CurrencyPolicy, "CHIEM")
    assert (policy.demurrage_rate_bp, policy.demurrage_free_base, policy.demurrage_period,
            policy.redemption_fee_bp) == (800, 10_000, "monthly", 500)
    assert policy.commons_account_id is not None


def test_a_treasurer_grants_a_line_and_the_history_shows_it(client, db, people):
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="100.00")
    account_id = open_account(db, people["member"], "MUTU")
    log_in(client, people["treasurer"])
    page = text(client.get("/monnaies/MUTU"))
    assert "Accorder une ligne de crédit" in page and f"n° {account_id}" in page
    response = post(client, "/monnaies/MUTU/lignes", account=str(account_id),
                    credit_line="900,00", reason="Marché de restauration scolaire")
    assert response.status_code == 302, text(response)
    assert ledger.get_account(db.engine, account_id)["min_balance"] == "-900.00"
    page = text(client.get("/monnaies/MUTU"))
    assert "Marché de restauration scolaire" in page and "900.00" in page


def test_a_line_below_the_debt_is_refused_on_the_page(client, db, people):
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="500.00")
    payer = open_account(db, people["member"], "MUTU")
    payee = open_account(db, make_member(db, "Autre", n=2), "MUTU")
    ledger.transfer(db.engine, [{"from": payer, "to": payee, "amount": "300.00"}])
    log_in(client, people["treasurer"])
    with nothing_written(db):
        response = post(client, "/monnaies/MUTU/lignes", account=str(payer),
                        credit_line="200,00", reason="réduction")
    assert response.status_code == 422
    assert "sous la dette actuelle du compte (300.00)" in text(response)
    with nothing_written(db):
        response = post(client, "/monnaies/MUTU/lignes", account=str(payer),
                        credit_line="600,00", reason="")
    assert response.status_code == 422 and "le motif est conservé" in text(response)
    with nothing_written(db):
        response = post(client, "/monnaies/MUTU/lignes", account="999999",
                        credit_line="600,00", reason="x")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(CreditLineChange)) == 0


def test_members_do_not_grant_lines_nor_see_the_history(client, db, people):
    make_currency(db, "MUTU", "mutual_credit")
    account_id = open_account(db, people["member"], "MUTU")
    log_in(client, people["member_admin"])
    page = text(client.get("/monnaies/MUTU"))
    assert "Accorder une ligne de crédit" not in page and "Historique" not in page
    with nothing_written(db):
        response = post(client, "/monnaies/MUTU/lignes", account=str(account_id),
                        credit_line="5000,00", reason="moi")
    assert response.status_code == 403


def test_an_unknown_currency_is_404_and_anonymous_people_sign_in(client, db, people):
    log_in(client, people["member_admin"])
    assert client.get("/monnaies/NOPE").status_code == 404
    client.delete_cookie("session")
    assert client.get("/monnaies").status_code in (302, 401)


def test_treasurers_see_whether_the_euro_reserve_covers_the_units_in_circulation(client, db,
                                                                                people):
    policy = make_currency(db, "EUSKO", "backed")
    funded_account(db, people["member"], "EUSKO", "100.00")
    log_in(client, people["member_admin"])
    assert "Couverture par la réserve" not in text(client.get("/monnaies/EUSKO"))
    log_in(client, people["treasurer"])
    page = text(client.get("/monnaies/EUSKO"))
    assert "Couverte : 100.00 EUSKO en circulation valent 100.00 €" in page
    stripe_clearing = governance.euro(db.session).issuance_account_id
    reserve = policy.reserve_account_id
    db.session.commit()
    ledger.transfer(db.engine, [{"from": reserve, "to": stripe_clearing, "amount": "0.01"}])
    page = text(client.get("/monnaies/EUSKO"))
    assert "Non couverte" in page and "il manque 0.01 €" in page
