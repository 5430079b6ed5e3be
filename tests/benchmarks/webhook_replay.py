"""Stripe's webhook through gunicorn: 1,000 signed `payment_intent.succeeded` events (500
top-ups, each event delivered twice) from 8 concurrent senders; exactly 500 credits.

    .venv/bin/python tests/benchmarks/webhook_replay.py [--database-url URL] [--senders 8]

Migrates the database at URL (default: a scratch SQLite file; use a scratch PostgreSQL
database), adds a member, a backed currency and 500 top-ups waiting for Stripe, starts
gunicorn with gunicorn.conf.py on a free loopback port, replays the events (signed as
Stripe signs them) and checks that each top-up was credited once: 500 credit events,
the member's balance the sum of the 500 amounts, the reserve the sum of their euros.
Prints one JSON line; target: the 1,000 events in <= 10 s. ``run(url)`` is what
tests/benchmarks/currency.py calls; ``replay(base, secret, intents)`` sends the events to
an app already running.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
sys.path.insert(0, str(ROOT))

TOPUPS, SENDERS, TARGET_SECONDS = 500, 8, 10.0


def signed_event(intent: dict, secret: str) -> tuple[bytes, dict]:
    """One `payment_intent.succeeded` event about ``intent``, and its delivery headers."""
    payload = json.dumps({
        "id": intent["event"], "object": "event", "type": "payment_intent.succeeded",
        "created": int(time.time()), "data": {"object": {
            "id": intent["id"], "object": "payment_intent", "amount": intent["cents"],
            "currency": "eur", "status": "succeeded",
            "metadata": {"intercoop_topup": intent["reference"]}}}}).encode()
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={mac}"}


def replay(base_url: str, secret: str, intents: list[dict], senders: int = SENDERS,
           copies: int = 2, seed: int = 0) -> dict:
    """Deliver each intent's event ``copies`` times, shuffled, from ``senders`` keep-alive
    connections; the time taken, the statuses and the outcomes the webhook answered."""
    deliveries = [signed_event(intent, secret) for intent in intents for _ in range(copies)]
    random.Random(seed).shuffle(deliveries)
    parts = urlsplit(base_url)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send(share):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine = []
        for body, headers in share:
            conn.request("POST", "/stripe/webhook", body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            outcome = json.loads(raw).get("outcome") if response.status == 200 else raw[:200]
            mine.append((response.status, outcome))
        conn.close()
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=send, args=(deliveries[i::senders],))
               for i in range(senders)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    outcomes: dict = {}
    for status, outcome in answers:
        key = f"{status}:{outcome}"
        outcomes[key] = outcomes.get(key, 0) + 1
    return {"events": len(answers), "seconds": round(seconds, 3),
            "events_per_s": round(len(answers) / seconds, 1), "answers": outcomes}


def app_for(url: str):
    from market import create_app
    from market.platform.config import from_environ

    config = type("BenchConfig", (from_environ({"INTERCOOP_ENV": "testing"}),),
                  {"SQLALCHEMY_DATABASE_URI": url})
    return create_app(config)


def prepare(url: str, count: int = TOPUPS) -> dict:
    """Migrate; add a member, a backed currency, its account and ``count`` top-ups."""
    from flask_migrate import upgrade

    from market.currencies import governance
    from market.members.models import Member, MemberStatus
    from market.payments import topups
    from market.platform.extensions import db

    app = app_for(url)
    with app.app_context():
        upgrade()
        tag = secrets.token_hex(4).upper()
        member = Member(name=f"Bench {tag}", status=MemberStatus.active, city="Lyon")
        db.session.add(member)
        db.session.flush()
        policy = governance.create_currency(db.session, code=f"WB{tag}", name="Bench",
                                            scale=2, kind="backed")
        account = governance.open_member_account(db.session, member.id, policy.code)
        intents, units = [], 0
        for n in range(count):
            amount = f"{1 + n % 50}.{n % 100:02d}"
            plan = topups.plan(db.session, {member.id}, account, amount,
                               reference=topups.reference_for(0, None))
            made = topups.record(db.session, plan, f"pi_bench_{tag}_{n}", "", None)
            units += plan.amount_minor
            intents.append({"id": made.payment_intent, "cents": made.euro_cents,
                            "reference": made.reference, "event": f"evt_bench_{tag}_{n}"})
        world = {"account": account, "reserve": policy.reserve_account_id, "units": units,
                 "intents": intents, "topups": [i["id"] for i in intents]}
        db.session.commit()
        db.engine.dispose()
    return world


def check(url: str, world: dict) -> dict:
    """What the replay booked: credit events, credited top-ups, balances against the sums."""
    from sqlalchemy import func, select

    import ledger
    from market.payments.models import StripeEvent, TopUp
    from market.platform.extensions import db

    app = app_for(url)
    with app.app_context():
        ids = select(TopUp.id).where(TopUp.payment_intent.in_(world["topups"]))
        credits = db.session.scalar(select(func.count()).select_from(StripeEvent).where(
            StripeEvent.topup_id.in_(ids), StripeEvent.outcome == "credited"))
        succeeded = db.session.scalar(select(func.count()).select_from(TopUp).where(
            TopUp.payment_intent.in_(world["topups"]), TopUp.status == "succeeded"))
        balance = ledger.get_account(db.engine, world["account"])["balance"]
        reserve = ledger.get_account(db.engine, world["reserve"])["balance"]
        db.session.remove()
        db.engine.dispose()
    expected = ledger.format_amount(world["units"], 2)
    return {"credits": credits, "succeeded": succeeded,
            "balance_ok": balance == expected, "reserve_ok": reserve == expected}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, secret: str) -> subprocess.Popen:
    """gunicorn with gunicorn.conf.py on 127.0.0.1:port, once /healthz answers."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
           "STRIPE_WEBHOOK_SECRET": secret}
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--config",
                               str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def run(database_url: str, senders: int = SENDERS, count: int = TOPUPS) -> dict:
    """Prepare, serve, replay 2 x ``count`` events, check; the result (also printed)."""
    from market.platform.config import database_url as normalised

    url = normalised(database_url)
    world = prepare(url, count)
    secret = "whsec_" + secrets.token_hex(16)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url  # gunicorn.conf.py picks the workers by the database
    port = free_port()
    server = start_server(url, port, secret)
    try:
        result = replay(f"http://127.0.0.1:{port}", secret, world["intents"], senders)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
    result.update(check(url, world))
    result.update({"case": "webhook_replay", "database": url.split(":", 1)[0],
                   "senders": senders, "target_seconds": TARGET_SECONDS,
                   "ok": result["credits"] == count and result["succeeded"] == count
                   and result["balance_ok"] and result["reserve_ok"]
                   and set(result["answers"]) <= {"200:credited", "200:duplicate",
                                                  "200:ignored"},
                   "fast_enough": result["seconds"] <= TARGET_SECONDS})
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--senders", type=int, default=SENDERS)
    parser.add_argument("--topups", type=int, default=TOPUPS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/webhook_replay.sqlite"
        result = run(url, args.senders, args.topups)
    raise SystemExit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
