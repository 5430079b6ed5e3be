"""The groupings' and bid pages: a structure lists its groupings (invitations first),
proposes one (refused forms shown with what was typed, nothing written), answers an
invitation, the lead invites, removes and dissolves; a structure bids on a lot alone or for
a grouping it leads with shares summing to 100 %, and withdraws. Others find nothing; every
POST needs its CSRF token."""

import html as htmllib
import re

import pytest
from sqlalchemy import select

from market.auth.roles import Role
from market.procurement.contract_models import Bid, BidStatus
from market.procurement.models import (
    Grouping,
    GroupingStatus,
    InvitationStatus,
    TenderStatus,
)
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.bids_helpers import close_bidding, notified
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_user
from tests.integration.procurement_factories import (
    GREEN,
    make_bid,
    make_buyer,
    make_grouping,
    make_lot,
    make_structure,
)

PROPOSAL_WRITES = ("groupings", "grouping_members", "grouping_sectors", "notifications",
                   "outbox_emails")
BID_WRITES = ("bids", "bid_shares", "notifications", "outbox_emails")


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def token(client, url: str = "/groupements") -> str:
    return CSRF_INPUT.search(client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def world(db):
    """A buyer's lot reserved to SIAE (500 hours); three SIAE around it and a GEIQ."""
    buyer = make_buyer(db, 60, "Ville de La Rochelle")
    a = make_structure(db, 1, "Jardins de l'Aunis", "ACI")
    b = make_structure(db, 2, "Terres de Ré", "EI")
    c = make_structure(db, 3, "Régie de quartier", "ACI")
    geiq = make_structure(db, 4, "GEIQ Paysage", "GEIQ")
    lot = make_lot(db, buyer, title="Entretien des parcs", insertion_hours=500)
    return {"buyer": buyer, "a": a, "b": b, "c": c, "geiq": geiq, "lot": lot}


def grouping_of(db, grouping_id: int) -> Grouping:
    db.session.expire_all()
    return db.session.get(Grouping, grouping_id)


def statuses(db, grouping_id: int) -> dict[int, str]:
    return {gm.member_id: gm.status for gm in grouping_of(db, grouping_id).members}


def propose(client, trader, csrf, **form):
    data = {"member": str(trader.member.id), "name": "Groupement des parcs",
            "kind": "joint", "sectors": [GREEN], **form}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/groupements/nouveau", data=data)


def proposed(db, world) -> Grouping:
    """A joint grouping A leads, B invited."""
    return make_grouping(db, world["a"], [world["b"]], status=GroupingStatus.proposed,
                         name="Parcs ensemble", lot=world["lot"])


def post(client, url, csrf, **form):
    return client.post(url, data={**form, **({"csrf_token": csrf} if csrf else {})})


# -- the list --------------------------------------------------------------------------------

def test_the_header_link_shows_to_structures_only(client, world):
    log_in(client, world["a"].user)
    assert 'href="/groupements"' in text(client.get("/marches"))
    log_in(client, world["buyer"].user)
    assert 'href="/groupements"' not in text(client.get("/marches"))
    assert client.get("/groupements").status_code == 403
    anonymous = client.application.test_client().get("/groupements")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_list_shows_invitations_waiting_for_an_answer_first(client, db, world):
    make_grouping(db, world["b"], [world["a"]], name="Ancien GIE",
                  kind="joint_and_several")
    make_grouping(db, world["c"], [world["a"]], status=GroupingStatus.proposed,
                  name="Invitation de la régie", lot=world["lot"])
    log_in(client, world["a"].user)
    with nothing_written(db):
        response = client.get("/groupements")
    assert response.status_code == 200
    page = text(response)
    assert page.index("Invitation de la régie") < page.index("Ancien GIE")
    waiting = page[page.index('id="waiting-table"'):page.index('id="others-table"')]
    assert "Invitation de la régie" in waiting and "à vous de répondre" in waiting
    assert "Ancien GIE" not in waiting
    assert "Groupement solidaire" in page and "constitué" in page
    assert "invitée, sans réponse" in page and "Entretien des parcs" in page


def test_a_structure_does_not_list_groupings_it_is_not_in(client, db, world):
    make_grouping(db, world["b"], [world["c"]], name="Sans les Jardins")
    log_in(client, world["a"].user)
    assert "Sans les Jardins" not in text(client.get("/groupements"))
    assert client.get(f"/groupements?member={world['b'].member.id}").status_code == 404


# -- the proposal ----------------------------------------------------------------------------

def test_the_form_lists_structures_searches_them_by_name_and_prefills_the_lot(client, db,
                                                                            world):
    log_in(client, world["a"].user)
    with nothing_written(db):
        page = text(client.get(f"/groupements/nouveau?lot={world['lot'].id}"))
    assert "Terres de Ré" in page and "Régie de quartier" in page
    assert "Jardins de l'Aunis (ACI)" not in page  # the proposer is in it already
    assert f'name="lot_id" value="{world["lot"].id}"' in page
    assert "Pour le lot « Entretien des parcs »" in page
    assert "Groupement conjoint" in page and "son propre SIRET" in page
    searched = text(client.get("/groupements/nouveau?q=terres"))
    assert "Terres de Ré" in searched and "Régie de quartier" not in searched
    assert text(client.get("/groupements/nouveau?q=%25")).count('name="members"') == 0


def test_a_structure_proposes_a_grouping_and_the_invitee_is_told(client, db, world):
    a, b, lot = world["a"], world["b"], world["lot"]
    log_in(client, a.user)
    csrf = token(client, "/groupements/nouveau")
    with writes(db, *PROPOSAL_WRITES):
        response = propose(client, a, csrf, members=[str(b.member.id)], lot_id=str(lot.id))
    assert response.status_code == 302
    grouping = db.session.scalar(select(Grouping).where(Grouping.name ==
                                                        "Groupement des parcs"))
    assert response.headers["Location"] == f"/groupements/{grouping.id}"
    assert (grouping.lead_id, grouping.lot_id, grouping.status) == (a.member.id, lot.id,
                                                                   "proposed")
    assert statuses(db, grouping.id) == {a.member.id: "accepted", b.member.id: "invited"}
    assert [n.url for n in notified(db, "grouping_invitation", b.user)] == [
        f"/groupements/{grouping.id}"]


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "   "}, "Donnez un nom au groupement."),
    ({"kind": "gie"}, "Un GIE a son propre SIRET : indiquez-le."),
    ({"kind": "gie", "siret": "12345678901234"}, "SIRET"),
    ({"siret": "73282932000074"}, "Un groupement temporaire n'a pas de SIRET"),
    ({"kind": "bogus"}, "Choisissez la forme du groupement."),
    ({"members": []}, "Choisissez au moins une structure à inviter."),
    ({"members": ["abc"]}, "Choisissez dans la liste"),
    ({"members": ["99999999999"]}, "Choisissez dans la liste"),
    ({"members": ["2147483647"]}, "Structures inconnues : 2147483647."),
    ({"sectors": ["bogus.sector"]}, "Secteurs inconnus : bogus.sector."),
    ({"sectors": ["x" * 40]}, "Choisissez les secteurs dans la liste."),
    ({"lot_id": "x"}, "Un numéro de lot"),
    ({"lot_id": "2147483647"}, "Aucun lot publié ne porte ce numéro."),
    ({"name": "bell\x07"}, "sans caractère de contrôle"),
])
def test_a_refused_proposal_writes_nothing_says_why_and_keeps_what_was_typed(
        client, db, world, form, message):
    a, b = world["a"], world["b"]
    log_in(client, a.user)
    csrf = token(client, "/groupements/nouveau")
    fields = {"name": "Mon groupement", "members": [str(b.member.id)], **form}
    with nothing_written(db):
        response = propose(client, a, csrf, **fields)
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'role="alert"' in page and 'aria-invalid="true"' in page
    if form.get("name") is None:
        assert 'value="Mon groupement"' in page
    if form.get("members") is None:
        assert f'value="{b.member.id}" checked' in page
    assert f'value="{GREEN}" checked' in page or "sectors" in form


