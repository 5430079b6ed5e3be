"""A structure's opportunities over HTTP: it reads the lots it was notified of, answers until
the deadline, asks the buyer, whose answer every notified structure reads; the buyer's
funnel counts what happened, for the buyer alone."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from market.auth.roles import Role
from market.notifications.models import Notification
from market.platform.time import now_utc
from market.procurement.contract_models import BidStatus
from market.procurement.models import GroupingStatus, TenderStatus
from market.procurement.outreach_models import LotOpportunity, LotQuestion
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, make_user
from tests.integration.offers_factories import make_trader
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_grouping,
    make_lot,
    make_opportunity,
    make_structure,
)

API = "/api/v1"


@pytest.fixture
def world(db):
    """A buyer's published lot; A and B notified in batch 1, C matched but not told yet."""
    buyer = make_buyer(db, 60, "Ville de La Rochelle")
    a = make_structure(db, 1, "Jardins de l'Aunis")
    b = make_structure(db, 2, "Terres de Ré")
    c = make_structure(db, 3, "Régie de quartier")
    lot = make_lot(db, buyer, title="Entretien des espaces verts")
    make_opportunity(db, lot, a, rank=1)
    make_opportunity(db, lot, b, rank=2)
    make_opportunity(db, lot, c, rank=3, notified=False)
    return {"buyer": buyer, "a": a, "b": b, "c": c, "lot": lot}


def opportunity(db, lot, trader) -> LotOpportunity:
    db.session.expire_all()
    return db.session.scalar(select(LotOpportunity).where(
        LotOpportunity.lot_id == lot.id, LotOpportunity.member_id == trader.member.id))


def answer(client, lot, trader, **body):
    return client.post(f"{API}/opportunities/{lot.id}/answer", json=body,
                       headers=trader.headers)


def ask(client, lot, trader, question="Le matériel est-il fourni ?"):
    return client.post(f"{API}/lots/{lot.id}/questions", json={"question": question},
                       headers=trader.headers)


def suspend(db, trader) -> None:
    trader.member.status = "suspended"
    db.session.commit()


# -- reading opportunities -------------------------------------------------------------------

def test_a_notified_structure_lists_and_opens_its_opportunity_and_marks_it_seen(client, db,
                                                                                world):
    a, lot = world["a"], world["lot"]
    with nothing_written(db):
        listed = client.get(f"{API}/opportunities", headers=a.headers)
        opened = client.get(f"{API}/opportunities/{lot.id}", headers=a.headers)
    assert listed.status_code == 200, listed.json
    [item] = listed.json["items"]
    assert listed.json["next_cursor"] is None
    assert item["lot"]["id"] == lot.id and item["lot"]["lot_id"] == "LOT-0001"
    assert item["lot"]["tender_title"] == "Marché : Entretien des espaces verts"
    assert item["lot"]["buyer_name"] == "Ville de La Rochelle"
    assert item["lot"]["estimated_value"] == "60000.00"
    assert item["lot"]["place"]["city"] == "La Rochelle"
    assert item["lot"]["reservation"] == "siae" and item["lot"]["insertion_hours"] == 500
    assert item["lot"]["cpv_codes"] == ["77310000"] and item["lot"]["deadline"]
    assert (item["rank"], item["score"], item["batch"]) == (1, 80, 1)
    assert item["seen_at"] is None and item["interest"] is None and item["open"] is True
    assert opened.status_code == 200 and opened.json == item
    with writes(db, "lot_opportunities"):
        seen = client.post(f"{API}/opportunities/{lot.id}/seen", headers=a.headers)
    assert seen.status_code == 200 and seen.json["seen_at"]
    with nothing_written(db):  # the first time only counts
        again = client.post(f"{API}/opportunities/{lot.id}/seen", headers=a.headers)
    assert again.json["seen_at"] == seen.json["seen_at"]


