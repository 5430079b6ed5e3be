"""The API's hot path stays lean without getting laxer.

A bearer token is checked with one statement (token, user and roles): on every request on
SQLite; on PostgreSQL once, then the process remembers the answer until anything changes
(market.auth.callers). Revocation, deactivation and role changes take effect at once; a
request takes one pool connection; on PostgreSQL reads open no transaction (no BEGIN, no
ROLLBACK that would make psycopg drop its prepared statements), and a pooled connection
that died while idle is replaced before use.
"""

import psycopg
import pytest
from sqlalchemy import create_engine, delete, event, text, update

from market.auth import tokens
from market.auth.models import ApiToken, User, UserRole
from market.platform import connection
from market.platform.time import now_utc
from tests.integration.ledger_api_helpers import make_world, pay

TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@pytest.fixture
def world(app, db):
    world = make_world(db)
    # On PostgreSQL the process remembers callers (market.auth.callers): "at once" below
    # holds only if it forgets them, so it must be remembering from the first request.
    if (callers := app.extensions.get("api_callers")) is not None:
        assert callers.wait_listening(5)
    return world


def statements_during(db, call) -> list[str]:
    """The SQL statements (transaction control left out) that ``call()`` executes."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(TRANSACTION_WORDS):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.sqlite_only  # on PostgreSQL it goes to psycopg directly: see below
def test_a_bearer_token_is_checked_with_one_statement(client, db, world, monkeypatch):
    """One statement, and a second one the first time in a minute: the token's last use."""
    monkeypatch.setattr(tokens, "_touched", {})  # this process wrote no last use yet

    def me():
        return client.get("/api/v1/me", headers=world.as_("treasurer_a"))

    first, seen = statements_during(db, me), statements_during(db, me)
    assert len(first) == 2 and first[1].startswith("UPDATE api_tokens SET last_used_at"), first
    assert len(seen) == 1, seen
    assert "api_tokens" in seen[0] and "user_roles" in seen[0]


def test_the_caller_of_a_token_has_their_roles(client, world):
    me = client.get("/api/v1/me", headers=world.as_("treasurer_a")).json
    assert me["email"] == "treasurer_a@example.org"
    assert me["roles"] == [{"role": "member_treasurer", "member_id": world.members["a"].id}]


def test_a_transfer_takes_one_pool_connection(client, db, world):
    checkouts = []

    def count(*_args):
        checkouts.append(1)

    event.listen(db.engine, "checkout", count)
    try:
        response = client.post("/api/v1/transfers", headers=world.as_("treasurer_a"),
                               json=pay(world.accounts["a"], world.accounts["b"]))
    finally:
        event.remove(db.engine, "checkout", count)
    assert response.status_code == 201, response.json
    assert len(checkouts) == 1


def test_a_revoked_token_is_refused_at_once(client, db, world):
    headers = world.as_("treasurer_a")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.execute(update(ApiToken).values(revoked_at=now_utc()))
    db.session.commit()
    response = client.post("/api/v1/transfers", headers=headers,
                           json=pay(world.accounts["a"], world.accounts["b"]))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_a_deactivated_users_token_is_refused_at_once(client, db, world):
    headers = world.as_("treasurer_a")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    user_id = world.users["treasurer_a"].id
    db.session.execute(update(User).where(User.id == user_id).values(active=False))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_role_taken_away_is_refused_at_once(client, db, world):
    headers = world.as_("treasurer_a")
    body = pay(world.accounts["a"], world.accounts["b"])
    assert client.post("/api/v1/transfers", headers=headers, json=body).status_code == 201
    user_id = world.users["treasurer_a"].id
    db.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    db.session.commit()
    response = client.post("/api/v1/transfers", headers=headers, json=body)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_a_member_still_cannot_debit_another_members_account(client, world):
    response = client.post("/api/v1/transfers", headers=world.as_("treasurer_a"),
                           json=pay(world.accounts["b"], world.accounts["a"]))
    assert response.status_code == 403
    assert response.json["error"]["details"]["account_id"] == world.accounts["b"]


