"""The buyer's comparison of a lot's bids (sealed until the deadline, then scored side by
side, marked and awarded), the caller's contracts, and a contract's page with the holder's
invoice form and the buyer's payments; who sees what, CSRF on every POST, refused forms
writing nothing."""

import html as htmllib

import pytest
from sqlalchemy import func, select

import ledger
from market.auth.roles import Role
from market.members.models import MemberStatus
from market.procurement.contract_models import Bid, Contract, ContractInvoice
from market.procurement.models import Lot
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.bids_helpers import (
    AWARD_WRITES,
    PAY_WRITES,
    balance,
    close_bidding,
    make_world,
)
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_user
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_contract,
    make_grouping,
    make_lot,
    make_structure,
)


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def token(client) -> str:
    """The session's CSRF token, from the language form every page carries."""
    return CSRF_INPUT.search(client.get("/marches").get_data(as_text=True)).group(1)


def post(client, path: str, csrf: bool = True, **form):
    if csrf:
        form["csrf_token"] = token(client)
    return client.post(path, data=form)


@pytest.fixture
def world(db):
    """A grouping's bid (60/40, 500 EUR) and a single one (600 EUR) on a lot asking 500
    insertion hours; another buyer; a network admin; facilitators of 17 and 33."""
    found = make_world(db)
    lot, lead, partner = found["lot"], found["lead"], found["partner"]
    grouping = make_grouping(db, lead, [partner])
    bid = make_bid(db, lot, lead, price_eur=500, grouping=grouping,
                   shares={lead.member.id: 6000, partner.member.id: 4000})
    single = make_structure(db, 5, "Océan Propre", "EI")
    other = make_bid(db, lot, single, price_eur=600, hours=700)
    f17 = make_user(db, "anim17@example.org", [(Role.clause_facilitator, None)])
    f33 = make_user(db, "anim33@example.org", [(Role.clause_facilitator, None)])
    from market.procurement import facilitators

    facilitators.set_departments(db.session, f17, ["17"])
    facilitators.set_departments(db.session, f33, ["33"])
    db.session.commit()
    return {**found, "grouping": grouping, "bid": bid, "other": other, "single": single,
            "niort": make_buyer(db, 9, "Ville de Niort"), "f17": f17, "f33": f33,
            "admin": make_user(db, "admin@example.org", [(Role.network_admin, None)])}


def user_of(world, who):
    found = world[who]
    return getattr(found, "user", found)


def offers_path(world) -> str:
    return f"/lots/{world['lot'].id}/offres"


def awarded(client, db, world) -> int:
    """The lot awarded (on the page) to the grouping's bid: the contract's id."""
    close_bidding(db, world["lot"])
    log_in(client, world["buyer"].user)
    response = post(client, f"{offers_path(world)}/{world['bid'].id}/attribuer")
    assert response.status_code == 302, text(response)
    return db.session.scalar(select(Contract.id))


# -- the comparison ----------------------------------------------------------------------------

def test_before_the_deadline_the_buyer_sees_only_how_many_bids_are_sealed(client, db, world):
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        response = client.get(offers_path(world))
    assert response.status_code == 200
    page = text(response)
    assert "2 offres reçues." in page and "Scellées jusqu'au" in page
    for secret in ("Océan Propre", "GIE Vert", "500,00 EUR", "600,00 EUR", "Attribuer"):
        assert secret not in page


