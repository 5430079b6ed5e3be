"""References after a trade: one per side of a completed order, one reply, counts by rating."""

import html as htmllib

import pytest

from market.members.models import MemberStatus
from market.orders import references
from market.orders.models import Reference
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def buyer(db):
    return make_trader(db, 2, "Jardins de l'Adour", funds={"EUR": "1000.00"})


@pytest.fixture
def offer(db, seller):
    return make_offer(db, seller, price="40.00", quantity=5).id


def ordered(client, buyer, seller, offer_id, *, complete=True) -> int:
    """An order of ``buyer``, accepted and confirmed unless told not."""
    placed = client.post("/api/v1/orders", json={"offer": offer_id, "quantity": 1},
                         headers=buyer.headers)
    assert placed.status_code == 201, placed.json
    order_id = placed.json["id"]
    if complete:
        assert client.post(f"/api/v1/orders/{order_id}/accept",
                           headers=seller.headers).status_code == 200
        assert client.post(f"/api/v1/orders/{order_id}/confirm",
                           headers=buyer.headers).status_code == 200
    return order_id


def leave(client, who, order_id, **body):
    return client.post(f"/api/v1/orders/{order_id}/references",
                       json={"rating": "positive", **body}, headers=who.headers)


def page_text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def csrf(client, path) -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


# The API.

def test_each_side_leaves_one_reference_and_the_one_spoken_of_replies_once(client, db, seller,
                                                                          buyer, offer):
    order_id = ordered(client, buyer, seller, offer)
    with writes(db, "order_references"):
        by_buyer = leave(client, buyer, order_id, comment="Bois superbe,\nlivré à l'heure.")
    assert by_buyer.status_code == 201, by_buyer.json
    made = by_buyer.json
    assert made["rating"] == "positive" and made["reply"] is None
    assert made["author"] == {"id": buyer.member.id, "name": "Jardins de l'Adour"}
    assert made["subject"] == {"id": seller.member.id, "name": "Menuiserie du Labourd"}
    assert made["comment"] == "Bois superbe,\nlivré à l'heure." and made["order_id"] == order_id
    by_seller = leave(client, seller, order_id, rating="neutral")
    assert by_seller.status_code == 201 and by_seller.json["comment"] == ""
    again = leave(client, buyer, order_id, rating="negative")
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"

    reply = client.post(f"/api/v1/references/{made['id']}/reply",
                        json={"reply": "Merci à vous !"}, headers=seller.headers)
    assert reply.status_code == 200, reply.json
    assert reply.json["reply"] == "Merci à vous !"
    twice = client.post(f"/api/v1/references/{made['id']}/reply", json={"reply": "Encore"},
                        headers=seller.headers)
    assert twice.status_code == 409 and twice.json["error"]["code"] == "conflict"
    by_author = client.post(f"/api/v1/references/{made['id']}/reply", json={"reply": "Moi"},
                            headers=buyer.headers)
    assert by_author.status_code == 404
    assert references.counts(db.session, seller.member.id) == {
        "positive": 1, "neutral": 0, "negative": 0}
    assert references.counts(db.session, buyer.member.id) == {
        "positive": 0, "neutral": 1, "negative": 0}


def test_a_reference_before_the_order_is_completed_is_refused(client, db, seller, buyer,
                                                             offer):
    order_id = ordered(client, buyer, seller, offer, complete=False)
    with nothing_written(db):
        early = leave(client, buyer, order_id)
    assert early.status_code == 409 and early.json["error"]["code"] == "invalid_state"


def test_only_the_orders_sides_leave_references(client, db, seller, buyer, offer):
    order_id = ordered(client, buyer, seller, offer)
    stranger = make_trader(db, 3, "Autre coop")
    with nothing_written(db):
        assert leave(client, stranger, order_id).status_code == 404
        assert leave(client, stranger, 2_000_000).status_code == 404
        assert client.post("/api/v1/references/2000000/reply", json={"reply": "x"},
                           headers=seller.headers).status_code == 404
        anonymous = client.post(f"/api/v1/orders/{order_id}/references",
                                json={"rating": "positive"})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"rating": "great"}, "rating"),
    ({"rating": None}, "rating"),
    ({"comment": "x" * 2001}, "comment"),
    ({"comment": "a\x00b"}, "comment"),
    ({"stars": 5}, "stars"),
])
def test_a_bad_reference_is_refused_by_field_and_writes_nothing(client, db, seller, buyer,
                                                               offer, body, field):
    order_id = ordered(client, buyer, seller, offer)
    with nothing_written(db):
        response = leave(client, buyer, order_id, **body)
    assert response.status_code == 422
    assert field in response.json["error"]["details"]["fields"]