def test_a_structure_not_notified_yet_or_not_matched_gets_not_found(client, db, world):
    c, b, lot = world["c"], world["b"], world["lot"]
    other = make_lot(db, world["buyer"], title="Nettoyage des locaux")
    make_opportunity(db, other, world["a"])  # A's alone
    with nothing_written(db):
        assert client.get(f"{API}/opportunities", headers=c.headers).json["items"] == []
        for who, lot_id in ((c, lot.id), (b, other.id), (b, 999_999), (b, 2**40)):
            assert client.get(f"{API}/opportunities/{lot_id}",
                              headers=who.headers).status_code == 404
            assert client.post(f"{API}/opportunities/{lot_id}/seen",
                               headers=who.headers).status_code == 404
            assert client.post(f"{API}/opportunities/{lot_id}/answer",
                               json={"interest": "interested"},
                               headers=who.headers).status_code == 404
        assert client.get(f"{API}/opportunities").status_code == 401
        buyer = client.get(f"{API}/opportunities", headers=world["buyer"].headers)
        assert buyer.status_code == 403  # a buyer has no opportunities


def test_the_list_filters_by_interest_and_pages_newest_notified_first(client, db, world):
    a = world["a"]
    later = make_lot(db, world["buyer"], title="Taille des haies")
    row = make_opportunity(db, later, a)
    row.notified_at = now_utc() + timedelta(minutes=5)
    db.session.commit()
    assert answer(client, later, a, interest="interested").status_code == 200

    def lots(query: str) -> list[int]:
        response = client.get(f"{API}/opportunities{query}", headers=a.headers)
        assert response.status_code == 200, response.json
        return [item["lot"]["id"] for item in response.json["items"]]

    assert lots("") == [later.id, world["lot"].id]
    assert lots("?interest=interested") == [later.id]
    assert lots("?interest=none") == [world["lot"].id]
    assert lots("?interest=not_interested") == []
    first = client.get(f"{API}/opportunities?limit=1", headers=a.headers).json
    assert [i["lot"]["id"] for i in first["items"]] == [later.id] and first["next_cursor"]
    assert lots(f"?limit=1&cursor={first['next_cursor']}") == [world["lot"].id]
    with nothing_written(db):
        for query in ("?interest=maybe", "?cursor=forged", "?limit=0", "?member=abc",
                      f"?member={2**40}", "?cursor=WyJub3QgYSB0aW1lIiwxXQ"):
            response = client.get(f"{API}/opportunities{query}", headers=a.headers)
            assert response.status_code == 422, (query, response.json)
        assert client.get(f"{API}/opportunities?member={world['b'].member.id}",
                          headers=a.headers).status_code == 403


# -- answering -------------------------------------------------------------------------------

def test_a_structure_answers_with_each_interest_and_may_change_its_mind(client, db, world):
    a, b, lot = world["a"], world["b"], world["lot"]
    grouping = make_grouping(db, a, [b])
    with writes(db, "lot_opportunities"):
        response = answer(client, lot, a, interest="interested", comment="  Dès mars. ")
    assert response.status_code == 200, response.json
    assert (response.json["interest"], response.json["comment"]) == ("interested", "Dès mars.")
    assert response.json["seen_at"] and response.json["answered_at"]
    response = answer(client, lot, a, interest="not_interested", reason="distance")
    assert (response.json["interest"], response.json["reason"]) == ("not_interested",
                                                                    "distance")
    response = answer(client, lot, a, interest="as_grouping", grouping_id=grouping.id)
    assert response.status_code == 200, response.json
    row = opportunity(db, lot, a)
    assert (row.interest, row.reason, row.grouping_id) == ("as_grouping", None, grouping.id)
    response = answer(client, lot, b, interest="as_grouping")  # a grouping still to form
    assert response.status_code == 200 and response.json["grouping_id"] is None