def test_a_bearer_token_opens_no_page(client, world):
    response = client.get("/account", headers=world.as_("treasurer_a"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_request_connection_goes_back_to_the_pool(client, db, world):
    pool = db.engine.pool
    client.post("/api/v1/transfers", headers=world.as_("network_treasurer"),
                json=pay(world.accounts["system"], world.accounts["b"]))
    assert pool.checkedout() == 0


def sent_to_postgresql(client, db, tmp_path, call) -> list[list[str]]:
    """The messages libpq sends while ``call(client)`` runs the second time on a new pool.

    The first call on a new connection also prepares its statements; the second is what
    every later request costs.
    """
    trace_path = tmp_path / "libpq.trace"
    traced = []

    def trace(dbapi_connection):
        dbapi_connection.pgconn.trace(trace_file.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

    def start_trace(dbapi_connection, _record):
        trace(dbapi_connection)
        traced.append(dbapi_connection)

    def stop_traces():
        for dbapi_connection in traced:
            dbapi_connection.pgconn.untrace()  # flushes what libpq buffered

    db.session.remove()
    db.engine.dispose()  # the next request connects afresh, traced from the start
    with open(trace_path, "w") as trace_file:
        event.listen(db.engine, "connect", start_trace)
        try:
            call(client)
            stop_traces()
            first = len(trace_path.read_text().splitlines())
            for dbapi_connection in traced:
                trace(dbapi_connection)
            call(client)
        finally:
            event.remove(db.engine, "connect", start_trace)
            stop_traces()
            db.engine.dispose()
    assert len(traced) == 1
    return [m.split("\t") for m in trace_path.read_text().splitlines()[first:]
            if m.startswith("F\t")]


def round_trips(sent: list[list[str]]) -> list[list[str]]:
    """Each Sync (or simple Query) the client sent is one round trip."""
    return [m for m in sent if m[2] in ("Sync", "Query")]


@pytest.mark.postgresql_only  # PostgreSQL's wire protocol
def test_on_postgresql_a_bearer_token_is_one_prepared_round_trip(app, client, db, world,
                                                                 tmp_path):
    app.extensions.pop("api_callers").stop()  # read every time, as when nothing is kept

    def call(client):
        assert client.get("/api/v1/me", headers=world.as_("treasurer_a")).status_code == 200

    sent = sent_to_postgresql(client, db, tmp_path, call)
    assert len(round_trips(sent)) == 1, sent
    assert [m[2] for m in sent] == ["Bind", "Describe", "Execute", "Sync"]  # prepared


@pytest.mark.postgresql_only  # PostgreSQL's wire protocol
def test_on_postgresql_a_transfer_opens_no_transaction_to_read(client, db, world, tmp_path):
    headers = world.as_("treasurer_a")
    body = pay(world.accounts["a"], world.accounts["b"])

    def call(client):
        response = client.post("/api/v1/transfers", headers=headers, json=body)
        assert response.status_code == 201, response.json

    sent = sent_to_postgresql(client, db, tmp_path, call)
    text_sent = "\n".join("\t".join(m) for m in sent)
    for word in ("BEGIN", "ROLLBACK", "DEALLOCATE", "COMMIT"):
        assert word not in text_sent, text_sent
    # The ledger's statement alone, which also checks who may debit the accounts: the
    # caller of a token read once is remembered (tests/integration/test_api_callers.py).
    assert len(round_trips(sent)) == 1, text_sent


@pytest.mark.postgresql_only  # PostgreSQL's wire protocol
def test_a_pooled_connection_that_died_while_idle_is_replaced(client, db, world, monkeypatch):
    headers = world.as_("treasurer_a")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    monkeypatch.setattr(connection, "IDLE_PING_SECONDS", 0.0)
    killer = create_engine(db.engine.url)
    with killer.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    killer.dispose()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
