"""On SQLite every write request takes the write lock before it reads (BEGIN IMMEDIATE).

A deferred transaction that reads, then writes after another connection wrote (the ledger's
sealer thread, a token's last use, another request) fails at once with "database is
locked", whatever the busy timeout: SQLite cannot move its snapshot forward. So each use
case that writes begins with market.platform.database.begin_write. These tests watch the
statements each connection runs and check that the one writing began IMMEDIATE.
"""

import pytest
from sqlalchemy import event, select

from market.auth.models import ApiToken
from market.notifications import services as notifications
from market.notifications.models import Notification
from tests.integration.auth_helpers import csrf_from, login
from tests.integration.ledger_api_helpers import make_world
from tests.integration.members_factories import PASSWORD, log_in, valid_siret


def csrf_token(client) -> str:
    page = client.get("/notifications").get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def world(db):
    return make_world(db)


@pytest.fixture
def watched(db):
    """(connection, statement) of every statement run, in order."""
    seen: list[tuple[int, str]] = []

    def listen(conn, _cursor, statement, _parameters, _context, _many):
        seen.append((id(conn.connection.dbapi_connection), statement.strip()))

    event.listen(db.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listen)


def writes_began_immediate(seen, table: str) -> bool:
    """Whether each connection's transaction that wrote ``table`` began IMMEDIATE."""
    writers = [i for i, (_c, s) in enumerate(seen)
               if s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE") and f" {table}" in s]
    assert writers, f"nothing written to {table}"
    for index in writers:
        conn = seen[index][0]
        began = [s for c, s in seen[:index] if c == conn and s.startswith("BEGIN")]
        if not began or began[-1] != "BEGIN IMMEDIATE":
            return False
    return True


def test_a_member_update_through_the_api_takes_the_lock_first(client, world, watched):
    response = client.patch(f"/api/v1/members/{world.members['a'].id}",
                            headers=world.as_("admin_a"), json={"description": "Changée"})
    assert response.status_code == 200
    assert writes_began_immediate(watched, "members")


def test_a_member_created_by_a_network_admin_takes_the_lock_first(client, world, watched):
    response = client.post("/api/v1/members", headers=world.as_("network_admin"), json={
        "name": "Coop Nouvelle", "legal_form": "scop", "city": "Pau", "country": "FR",
        "siret": valid_siret(9)})
    assert response.status_code == 201, response.json
    assert writes_began_immediate(watched, "members")


def test_tokens_are_created_and_revoked_under_the_lock(client, db, world, watched):
    log_in(client, world.users["admin_a"])
    csrf = {"X-CSRFToken": csrf_token(client)}
    created = client.post("/api/v1/tokens", json={"name": "export"}, headers=csrf)
    assert created.status_code == 201, created.json
    revoked = client.delete(f"/api/v1/tokens/{created.json['id']}", headers=csrf)
    assert revoked.status_code == 204
    assert writes_began_immediate(watched, "api_tokens")


def test_notifications_are_marked_read_under_the_lock(client, db, world, watched):
    user = world.users["admin_a"]
    for n in range(2):
        notifications.notify(db.session, [user.id], "order_requested",
                             {"offer_title": "Paniers", "order_id": n + 1,
                              "buyer_name": "Coop B"}, "/commandes")
    db.session.commit()
    first = db.session.scalars(select(Notification.id)).first()
    watched.clear()  # what the requests do, not the setup
    assert client.post(f"/api/v1/notifications/{first}/read",
                       headers=world.as_("admin_a")).status_code == 200
    assert client.post("/api/v1/notifications/read-all",
                       headers=world.as_("admin_a")).status_code == 200
    log_in(client, user)
    assert client.post("/notifications/read-all",
                       data={"csrf_token": csrf_token(client)}).status_code == 302
    assert writes_began_immediate(watched, "notifications")


def test_signing_in_and_out_takes_the_lock_for_each_use_case(client, db, world, watched):
    failed = login(client, "admin_a@example.org", password="pas le bon")
    assert failed.status_code == 401
    assert writes_began_immediate(watched, "login_attempts")
    watched.clear()
    assert login(client, "admin_a@example.org", password=PASSWORD).status_code == 302
    assert writes_began_immediate(watched, "user_sessions")
    watched.clear()
    token = csrf_from(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert writes_began_immediate(watched, "user_sessions")


def test_the_account_pages_write_under_the_lock(client, db, world, watched):
    log_in(client, world.users["admin_a"])
    created = client.post("/account/tokens", data={
        "csrf_token": csrf_from(client, "/account"), "name": "export", "lifetime": "90"})
    assert created.status_code == 200
    token_id = db.session.scalars(select(ApiToken.id).where(ApiToken.name == "export")).one()
    revoked = client.post(f"/account/tokens/{token_id}/revoke",
                          data={"csrf_token": csrf_from(client, "/account")})
    assert revoked.status_code == 302
    assert writes_began_immediate(watched, "api_tokens")
    watched.clear()
    changed = client.post("/account/password", data={
        "csrf_token": csrf_from(client, "/account"), "current_password": PASSWORD,
        "new_password": "un autre mot de passe long",
        "new_password_confirm": "un autre mot de passe long"})
    assert changed.status_code == 302
    assert writes_began_immediate(watched, "users")
