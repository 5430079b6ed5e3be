"""The opportunities' pages: a structure lists the lots it was told of, opens one (a GET
writes nothing), marks it seen, answers (refused answers shown with what was typed, nothing
written), asks the buyer; the buyer's lot page shows the advice, the funnel and the
questions with a form to answer each once. Others find nothing; every POST needs CSRF."""

import html as htmllib
from datetime import timedelta

import pytest
from sqlalchemy import select

from market.platform.time import now_utc
from market.procurement.models import GroupingStatus, TenderStatus
from market.procurement.outreach_models import LotOpportunity, LotQuestion
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in
from tests.integration.procurement_factories import (
    make_buyer,
    make_grouping,
    make_lot,
    make_opportunity,
    make_structure,
)


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def token(client, url: str = "/opportunites") -> str:
    return CSRF_INPUT.search(client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def world(db):
    """A buyer's published lot; A and B told of it, C matched but waiting for its batch."""
    buyer = make_buyer(db, 60, "Ville de La Rochelle")
    other = make_buyer(db, 61, "Département de la Gironde")
    a = make_structure(db, 1, "Jardins de l'Aunis")
    b = make_structure(db, 2, "Terres de Ré")
    c = make_structure(db, 3, "Régie de quartier")
    lot = make_lot(db, buyer, title="Entretien des parcs")
    make_opportunity(db, lot, a, rank=1)
    make_opportunity(db, lot, b, rank=2)
    make_opportunity(db, lot, c, rank=3, notified=False)
    return {"buyer": buyer, "other": other, "a": a, "b": b, "c": c, "lot": lot}


def opportunity(db, lot, trader) -> LotOpportunity:
    db.session.expire_all()
    return db.session.scalar(select(LotOpportunity).where(
        LotOpportunity.lot_id == lot.id, LotOpportunity.member_id == trader.member.id))


def answer(client, lot, trader, csrf, **form):
    data = {"member": str(trader.member.id), **form}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post(f"/opportunites/{lot.id}/reponse", data=data)


def ask(client, lot, trader, csrf, question="Le matériel est-il fourni ?"):
    data = {"member": str(trader.member.id), "question": question}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post(f"/opportunites/{lot.id}/questions", data=data)


def question_on(db, lot, trader, text="Le matériel est-il fourni ?") -> LotQuestion:
    question = LotQuestion(lot_id=lot.id, member_id=trader.member.id, question=text)
    db.session.add(question)
    db.session.commit()
    return question


# -- the list --------------------------------------------------------------------------------

def test_a_structure_lists_the_lots_it_was_told_of_with_their_facts(client, db, world):
    log_in(client, world["a"].user)
    with nothing_written(db):
        response = client.get("/opportunites")
    assert response.status_code == 200
    page = text(response)
    assert "Entretien des parcs" in page and "Ville de La Rochelle" in page
    assert "60 000,00 EUR" in page and "17000 La Rochelle" in page
    assert "Réservé aux SIAE (L2113-13)" in page and "pas encore de réponse" in page
    assert f'href="/opportunites/{world["lot"].id}"' in page


def test_a_structure_waiting_for_its_batch_lists_nothing_and_opens_nothing(client, world):
    log_in(client, world["c"].user)
    assert "Entretien des parcs" not in text(client.get("/opportunites"))
    assert client.get(f"/opportunites/{world['lot'].id}").status_code == 404


def test_the_list_filters_by_answer(client, db, world):
    lot, a = world["lot"], world["a"]
    row = opportunity(db, lot, a)
    row.interest, row.reason = "not_interested", "distance"
    db.session.commit()
    log_in(client, a.user)
    assert "Entretien des parcs" in text(client.get("/opportunites?interest=not_interested"))
    assert "Trop loin" in text(client.get("/opportunites?interest=not_interested"))
    assert "Entretien des parcs" not in text(client.get("/opportunites?interest=none"))
    assert "Entretien des parcs" not in text(client.get("/opportunites?interest=interested"))


@pytest.mark.parametrize("query", ["interest=bogus", "member=abc", "member=99999999999",
                                   "cursor=forged"])
def test_a_malformed_filter_is_a_clear_4xx(client, world, query):
    log_in(client, world["a"].user)
    assert client.get(f"/opportunites?{query}").status_code in (404, 422)


def test_another_members_structure_is_not_found(client, world):
    log_in(client, world["a"].user)
    assert client.get(f"/opportunites?member={world['b'].member.id}").status_code == 404
    assert client.get(f"/opportunites/{world['lot'].id}?member={world['b'].member.id}"
                      ).status_code == 404


def test_the_header_link_shows_to_structures_only(client, world):
    log_in(client, world["a"].user)
    assert 'href="/opportunites"' in text(client.get("/marches"))
    log_in(client, world["buyer"].user)
    assert 'href="/opportunites"' not in text(client.get("/marches"))
    assert client.get("/opportunites").status_code == 403
    anonymous = client.application.test_client().get("/opportunites")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# -- one opportunity -------------------------------------------------------------------------

def test_opening_an_opportunity_writes_nothing_and_the_button_marks_it_seen(client, db,
                                                                           world):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    with nothing_written(db):
        page = text(client.get(f"/opportunites/{lot.id}"))
    assert "Marquer comme vue" in page and "77310000" in page
    assert f'href="/lots/{lot.id}"' in page
    with writes(db, "lot_opportunities"):
        response = client.post(f"/opportunites/{lot.id}/vue",
                               data={"csrf_token": token(client), "member": a.member.id})
    assert response.status_code == 302
    assert opportunity(db, lot, a).seen_at is not None
    assert "Marquer comme vue" not in text(client.get(f"/opportunites/{lot.id}"))


def test_not_interested_without_a_reason_is_refused_on_the_page_and_keeps_the_comment(
        client, db, world):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    csrf = token(client)
    with nothing_written(db):
        response = answer(client, lot, a, csrf, interest="not_interested",
                          comment="Pas avant mars")
    assert response.status_code == 422
    page = text(response)
    assert "Dites pourquoi ce lot ne vous intéresse pas." in page
    assert "Pas avant mars</textarea>" in page and 'aria-invalid="true"' in page
    assert 'value="not_interested" checked' in page


@pytest.mark.parametrize("form", [
    {}, {"interest": "bogus"}, {"interest": "not_interested", "reason": "bogus"},
    {"interest": "as_grouping", "grouping_id": "abc"},
    {"interest": "as_grouping", "grouping_id": "99999999999"},
    {"interest": "as_grouping", "grouping_id": "2147483647"},
    {"interest": "interested", "comment": "x" * 2001},
    {"interest": "interested", "comment": "bell\x07"},
])
def test_a_refused_answer_writes_nothing_and_says_why(client, db, world, form):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    csrf = token(client)
    with nothing_written(db):
        response = answer(client, lot, a, csrf, **form)
    assert response.status_code == 422
    assert 'role="alert"' in text(response)


def test_a_structure_answers_not_interested_with_a_reason(client, db, world):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    with writes(db, "lot_opportunities"):
        response = answer(client, lot, a, token(client), interest="not_interested",
                          reason="distance", grouping_id="", comment=" Trop loin pour nous ")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/opportunites/{lot.id}")
    row = opportunity(db, lot, a)
    assert (row.interest, row.reason, row.comment) == ("not_interested", "distance",
                                                       "Trop loin pour nous")
    assert row.seen_at is not None and row.answered_at is not None
    page = text(client.get(f"/opportunites/{lot.id}"))
    assert "Pas intéressée" in page and "Changer ma réponse" in page


def test_a_reason_or_grouping_left_in_the_form_counts_only_with_its_answer(client, db, world):
    lot, a, b = world["lot"], world["a"], world["b"]
    grouping = make_grouping(db, a, [b])
    log_in(client, a.user)
    response = answer(client, lot, a, token(client), interest="interested", reason="price",
                      grouping_id=str(grouping.id))
    assert response.status_code == 302
    row = opportunity(db, lot, a)
    assert (row.interest, row.reason, row.grouping_id) == ("interested", None, None)


def test_a_structure_answers_as_one_of_its_groupings(client, db, world):
    lot, a, b = world["lot"], world["a"], world["b"]
    grouping = make_grouping(db, a, [b], name="GIE Vert")
    make_grouping(db, a, [b], name="Ancien GIE", status=GroupingStatus.dissolved)
    log_in(client, a.user)
    page = text(client.get(f"/opportunites/{lot.id}"))
    assert "GIE Vert" in page and "Ancien GIE" not in page
    response = answer(client, lot, a, token(client), interest="as_grouping",
                      grouping_id=str(grouping.id))
    assert response.status_code == 302
    row = opportunity(db, lot, a)
    assert (row.interest, row.grouping_id) == ("as_grouping", grouping.id)


def test_a_grouping_the_structure_is_not_in_is_refused(client, db, world):
    lot, a, b, c = world["lot"], world["a"], world["b"], world["c"]
    grouping = make_grouping(db, b, [c])
    log_in(client, a.user)
    csrf = token(client)
    with nothing_written(db):
        response = answer(client, lot, a, csrf, interest="as_grouping",
                          grouping_id=str(grouping.id))
    assert response.status_code == 422
    assert "Choisissez un groupement en cours" in text(response)


def test_a_lot_past_its_deadline_shows_no_form_and_refuses_an_answer(client, db, world):
    lot, a = world["lot"], world["a"]
    lot.tender.deadline = now_utc() - timedelta(days=1)
    db.session.commit()
    log_in(client, a.user)
    page = text(client.get(f"/opportunites/{lot.id}"))
    assert "n'est plus ouvert aux réponses" in page and 'id="answer-form"' not in page
    csrf = token(client)
    with nothing_written(db):
        response = answer(client, lot, a, csrf, interest="interested")
    assert response.status_code == 409
    assert "n'est plus ouvert aux réponses" in text(response)


def test_a_suspended_structure_reads_its_opportunity_but_cannot_answer(client, db, world):
    lot, a = world["lot"], world["a"]
    csrf_holder = token_for(client, a)
    a.member.status = "suspended"
    db.session.commit()
    log_in(client, a.user)
    page = text(client.get(f"/opportunites/{lot.id}"))
    assert "vous la lisez seulement" in page and 'id="answer-form"' not in page
    with nothing_written(db):
        assert answer(client, lot, a, csrf_holder, interest="interested").status_code == 403


def token_for(client, trader) -> str:
    log_in(client, trader.user)
    return token(client)


def test_another_structure_cannot_answer_or_ask_on_an_opportunity_it_was_not_told_of(
        client, db, world):
    lot, c = world["lot"], world["c"]
    log_in(client, c.user)
    csrf = token(client, "/marches")
    with nothing_written(db):
        assert answer(client, lot, c, csrf, interest="interested").status_code == 404
        assert ask(client, lot, c, csrf).status_code == 404
        assert client.post(f"/opportunites/{lot.id}/vue",
                           data={"csrf_token": csrf}).status_code == 404


def test_every_post_needs_its_csrf_token(client, db, world):
    lot, a = world["lot"], world["a"]
    question = question_on(db, lot, world["b"])
    log_in(client, a.user)
    with nothing_written(db):
        assert answer(client, lot, a, None, interest="interested").status_code == 400
        assert ask(client, lot, a, None).status_code == 400
        assert client.post(f"/opportunites/{lot.id}/vue").status_code == 400
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        assert client.post(f"/lots/{lot.id}/questions/{question.id}/reponse",
                           data={"answer": "Oui"}).status_code == 400


# -- questions -------------------------------------------------------------------------------

def test_a_structure_asks_and_others_read_the_question_without_the_askers_name(client, db,
                                                                              world):
    lot, a, b = world["lot"], world["a"], world["b"]
    log_in(client, a.user)
    with writes(db, "lot_questions"):
        response = ask(client, lot, a, token(client), "Le matériel est-il fourni ?")
    assert response.status_code == 302
    assert "(la vôtre)" in text(client.get(f"/opportunites/{lot.id}"))
    log_in(client, b.user)
    page = text(client.get(f"/opportunites/{lot.id}"))
    assert "Le matériel est-il fourni ?" in page and "Jardins de l'Aunis" not in page
    assert "En attente de la réponse de l'acheteur." in page
    public = text(client.application.test_client().get(f"/lots/{lot.id}"))
    assert "Le matériel est-il fourni ?" in public and "Jardins de l'Aunis" not in public


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001, "bell\x07"])
def test_a_refused_question_keeps_the_text_and_writes_nothing(client, db, world, question):
    lot, a = world["lot"], world["a"]
    log_in(client, a.user)
    csrf = token(client)
    with nothing_written(db):
        response = ask(client, lot, a, csrf, question)
    assert response.status_code == 422
    assert "Entre 1 et 2000 caractères" in text(response)


