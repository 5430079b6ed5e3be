"""The notifications page, the header's unread count and the forms that mark them read."""

import html as htmllib
import re

import pytest
from sqlalchemy import event

from market.notifications.models import Notification
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_user
from tests.integration.test_notifications_services import expiring, notify_one

HEADER_LINK = re.compile(r'<a href="/notifications">(.*?)</a>', re.S)


def page_text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def header_link(response) -> str:
    """The header's notifications link, as markup."""
    match = HEADER_LINK.search(response.get_data(as_text=True))
    assert match, "no notifications link in the header"
    return match.group(1)


def csrf_of(client) -> str:
    return CSRF_INPUT.search(client.get("/notifications").get_data(as_text=True)).group(1)


@pytest.fixture
def ana(db, client):
    """A signed-in user."""
    user = make_user(db, "ana@example.org")
    log_in(client, user)
    return user


def test_the_page_lists_notifications_newest_first_unread_ones_said_so(client, db, ana):
    old = notify_one(db, ana, params=expiring("Confitures"), url="/offres/1")
    notify_one(db, ana, "order_requested", {"order_id": 12, "offer_title": "Paniers",
                                            "buyer_name": "Coop <b>Txantxangorri</b>"},
               url="/commandes/12")
    old.read_at = old.created_at
    db.session.commit()
    response = client.get("/notifications")
    assert response.status_code == 200
    text = page_text(response)
    assert text.index("Nouvelle commande n° 12") < text.index("Confitures")
    assert '<a href="/commandes/12"><strong>Nouvelle commande n° 12</strong></a>' in text
    assert '<a href="/offres/1">Votre offre « Confitures » expire bientôt</a>' in text
    assert text.count("Non lue") == 1 and "(lue)" in text
    assert "Coop &lt;b&gt;Txantxangorri&lt;/b&gt;" in response.get_data(as_text=True)
    assert "Vous avez 1 notification non lue." in text


def test_the_header_shows_the_unread_count_to_screen_readers_too(client, db, ana):
    for _ in range(3):
        notify_one(db, ana)
    link = header_link(client.get("/"))
    assert '<span class="badge" aria-hidden="true">3</span>' in link
    assert '<span class="visually-hidden">3 non lues</span>' in link
    client.post("/notifications/read-all", data={"csrf_token": csrf_of(client)})
    assert header_link(client.get("/")).strip() == "Notifications"


def test_an_anonymous_page_counts_nothing_and_asks_the_database_nothing_for_it(client, db):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert 'href="/notifications"' not in response.get_data(as_text=True)
    assert not [s for s in statements if "notifications" in s]


def test_with_no_notification_the_page_says_what_will_come_here(client, ana):
    text = page_text(client.get("/notifications"))
    assert "Aucune notification pour l'instant." in text
    assert "Tout marquer comme lu" not in text


def test_the_page_goes_back_in_time_a_page_at_a_time(client, db, ana, monkeypatch):
    from market.notifications import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(3):
        notify_one(db, ana, params=expiring(f"Offre {i}"))
    first = page_text(client.get("/notifications"))
    assert "Offre 2" in first and "Offre 0" not in first
    following = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    second = page_text(client.get(following))
    assert "Offre 0" in second and "Offre 2" not in second and "Les plus récentes" in second
    assert client.get("/notifications?cursor=%00garbage").status_code == 400  # NUL
    assert client.get("/notifications?cursor=garbage").status_code == 200  # first page


def test_marking_one_read_writes_that_alone(client, db, ana):
    first, second = notify_one(db, ana), notify_one(db, ana)
    token = csrf_of(client)
    with writes(db, "notifications"):
        response = client.post(f"/notifications/{first.id}/read", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/notifications")
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None
    assert "La notification est marquée comme lue." in page_text(client.get("/notifications"))


def test_marking_all_read_leaves_other_users_alone(client, db, ana):
    ben = make_user(db, "ben@example.org")
    mine, theirs = notify_one(db, ana), notify_one(db, ben)
    response = client.post("/notifications/read-all", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 302
    assert db.session.get(Notification, mine.id).read_at is not None
    assert db.session.get(Notification, theirs.id).read_at is None


def test_another_users_notification_is_a_404_like_a_missing_one(client, db, ana):
    theirs = notify_one(db, make_user(db, "ben@example.org"))
    token = csrf_of(client)
    with nothing_written(db):
        for notification_id in (theirs.id, 999_999):
            response = client.post(f"/notifications/{notification_id}/read",
                                   data={"csrf_token": token})
            assert response.status_code == 404
    assert client.post("/notifications/99999999999/read",
                       data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("path", ["/notifications/{id}/read", "/notifications/read-all"])
def test_the_forms_need_their_csrf_token(client, db, ana, path):
    note = notify_one(db, ana)
    with nothing_written(db):
        assert client.post(path.format(id=note.id)).status_code == 400
        assert client.post(path.format(id=note.id),
                           data={"csrf_token": "forged"}).status_code == 400


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    note = notify_one(db, make_user(db, "ben@example.org"))
    response = client.get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    with nothing_written(db):
        for path in (f"/notifications/{note.id}/read", "/notifications/read-all"):
            response = client.post(path, data={"csrf_token": token})
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login")