def test_only_a_structure_proposes_and_only_for_itself(client, db, world):
    log_in(client, world["buyer"].user)
    assert client.get("/groupements/nouveau").status_code == 403
    log_in(client, world["a"].user)
    csrf = token(client, "/groupements/nouveau")
    with nothing_written(db):
        response = propose(client, world["b"], csrf, members=[str(world["c"].member.id)])
    assert response.status_code == 403


# -- one grouping ----------------------------------------------------------------------------

def test_a_proposed_grouping_shows_to_its_members_only(client, db, world):
    grouping = proposed(db, world)
    log_in(client, world["b"].user)
    with nothing_written(db):
        page = text(client.get(f"/groupements/{grouping.id}"))
    assert "Parcs ensemble" in page and "Accepter l'invitation" in page
    assert "Dissoudre le groupement" not in page and "Entretien des parcs" in page
    log_in(client, world["a"].user)
    page = text(client.get(f"/groupements/{grouping.id}"))
    assert "Accepter l'invitation" not in page
    assert "Inviter une autre structure" in page and "Dissoudre le groupement" in page
    assert "Retirer Terres de Ré" in page
    log_in(client, world["c"].user)
    assert client.get(f"/groupements/{grouping.id}").status_code == 404
    assert client.get("/groupements/2147483647").status_code == 404
    assert client.get("/groupements/2147483648").status_code == 404