def test_a_members_references_are_listed_newest_first_with_the_counts(client, db, seller,
                                                                     buyer, offer):
    other = make_trader(db, 3, "Autre coop", funds={"EUR": "100.00"})
    first = ordered(client, buyer, seller, offer)
    second = ordered(client, other, seller, offer)
    leave(client, buyer, first, comment="Parfait")
    leave(client, other, second, rating="negative", comment="En retard")
    listed = client.get(f"/api/v1/members/{seller.member.id}/references?limit=1")
    assert listed.status_code == 200, listed.json
    assert listed.json["counts"] == {"positive": 1, "neutral": 0, "negative": 1}
    assert [r["comment"] for r in listed.json["items"]] == ["En retard"]
    following = client.get(f"/api/v1/members/{seller.member.id}/references?limit=1"
                           f"&cursor={listed.json['next_cursor']}")
    assert [r["comment"] for r in following.json["items"]] == ["Parfait"]
    assert following.json["next_cursor"] is None
    assert client.get(f"/api/v1/members/{buyer.member.id}/references").json["items"] == []
    bad = client.get(f"/api/v1/members/{seller.member.id}/references?cursor=zz")
    assert bad.status_code == 422
    assert client.get("/api/v1/members/2000000/references").status_code == 404
    seller.member.status = MemberStatus.pending
    db.session.commit()
    assert client.get(f"/api/v1/members/{seller.member.id}/references").status_code == 404


def test_a_members_profile_says_how_many_references_of_each_rating(client, seller, buyer,
                                                                   offer):
    order_id = ordered(client, buyer, seller, offer)
    leave(client, buyer, order_id)
    client.delete_cookie("session")  # anyone may read a profile
    shown = htmllib.unescape(client.get(f"/members/{seller.member.id}").get_data(as_text=True))
    empty = htmllib.unescape(client.get(f"/members/{buyer.member.id}").get_data(as_text=True))
    assert "Références après échange" in shown
    assert "1 positive" in shown and "0 neutre" in shown and "0 négative" in shown
    assert "Aucune référence pour l'instant." in empty
    assert f'href="/offres?member={seller.member.id}"' in shown


# The order page's forms.

def test_the_order_page_takes_a_reference_then_its_reply(client, db, seller, buyer, offer):
    order_id = ordered(client, buyer, seller, offer)
    page = f"/commandes/{order_id}"
    log_in(client, buyer.user)
    text = page_text(client.get(page))
    assert f'action="/commandes/{order_id}/avis"' in text
    assert "Votre référence de Menuiserie du Labourd" in text
    with writes(db, "order_references"):
        done = client.post(f"{page}/avis", data={
            "csrf_token": csrf(client, page), "member": str(buyer.member.id),
            "rating": "positive", "comment": "Très bon bois.\r\nMerci."})
    assert done.status_code == 302
    text = page_text(client.get(page))
    assert "Votre référence est publiée." in text and "Très bon bois." in text
    assert "Jardins de l'Adour sur Menuiserie du Labourd" in text
    assert f'action="/commandes/{order_id}/avis"' not in text  # one each

    log_in(client, seller.user)
    text = page_text(client.get(page))
    assert f'action="/commandes/{order_id}/avis/reponse"' in text
    replied = client.post(f"{page}/avis/reponse", data={
        "csrf_token": csrf(client, page), "member": str(seller.member.id),
        "reply": "Au plaisir !"})
    assert replied.status_code == 302
    text = page_text(client.get(page))
    assert "Réponse de Menuiserie du Labourd" in text and "Au plaisir !" in text
    assert f'action="/commandes/{order_id}/avis/reponse"' not in text
    assert db.session.query(Reference).one().reply == "Au plaisir !"


def test_a_refused_reference_form_is_shown_again_with_its_message(client, db, seller, buyer,
                                                                  offer):
    order_id = ordered(client, buyer, seller, offer)
    page = f"/commandes/{order_id}"
    log_in(client, buyer.user)
    token = csrf(client, page)
    with nothing_written(db):
        missing = client.post(f"{page}/avis", data={
            "csrf_token": token, "member": str(buyer.member.id), "comment": "Sans note"})
        no_token = client.post(f"{page}/avis", data={
            "member": str(buyer.member.id), "rating": "positive"})
        not_mine = client.post(f"{page}/avis", data={
            "csrf_token": token, "member": str(seller.member.id), "rating": "positive"})
        empty_reply = client.post(f"{page}/avis/reponse", data={
            "csrf_token": token, "member": str(buyer.member.id), "reply": "x"})
    assert missing.status_code == 422
    text = page_text(missing)
    assert 'id="rating-error-1"' in text and "Sans note" in text
    assert no_token.status_code == 400
    assert not_mine.status_code == 404
    assert empty_reply.status_code == 404  # nothing said of the buyer yet