# -- the buyer's lot page --------------------------------------------------------------------

def test_the_buyer_sees_the_advice_the_funnel_and_the_askers(client, db, world):
    lot, a, b = world["lot"], world["a"], world["b"]
    row = opportunity(db, lot, a)
    row.interest, row.seen_at, row.answered_at = "interested", now_utc(), now_utc()
    db.session.commit()
    row_b = opportunity(db, lot, b)
    row_b.interest, row_b.reason, row_b.answered_at = "not_interested", "price", now_utc()
    db.session.commit()
    question_on(db, lot, b)
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        page = text(client.get(f"/lots/{lot.id}"))
    assert "Conseil : réserver le lot" in page and "Réponses éligibles" in page
    assert "Suivi des structures prévenues" in page and "<svg" in page
    assert '<th scope="row">Prévenues</th><td class="num">2</td>' in page
    assert '<th scope="row">Intéressées</th><td class="num">1</td>' in page
    assert '<th scope="row">La valeur ne couvre pas le travail</th><td class="num">1</td>' \
        in page
    assert '<th scope="row">Questions posées</th><td class="num">1</td>' in page
    assert "(Terres de Ré," in page and "Votre réponse à cette question" in page


def test_a_draft_lot_shows_its_buyer_the_advice_and_no_funnel(client, db, world):
    draft = make_lot(db, world["buyer"], title="Nettoyage des écoles",
                     status=TenderStatus.draft, lot_id="LOT-0002")
    log_in(client, world["buyer"].user)
    page = text(client.get(f"/lots/{draft.id}"))
    assert "Conseil : réserver le lot" in page and "Suivi des structures prévenues" not in page