def test_a_formed_grouping_reads_to_every_structure_without_its_buttons(client, db, world):
    grouping = make_grouping(db, world["a"], [world["b"]], name="Formé")
    log_in(client, world["c"].user)
    page = text(client.get(f"/groupements/{grouping.id}"))
    assert "Formé" in page and "Dissoudre" not in page and "Accepter" not in page


def test_the_invitee_accepts_and_the_grouping_is_formed(client, db, world):
    grouping = proposed(db, world)
    b = world["b"]
    log_in(client, b.user)
    csrf = token(client, f"/groupements/{grouping.id}")
    with writes(db, "groupings", "grouping_members", "notifications", "outbox_emails"):
        response = post(client, f"/groupements/{grouping.id}/accepter", csrf,
                        member=str(b.member.id))
    assert response.status_code == 302
    assert grouping_of(db, grouping.id).status == GroupingStatus.active
    assert len(notified(db, "grouping_changed", world["a"].user)) == 1
    page = text(client.get(f"/groupements/{grouping.id}"))
    assert "Invitation acceptée." in page and "Accepter l'invitation" not in page
    again = post(client, f"/groupements/{grouping.id}/refuser", csrf, member=str(b.member.id))
    assert again.status_code == 409
    assert "Vous avez déjà répondu à cette invitation." in text(again)


def test_the_invitee_declines_and_the_lead_removes_it_then_invites_another(client, db,
                                                                          world):
    grouping = proposed(db, world)
    a, b, c = world["a"], world["b"], world["c"]
    log_in(client, b.user)
    csrf = token(client, f"/groupements/{grouping.id}")
    post(client, f"/groupements/{grouping.id}/refuser", csrf, member=str(b.member.id))
    assert statuses(db, grouping.id)[b.member.id] == InvitationStatus.declined
    log_in(client, a.user)
    csrf = token(client, f"/groupements/{grouping.id}")
    with writes(db, "grouping_members"):
        response = post(client, f"/groupements/{grouping.id}/membres/{b.member.id}/retirer",
                        csrf, member=str(a.member.id))
    assert response.status_code == 302
    page = text(client.get(f"/groupements/{grouping.id}?q=régie"))
    assert f'<option value="{c.member.id}">' in page
    with writes(db, "grouping_members", "notifications", "outbox_emails"):
        response = post(client, f"/groupements/{grouping.id}/inviter", csrf,
                        member=str(a.member.id), member_id=str(c.member.id))
    assert response.status_code == 302
    assert statuses(db, grouping.id) == {a.member.id: "accepted", c.member.id: "invited"}


@pytest.mark.parametrize(("member_id", "status", "message"), [
    ("", 422, "Choisissez une structure dans la liste."),
    ("abc", 422, "Choisissez une structure dans la liste."),
    ("99999999999999", 422, "Choisissez une structure dans la liste."),
    ("2147483647", 422, "Aucune structure active ne porte ce numéro."),
    ("self", 409, "Cette structure fait déjà partie du groupement."),
])
def test_a_refused_invitation_writes_nothing_and_says_why(client, db, world, member_id,
                                                         status, message):
    grouping = proposed(db, world)
    a = world["a"]
    log_in(client, a.user)
    csrf = token(client, f"/groupements/{grouping.id}")
    typed = str(world["b"].member.id) if member_id == "self" else member_id
    with nothing_written(db):
        response = post(client, f"/groupements/{grouping.id}/inviter", csrf,
                        member=str(a.member.id), member_id=typed)
    assert response.status_code == status
    assert message in text(response) and 'role="alert"' in text(response)


