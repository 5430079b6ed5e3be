"""Questions on offers: a member asks, the seller answers once (and may reword it), answered
questions are public, unanswered ones stay between the asking member and the seller."""

import pytest
from sqlalchemy import select

from market.auth.roles import Role
from market.members.models import MemberStatus
from market.notifications.models import Notification
from market.offers.models import Question
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, log_in, make_user
from tests.integration.offers_factories import make_offer, make_trader


#: The offer page as it will include the community parts (templates/offers/offer.html's
#: block, filled the way that page is to be wired).
@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def asker(db):
    return make_trader(db, 2, "Jardins de l'Adour")


@pytest.fixture
def third(db):
    return make_trader(db, 3, "Régie de quartier")


@pytest.fixture
def offer(db, seller):
    return make_offer(db, seller, title="Planches de chêne")


def ask(client, trader, offer, text="Livrez-vous le samedi ?"):
    return client.post(f"/api/v1/offers/{offer.id}/questions", json={"text": text},
                       headers=trader.headers)


def listed(client, offer, trader=None) -> list[str]:
    headers = trader.headers if trader else {}
    response = client.get(f"/api/v1/offers/{offer.id}/questions", headers=headers)
    assert response.status_code == 200, response.json
    return [q["text"] for q in response.json["items"]]


