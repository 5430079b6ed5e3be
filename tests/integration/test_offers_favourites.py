"""Favourites: a member stars offers and members (idempotently), finds them on one page, and
never sees another member's stars."""

import pytest
from sqlalchemy import func, select

from market.members.models import MemberStatus
from market.offers import favourites
from market.offers.models import Favourite
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_member
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def fan(db):
    return make_trader(db, 2, "Jardins de l'Adour")


@pytest.fixture
def offer(db, seller):
    return make_offer(db, seller, title="Planches de chêne")


def stars(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Favourite))


def listed(client, trader, **query) -> list[tuple[str, object]]:
    response = client.get("/api/v1/favourites", query_string=query, headers=trader.headers)
    assert response.status_code == 200, response.json
    return [(f["kind"], (f["offer"] or f["member"])["id"]) for f in response.json["items"]]


def test_starring_an_offer_twice_keeps_one_star_and_removing_it_twice_is_fine(
        client, db, fan, offer):
    with writes(db, "favourites"):
        first = client.put(f"/api/v1/favourites/offers/{offer.id}", headers=fan.headers)
    assert first.status_code == 200, first.json
    assert first.json["kind"] == "offer" and first.json["offer"]["title"] == "Planches de chêne"
    with nothing_written(db):
        again = client.put(f"/api/v1/favourites/offers/{offer.id}", headers=fan.headers)
    assert again.json["id"] == first.json["id"] and stars(db) == 1
    assert listed(client, fan) == [("offer", offer.id)]
    for _ in range(2):
        assert client.delete(f"/api/v1/favourites/offers/{offer.id}",
                             headers=fan.headers).status_code == 204
    assert listed(client, fan) == [] and stars(db) == 0


def test_a_member_stars_other_active_members_and_lists_them_apart(client, db, seller, fan,
                                                                  offer):
    assert client.put(f"/api/v1/favourites/members/{seller.member.id}",
                      headers=fan.headers).status_code == 200
    client.put(f"/api/v1/favourites/offers/{offer.id}", headers=fan.headers)
    assert listed(client, fan) == [("offer", offer.id), ("member", seller.member.id)]
    assert listed(client, fan, kind="member") == [("member", seller.member.id)]
    assert listed(client, fan, kind="offer") == [("offer", offer.id)]
    page = client.get("/api/v1/favourites?limit=1", headers=fan.headers).json
    rest = client.get(f"/api/v1/favourites?limit=1&cursor={page['next_cursor']}",
                      headers=fan.headers).json
    assert [f["kind"] for f in page["items"] + rest["items"]] == ["offer", "member"]


def test_what_cannot_be_seen_cannot_be_starred(client, db, seller, fan):
    draft = make_offer(db, seller, publish=False)
    pending = make_member(db, name="Coop en attente", n=9, status=MemberStatus.pending)
    with nothing_written(db):
        for path in (f"/api/v1/favourites/offers/{draft.id}",
                     "/api/v1/favourites/offers/999999",
                     f"/api/v1/favourites/members/{pending.id}",
                     "/api/v1/favourites/members/999999"):
            response = client.put(path, headers=fan.headers)
            assert response.status_code == 404, path
        itself = client.put(f"/api/v1/favourites/members/{fan.member.id}", headers=fan.headers)
        assert itself.status_code == 422 and itself.json["error"]["code"] == "not_eligible"
        assert client.put(f"/api/v1/favourites/members/{seller.member.id}").status_code == 401


def test_a_members_stars_are_its_own(client, db, seller, fan, offer):
    client.put(f"/api/v1/favourites/offers/{offer.id}", headers=fan.headers)
    assert listed(client, seller) == []
    with nothing_written(db):
        response = client.get(f"/api/v1/favourites?member={fan.member.id}",
                              headers=seller.headers)
        assert response.status_code == 403
        # Removing "its" star removes nothing of the other member's.
        assert client.delete(f"/api/v1/favourites/offers/{offer.id}",
                             headers=seller.headers).status_code == 204
    assert listed(client, fan) == [("offer", offer.id)]


def test_a_withdrawn_offer_leaves_the_list_until_it_is_published_again(client, db, seller,
                                                                      fan, offer):
    client.put(f"/api/v1/favourites/offers/{offer.id}", headers=fan.headers)
    client.post(f"/api/v1/offers/{offer.id}/pause", headers=seller.headers)
    assert listed(client, fan) == []
    client.post(f"/api/v1/offers/{offer.id}/publish", headers=seller.headers)
    assert listed(client, fan) == [("offer", offer.id)]


def test_a_suspended_member_reads_its_stars_but_adds_none(client, db, fan, offer):
    client.put(f"/api/v1/favourites/offers/{offer.id}", headers=fan.headers)
    fan.member.status = MemberStatus.suspended
    db.session.commit()
    assert listed(client, fan) == [("offer", offer.id)]
    with nothing_written(db):
        assert client.delete(f"/api/v1/favourites/offers/{offer.id}",
                             headers=fan.headers).status_code == 403
        assert client.put(f"/api/v1/favourites/offers/{offer.id}",
                          headers=fan.headers).status_code == 403


def test_the_service_stars_once_whatever_the_repetition(db, fan, offer):
    one = favourites.star(db.session, fan.member.id, offer_id=offer.id)
    two = favourites.star(db.session, fan.member.id, offer_id=offer.id)
    db.session.commit()
    assert one.id == two.id and stars(db) == 1
    assert favourites.toggle(db.session, fan.member.id, offer_id=offer.id) is False
    assert favourites.toggle(db.session, fan.member.id, offer_id=offer.id) is True


