"""The app as `make run` serves it: gunicorn with gunicorn.conf.py, concurrent API clients."""

import http.client
import json
import os
import random
import runpy
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ledger
from ledger.testing import invariant_problems
from tests.integration.ledger_api_helpers import make_world

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def settings(monkeypatch, database_url: str) -> dict:
    """gunicorn.conf.py's settings when DATABASE_URL is `database_url`."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return runpy.run_path(str(CONF))


def test_postgresql_is_served_by_greenlets_and_sqlite_by_threads(monkeypatch):
    postgres = settings(monkeypatch, "postgresql+psycopg://db.example.org/intercoop")
    assert postgres["worker_class"] == "gevent"
    sqlite = settings(monkeypatch, "sqlite:////srv/intercoop.sqlite")
    assert (sqlite["worker_class"], sqlite["threads"]) == ("gthread", 8)
    # make run's default database is SQLite
    assert settings(monkeypatch, "")["worker_class"] == "gthread"


@pytest.fixture
def served(database):
    """gunicorn serving `database` with gunicorn.conf.py on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": secrets.token_hex(16)}
    server = subprocess.Popen([str(GUNICORN), "--config", str(CONF), "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
            finally:
                conn.close()
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def client(port: int, headers: dict, sources: list[int], targets: list[int], seed: int,
           answers: list) -> None:
    """POST transfers on one keep-alive connection; every tenth is sent twice with one key."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for n in range(25):
        source = rng.choice(sources)
        target = rng.choice([t for t in targets if t != source])
        body = {"postings": [{"from": source, "to": target,
                              "amount": f"{rng.randint(1, 30)}.00"}]}
        extra = {"Idempotency-Key": f"c{seed}-{n}"} if n % 10 == 0 else {}
        for _attempt in range(2 if extra else 1):
            conn.request("POST", "/api/v1/transfers", body=json.dumps(body),
                         headers={**headers, **extra, "Content-Type": "application/json"})
            response = conn.getresponse()
            answers.append((seed, n, response.status, json.loads(response.read())))
    conn.close()


def test_concurrent_clients_each_get_their_own_answer(db, served):
    world = make_world(db)
    accounts = world.accounts
    # Member a pays from a (100.00, no overdraft) and a_line (50.00 of credit) to each other
    # and to b: 150.00 can leave, so many of the 300 transfers are refused.
    sources = [accounts["a"], accounts["a_line"]]
    targets = [*sources, accounts["b"]]
    answers: list = []
    threads = [threading.Thread(target=client, args=(served, world.as_("treasurer_a"), sources,
                                                     targets, seed, answers))
               for seed in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 12 * (25 + 3)
    statuses = {status for _seed, _n, status, _body in answers}
    assert statuses <= {201, 422}, statuses
    refusals = {body["error"]["code"] for *_rest, status, body in answers if status == 422}
    assert refusals == {"insufficient_funds"}, refusals
    created = [body for *_rest, status, body in answers if status == 201]
    assert created, "no transfer went through"
    # A replayed key gives back the first answer, and no second transfer.
    by_key: dict = {}
    for seed, n, status, body in answers:
        if n % 10 == 0:
            by_key.setdefault((seed, n), []).append((status, body))
    assert all(first == again for first, again in by_key.values())
    ids = {body["id"] for body in created}
    assert len(ids) == len(created) - sum(1 for (status, _b), _again in by_key.values()
                                          if status == 201)
    # What each client was told is what the ledger holds.
    for body in created:
        assert ledger.get_transfer(db.engine, body["id"])["postings"] == body["postings"]
    assert invariant_problems(db.engine, "EUR") == []
    report = ledger.verify(db.engine)
    assert report["ok"], report["first_problem"]
