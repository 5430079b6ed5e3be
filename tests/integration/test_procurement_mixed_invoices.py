"""A contract's invoice paid partly in a complementary currency: one transfer, every
currency's part split by the shares, the rest in euros; refusals write nothing."""

import html

import pytest

import ledger
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.bids_helpers import balance, make_world
from tests.integration.currency_factories import fund, make_currency, open_account
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in
from tests.integration.procurement_factories import (
    make_bid,
    make_contract,
    make_grouping,
)


@pytest.fixture
def mixed(db):
    """A 60/40 grouping's contract; buyer and members hold SOLV (parity 1) and HALF."""
    world = make_world(db)
    lot, lead, partner = world["lot"], world["lead"], world["partner"]
    grouping = make_grouping(db, lead, [partner])
    bid = make_bid(db, lot, lead, price_eur=1000, grouping=grouping,
                   shares={lead.member.id: 6000, partner.member.id: 4000})
    contract = make_contract(db, lot, bid)
    make_currency(db, "SOLV", "backed")
    make_currency(db, "HALF", "mutual_credit", euro_parity="0.5", scale=2,
                  default_credit_line="1000.00")
    accounts = {who: open_account(db, world[who].member, "SOLV")
                for who in ("buyer", "lead", "partner")}
    fund(db, accounts["buyer"], "300.00", "SOLV")
    for who in ("buyer", "lead", "partner"):
        open_account(db, world[who].member, "HALF")
    return {**world, "contract": contract, "solv": accounts}


def issue(client, mixed, amount="500.00", number="F-1"):
    response = client.post(f"/api/v1/contracts/{mixed['contract'].id}/invoices",
                           json={"number": number, "amount": amount},
                           headers=mixed["lead"].headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def pay(client, mixed, invoice_id, payment):
    return client.post(f"/api/v1/invoices/{invoice_id}/pay", json={"payment": payment},
                       headers=mixed["buyer"].headers)


def test_an_invoice_paid_in_a_local_currency_and_euros_is_one_transfer_split_by_shares(
        client, db,
        mixed):
    invoice_id = issue(client, mixed)
    response = pay(client, mixed, invoice_id, [{"currency": "SOLV", "amount": "200.00"}])
    assert response.status_code == 200, response.json
    transfer = ledger.get_transfer(db.engine, response.json["transfer_id"])
    by_currency = {}
    for posting in transfer["postings"]:
        by_currency.setdefault(posting["currency"], {})[posting["to"]] = posting["amount"]
    lead, partner = mixed["lead"], mixed["partner"]
    assert by_currency == {
        "EUR": {lead.accounts["EUR"]: "180.00", partner.accounts["EUR"]: "120.00"},
        "SOLV": {mixed["solv"]["lead"]: "120.00", mixed["solv"]["partner"]: "80.00"}}
    assert transfer["metadata"]["mix"] == {"EUR": 30000, "SOLV": 20000}
    assert balance(db, mixed["buyer"].accounts["EUR"]) == "700.00"
    assert balance(db, mixed["solv"]["buyer"]) == "100.00"


def test_a_currency_at_half_a_euro_pays_twice_its_units(client, db, mixed):
    invoice_id = issue(client, mixed, "100.00")
    response = pay(client, mixed, invoice_id, [{"currency": "HALF", "amount": "100.00"}])
    assert response.status_code == 200, response.json
    transfer = ledger.get_transfer(db.engine, response.json["transfer_id"])
    totals = {}
    for posting in transfer["postings"]:
        totals[posting["currency"]] = totals.get(posting["currency"], 0) + \
            ledger.parse_amount(posting["amount"], 2)
    assert totals == {"EUR": 5000, "HALF": 10000}


def test_an_invoice_paid_wholly_in_a_currency_has_no_euro_posting(client, db, mixed):
    invoice_id = issue(client, mixed, "250.00")
    response = pay(client, mixed, invoice_id, [{"currency": "SOLV", "amount": "250.00"}])
    assert response.status_code == 200, response.json
    transfer = ledger.get_transfer(db.engine, response.json["transfer_id"])
    assert {p["currency"] for p in transfer["postings"]} == {"SOLV"}


@pytest.mark.parametrize(("payment", "field"), [
    ([{"currency": "SOLV", "amount": "600.00"}], "payment"),
    ([{"currency": "EUR", "amount": "10.00"}], "payment.0.currency"),
    ([{"currency": "NOPE", "amount": "10.00"}], "payment.0.currency"),
    ([{"currency": "SOLV", "amount": "10"}], "payment.0.amount"),
    ([{"currency": "HALF", "amount": "0.01"}], "payment.0.amount"),
    ([{"currency": "SOLV", "amount": "1.00"}, {"currency": "SOLV", "amount": "1.00"}],
     "payment.1.currency"),
])
def test_a_bad_mix_is_refused_and_writes_nothing(client, db, mixed, payment, field):
    invoice_id = issue(client, mixed)
    with nothing_written(db):
        response = pay(client, mixed, invoice_id, payment)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]["fields"]


def test_more_units_than_the_buyer_holds_is_refused_and_writes_nothing(client, db, mixed):
    invoice_id = issue(client, mixed)
    with nothing_written(db):
        response = pay(client, mixed, invoice_id, [{"currency": "SOLV", "amount": "400.00"}])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "insufficient_funds"


def test_a_member_without_an_account_in_the_currency_is_named(client, db, mixed):
    make_currency(db, "SOL", "backed")
    open_account(db, mixed["buyer"].member, "SOL")
    invoice_id = issue(client, mixed)
    with nothing_written(db):
        response = pay(client, mixed, invoice_id, [{"currency": "SOL", "amount": "1.00"}])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_eligible"
    assert "Jardins de l'Aunis" in response.json["error"]["message"]


def page_post(client, path: str, **form):
    page = client.get("/marches").get_data(as_text=True)
    form["csrf_token"] = CSRF_INPUT.search(page).group(1)
    return client.post(path, data=form)


def test_the_contract_page_offers_the_mix_and_pays_it(client, db, mixed):
    invoice_id = issue(client, mixed)
    contract_id = mixed["contract"].id
    log_in(client, mixed["buyer"].user)
    page = html.unescape(client.get(f"/contrats/{contract_id}").get_data(as_text=True))
    assert 'name="pay_SOLV"' in page and "Part en SOLV (facultative)" in page
    assert 'name="pay_HALF"' in page
    response = page_post(client, f"/contrats/{contract_id}/factures/{invoice_id}/payer",
                         pay_SOLV="200,00", pay_HALF="")
    assert response.status_code == 302
    assert balance(db, mixed["solv"]["buyer"]) == "100.00"
    assert balance(db, mixed["buyer"].accounts["EUR"]) == "700.00"


def test_a_bad_mix_on_the_page_says_why_and_writes_nothing(client, db, mixed):
    invoice_id = issue(client, mixed)
    contract_id = mixed["contract"].id
    log_in(client, mixed["buyer"].user)
    with nothing_written(db):
        response = page_post(client, f"/contrats/{contract_id}/factures/{invoice_id}/payer",
                             pay_HALF="0,01")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "ne vaut pas un nombre entier de centimes" in page