def test_structures_other_buyers_and_visitors_see_neither_advice_nor_funnel(client, world):
    lot = world["lot"]
    for who in ("a", "other"):
        log_in(client, world[who].user)
        page = text(client.get(f"/lots/{lot.id}"))
        assert "Conseil : réserver" not in page and "Suivi des structures" not in page
    public = text(client.application.test_client().get(f"/lots/{lot.id}"))
    assert "Conseil : réserver" not in public and "Suivi des structures" not in public


def test_the_buyer_answers_a_question_once_for_every_structure(client, db, world):
    lot, b = world["lot"], world["b"]
    question = question_on(db, lot, b)
    log_in(client, world["buyer"].user)
    url = f"/lots/{lot.id}/questions/{question.id}/reponse"
    csrf = token(client, f"/lots/{lot.id}")
    with writes(db, "lot_questions", "notifications", "outbox_emails"):
        response = client.post(url, data={"csrf_token": csrf, "answer": "Oui, fourni."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(LotQuestion, question.id).answer == "Oui, fourni."
    log_in(client, world["a"].user)
    assert "Oui, fourni." in text(client.get(f"/opportunites/{lot.id}"))
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        again = client.post(url, data={"csrf_token": csrf, "answer": "Non."})
    assert again.status_code == 409 and "ne se change plus" in text(again)


@pytest.mark.parametrize("given", ["", "  ", "x" * 2001])
def test_a_refused_answer_to_a_question_keeps_the_text_and_writes_nothing(client, db, world,
                                                                         given):
    lot = world["lot"]
    question = question_on(db, lot, world["b"])
    log_in(client, world["buyer"].user)
    csrf = token(client, f"/lots/{lot.id}")
    with nothing_written(db):
        response = client.post(f"/lots/{lot.id}/questions/{question.id}/reponse",
                               data={"csrf_token": csrf, "answer": given})
    assert response.status_code == 422
    assert f'id="answer-{question.id}-error"' in text(response)


def test_only_the_lots_buyer_answers_its_questions(client, db, world):
    lot = world["lot"]
    question = question_on(db, lot, world["b"])
    url = f"/lots/{lot.id}/questions/{question.id}/reponse"
    for who in ("other", "a"):
        log_in(client, world[who].user)
        csrf = token(client, "/marches")
        with nothing_written(db):
            assert client.post(url, data={"csrf_token": csrf, "answer": "Oui"}
                               ).status_code == 404
    log_in(client, world["buyer"].user)
    csrf = token(client, "/marches")
    with nothing_written(db):
        assert client.post(f"/lots/{lot.id}/questions/2147483647/reponse",
                           data={"csrf_token": csrf, "answer": "Oui"}).status_code == 404
        assert client.post(f"/lots/{lot.id}/questions/99999999999/reponse",
                           data={"csrf_token": csrf, "answer": "Oui"}).status_code == 404


def test_a_suspended_buyer_reads_its_lot_but_cannot_answer(client, db, world):
    lot, buyer = world["lot"], world["buyer"]
    question = question_on(db, lot, world["b"])
    csrf = token_for(client, buyer)
    buyer.member.status = "suspended"
    db.session.commit()
    log_in(client, buyer.user)
    page = text(client.get(f"/lots/{lot.id}"))
    assert "Suivi des structures prévenues" in page
    assert "Votre réponse à cette question" not in page
    with nothing_written(db):
        assert client.post(f"/lots/{lot.id}/questions/{question.id}/reponse",
                           data={"csrf_token": csrf, "answer": "Oui"}).status_code == 403