def notes(db, kind: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_a_question_reaches_the_seller_and_stays_between_them_until_answered(
        client, db, seller, asker, third, offer):
    with writes(db, "offer_questions", "notifications", "outbox_emails"):
        response = ask(client, asker, offer)
    assert response.status_code == 201, response.json
    assert response.json["member"]["name"] == "Jardins de l'Adour"
    assert response.json["answer"] is None
    [note] = notes(db, "question")
    assert note.user_id == seller.user.id
    assert note.params["asker_name"] == "Jardins de l'Adour"
    assert note.params["excerpt"] == "Livrez-vous le samedi ?"
    assert note.url == f"/offres/{offer.id}#question-{response.json['id']}"
    assert listed(client, offer, asker) == ["Livrez-vous le samedi ?"]
    assert listed(client, offer, seller) == ["Livrez-vous le samedi ?"]
    assert listed(client, offer, third) == []
    assert listed(client, offer) == []


def test_the_sellers_answer_is_public_told_to_the_asker_once_and_may_be_reworded(
        client, db, seller, asker, third, offer):
    question = ask(client, asker, offer).json
    with writes(db, "offer_questions", "notifications", "outbox_emails"):
        answered = client.post(f"/api/v1/questions/{question['id']}/answer",
                               json={"answer": "Oui, le samedi matin."}, headers=seller.headers)
    assert answered.status_code == 200, answered.json
    assert answered.json["answer"] == "Oui, le samedi matin." and answered.json["answered_at"]
    [note] = notes(db, "answer")
    assert note.user_id == asker.user.id and note.params["excerpt"] == "Oui, le samedi matin."
    for caller in (None, third, asker):
        assert listed(client, offer, caller) == ["Livrez-vous le samedi ?"]
    first_time = answered.json["answered_at"]
    with writes(db, "offer_questions"):
        again = client.post(f"/api/v1/questions/{question['id']}/answer",
                            json={"answer": "Oui, le samedi de 8 h à 12 h."},
                            headers=seller.headers)
    assert again.json["answer"] == "Oui, le samedi de 8 h à 12 h."
    assert again.json["answered_at"] == first_time
    assert len(notes(db, "answer")) == 1


@pytest.mark.parametrize("body", [
    {"text": "ab"}, {"text": "   ab   "}, {"text": "x" * 2001}, {"text": "Bonjour\x1b[31m"},
    {"text": "Bonjour\x00"}, {"text": 12345}, {}, {"text": "Bonjour", "member": 1},
])
def test_a_bad_question_is_refused_and_nothing_is_written(client, db, asker, offer, body):
    with nothing_written(db):
        response = client.post(f"/api/v1/offers/{offer.id}/questions", json=body,
                               headers=asker.headers)
    assert response.status_code == 422, response.json


def test_questions_go_to_published_offers_of_others_only(client, db, seller, asker, offer):
    draft = make_offer(db, seller, publish=False, title="Brouillon")
    with nothing_written(db):
        assert ask(client, asker, draft).status_code == 404
        assert client.post("/api/v1/offers/999999/questions", json={"text": "Bonjour"},
                           headers=asker.headers).status_code == 404
        own = ask(client, seller, offer)
        assert own.status_code == 422 and own.json["error"]["code"] == "not_eligible"
        assert client.post(f"/api/v1/offers/{offer.id}/questions",
                           json={"text": "Bonjour"}).status_code == 401
    assert client.get(f"/api/v1/offers/{draft.id}/questions").status_code == 404


def test_a_suspended_member_asks_nothing(client, db, asker, offer):
    asker.member.status = MemberStatus.suspended
    db.session.commit()
    with nothing_written(db):
        assert ask(client, asker, offer).status_code == 403


def test_a_member_cannot_answer_another_members_questions(client, db, seller, asker, third,
                                                           offer):
    question = ask(client, asker, offer).json
    path = f"/api/v1/questions/{question['id']}/answer"
    treasurer = bearer(db, make_user(db, "tresorier@example.org",
                                     roles=[(Role.member_treasurer, seller.member.id)]))
    assert client.get("/api/v1/me", headers=treasurer).status_code == 200  # its first use
    with nothing_written(db):
        # Unanswered: hidden from a third member, so not found; the asker sees it: forbidden.
        assert client.post(path, json={"answer": "Non."},
                           headers=third.headers).status_code == 404
        assert client.post(path, json={"answer": "Non."},
                           headers=asker.headers).status_code == 403
        assert client.post(path, json={"answer": "Non."},
                           headers=treasurer).status_code == 403
        assert client.post("/api/v1/questions/999999/answer", json={"answer": "Non."},
                           headers=seller.headers).status_code == 404
    client.post(path, json={"answer": "Oui."}, headers=seller.headers)
    with nothing_written(db):
        assert client.post(path, json={"answer": "Non."},
                           headers=third.headers).status_code == 403
    assert db.session.get(Question, question["id"]).answer == "Oui."


def test_a_suspended_seller_reads_its_questions_but_answers_none(client, db, seller, asker,
                                                                 offer):
    question = ask(client, asker, offer).json
    seller.member.status = MemberStatus.suspended
    db.session.commit()
    with nothing_written(db):
        response = client.post(f"/api/v1/questions/{question['id']}/answer",
                               json={"answer": "Oui."}, headers=seller.headers)
    assert response.status_code == 403


@pytest.mark.parametrize("answer", ["", "no", "x" * 2001, "Oui\x07"])
def test_a_bad_answer_is_refused_and_nothing_is_written(client, db, seller, asker, offer,
                                                        answer):
    question = ask(client, asker, offer).json
    with nothing_written(db):
        response = client.post(f"/api/v1/questions/{question['id']}/answer",
                               json={"answer": answer}, headers=seller.headers)
    assert response.status_code == 422


def csrf(client, path: str) -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def test_the_offer_page_asks_and_answers_through_its_forms(app, client, db, seller, asker,
                                                           third, offer):
    page = f"/offres/{offer.id}"
    assert "Connectez-vous pour poser une question." in client.get(page).get_data(as_text=True)
    log_in(client, asker.user)
    with writes(db, "offer_questions", "notifications", "outbox_emails"):
        response = client.post(f"/offres/{offer.id}/questions",
                               data={"csrf_token": csrf(client, page),
                                     "member": str(asker.member.id),
                                     "text": "Quelle épaisseur ?"})
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert response.headers["Location"].endswith(f"#question-{question.id}")
    assert "Quelle épaisseur ?" in client.get(page).get_data(as_text=True)
    with nothing_written(db):
        refused = client.post(f"/offres/{offer.id}/questions",
                              data={"csrf_token": csrf(client, page), "text": "a"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(True)

    log_in(client, third.user)
    assert "Quelle épaisseur ?" not in client.get(page).get_data(as_text=True)

    log_in(client, seller.user)
    shown = client.get(page).get_data(as_text=True)
    assert "Quelle épaisseur ?" in shown and "Votre réponse" in shown
    assert "Poser la question" not in shown  # not on one's own offer
    response = client.post(f"/questions/{question.id}/reponse",
                           data={"csrf_token": csrf(client, page), "answer": "Vingt-sept mm."})
    assert response.status_code == 302

    client.delete_cookie("session")
    public = client.get(page).get_data(as_text=True)
    assert "Quelle épaisseur ?" in public and "Vingt-sept mm." in public
