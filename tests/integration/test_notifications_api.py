"""The notifications API: the caller's own notifications, listed and marked read."""

import pytest

from market.notifications.models import Notification
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, log_in, make_user
from tests.integration.test_notifications_services import expiring, notify_one


@pytest.fixture
def ana(db):
    return make_user(db, "ana@example.org")


@pytest.fixture
def headers(db, ana):
    """The Authorization header of an API token of ana's."""
    return bearer(db, ana)


def test_the_list_is_the_callers_newest_first_worded_in_her_language(client, db, ana,
                                                                      headers):
    old = notify_one(db, ana, params=expiring("Confitures"))
    new = notify_one(db, ana, "order_changed",
                     {"order_id": 4, "offer_title": "Paniers", "state": "delivered"},
                     url="/commandes/4")
    notify_one(db, make_user(db, "ben@example.org"))
    response = client.get("/api/v1/notifications", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert [item["id"] for item in body["items"]] == [new.id, old.id]
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert item == {
        "id": new.id, "kind": "order_changed", "title": "Commande n° 4 livrée",
        "body": "La commande de « Paniers » est maintenant livrée.", "url": "/commandes/4",
        "params": {"order_id": 4, "offer_title": "Paniers", "state": "delivered"},
        "unread": True, "created_at": item["created_at"], "read_at": None}
    assert item["created_at"].endswith("+00:00")
    english = client.get("/api/v1/notifications", headers={**headers,
                                                             "Accept-Language": "en"})
    assert "December 31, 2026" in english.json["items"][1]["body"]


def test_the_list_pages_and_filters_unread_ones(client, db, ana, headers):
    notes = [notify_one(db, ana) for _ in range(3)]
    client.post(f"/api/v1/notifications/{notes[1].id}/read", headers=headers)
    first = client.get("/api/v1/notifications?limit=2", headers=headers).json
    assert [i["id"] for i in first["items"]] == [notes[2].id, notes[1].id]
    rest = client.get(f"/api/v1/notifications?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    assert ([i["id"] for i in rest["items"]], rest["next_cursor"]) == ([notes[0].id], None)
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json
    assert [i["id"] for i in unread["items"]] == [notes[2].id, notes[0].id]


@pytest.mark.parametrize("query", ["cursor=garbage", "limit=0", "limit=501", "unread=maybe"])
def test_bad_list_arguments_are_a_422(client, headers, query):
    response = client.get(f"/api/v1/notifications?{query}", headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


def test_marking_one_read_answers_it_and_writes_that_alone(client, db, ana, headers):
    note = notify_one(db, ana)
    with writes(db, "notifications"):
        response = client.post(f"/api/v1/notifications/{note.id}/read", headers=headers)
    assert response.status_code == 200
    assert response.json["unread"] is False and response.json["read_at"]
    again = client.post(f"/api/v1/notifications/{note.id}/read", headers=headers)
    assert again.json["read_at"] == response.json["read_at"]


def test_marking_all_read_says_how_many_and_spares_others(client, db, ana, headers):
    notify_one(db, ana), notify_one(db, ana)
    theirs = notify_one(db, make_user(db, "ben@example.org"))
    response = client.post("/api/v1/notifications/read-all", headers=headers)
    assert (response.status_code, response.json) == (200, {"marked": 2})
    assert client.post("/api/v1/notifications/read-all", headers=headers).json == {"marked": 0}
    assert db.session.get(Notification, theirs.id).read_at is None


def test_another_users_notification_is_a_404_like_a_missing_one(client, db, headers):
    theirs = notify_one(db, make_user(db, "ben@example.org"))
    with nothing_written(db):
        answers = [client.post(f"/api/v1/notifications/{i}/read", headers=headers)
                   for i in (theirs.id, 999_999)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json == answers[1].json
    assert answers[0].json["error"]["code"] == "not_found"


@pytest.mark.parametrize("method, path", [("GET", "/api/v1/notifications"),
                                          ("POST", "/api/v1/notifications/1/read"),
                                          ("POST", "/api/v1/notifications/read-all")])
def test_anonymous_callers_get_a_401(client, db, method, path):
    with nothing_written(db):
        response = client.open(path, method=method)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_a_browser_session_needs_the_csrf_header_to_mark_read(client, db, ana):
    note = notify_one(db, ana)
    log_in(client, ana)
    with nothing_written(db):
        assert client.post(f"/api/v1/notifications/{note.id}/read").status_code == 400
        assert client.post("/api/v1/notifications/read-all").status_code == 400
    token = CSRF_INPUT.search(client.get("/notifications").get_data(as_text=True)).group(1)
    response = client.post(f"/api/v1/notifications/{note.id}/read",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
