"""The clearing pages: positions for network treasurers, the payment form for a member's
treasurer, and the treasurer's list of redemptions to approve or refuse."""

import html

import pytest

from market.auth.roles import Role
from market.currencies import clearing
from market.payments import redemptions
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.currency_factories import (
    balance,
    funded_account,
    make_currency,
    open_account,
)
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in, make_member, make_network, make_user


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, path: str, page: str, **form):
    form["csrf_token"] = CSRF_INPUT.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(path, data=form)


@pytest.fixture
def world(db):
    """Two networks bound by an agreement, a member in each, their treasurers."""
    basque = make_network(db, "pays-basque", "Pays basque")
    toulouse = make_network(db, "toulouse", "Toulouse")
    payer = make_member(db, "Jardins de l'Adour", n=1, networks=[basque])
    payee = make_member(db, "Épicerie du Capitole", n=2, networks=[toulouse])
    make_currency(db, "EUSKO", "backed", network_id=basque.id, redemption_fee_bp=200)
    make_currency(db, "SOL", "backed", network_id=toulouse.id)
    source = funded_account(db, payer, "EUSKO", "200.00")
    target = open_account(db, payee, "SOL")
    agreement = clearing.create_agreement(db.session, network_a_id=basque.id,
                                          network_b_id=toulouse.id, currency_a="EUSKO",
                                          currency_b="SOL", rate="2", limit="50.00")
    db.session.commit()
    return {"payer": payer, "payee": payee, "source": source, "target": target,
            "agreement": agreement,
            "member": make_user(db, "tresorier@example.org",
                                [(Role.member_treasurer, payer.id)]),
            "network": make_user(db, "reseau@example.org", [(Role.network_treasurer, None)])}


def test_a_member_treasurer_pays_a_member_of_another_network_from_the_page(client, db, world):
    log_in(client, world["member"])
    page = text(client.get("/compensation/payer"))
    assert "Épicerie du Capitole" in page
    response = post(client, "/compensation/payer", "/compensation/payer",
                    from_account=str(world["source"]), to_member=str(world["payee"].id),
                    amount="12,50", description="Légumes")
    assert response.status_code == 302, text(response)
    assert balance(db, world["target"]) == "25.00"


def test_a_payment_beyond_the_limit_is_refused_on_the_page_and_writes_nothing(client, db,
                                                                              world):
    log_in(client, world["member"])
    with nothing_written(db):
        response = post(client, "/compensation/payer", "/compensation/payer",
                        from_account=str(world["source"]),
                        to_member=str(world["payee"].id), amount="50.01")
    assert response.status_code == 422
    assert "Limite de compensation atteinte" in text(response)


def test_network_treasurers_see_the_positions_and_members_do_not(client, db, world):
    clearing.pay(db.session, from_account=world["source"], to_member=world["payee"].id,
                 amount="10.00", movers=frozenset({world["payer"].id}))
    db.session.commit()
    log_in(client, world["network"])
    page = text(client.get("/compensation/positions"))
    assert "Pays basque" in page and "10.00 EUSKO" in page and "20.00 / 100.00 SOL" in page
    log_in(client, world["member"])
    assert client.get("/compensation/positions").status_code == 403


def test_a_network_treasurer_approves_and_refuses_redemptions_from_the_list(client, db, world):
    first = redemptions.request_redemption(db.session, account_id=world["source"],
                                           amount="50.00",
                                           movers=frozenset({world["payer"].id}))
    second = redemptions.request_redemption(db.session, account_id=world["source"],
                                            amount="10.00",
                                            movers=frozenset({world["payer"].id}))
    db.session.commit()
    first_id, second_id = first.id, second.id
    log_in(client, world["network"])
    page = text(client.get("/compensation/reconversions"))
    assert "49.00 € à payer" in page
    approved = post(client, f"/compensation/reconversions/{first_id}/approuver",
                    "/compensation/reconversions", payout_reference="VIR-9")
    assert approved.status_code == 302
    refused = post(client, f"/compensation/reconversions/{second_id}/refuser",
                   "/compensation/reconversions", reason="Doublon")
    assert refused.status_code == 302
    page = text(client.get("/compensation/reconversions"))
    assert "Payée, virement VIR-9" in page and "Refusée : Doublon" in page
    assert balance(db, world["source"]) == "150.00"