def test_a_refusal_without_its_reason_and_malformed_answers_are_refused(client, db, world):
    a, lot = world["a"], world["lot"]
    with nothing_written(db):
        response = answer(client, lot, a, interest="not_interested")
        assert response.status_code == 422 and "reason" in response.json["error"]["details"][
            "fields"]
        for body in ({"interest": "interested", "reason": "price"},
                     {"interest": "maybe"}, {},
                     {"interest": "not_interested", "reason": "weather"},
                     {"interest": "interested", "grouping_id": 1},
                     {"interest": "as_grouping", "grouping_id": 2**40},
                     {"interest": "as_grouping", "grouping_id": 1.5},
                     {"interest": "interested", "comment": "x" * 2001},
                     {"interest": "interested", "comment": "nul \x00"},
                     {"interest": "interested", "extra": 1}):
            response = answer(client, lot, a, **body)
            assert response.status_code == 422, (body, response.json)


def test_answering_as_a_grouping_the_member_has_not_joined_is_refused(client, db, world):
    a, b, c, lot = world["a"], world["b"], world["c"], world["lot"]
    foreign = make_grouping(db, b, [c], name="Sans A")
    dissolved = make_grouping(db, a, [b], name="Dissous", status=GroupingStatus.dissolved)
    invited = make_grouping(db, b, [a], name="Invité", status=GroupingStatus.proposed)
    elsewhere = make_grouping(db, a, [b], name="Autre lot",
                              lot=make_lot(db, world["buyer"], title="Autre"))
    with nothing_written(db):
        for grouping_id in (foreign.id, dissolved.id, invited.id, elsewhere.id, 999_999):
            response = answer(client, lot, a, interest="as_grouping", grouping_id=grouping_id)
            assert response.status_code == 422, response.json
            assert "grouping_id" in response.json["error"]["details"]["fields"]


@pytest.mark.parametrize("change", ["deadline", "closed"])
def test_after_the_deadline_or_once_closed_no_answer_is_written(client, db, world, change):
    a, lot = world["a"], world["lot"]
    assert answer(client, lot, a, interest="interested").status_code == 200
    if change == "deadline":
        lot.tender.deadline = now_utc() - timedelta(minutes=1)
    else:
        lot.status = TenderStatus.closed
    db.session.commit()
    with nothing_written(db):
        response = answer(client, lot, a, interest="not_interested", reason="price")
        assert response.status_code == 409 and response.json["error"]["code"] == "invalid_state"
        assert ask(client, lot, a).status_code == 409
    assert client.get(f"{API}/opportunities/{lot.id}", headers=a.headers).json["open"] is False
    assert opportunity(db, lot, a).interest == "interested"


def test_a_suspended_structure_reads_its_opportunities_but_cannot_answer(client, db, world):
    a, lot = world["a"], world["lot"]
    suspend(db, a)
    with nothing_written(db):
        assert client.get(f"{API}/opportunities", headers=a.headers).status_code == 200
        assert client.get(f"{API}/opportunities/{lot.id}", headers=a.headers).status_code == 200
        assert answer(client, lot, a, interest="interested").status_code == 403
        assert client.post(f"{API}/opportunities/{lot.id}/seen",
                           headers=a.headers).status_code == 403
        assert ask(client, lot, a).status_code == 403


# -- questions -------------------------------------------------------------------------------

def test_questions_name_their_asker_to_the_buyer_alone(client, db, world):
    a, b, c, lot, buyer = world["a"], world["b"], world["c"], world["lot"], world["buyer"]
    with writes(db, "lot_questions"):  # the buyer is not notified: no kind for it
        response = ask(client, lot, a)
    assert response.status_code == 201, response.json
    assert response.json["mine"] is True and response.json["asker"] is None
    assert ask(client, lot, c, "Un seul passage par mois ?").status_code == 201

    def read(headers) -> list[dict]:
        response = client.get(f"{API}/lots/{lot.id}/questions", headers=headers)
        assert response.status_code == 200, response.json
        return response.json["items"]

    with nothing_written(db):
        for_b, anonymous, for_buyer = read(b.headers), read({}), read(buyer.headers)
    assert [q["question"] for q in for_b] == ["Le matériel est-il fourni ?",
                                              "Un seul passage par mois ?"]
    assert all(q["asker"] is None and not q["mine"] for q in for_b + anonymous)
    assert [q["asker"]["name"] for q in for_buyer] == ["Jardins de l'Aunis",
                                                       "Régie de quartier"]
    assert [q["mine"] for q in read(a.headers)] == [True, False]
    admin = bearer(db, make_user(db, email="admin@example.org",
                                 roles=[(Role.network_admin, None)]))
    assert [q["asker"]["name"] for q in read(admin)] == ["Jardins de l'Aunis",
                                                         "Régie de quartier"]