def test_only_the_lot_s_buyer_finds_the_comparison(client, db, world):
    close_bidding(db, world["lot"])
    for who in ("lead", "partner", "niort", "admin", "f17"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert client.get(offers_path(world)).status_code == 404, who
    log_in(client, world["buyer"].user)
    for path in ("/lots/999999/offres", f"/lots/{2**31}/offres", "/lots/0/offres"):
        assert client.get(path).status_code == 404, path
    anonymous = client.application.test_client().get(offers_path(world))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_after_the_deadline_the_bids_are_side_by_side_scored_and_ranked(client, db, world):
    close_bidding(db, world["lot"])
    log_in(client, world["buyer"].user)
    page = text(client.get(offers_path(world)))
    # The grouping: its name, lead, members and shares; price, hours against the clause.
    assert "GIE Vert" in page and "mandataire : Jardins de l'Aunis" in page
    assert "Jardins de l'Aunis</a> — 60,00 %" in page and "Terres de Ré</a> — 40,00 %" in page
    assert "500,00 EUR" in page and "clause : 500" in page
    # Price 60 and quality 40 (no weighted criterion): the cheaper bid has the 60 points,
    # the dearer 60 × 500 / 600 = 50; nobody is marked yet.
    assert "Prix (sur 60,00)" in page and "Qualité (sur 40,00)" in page
    assert "pas encore noté : 0 point" in page
    first, second = page.index(f'id="bid-{world["bid"].id}"'), page.index(
        f'id="bid-{world["other"].id}"')
    assert first < second
    assert "<strong>60,00</strong>" in page and "<strong>50,00</strong>" in page
    assert "Attribuer le lot à GIE Vert" in page and "Attribuer le lot à Océan Propre" in page


def test_a_quality_mark_is_saved_and_can_change_the_ranking(client, db, world):
    close_bidding(db, world["lot"])
    log_in(client, world["buyer"].user)
    with writes(db, "bids"):
        response = post(client, f"{offers_path(world)}/{world['other'].id}/note",
                        quality_mark="20")
    assert response.status_code == 302
    assert db.session.get(Bid, world["other"].id).quality_mark == 20
    page = text(client.get(offers_path(world)))
    # Océan Propre: 50 + 40 = 90 comes first now; the grouping keeps 60.
    assert "<strong>90,00</strong>" in page
    assert page.index(f'id="bid-{world["other"].id}"') < page.index(
        f'id="bid-{world["bid"].id}"')


@pytest.mark.parametrize("mark", ["21", "-1", "abc", "", "1.5", "9" * 40, "١٢"])
def test_a_bad_quality_mark_is_refused_on_the_page_and_writes_nothing(client, db, world,
                                                                      mark):
    close_bidding(db, world["lot"])
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        response = post(client, f"{offers_path(world)}/{world['bid'].id}/note",
                        quality_mark=mark)
    assert response.status_code == 422
    page = text(response)
    assert "Une note entière de 0 à 20." in page
    assert f'aria-describedby="mark-{world["bid"].id}-error"' in page


def test_no_mark_before_the_deadline_nor_by_others_nor_without_csrf(client, db, world):
    path = f"{offers_path(world)}/{world['bid'].id}/note"
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        sealed = post(client, path, quality_mark="12")
    assert sealed.status_code == 409 and "scellées" in text(sealed)
    close_bidding(db, world["lot"])
    with nothing_written(db):
        assert post(client, path, csrf=False, quality_mark="12").status_code == 400
        stray = f"/lots/{world['lot'].id}/offres/999999/note"
        assert post(client, stray, quality_mark="12").status_code == 404
    for who in ("niort", "lead"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert post(client, path, quality_mark="12").status_code == 404, who
            assert post(client, path, quality_mark="garbage").status_code == 404, who


def test_a_bid_of_another_lot_is_not_marked_nor_awarded_through_this_one(client, db, world):
    other_lot = make_lot(db, world["buyer"], title="Nettoyage", lot_id="LOT-0002")
    stray = make_bid(db, other_lot, world["geiq"])
    close_bidding(db, world["lot"])
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        assert post(client, f"{offers_path(world)}/{stray.id}/note",
                    quality_mark="5").status_code == 404
        assert post(client, f"{offers_path(world)}/{stray.id}/attribuer").status_code == 404
        assert post(client, f"{offers_path(world)}/999999/attribuer").status_code == 404


def test_the_buyer_awards_from_the_page_and_lands_on_the_contract(client, db, world):
    close_bidding(db, world["lot"])
    log_in(client, world["buyer"].user)
    with writes(db, *AWARD_WRITES):
        response = post(client, f"{offers_path(world)}/{world['bid'].id}/attribuer")
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract))
    assert response.headers["Location"].endswith(f"/contrats/{contract.id}")
    assert contract.holder_id == world["lead"].member.id and contract.amount_minor == 50000
    page = text(client.get(response.headers["Location"]))
    assert "Lot attribué à Jardins de l'Aunis" in page
    compare = text(client.get(offers_path(world)))
    assert "Attribuer le lot" not in compare and 'name="quality_mark"' not in compare
    assert "retenue" in compare and "non retenue" in compare
    assert f"/contrats/{contract.id}" in compare


