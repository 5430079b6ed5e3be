"""The member's redemption page: a treasurer asks through the form (a hold, nothing else),
refusals are shown on the form and write nothing, another member's account reads as a
missing one, and only a member's admins and treasurers see the page."""

import re

import pytest
from sqlalchemy import func, select

import ledger
from market.auth.roles import Role
from market.payments import redemptions
from market.payments.redemption_models import Redemption
from tests.integration.currency_factories import (
    balance,
    funded_account,
    make_currency,
    open_account,
)
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in, make_member, make_network, make_user

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE = "/reconversions"


@pytest.fixture
def world(db):
    """A network's backed currency (3 % fee); member A holds 100.00 of it, member B 40.00."""
    network = make_network(db, "pays-basque", "Pays basque")
    member = make_member(db, networks=[network])
    other = make_member(db, "Txalaparta", n=2, networks=[network])
    currency = make_currency(db, "EUSKO", "backed", network_id=network.id,
                             redemption_fee_bp=300)
    users = {
        "treasurer": make_user(db, "tresorier@adour.example",
                               [(Role.member_treasurer, member.id)]),
        "admin": make_user(db, "admin@adour.example", [(Role.member_admin, member.id)]),
        "staff": make_user(db, "staff@adour.example", [(Role.member_staff, member.id)]),
        "nobody": make_user(db, "personne@example.org"),
        "network": make_user(db, "reseau@example.org", [(Role.network_treasurer, None)]),
    }
    return {"member": member, "other": other, "users": users,
            "account": funded_account(db, member, "EUSKO", "100.00"),
            "other_account": funded_account(db, other, "EUSKO", "40.00"),
            "issuance": currency.issuance_account_id, "fees": currency.fee_account_id,
            "reserve": currency.reserve_account_id}


def token_of(client) -> str:
    return CSRF.search(client.get(PAGE).get_data(as_text=True)).group(1)


def ask(client, account: int, amount: str):
    return client.post(PAGE, data={"csrf_token": token_of(client), "account": str(account),
                                   "amount": amount})


def count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Redemption))


def test_a_treasurer_asks_a_redemption_through_the_form_and_sees_the_hold_and_the_row(
        client, db, world):
    log_in(client, world["users"]["treasurer"])
    page = client.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="{PAGE}"' in html  # the header link
    assert "<caption>" in html and "3 %" in html and "100.00 EUSKO" in html
    assert f'<option value="{world["account"]}"' in html
    assert f'value="{world["other_account"]}"' not in html
    assert "Les frais de reconversion (3 %) sont retenus" in html
    assert "après l'approbation du trésorier du réseau" in html
    sent = ask(client, world["account"], "50,00")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert sent.headers["Location"] == PAGE
    assert count(db) == 1
    asked = db.session.scalars(select(Redemption)).one()
    assert (asked.amount, asked.fee, asked.euro_cents, asked.status) == (
        5_000, 150, 4_850, "requested")
    conn = db.session.connection()
    held = ledger.get_transfer(conn, asked.hold_transfer_id)
    assert held["status"] == "pending"
    assert sorted((p["to"], p["amount"]) for p in held["postings"]) == sorted(
        [(world["issuance"], "48.50"), (world["fees"], "1.50")])
    account = ledger.get_account(conn, world["account"])
    assert (account["balance"], account["available"]) == ("100.00", "50.00")
    assert balance(db, world["reserve"]) == "140.00"  # nothing paid before the approval
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Demande de reconversion n° 1 enregistrée" in listing  # the flash
    row = re.search(r'<tr id="reconversion-1">(.*?)</tr>', listing, re.S).group(1)
    for shown in ("50.00 EUSKO", "1.50 EUSKO", "48.50 €", "En attente de décision"):
        assert shown in row


def test_a_member_admin_may_ask_too(client, db, world):
    log_in(client, world["users"]["admin"])
    assert ask(client, world["account"], "10.00").status_code == 302
    assert count(db) == 1