def test_only_an_active_structure_of_the_directory_asks_a_sensible_question(client, db, world):
    lot, a = world["lot"], world["a"]
    plain = make_trader(db, 9, "Boulangerie")  # a member, not in the directory
    draft = make_lot(db, world["buyer"], title="Brouillon", status=TenderStatus.draft)
    with nothing_written(db):
        response = ask(client, lot, plain)
        assert response.status_code == 422 and response.json["error"]["code"] == "not_eligible"
        assert ask(client, lot, world["buyer"]).status_code == 403
        assert ask(client, draft, a).status_code == 404
        for text in ("   ", "x" * 2001, "nul \x00"):
            assert ask(client, lot, a, text).status_code == 422
        assert client.post(f"{API}/lots/{lot.id}/questions", json={"question": 3},
                           headers=a.headers).status_code == 422
        assert client.post(f"{API}/lots/{2**40}/questions", json={"question": "Oui ?"},
                           headers=a.headers).status_code == 404
    for n in range(10):
        assert ask(client, lot, a, f"Question {n} ?").status_code == 201
    with nothing_written(db):
        response = ask(client, lot, a)
        assert response.status_code == 422
        assert response.json["error"]["code"] == "limit_exceeded"


def notes(db) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification)
                                   .where(Notification.kind == "lot_answer")))


