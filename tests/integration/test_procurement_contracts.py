"""Awarding a lot makes its contract; the holder invoices it and the buyer pays each invoice
with one ledger transfer split between the grouping's members by their shares; who may
read a contract; past awards feed the matching."""

import pytest
from sqlalchemy import func, select

import ledger
from market.auth.roles import Role
from market.procurement import matches
from market.procurement.contract_models import (
    Bid,
    Contract,
    ContractInvoice,
    FacilitatorDepartment,
)
from market.procurement.models import Lot
from tests.integration.bids_helpers import (
    AWARD_WRITES,
    PAY_WRITES,
    balance,
    close_bidding,
    make_world,
    notified,
)
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, make_user
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_contract,
    make_grouping,
    make_lot,
    make_structure,
)


@pytest.fixture
def world(db):
    return make_world(db)


@pytest.fixture
def grouped(db, world):
    """A grouping bid (60/40) and a single bid on the lot, its deadline past."""
    lot, lead, partner = world["lot"], world["lead"], world["partner"]
    grouping = make_grouping(db, lead, [partner])
    bid = make_bid(db, lot, lead, price_eur=500, grouping=grouping,
                   shares={lead.member.id: 6000, partner.member.id: 4000})
    other = make_bid(db, lot, make_structure(db, 5, "Océan Propre", "EI"), price_eur=600)
    close_bidding(db, lot)
    return {**world, "grouping": grouping, "bid": bid, "other": other}


def award(client, lot, bid, headers):
    return client.post(f"/api/v1/lots/{lot.id}/award", json={"bid_id": bid.id}, headers=headers)


def invoice(client, contract_id, headers, number="F-001", amount="100.00"):
    return client.post(f"/api/v1/contracts/{contract_id}/invoices",
                       json={"number": number, "amount": amount}, headers=headers)


def test_awarding_a_bid_makes_the_contract_and_rejects_the_others(client, db, grouped):
    lot, bid, buyer = grouped["lot"], grouped["bid"], grouped["buyer"]
    with writes(db, *AWARD_WRITES):
        response = award(client, lot, bid, buyer.headers)
    assert response.status_code == 201, response.json
    contract = response.json
    assert contract["amount"] == "500.00" and contract["insertion_hours"] == 600
    assert contract["holder"]["id"] == grouped["lead"].member.id
    assert contract["grouping_id"] == grouped["grouping"].id and contract["bid_id"] == bid.id
    assert {s["percent"] for s in contract["shares"]} == {"60.00", "40.00"}
    assert contract["invoiced"] == "0.00" and contract["remaining"] == "500.00"
    assert db.session.get(Bid, bid.id).status == "awarded"
    assert db.session.get(Bid, grouped["other"].id).status == "rejected"
    lot = db.session.get(Lot, lot.id)
    assert lot.status == "awarded" and lot.tender.status == "awarded"
    for trader in (grouped["lead"], grouped["partner"]):
        told = notified(db, "contract_awarded", trader.user)
        assert len(told) == 1 and told[0].url == f"/contrats/{contract['id']}"
        assert told[0].params["holder_name"] == "Jardins de l'Aunis"


def test_a_lot_is_awarded_once_and_the_second_award_writes_nothing(client, db, grouped):
    lot, buyer = grouped["lot"], grouped["buyer"]
    assert award(client, lot, grouped["bid"], buyer.headers).status_code == 201
    with nothing_written(db):
        for bid in (grouped["bid"], grouped["other"]):
            response = award(client, lot, bid, buyer.headers)
            assert response.status_code == 409
            assert response.json["error"]["code"] == "invalid_state"
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1


def test_the_tender_stays_open_while_another_lot_is_not_awarded(client, db, grouped):
    lot, buyer = grouped["lot"], grouped["buyer"]
    make_lot(db, buyer, title="Nettoyage", lot_id="LOT-0002", tender=lot.tender)
    assert award(client, lot, grouped["bid"], buyer.headers).status_code == 201
    assert db.session.get(Lot, lot.id).tender.status == "published"