def test_the_lead_dissolves_and_a_member_cannot(client, db, world):
    grouping = make_grouping(db, world["a"], [world["b"]])
    b, a = world["b"], world["a"]
    log_in(client, b.user)
    csrf = token(client, f"/groupements/{grouping.id}")
    with nothing_written(db):
        response = post(client, f"/groupements/{grouping.id}/dissoudre", csrf,
                        member=str(b.member.id))
    assert response.status_code == 403
    log_in(client, a.user)
    csrf = token(client, f"/groupements/{grouping.id}")
    with writes(db, "groupings"):
        response = post(client, f"/groupements/{grouping.id}/dissoudre", csrf,
                        member=str(a.member.id))
    assert response.status_code == 302
    assert grouping_of(db, grouping.id).status == GroupingStatus.dissolved
    page = text(client.get(f"/groupements/{grouping.id}"))
    assert "dissous" in page and "Inviter une autre structure" not in page


def test_a_network_admin_sees_a_proposed_grouping_and_dissolves_it_for_the_network(
        client, db, world):
    grouping = proposed(db, world)
    admin = make_user(db, email="admin@reseau.example", roles=[(Role.network_admin, None)])
    log_in(client, admin)
    page = text(client.get(f"/groupements/{grouping.id}"))
    assert "Dissoudre le groupement" in page and "Accepter l'invitation" not in page
    csrf = token(client, f"/groupements/{grouping.id}")
    with writes(db, "groupings"):
        response = post(client, f"/groupements/{grouping.id}/dissoudre", csrf)
    assert response.status_code == 302
    assert grouping_of(db, grouping.id).status == GroupingStatus.dissolved


def test_an_outsider_cannot_answer_a_proposed_grouping(client, db, world):
    grouping = proposed(db, world)
    c = world["c"]
    log_in(client, c.user)
    csrf = token(client)
    with nothing_written(db):
        response = post(client, f"/groupements/{grouping.id}/accepter", csrf,
                        member=str(c.member.id))
    assert response.status_code == 404


def test_every_post_needs_its_csrf_token(client, db, world):
    grouping = proposed(db, world)
    a, b, lot = world["a"], world["b"], world["lot"]
    bid = make_bid(db, lot, a)
    log_in(client, a.user)
    urls = ["/groupements/nouveau", f"/groupements/{grouping.id}/accepter",
            f"/groupements/{grouping.id}/refuser", f"/groupements/{grouping.id}/inviter",
            f"/groupements/{grouping.id}/membres/{b.member.id}/retirer",
            f"/groupements/{grouping.id}/dissoudre", f"/lots/{lot.id}/repondre",
            f"/lots/{lot.id}/repondre/retrait"]
    for url in urls:
        with nothing_written(db):
            response = post(client, url, None, member=str(a.member.id), name="X",
                            kind="joint", members=str(b.member.id), price="1.00",
                            insertion_hours="600", bid=str(bid.id))
        assert response.status_code == 400, url


# -- the bid form ----------------------------------------------------------------------------

def bid_post(client, lot, trader, csrf, **form):
    data = {"member": str(trader.member.id), "price": "55 000,00", "insertion_hours": "600",
            "summary": "Deux équipes.", "grouping_id": "", **form}
    return post(client, f"/lots/{lot.id}/repondre", csrf, **data)


def bid_of(db, lot, trader) -> Bid | None:
    db.session.expire_all()
    return db.session.scalar(select(Bid).where(Bid.lot_id == lot.id,
                                               Bid.member_id == trader.member.id))


def test_the_bid_form_prefills_the_lots_clause_hours(client, db, world):
    lot = world["lot"]
    log_in(client, world["a"].user)
    with nothing_written(db):
        response = client.get(f"/lots/{lot.id}/repondre")
    assert response.status_code == 200
    page = text(response)
    assert 'name="insertion_hours" value="500"' in page
    assert "Proposer un groupement pour ce lot" in page  # it leads no grouping