def csrf(client, path: str) -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def test_the_star_button_toggles_and_the_favourites_page_lists_them(app, client, db, seller,
                                                                    fan, offer):
    page = f"/offres/{offer.id}"
    assert "Ajouter aux favoris" not in client.get(page).get_data(as_text=True)
    log_in(client, fan.user)
    assert "Ajouter aux favoris" in client.get(page).get_data(as_text=True)
    with writes(db, "favourites"):
        response = client.post(f"/favoris/offres/{offer.id}",
                               data={"csrf_token": csrf(client, page), "next": page})
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "Retirer des favoris" in client.get(page).get_data(as_text=True)
    starred = client.post(f"/favoris/membres/{seller.member.id}",
                          data={"csrf_token": csrf(client, page), "next": "//evil.example/"})
    assert starred.headers["Location"] == f"/members/{seller.member.id}"  # not elsewhere
    shown = client.get("/favoris").get_data(as_text=True)
    assert "Planches de chêne" in shown and "Menuiserie du Labourd" in shown
    with writes(db, "favourites"):
        client.post(f"/favoris/offres/{offer.id}", data={"csrf_token": csrf(client, page)})
    assert "Aucune offre en favori." in client.get("/favoris").get_data(as_text=True)


def test_a_members_profile_carries_its_star_button(client, db, seller, fan):
    profile = f"/members/{seller.member.id}"
    assert "Ajouter aux favoris" not in client.get(profile).get_data(as_text=True)
    log_in(client, seller.user)
    assert "Ajouter aux favoris" not in client.get(profile).get_data(as_text=True)  # its own
    log_in(client, fan.user)
    page = client.get(profile).get_data(as_text=True)
    assert f'action="/favoris/membres/{seller.member.id}"' in page
    with writes(db, "favourites"):
        response = client.post(f"/favoris/membres/{seller.member.id}",
                               data={"csrf_token": csrf(client, profile), "next": profile})
    assert response.headers["Location"] == profile
    assert "Retirer des favoris" in client.get(profile).get_data(as_text=True)


#: The community write endpoints that read no body: what they do depends on their path.
BODYLESS = {"community.delete_want", "community.toggle_offer_star",
            "community.toggle_member_star", "community.renew_offer",
            "community_api.delete_want", "community_api.star_offer",
            "community_api.unstar_offer", "community_api.star_member",
            "community_api.unstar_member"}
#: Who calls each endpoint that acts for the seller (everyone else: the buyer, ``fan``).
BY_SELLER = {"community.answer_question", "community.renew_offer",
             "community_api.answer_question"}


def community_write_rules(app):
    from tests.integration.test_hostile_input import WRITES

    return sorted((r for r in app.url_map.iter_rules() if r.methods & WRITES
                   and r.endpoint.startswith(("community.", "community_api."))),
                  key=lambda r: r.endpoint)


def test_every_community_write_refuses_hostile_bodies_without_a_500_or_a_write(
        app, client, db, seller, fan, offer):
    """test_hostile_input.py's bodies on wants, questions, stars and renewal: those that
    read a body get them on real objects; those that do not, on missing objects and on real
    ones without credentials."""
    from market.offers import questions, wants
    from tests.integration.test_hostile_input import (
        MISSING,
        WRITES,
        csrf_token,
        digest_queries,
        form_bodies,
        json_bodies,
        path_of,
        send,
        table_digest,
    )

    want = wants.create_want(db.session, fan.member, fan.user.id, {"title": "Du bois"})
    question = questions.ask(db.session, offer, fan.member, fan.user.id, "Quel bois ?")
    db.session.commit()
    paths = {"want_id": want.id, "offer_id": offer.id, "question_id": question.id,
             "member_id": seller.member.id}
    failures = []
    with db.engine.connect() as conn:
        queries = digest_queries(conn)
    for rule in community_write_rules(app):
        method = sorted(rule.methods & WRITES)[0]
        api, bodyless = rule.rule.startswith("/api/"), rule.endpoint in BODYLESS
        caller = seller if rule.endpoint in BY_SELLER else fan
        client.delete_cookie("session")
        if not api:
            log_in(client, caller.user)
        headers = dict(caller.headers) if api else {}
        cases = (json_bodies() if api else
                 [(label, form, None) for label, form in form_bodies(csrf_token(client))])
        if bodyless:
            cases += [(f"{label} (no credentials)", body, kind)
                      for label, body, kind in cases[:3]]
        for label, body, kind in cases:
            anonymous = label.endswith("(no credentials)")
            target = path_of(rule, paths if anonymous or not bodyless else
                             {name: MISSING for name in rule.arguments})
            if anonymous:
                client.delete_cookie("session")
            db.session.rollback()  # as each request's own session would start (not shared)
            with db.engine.connect() as conn:
                before = table_digest(conn, queries)
            response = send(client, method, target, body, kind, {} if anonymous else headers)
            with db.engine.connect() as conn:
                after = table_digest(conn, queries)
            changed = sorted(t for t in before if before[t] != after[t])
            if response.status_code >= 500 or changed or response.status_code < 300:
                failures.append((rule.endpoint, label, response.status_code, changed))
    assert {r.endpoint for r in community_write_rules(app)} >= BODYLESS
    assert failures == [], "\n".join(map(repr, failures))
