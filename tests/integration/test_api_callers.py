"""On PostgreSQL a process remembers API callers, and forgets them the moment anything changes.

Changes "made elsewhere" go through a connection of their own, as another process (a second
gunicorn worker, the `users` command) would: only PostgreSQL's notification tells this
process about them.
"""

import time

import pytest
from sqlalchemy import create_engine, text, update

from market.auth.callers import APPLICATION_NAME, CallerCache
from market.auth.models import ApiToken
from market.auth.tokens import hash_token
from market.platform import connection
from tests.integration.ledger_api_helpers import make_world, pay

pytestmark = pytest.mark.postgresql_only  # SQLite reads cost no round trip: nothing kept


@pytest.fixture
def world(db):
    return make_world(db)


@pytest.fixture
def callers(app):
    cache = app.extensions["api_callers"]
    assert cache.wait_listening(5), "the listener did not connect"
    return cache


@pytest.fixture
def elsewhere(db):
    """Run SQL on a connection of its own, committed, as another process would."""
    engine = create_engine(db.engine.url)

    def run(sql: str, **params) -> None:
        with engine.begin() as conn:
            conn.execute(text(sql), params)

    yield run
    engine.dispose()


@pytest.fixture
def token_reads(monkeypatch):
    """Count the token reads that reach the database."""
    reads = []
    real = connection.read_rows

    def counted(statement, params):
        if "token_hash" in params:
            reads.append(params["token_hash"])
        return real(statement, params)

    monkeypatch.setattr(connection, "read_rows", counted)
    return reads


def revoke_elsewhere(elsewhere, headers: dict) -> None:
    """Revoke the token of ``headers`` on another connection."""
    elsewhere("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = :h",
              h=hash_token(headers["Authorization"].split()[1]))