def test_a_structure_bids_alone_replaces_its_bid_and_withdraws_it(client, db, world):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    with writes(db, *BID_WRITES):
        response = bid_post(client, lot, a, csrf)
    assert response.status_code == 302
    bid = bid_of(db, lot, a)
    assert (bid.price_minor, bid.insertion_hours, bid.grouping_id) == (5_500_000, 600, None)
    assert [(s.member_id, s.share_bp) for s in bid.shares] == [(a.member.id, 10_000)]
    assert len(notified(db, "bid_received", world["buyer"].user)) == 1
    page = text(client.get(f"/lots/{lot.id}/repondre"))
    assert "Votre offre actuelle" in page and "55 000,00 EUR" in page
    assert 'name="price" value="55000.00"' in page and "Retirer mon offre" in page
    bid_post(client, lot, a, csrf, price="54000")
    assert bid_of(db, lot, a).price_minor == 5_400_000
    with writes(db, "bids"):
        response = post(client, f"/lots/{lot.id}/repondre/retrait", csrf,
                        member=str(a.member.id), bid=str(bid.id))
    assert response.status_code == 302
    assert bid_of(db, lot, a).status == BidStatus.withdrawn
    assert "Retirer mon offre" not in text(client.get(f"/lots/{lot.id}/repondre"))


def test_the_lead_bids_for_its_grouping_with_shares_summing_to_100(client, db, world):
    lot, a, b = world["lot"], world["a"], world["b"]
    grouping = make_grouping(db, a, [b])
    log_in(client, a.user)
    url = f"/lots/{lot.id}/repondre?grouping={grouping.id}"
    page = text(client.get(url))
    assert "doivent faire 100 % ensemble" in page
    assert f'name="share-{a.member.id}-percent"' in page
    assert f'name="share-{b.member.id}-percent"' in page
    csrf = token(client, url)
    shares = {f"share-{a.member.id}-percent": "50", f"share-{a.member.id}-work": "Tonte",
              f"share-{b.member.id}-percent": "40", f"share-{b.member.id}-work": "Taille"}
    with nothing_written(db):
        response = bid_post(client, lot, a, csrf, grouping_id=str(grouping.id), **shares)
    assert response.status_code == 422
    page = text(response)
    assert "Les parts doivent faire 100 % exactement ; elles font 90.00 %." in page
    assert f'name="share-{a.member.id}-percent" value="50"' in page
    assert 'value="Taille"' in page and 'value="55 000,00"' in page
    shares[f"share-{a.member.id}-percent"] = "60"
    with writes(db, *BID_WRITES):
        response = bid_post(client, lot, a, csrf, grouping_id=str(grouping.id), **shares)
    assert response.status_code == 302
    bid = bid_of(db, lot, a)
    assert bid.grouping_id == grouping.id
    assert {s.member_id: (s.share_bp, s.work) for s in bid.shares} == {
        a.member.id: (6000, "Tonte"), b.member.id: (4000, "Taille")}
    page = text(client.get(f"/lots/{lot.id}/repondre"))
    assert "en groupement" in page and "60,00" in page


def test_a_member_that_does_not_lead_cannot_choose_nor_bid_for_the_grouping(client, db,
                                                                            world):
    lot, a, b = world["lot"], world["a"], world["b"]
    grouping = make_grouping(db, a, [b])
    log_in(client, b.user)
    assert client.get(f"/lots/{lot.id}/repondre?grouping={grouping.id}").status_code == 404
    csrf = token(client, f"/lots/{lot.id}/repondre")
    with nothing_written(db):
        response = bid_post(client, lot, b, csrf, grouping_id=str(grouping.id),
                            **{f"share-{b.member.id}-percent": "100"})
    assert response.status_code == 403


def test_a_bid_after_the_deadline_is_refused_with_the_clear_message(client, db, world):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    close_bidding(db, lot)
    with nothing_written(db):
        response = bid_post(client, lot, a, csrf)
    assert response.status_code == 409
    assert "La date limite de remise des offres est passée" in text(response)
    page = text(client.get(f"/lots/{lot.id}/repondre"))
    assert "Ce lot ne reçoit plus d'offres" in page and 'id="bid-form"' not in page