def test_a_redemption_above_the_balance_is_refused_on_the_form_and_writes_nothing(
        client, db, world):
    log_in(client, world["users"]["treasurer"])
    token = token_of(client)
    with nothing_written(db):
        refused = client.post(PAGE, data={"csrf_token": token, "account": str(world["account"]),
                                          "amount": "100,01"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Ce montant dépasse le solde disponible du compte (100.00)" in html
    assert 'aria-invalid="true"' in html
    assert count(db) == 0


@pytest.mark.parametrize("amount", ["", "abc", "0", "-5", "1.234", "12.5e3", "NaN", "1,000.00",
                                    "99999999999999999999999.00", "１２.００"])
def test_a_bad_amount_is_refused_on_the_form_and_writes_nothing(client, db, world, amount):
    log_in(client, world["users"]["treasurer"])
    token = token_of(client)
    with nothing_written(db):
        refused = client.post(PAGE, data={"csrf_token": token, "account": str(world["account"]),
                                          "amount": amount})
    assert refused.status_code == 422
    assert 'id="amount-error-1"' in refused.get_data(as_text=True)


def test_an_account_not_in_a_backed_currency_is_refused_on_the_form(client, db, world):
    make_currency(db, "MUTU", "mutual_credit")
    mutual = open_account(db, world["member"], "MUTU")
    log_in(client, world["users"]["treasurer"])
    assert f'value="{mutual}"' not in client.get(PAGE).get_data(as_text=True)
    token = token_of(client)
    with nothing_written(db):
        refused = client.post(PAGE, data={"csrf_token": token, "account": str(mutual),
                                          "amount": "1,00"})
    assert refused.status_code == 422
    assert "Seule une monnaie adossée à l&#39;euro se convertit en euros." in \
        refused.get_data(as_text=True)


def test_another_members_account_in_the_form_answers_like_a_missing_one(client, db, world):
    log_in(client, world["users"]["treasurer"])
    token = token_of(client)
    answers = []
    with nothing_written(db):
        for account in (world["other_account"], 999_999):
            response = client.post(PAGE, data={"csrf_token": token, "account": str(account),
                                               "amount": "10.00"})
            html = response.get_data(as_text=True)
            error = re.search(r'id="account-error-1"[^>]*>([^<]*)<', html).group(1)
            answers.append((response.status_code, error))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert balance(db, world["other_account"]) == "40.00"


@pytest.mark.parametrize("who", ["nobody", "staff", "network"])
def test_a_user_who_cannot_ask_is_refused_the_page_and_sees_no_link(client, db, world, who):
    log_in(client, world["users"][who])
    assert client.get(PAGE).status_code == 403
    with nothing_written(db):
        refused = client.post(PAGE, data={"csrf_token": token_of(client),
                                          "account": str(world["account"]), "amount": "1.00"})
    assert refused.status_code == 403
    assert f'href="{PAGE}"' not in client.get("/").get_data(as_text=True)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_form_without_its_csrf_token_is_refused(client, db, world):
    log_in(client, world["users"]["treasurer"])
    client.get(PAGE)
    with nothing_written(db):
        refused = client.post(PAGE, data={"account": str(world["account"]), "amount": "10.00"})
    assert refused.status_code == 400
    assert count(db) == 0


def test_the_member_sees_the_decisions_and_only_its_own_requests(client, db, world):
    movers = frozenset({world["member"].id, world["other"].id})
    paid = redemptions.request_redemption(db.session, account_id=world["account"],
                                          amount="20.00", movers=movers)
    refused = redemptions.request_redemption(db.session, account_id=world["account"],
                                             amount="5.00", movers=movers)
    others = redemptions.request_redemption(db.session, account_id=world["other_account"],
                                            amount="7.00", movers=movers)
    db.session.flush()
    redemptions.approve(db.session, paid.id, payout_reference="VIR-2026-0042")
    redemptions.refuse(db.session, refused.id, reason="RIB manquant")
    db.session.commit()
    ids = (paid.id, refused.id, others.id)
    log_in(client, world["users"]["treasurer"])
    html = client.get(PAGE).get_data(as_text=True)
    paid_row = re.search(rf'<tr id="reconversion-{ids[0]}">(.*?)</tr>', html, re.S).group(1)
    assert "Payée" in paid_row and "VIR-2026-0042" in paid_row and "19.40 €" in paid_row
    refused_row = re.search(rf'<tr id="reconversion-{ids[1]}">(.*?)</tr>', html, re.S).group(1)
    assert "Refusée" in refused_row and "RIB manquant" in refused_row
    assert f'id="reconversion-{ids[2]}"' not in html