def eventually(check, seconds: float = 10.0) -> float:
    """Seconds until ``check()`` is true; fails past ``seconds``."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < seconds, "not within the time allowed"
        time.sleep(0.005)
    return time.monotonic() - began


def test_a_known_token_is_read_once(client, world, callers, token_reads):
    headers = world.as_("treasurer_a")
    for _ in range(3):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.post("/api/v1/transfers", headers=headers,
                           json=pay(world.accounts["a"], world.accounts["b"]))
    assert response.status_code == 201, response.json
    assert len(token_reads) == 1


def test_a_token_revoked_elsewhere_is_refused_long_before_a_cached_answer_expires(
        app, client, world, callers, elsewhere):
    headers = world.as_("treasurer_a")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    revoke_elsewhere(elsewhere, headers)
    took = eventually(lambda: client.get("/api/v1/me", headers=headers).status_code == 401)
    # Told by a notification (milliseconds here): a wide margin below the cache's lifetime.
    assert took < app.config["API_CALLER_CACHE_SECONDS"] / 6


def test_a_role_taken_away_elsewhere_is_refused(client, world, callers, elsewhere):
    headers = world.as_("treasurer_a")
    body = pay(world.accounts["a"], world.accounts["b"], "1.00")
    assert client.post("/api/v1/transfers", headers=headers, json=body).status_code == 201
    elsewhere("DELETE FROM user_roles WHERE user_id = :u", u=world.users["treasurer_a"].id)
    eventually(lambda: client.post("/api/v1/transfers", headers=headers,
                                   json=body).status_code == 403)


def test_a_member_suspended_elsewhere_stops_its_treasurer_at_once(client, world, callers,
                                                                  elsewhere, token_reads):
    headers = world.as_("treasurer_a")
    body = pay(world.accounts["a"], world.accounts["b"], "1.00")
    for _ in range(2):
        assert client.post("/api/v1/transfers", headers=headers, json=body).status_code == 201
    assert len(token_reads) == 1  # remembered
    elsewhere("UPDATE members SET status = 'suspended' WHERE id = :m",
              m=world.members["a"].id)
    eventually(lambda: client.post("/api/v1/transfers", headers=headers,
                                   json=body).status_code == 403)
    # Its accounts stay readable: suspended is read only.
    assert client.get(f"/api/v1/accounts/{world.accounts['a']}",
                      headers=headers).status_code == 200


def test_a_user_deactivated_elsewhere_is_refused(client, world, callers, elsewhere):
    headers = world.as_("staff_a")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    elsewhere("UPDATE users SET active = false WHERE id = :u", u=world.users["staff_a"].id)
    eventually(lambda: client.get("/api/v1/me", headers=headers).status_code == 401)


def test_an_answer_read_before_a_change_is_not_kept(world, callers, elsewhere):
    generation = callers.generation
    reads = []

    def read_then_change(key):
        reads.append(key)
        if len(reads) == 1:
            # The answer is read, then the token is revoked and the change heard of.
            elsewhere("UPDATE api_tokens SET revoked_at = now()")
            eventually(lambda: callers.generation != generation)
        return "the caller as read"

    assert callers.lookup("k", read_then_change) == "the caller as read"
    assert callers.lookup("k", read_then_change) == "the caller as read"
    assert reads == ["k", "k"]  # the first answer was not kept
    assert callers.lookup("k", read_then_change) == "the caller as read"
    assert reads == ["k", "k"]  # the second one was


def test_nothing_is_kept_while_the_listener_is_cut_off(client, world, callers, elsewhere,
                                                       token_reads):
    headers = world.as_("treasurer_a")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    elsewhere("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE application_name = :name AND datname = current_database()",
              name=APPLICATION_NAME)
    eventually(lambda: not callers.listening)
    # Revoked while nobody listens: no notification will ever say so.
    revoke_elsewhere(elsewhere, headers)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    # The listener comes back by itself, and callers are remembered again.
    assert callers.wait_listening(5)
    headers = world.as_("treasurer_b")
    reads_before = len(token_reads)
    for _ in range(3):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(token_reads) == reads_before + 1


class Deaf(CallerCache):
    """A cache that connects but hears no notification: what it forgets, this process told it."""

    def _follow(self, conn) -> None:
        while not self._stop.wait(0.05):
            pass


@pytest.fixture
def deaf(app):
    cache = Deaf(app.extensions["api_callers"].conninfo, 60)
    assert cache.wait_listening(5)
    yield cache
    cache.stop()


def remember(cache) -> None:
    cache.lookup("k", lambda key: "caller")


def kept(cache) -> bool:
    """Whether the cache still answers "k" without reading it."""
    reads = []
    cache.lookup("k", lambda key: reads.append(key) or "caller")
    return not reads


def test_a_commit_of_this_process_that_changes_accounts_forgets_at_once(db, world, deaf):
    user, member = world.users["staff_a"], world.members["a"]
    remember(deaf)
    member.name = "Coop A renamed"  # no account, token or status: nothing to forget
    db.session.commit()
    assert kept(deaf)
    user.name = "Someone else"
    db.session.flush()
    assert kept(deaf)  # not yet committed
    db.session.rollback()
    assert kept(deaf)  # rolled back
    member.status = "suspended"
    db.session.commit()
    assert not kept(deaf)
    remember(deaf)
    user.active = False
    db.session.commit()
    assert not kept(deaf)
    remember(deaf)
    db.session.execute(update(ApiToken).values(revoked_at=text("CURRENT_TIMESTAMP")))
    db.session.commit()
    assert not kept(deaf)


def test_nothing_is_kept_without_the_triggers_that_notify(app, elsewhere):
    elsewhere("ALTER TABLE user_roles DISABLE TRIGGER user_roles_auth_changed")
    try:
        cache = CallerCache(app.extensions["api_callers"].conninfo, 60)
        assert not cache.wait_listening(1.5)
        remember(cache)
        assert not kept(cache)
        cache.stop()
    finally:
        elsewhere("ALTER TABLE user_roles ENABLE TRIGGER user_roles_auth_changed")
    cache = CallerCache(app.extensions["api_callers"].conninfo, 60)
    assert cache.wait_listening(5)
    remember(cache)
    assert kept(cache)
    cache.stop()