def test_the_buyer_answers_once_and_every_notified_structure_and_the_asker_are_told(
        client, db, world):
    a, b, c, lot, buyer = world["a"], world["b"], world["c"], world["lot"], world["buyer"]
    bystander = make_structure(db, 4, "ESAT du Médoc")
    make_opportunity(db, lot, bystander, rank=4, notified=False)  # matched, not told yet
    other = make_buyer(db, 61, "Ville de Niort")
    elsewhere = make_lot(db, buyer, title="Ailleurs")
    question = ask(client, lot, c).json  # C asks though it was not notified yet
    path = f"{API}/lots/{lot.id}/questions/{question['id']}/answer"
    with nothing_written(db):
        assert client.post(path, json={"answer": "Non."}, headers=a.headers).status_code == 403
        assert client.post(path, json={"answer": "Non."},
                           headers=other.headers).status_code == 403
        assert client.post(path, json={"answer": "Non."}).status_code == 401
        assert client.post(path, json={"answer": "  "},
                           headers=buyer.headers).status_code == 422
        assert client.post(f"{API}/lots/{lot.id}/questions/999999/answer",
                           json={"answer": "Non."}, headers=buyer.headers).status_code == 404
        assert client.post(f"{API}/lots/{elsewhere.id}/questions/{question['id']}/answer",
                           json={"answer": "Non."}, headers=buyer.headers).status_code == 404
    with writes(db, "lot_questions", "notifications", "outbox_emails"):
        response = client.post(path, json={"answer": "Oui, tout est fourni."},
                               headers=buyer.headers)
    assert response.status_code == 200, response.json
    assert response.json["answer"] == "Oui, tout est fourni." and response.json["answered_at"]
    told = notes(db)
    assert {n.user_id for n in told} == {a.user.id, b.user.id, c.user.id}
    assert bystander.user.id not in {n.user_id for n in told}
    assert told[0].url == f"/opportunites/{lot.id}"
    assert told[0].params == {"lot_title": lot.title, "excerpt": "Oui, tout est fourni."}
    with nothing_written(db):
        again = client.post(path, json={"answer": "Finalement non."}, headers=buyer.headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_state"
    listed = client.get(f"{API}/lots/{lot.id}/questions", headers=b.headers).json["items"]
    assert [q["answer"] for q in listed] == ["Oui, tout est fourni."]


def test_a_suspended_buyer_reads_the_questions_but_cannot_answer(client, db, world):
    lot, buyer = world["lot"], world["buyer"]
    question = ask(client, lot, world["a"]).json
    suspend(db, buyer)
    with nothing_written(db):
        listed = client.get(f"{API}/lots/{lot.id}/questions", headers=buyer.headers)
        assert listed.json["items"][0]["asker"]["name"] == "Jardins de l'Aunis"
        response = client.post(f"{API}/lots/{lot.id}/questions/{question['id']}/answer",
                               json={"answer": "Oui."}, headers=buyer.headers)
        assert response.status_code == 403
    assert db.session.get(LotQuestion, question["id"]).answer is None


# -- the funnel ------------------------------------------------------------------------------

def test_the_funnel_counts_what_each_structure_did(client, db, world):
    a, b, lot, buyer = world["a"], world["b"], world["lot"], world["buyer"]
    d = make_structure(db, 4, "ESAT du Médoc")
    e = make_structure(db, 5, "Atelier du Marais")
    make_opportunity(db, lot, d, rank=4, batch=2)
    make_opportunity(db, lot, e, rank=5, batch=2)
    grouping = make_grouping(db, d, [e])
    done = [client.post(f"{API}/opportunities/{lot.id}/seen", headers=a.headers),
            answer(client, lot, a, interest="interested"),
            answer(client, lot, b, interest="not_interested", reason="distance",
                   comment="Trop loin"),
            answer(client, lot, d, interest="as_grouping", grouping_id=grouping.id),
            client.post(f"{API}/opportunities/{lot.id}/seen", headers=e.headers)]
    asked = ask(client, lot, a)
    done += [asked, ask(client, lot, b, "Visite du site ?"),
             client.post(f"{API}/lots/{lot.id}/questions/{asked.json['id']}/answer",
                         json={"answer": "Oui."}, headers=buyer.headers)]
    assert [r.status_code for r in done] == [200] * 5 + [201, 201, 200]
    make_bid(db, lot, a)
    make_bid(db, lot, b).status = BidStatus.withdrawn
    db.session.commit()
    with nothing_written(db):
        response = client.get(f"{API}/lots/{lot.id}/funnel", headers=buyer.headers)
    assert response.status_code == 200, response.json
    found = response.json
    assert {k: found[k] for k in ("matched", "notified", "seen", "interested", "as_grouping",
                                  "not_interested", "questions", "answered_questions",
                                  "bids")} == {
        "matched": 5, "notified": 4, "seen": 4, "interested": 1, "as_grouping": 1,
        "not_interested": 1, "questions": 2, "answered_questions": 1, "bids": 1}
    assert found["reasons"] == {"capacity": 0, "distance": 1, "sector": 0, "deadline": 0,
                                "price": 0, "other": 0}
    assert [(x["batch"], x["notified"]) for x in found["batches"]] == [(1, 2), (2, 2)]
    assert all(x["sent_at"] for x in found["batches"])
    assert [(x["member"]["name"], x["interest"], x["reason"], x["comment"])
            for x in found["answers"]] == [
        ("Jardins de l'Aunis", "interested", None, ""),
        ("Terres de Ré", "not_interested", "distance", "Trop loin"),
        ("ESAT du Médoc", "as_grouping", None, "")]


def test_only_the_lot_s_buyer_and_network_admins_see_its_funnel(client, db, world):
    lot = world["lot"]
    other = make_buyer(db, 61, "Ville de Niort")
    admin = bearer(db, make_user(db, email="admin@example.org",
                                 roles=[(Role.network_admin, None)]))
    with nothing_written(db):
        for path in (f"{API}/lots/{lot.id}/funnel", f"{API}/lots/999999/funnel"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers=other.headers).status_code == 404
            assert client.get(path, headers=world["a"].headers).status_code == 404
        assert client.get(f"{API}/lots/{2**40}/funnel",
                          headers=other.headers).status_code == 404
        assert client.get(f"{API}/lots/{lot.id}/funnel", headers=admin).status_code == 200
        assert client.get(f"{API}/lots/{lot.id}/funnel",
                          headers=world["buyer"].headers).json["matched"] == 3