def test_a_withdrawal_after_the_deadline_is_refused(client, db, world):
    lot, a = world["lot"], world["a"]
    bid = make_bid(db, lot, a)
    log_in(client, a.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    close_bidding(db, lot)
    with nothing_written(db):
        response = post(client, f"/lots/{lot.id}/repondre/retrait", csrf,
                        member=str(a.member.id), bid=str(bid.id))
    assert response.status_code == 409
    assert "La date limite de remise des offres est passée" in text(response)


def test_a_structure_the_reservation_does_not_admit_is_told_it_is_not_eligible(client, db,
                                                                             world):
    lot, geiq = world["lot"], world["geiq"]
    log_in(client, geiq.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    with nothing_written(db):
        response = bid_post(client, lot, geiq, csrf)
    assert response.status_code == 422
    assert "n'y est pas éligible" in text(response)


@pytest.mark.parametrize(("form", "message"), [
    ({"price": "abc"}, "Prix en euros"),
    ({"price": "0"}, "Prix en euros"),
    ({"price": "1" * 60}, "Longueur"),
    ({"insertion_hours": "-1"}, "Nombre entier attendu."),
    ({"insertion_hours": "100"}, "Le lot demande au moins 500 heures d'insertion."),
    ({"insertion_hours": "99999999999"}, "Entre 0 et 10000000."),
    ({"summary": "x" * 5001}, "Longueur"),
    ({"grouping_id": "abc"}, "Nombre entier attendu."),
    ({"grouping_id": "2147483648"}, "Entre 1"),
    ({"grouping_id": "2147483647"}, "Groupement introuvable."),
])
def test_a_refused_bid_writes_nothing_and_says_why(client, db, world, form, message):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    with nothing_written(db):
        response = bid_post(client, lot, a, csrf, **form)
    assert response.status_code == 422
    assert message in text(response) and 'role="alert"' in text(response)


def test_bad_share_rows_are_refused_by_their_row(client, db, world):
    lot, a, b = world["lot"], world["a"], world["b"]
    grouping = make_grouping(db, a, [b])
    log_in(client, a.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    for shares in ({f"share-{a.member.id}-percent": "abc",
                    f"share-{b.member.id}-percent": "40"},
                   {f"share-{a.member.id}-percent": "100"},
                   {f"share-{a.member.id}-percent": "60", f"share-{b.member.id}-percent": "40",
                    f"share-{world['c'].member.id}-percent": "0"},
                   {}):
        with nothing_written(db):
            response = bid_post(client, lot, a, csrf, grouping_id=str(grouping.id), **shares)
        assert response.status_code == 422, shares
        assert 'role="alert"' in text(response)
    page = text(bid_post(client, lot, a, csrf, grouping_id=str(grouping.id),
                         **{f"share-{a.member.id}-percent": "abc",
                            f"share-{b.member.id}-percent": "40"}))
    assert re.search(rf'id="share-{a.member.id}-percent"[^>]*aria-invalid="true"', page)


def test_the_bid_form_is_for_structures_on_published_lots(client, db, world):
    draft = make_lot(db, world["buyer"], title="Brouillon", status=TenderStatus.draft)
    log_in(client, world["buyer"].user)
    assert client.get(f"/lots/{world['lot'].id}/repondre").status_code == 403
    log_in(client, world["a"].user)
    assert client.get(f"/lots/{draft.id}/repondre").status_code == 404
    assert client.get("/lots/2147483647/repondre").status_code == 404
    assert client.get(f"/lots/{world['lot'].id}/repondre?grouping=abc").status_code == 404


def test_a_structure_cannot_withdraw_another_structures_bid(client, db, world):
    lot, a, b = world["lot"], world["a"], world["b"]
    bid = make_bid(db, lot, b)
    log_in(client, a.user)
    csrf = token(client, f"/lots/{lot.id}/repondre")
    for typed in (str(bid.id), "abc", "99999999999999"):
        with nothing_written(db):
            response = post(client, f"/lots/{lot.id}/repondre/retrait", csrf,
                            member=str(a.member.id), bid=typed)
        assert response.status_code == 404