def test_no_award_before_the_deadline_nor_by_another_buyer_nor_of_another_lot_s_bid(
        client, db, world):
    lot, buyer = world["lot"], world["buyer"]
    bid = make_bid(db, lot, world["lead"])
    other_lot = make_lot(db, buyer, title="Nettoyage", lot_id="LOT-0002")
    stray = make_bid(db, other_lot, world["partner"])
    niort = make_buyer(db, 9, "Ville de Niort")
    with nothing_written(db):
        assert award(client, lot, bid, buyer.headers).status_code == 409
    close_bidding(db, lot)
    with nothing_written(db):
        assert award(client, lot, bid, niort.headers).status_code == 404
        assert award(client, lot, bid, world["lead"].headers).status_code == 404
        assert award(client, lot, stray, buyer.headers).status_code == 422
        for body in ({"bid_id": "1"}, {"bid_id": 2**40}, {}, {"bid_id": bid.id, "x": 1}):
            assert client.post(f"/api/v1/lots/{lot.id}/award", json=body,
                               headers=buyer.headers).status_code == 422


def test_a_withdrawn_bid_is_not_awarded(client, db, world):
    lot, buyer = world["lot"], world["buyer"]
    bid = make_bid(db, lot, world["lead"])
    bid.status = "withdrawn"
    db.session.commit()
    close_bidding(db, lot)
    with nothing_written(db):
        assert award(client, lot, bid, buyer.headers).status_code == 409


def contract_of(client, grouped) -> int:
    return award(client, grouped["lot"], grouped["bid"], grouped["buyer"].headers).json["id"]


def test_the_holder_invoices_within_the_contract_amount(client, db, grouped):
    contract_id = contract_of(client, grouped)
    lead = grouped["lead"]
    with writes(db, "contract_invoices"):
        first = invoice(client, contract_id, lead.headers, "F-001", "300.00")
    assert first.status_code == 201, first.json
    assert first.json["status"] == "issued" and first.json["transfer_id"] is None
    with nothing_written(db):
        over = invoice(client, contract_id, lead.headers, "F-002", "200.01")
        assert over.status_code == 422, over.json
        assert "200,00 EUR" in over.json["error"]["details"]["fields"]["amount"][0]
        assert invoice(client, contract_id, lead.headers, "F-001", "1.00").status_code == 409
        for amount in ("0.00", "-1.00", "1", 1.0, "1e3"):
            assert invoice(client, contract_id, lead.headers, "F-9", amount).status_code == 422
        assert invoice(client, contract_id, lead.headers, "", "1.00").status_code == 422
    assert invoice(client, contract_id, lead.headers, "F-002", "200.00").status_code == 201
    body = client.get(f"/api/v1/contracts/{contract_id}", headers=lead.headers).json
    assert body["invoiced"] == "500.00" and body["remaining"] == "0.00"


def test_only_the_holder_s_admin_or_treasurer_invoices(client, db, grouped):
    contract_id = contract_of(client, grouped)
    treasurer = bearer(db, make_user(db, "tresor@example.org",
                                     [(Role.member_treasurer, grouped["lead"].member.id)]))
    with nothing_written(db):
        for headers in (grouped["partner"].headers, grouped["buyer"].headers):
            assert invoice(client, contract_id, headers).status_code == 403
        assert invoice(client, contract_id, grouped["geiq"].headers).status_code == 404
        assert invoice(client, 2**40, grouped["lead"].headers).status_code == 404
    assert invoice(client, contract_id, treasurer).status_code == 201