def test_awarding_twice_shows_the_409_message_and_writes_nothing(client, db, world):
    awarded(client, db, world)
    for bid in ("bid", "other"):
        with nothing_written(db):
            response = post(client, f"{offers_path(world)}/{world[bid].id}/attribuer")
        assert response.status_code == 409
        assert "Ce lot est déjà attribué (ou annulé)." in text(response)
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1


def test_no_award_before_the_deadline_by_others_without_csrf_or_suspended(client, db, world):
    path = f"{offers_path(world)}/{world['bid'].id}/attribuer"
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        sealed = post(client, path)
    assert sealed.status_code == 409 and "scellées" in text(sealed)
    close_bidding(db, world["lot"])
    with nothing_written(db):
        assert post(client, path, csrf=False).status_code == 400
    for who in ("niort", "lead", "admin"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert post(client, path).status_code == 404, who
    world["buyer"].member.status = MemberStatus.suspended
    db.session.commit()
    log_in(client, world["buyer"].user)
    page = text(client.get(offers_path(world)))
    assert "GIE Vert" in page and "Attribuer le lot" not in page  # reads, writes nothing
    with nothing_written(db):
        assert post(client, path).status_code == 404


# -- contracts -----------------------------------------------------------------------------------

def test_the_contracts_list_shows_the_caller_s_contracts_on_every_side(client, db, world):
    contract_id = awarded(client, db, world)
    for who, side in (("buyer", "acheteur"), ("lead", "titulaire"),
                      ("partner", "membre du groupement")):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            response = client.get("/contrats")
        assert response.status_code == 200
        page = text(response)
        assert f'data-contract-id="{contract_id}"' in page, who
        assert side in page and "500,00 EUR" in page and "Ville de La Rochelle" in page
        assert 'href="/contrats"' in page  # the header's link
    for who in ("geiq", "niort"):
        log_in(client, user_of(world, who))
        page = text(client.get("/contrats"))
        assert "data-contract-id" not in page and "Aucun contrat" in page, who
    assert client.get("/contrats?cursor=garbage").status_code in (400, 422)


def test_the_contracts_link_is_for_buyers_and_structures(client, db, world):
    log_in(client, world["f33"])
    assert 'href="/contrats"' not in text(client.get("/marches"))
    from tests.integration.offers_factories import make_trader

    trader = make_trader(db, 40, "Boulangerie du Port")
    log_in(client, trader.user)
    assert 'href="/contrats"' not in text(client.get("/marches"))
    for who in ("niort", "geiq"):
        log_in(client, user_of(world, who))
        assert 'href="/contrats"' in text(client.get("/marches")), who


def test_a_contract_is_read_by_its_parties_admins_and_facilitators_only(client, db, world):
    contract_id = awarded(client, db, world)
    path = f"/contrats/{contract_id}"
    for who in ("buyer", "lead", "partner", "f17", "admin"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            response = client.get(path)
        assert response.status_code == 200, who
        page = text(response)
        assert "Entretien des espaces verts" in page and "mandataire du groupement GIE Vert" in page
        assert "60,00 %" in page and "40,00 %" in page
        assert f'href="/contrats/{contract_id}/heures"' in page
        assert f'href="/lots/{world["lot"].id}"' in page
        assert f'href="/marches/{world["lot"].tender_id}"' in page
    for who in ("geiq", "niort", "single", "f33"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert client.get(path).status_code == 404, who
    for stray in ("/contrats/999999", f"/contrats/{2**31}", "/contrats/0"):
        assert client.get(stray).status_code == 404


def test_only_the_holder_gets_the_invoice_form_and_only_the_buyer_pays(client, db, world):
    contract_id = awarded(client, db, world)
    log_in(client, world["lead"].user)
    post(client, f"/contrats/{contract_id}/factures", number="F-001", amount="100.00")
    for who, form, pay in (("lead", True, False), ("partner", False, False),
                           ("buyer", False, True), ("admin", False, False)):
        log_in(client, user_of(world, who))
        page = text(client.get(f"/contrats/{contract_id}"))
        assert ('class="member-form invoice-form"' in page) is form, who
        assert ("Payer la facture F-001" in page) is pay, who


def test_the_holder_issues_an_invoice_with_a_decimal_comma(client, db, world):
    contract_id = awarded(client, db, world)
    log_in(client, world["lead"].user)
    with writes(db, "contract_invoices"):
        response = post(client, f"/contrats/{contract_id}/factures", number="F-2027-004",
                        amount="300,5")
    assert response.status_code == 302
    invoice = db.session.scalar(select(ContractInvoice))
    assert (invoice.number, invoice.amount_minor, invoice.status) == ("F-2027-004", 30050,
                                                                     "issued")
    page = text(client.get(f"/contrats/{contract_id}"))
    assert "F-2027-004" in page and "à payer" in page and "199,50 EUR" in page
    # Each member's part of it: 60 % and 40 %.
    assert "180,30 EUR" in page and "120,20 EUR" in page


@pytest.mark.parametrize("form, field, message", [
    ({"number": "F-2", "amount": "500.01"}, "amount", "il reste 500,00 EUR à facturer"),
    ({"number": "F-2", "amount": "0"}, "amount", "Montant en euros, positif"),
    ({"number": "F-2", "amount": "-3.00"}, "amount", "Montant en euros, positif"),
    ({"number": "F-2", "amount": "1e3"}, "amount", "Montant en euros, positif"),
    ({"number": "F-2", "amount": "9" * 50}, "amount", ""),
    ({"number": "F-2", "amount": ""}, "amount", ""),
    ({"number": "", "amount": "10.00"}, "number", ""),
    ({"number": "F\x07-2", "amount": "10.00"}, "number", ""),
    ({"number": "F" * 65, "amount": "10.00"}, "number", ""),
], ids=str)
def test_a_refused_invoice_is_shown_on_the_page_and_writes_nothing(client, db, world, form,
                                                                   field, message):
    contract_id = awarded(client, db, world)
    log_in(client, world["lead"].user)
    with nothing_written(db):
        response = post(client, f"/contrats/{contract_id}/factures", **form)
    assert response.status_code == 422, text(response)
    page = text(response)
    assert f'id="invoice-{field}-error-1"' in page and message in page
    assert 'aria-invalid="true"' in page


def test_an_invoice_number_used_twice_is_a_conflict_said_at_its_field(client, db, world):
    contract_id = awarded(client, db, world)
    log_in(client, world["lead"].user)
    post(client, f"/contrats/{contract_id}/factures", number="F-1", amount="10.00")
    with nothing_written(db):
        response = post(client, f"/contrats/{contract_id}/factures", number="F-1",
                        amount="10.00")
    assert response.status_code == 409
    assert 'id="invoice-number-error-1"' in text(response)
    assert "déjà une facture de ce numéro" in text(response)


def test_no_invoice_by_others_nor_without_csrf(client, db, world):
    contract_id = awarded(client, db, world)
    path = f"/contrats/{contract_id}/factures"
    log_in(client, world["lead"].user)
    with nothing_written(db):
        assert post(client, path, csrf=False, number="F-1", amount="1.00").status_code == 400
    for who, status in (("partner", 403), ("buyer", 403), ("geiq", 404), ("niort", 404)):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert post(client, path, number="F-1", amount="1.00").status_code == status, who
            assert post(client, path, number="", amount="x").status_code == status, who


def issued(client, db, world, amount="100.00", number="F-001") -> tuple[int, int]:
    """The contract awarded and invoiced by its holder: (contract id, invoice id)."""
    contract_id = awarded(client, db, world)
    log_in(client, world["lead"].user)
    post(client, f"/contrats/{contract_id}/factures", number=number, amount=amount)
    return contract_id, db.session.scalar(select(ContractInvoice.id))


def test_the_buyer_pays_with_one_transfer_split_by_shares(client, db, world):
    contract_id, invoice_id = issued(client, db, world, amount="100.01")
    lead, partner, buyer = world["lead"], world["partner"], world["buyer"]
    log_in(client, buyer.user)
    with writes(db, *PAY_WRITES):
        response = post(client, f"/contrats/{contract_id}/factures/{invoice_id}/payer")
    assert response.status_code == 302
    invoice = db.session.get(ContractInvoice, invoice_id)
    assert invoice.status == "paid" and invoice.transfer_id
    transfer = ledger.get_transfer(db.engine, invoice.transfer_id)
    got = {p["to"]: p["amount"] for p in transfer["postings"]}
    assert got == {lead.accounts["EUR"]: "60.01", partner.accounts["EUR"]: "40.00"}
    assert balance(db, buyer.accounts["EUR"]) == "899.99"
    page = text(client.get(f"/contrats/{contract_id}"))
    assert "payée" in page and "Payer la facture" not in page
    assert f"Virement n° {invoice.transfer_id}" in page
    # The buyer's user holds no ledger role: no link to a transfer it could not open.
    assert f'href="/ledger/transfers/{invoice.transfer_id}"' not in page
    log_in(client, lead.user)
    page = text(client.get(f"/contrats/{contract_id}"))
    assert f'href="/ledger/transfers/{invoice.transfer_id}"' in page
    assert client.get(f"/ledger/transfers/{invoice.transfer_id}").status_code == 200
    assert "60,01 EUR" in page and "40,00 EUR" in page


def test_paying_without_the_funds_shows_the_ledger_s_refusal_and_writes_nothing(
        client, db, world):
    lot = make_lot(db, world["buyer"], title="Nettoyage des quais", lot_id="LOT-0002")
    bid = make_bid(db, lot, world["geiq"], price_eur=5000)
    contract = make_contract(db, lot, bid)
    log_in(client, world["geiq"].user)
    post(client, f"/contrats/{contract.id}/factures", number="F-9", amount="1500.00")
    invoice_id = db.session.scalar(select(ContractInvoice.id))
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        response = post(client, f"/contrats/{contract.id}/factures/{invoice_id}/payer")
    assert response.status_code == 422
    page = text(response)
    assert 'id="pay-problem"' in page and "Provision insuffisante" in page
    assert "rien n'est écrit" in page
    assert db.session.get(ContractInvoice, invoice_id).status == "issued"


def test_paying_twice_says_it_is_paid_and_writes_nothing(client, db, world):
    contract_id, invoice_id = issued(client, db, world)
    log_in(client, world["buyer"].user)
    path = f"/contrats/{contract_id}/factures/{invoice_id}/payer"
    assert post(client, path).status_code == 302
    with nothing_written(db):
        response = post(client, path)
    assert response.status_code == 409 and "Cette facture est déjà payée." in text(response)


def test_no_payment_by_others_nor_without_csrf_nor_through_another_contract(client, db,
                                                                            world):
    contract_id, invoice_id = issued(client, db, world)
    path = f"/contrats/{contract_id}/factures/{invoice_id}/payer"
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        assert post(client, path, csrf=False).status_code == 400
        assert post(client, f"/contrats/{contract_id}/factures/999999/payer").status_code \
            == 404
    other_lot = make_lot(db, world["buyer"], title="Nettoyage", lot_id="LOT-0002")
    other = make_contract(db, other_lot, make_bid(db, other_lot, world["geiq"]))
    with nothing_written(db):
        assert post(client, f"/contrats/{other.id}/factures/{invoice_id}/payer").status_code \
            == 404
    for who, status in (("lead", 403), ("partner", 403), ("admin", 403), ("niort", 404),
                        ("geiq", 404)):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert post(client, path).status_code == status, who
    assert db.session.get(Lot, world["lot"].id).status == "awarded"