def three_way(db, world, amount_eur: int = 1000):
    """A contract held by a grouping of three with shares 33.33 / 33.33 / 33.34."""
    lot, lead, partner = world["lot"], world["lead"], world["partner"]
    third = make_structure(db, 5, "Océan Propre", "EI")
    grouping = make_grouping(db, lead, [partner, third])
    bid = make_bid(db, lot, lead, price_eur=amount_eur, grouping=grouping,
                   shares={lead.member.id: 3333, partner.member.id: 3333,
                           third.member.id: 3334})
    return make_contract(db, lot, bid), third


def pay(client, invoice_id, headers, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/invoices/{invoice_id}/pay", headers={**headers, **extra})


def test_paying_an_invoice_is_one_transfer_split_by_shares_with_the_cents_left_to_the_lead(
        client, db, world):
    contract, third = three_way(db, world)
    buyer, lead, partner = world["buyer"], world["lead"], world["partner"]
    issued = invoice(client, contract.id, lead.headers, "F-2027-004", "100.01").json
    with writes(db, *PAY_WRITES):
        response = pay(client, issued["id"], buyer.headers)
    assert response.status_code == 200, response.json
    paid = response.json
    assert paid["status"] == "paid" and paid["paid_at"] and paid["transfer_id"]
    transfer = ledger.get_transfer(db.engine, paid["transfer_id"])
    assert transfer["reference"] == f"contract-{contract.id}-invoice-F-2027-004"
    assert transfer["metadata"]["contract_id"] == contract.id
    assert str(contract.id) in transfer["description"] and "F-2027-004" in transfer["description"]
    got = {p["to"]: p["amount"] for p in transfer["postings"]}
    assert {p["from"] for p in transfer["postings"]} == {buyer.accounts["EUR"]}
    # 33.33 % of 100.01 is 33.333...: rounded down to 33.33; the lead's 33.33 % gets the
    # cent left over.
    assert got == {lead.accounts["EUR"]: "33.34", partner.accounts["EUR"]: "33.33",
                   third.accounts["EUR"]: "33.34"}
    assert balance(db, lead.accounts["EUR"]) == "33.34"
    assert balance(db, partner.accounts["EUR"]) == "33.33"
    assert balance(db, third.accounts["EUR"]) == "33.34"
    assert balance(db, buyer.accounts["EUR"]) == "899.99"
    for trader in (lead, partner, third):
        told = notified(db, "invoice_paid", trader.user)
        assert len(told) == 1 and told[0].params["amount"] == "100,01 EUR"


def test_a_60_40_grouping_is_paid_60_and_40(client, db, grouped):
    contract_id = contract_of(client, grouped)
    lead, partner = grouped["lead"], grouped["partner"]
    issued = invoice(client, contract_id, lead.headers, "F-1", "250.00").json
    assert pay(client, issued["id"], grouped["buyer"].headers).status_code == 200
    assert balance(db, lead.accounts["EUR"]) == "150.00"
    assert balance(db, partner.accounts["EUR"]) == "100.00"
    shown = client.get(f"/api/v1/contracts/{contract_id}", headers=partner.headers).json
    assert shown["invoices"][0]["status"] == "paid"


def test_an_invoice_is_paid_once(client, db, world):
    contract, _third = three_way(db, world)
    issued = invoice(client, contract.id, world["lead"].headers).json
    assert pay(client, issued["id"], world["buyer"].headers).status_code == 200
    with nothing_written(db):
        again = pay(client, issued["id"], world["buyer"].headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_state"


def test_the_same_idempotency_key_replays_the_payment(client, db, world):
    contract, _third = three_way(db, world)
    issued = invoice(client, contract.id, world["lead"].headers).json
    first = pay(client, issued["id"], world["buyer"].headers, key="pay-1")
    assert first.status_code == 200, first.json
    with writes(db):
        replay = pay(client, issued["id"], world["buyer"].headers, key="pay-1")
    assert replay.status_code == 200 and replay.json == first.json
    assert replay.headers["Idempotency-Replayed"] == "true"
    assert balance(db, world["buyer"].accounts["EUR"]) == "900.00"


def test_a_buyer_short_of_funds_pays_nothing(client, db):
    poor = make_buyer(db, 11, "Commune sans le sou")
    lead = make_structure(db, 12, "Jardins de l'Aunis", "ACI")
    lot = make_lot(db, poor)
    contract = make_contract(db, lot, make_bid(db, lot, lead, price_eur=500))
    issued = invoice(client, contract.id, lead.headers).json
    with nothing_written(db):
        response = pay(client, issued["id"], poor.headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "insufficient_funds"
    assert db.session.get(ContractInvoice, issued["id"]).status == "issued"


def test_a_member_without_a_euro_account_is_named_and_nothing_is_paid(client, db, world):
    contract, third = three_way(db, world)
    ledger.close_account(db.engine, third.accounts["EUR"])
    issued = invoice(client, contract.id, world["lead"].headers).json
    with nothing_written(db):
        response = pay(client, issued["id"], world["buyer"].headers)
    assert response.status_code == 422 and response.json["error"]["code"] == "not_eligible"
    assert "Océan Propre" in response.json["error"]["message"]


def test_only_the_buyer_s_buyer_or_treasurer_pays(client, db, grouped):
    contract_id = contract_of(client, grouped)
    issued = invoice(client, contract_id, grouped["lead"].headers).json
    treasurer = bearer(db, make_user(db, "tresor@example.org",
                                     [(Role.member_treasurer, grouped["buyer"].member.id)]))
    with nothing_written(db):
        for headers in (grouped["lead"].headers, grouped["partner"].headers):
            assert pay(client, issued["id"], headers).status_code == 403
        assert pay(client, issued["id"], grouped["geiq"].headers).status_code == 404
        assert pay(client, 2**40, grouped["buyer"].headers).status_code == 404
        assert client.post(f"/api/v1/invoices/{issued['id']}/pay").status_code == 401
    assert pay(client, issued["id"], treasurer).status_code == 200


def test_a_contract_is_read_by_its_parties_admins_and_the_department_s_facilitator(client, db,
                                                                                   grouped):
    contract_id = contract_of(client, grouped)
    admin = bearer(db, make_user(db, "admin@example.org", [(Role.network_admin, None)]))
    here = make_user(db, "anim17@example.org", [(Role.clause_facilitator, None)])
    there = make_user(db, "anim33@example.org", [(Role.clause_facilitator, None)])
    db.session.add_all([FacilitatorDepartment(user_id=here.id, department="17"),
                        FacilitatorDepartment(user_id=there.id, department="33")])
    db.session.commit()
    path = f"/api/v1/contracts/{contract_id}"
    for headers in (grouped["buyer"].headers, grouped["lead"].headers,
                    grouped["partner"].headers, admin, bearer(db, here)):
        assert client.get(path, headers=headers).status_code == 200
    niort, elsewhere = make_buyer(db, 9, "Ville de Niort"), bearer(db, there)
    with nothing_written(db):
        for headers in (grouped["geiq"].headers, niort.headers, elsewhere):
            assert client.get(path, headers=headers).status_code == 404
        assert client.get("/api/v1/contracts/999999", headers=admin).status_code == 404
        assert client.get(path).status_code == 401
    for trader in (grouped["buyer"], grouped["partner"]):
        listed = client.get("/api/v1/contracts", headers=trader.headers).json["items"]
        assert [c["id"] for c in listed] == [contract_id]
    assert client.get("/api/v1/contracts", headers=grouped["geiq"].headers).json["items"] == []


def test_past_awards_count_for_the_holder_and_each_grouping_member(client, db, grouped):
    contract_of(client, grouped)
    db.session.expire_all()
    found = {s.id: s.past_awards for s in matches.directory(db.session).structures}
    assert found[grouped["lead"].member.id] == 1
    assert found[grouped["partner"].member.id] == 1
    assert found[grouped["geiq"].member.id] == 0
