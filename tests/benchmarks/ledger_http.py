"""The Ledger API through gunicorn: POST /api/v1/transfers from 8 keep-alive clients.

    .venv/bin/python tests/benchmarks/ledger_http.py --database-url URL [--seconds 10]

Migrates the database at URL (use a scratch one), adds a member with a treasurer, an API
token and 200 accounts with wide credit lines, starts gunicorn with the settings of
`make run` (gunicorn.conf.py: 2 gevent workers on PostgreSQL, whose concurrent requests
share writes through the ledger's group commit; 2 x 8 threads on SQLite) on a free
loopback port, and drives transfers between random accounts of that member from 8
client threads (keep-alive sockets, with a lean client: it shares the two cores with the
server), for a bounded time and count. Prints JSON lines: transfers/s, p50/p95/p99
latency, statuses, CPU per request of gunicorn, of the PostgreSQL backends and of this
load generator (steadier than req/s on a shared machine); on PostgreSQL also pgbench
(TPC-B, scale 10, 8 clients, 20 s) in a scratch database, and the ratio to it (target:
HTTP >= 0.25 x pgbench, p99 < 50 ms).
"""

import argparse
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

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
sys.path.insert(0, str(ROOT))

from ledger_throughput import pgbench  # noqa: E402

ACCOUNTS = 200
TARGET_RATIO, TARGET_P99_MS = 0.25, 50.0


def prepare(url: str, as_network: bool) -> tuple[str, list[int]]:
    """Migrate, then create the member, its treasurer, a token and the accounts."""
    from flask_migrate import upgrade

    import ledger
    from market import create_app
    from market.auth.models import User, UserRole
    from market.auth.tokens import issue_token
    from market.members.models import Member, MemberStatus
    from market.platform.config import from_environ
    from market.platform.extensions import db
    from market.treasury.owners import owner_ref

    config = type("BenchConfig", (from_environ({"INTERCOOP_ENV": "testing"}),),
                  {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    with app.app_context():
        upgrade()
        tag = secrets.token_hex(4)
        member = Member(name=f"Bench {tag}", status=MemberStatus.active, city="Lyon")
        db.session.add(member)
        db.session.flush()
        role = (UserRole(role="network_treasurer") if as_network else
                UserRole(role="member_treasurer", member_id=member.id))
        user = User(email=f"bench-{tag}@example.org", password_hash="!", roles=[role])
        db.session.add(user)
        _row, token = issue_token(db.session, user, "ledger_http benchmark")
        db.session.commit()
        code = f"HB{tag}".upper()
        ledger.create_currency(db.engine, code, "HTTP benchmark", 2, "mutual_credit")
        ids = [ledger.create_account(db.engine, code, f"bench {i}",
                                     owner_ref=owner_ref(member.id),
                                     min_balance="-1000000000.00")["id"]
               for i in range(ACCOUNTS)]
        db.engine.dispose()
    return token, ids


def served_by(args) -> dict:
    """The gunicorn layout the server ran with: the options given, else gunicorn.conf.py's
    (which reads DATABASE_URL from the environment, as the server does)."""
    settings = runpy.run_path(str(GUNICORN_CONF))
    layout = {option: getattr(args, option) if getattr(args, option) is not None
              else settings.get(option) for option in ("workers", "worker_class", "threads")}
    if layout["worker_class"] != "gthread":
        layout.pop("threads")
    return layout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, args) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:port and wait until /healthz answers."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16)}
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", str(GUNICORN_CONF),
               "--keep-alive", str(args.keep_alive), "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "wsgi:app"]
    for option in ("workers", "worker_class", "threads"):  # what is not given comes from the file
        if getattr(args, option) is not None:
            command[1:1] = [f"--{option.replace('_', '-')}", str(getattr(args, option))]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def cpu_seconds(pids) -> float:
    """User + system CPU seconds of processes on this machine (0 for those out of reach)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen, url: str) -> dict[str, list[int]]:
    """The gunicorn master and workers, and the PostgreSQL backends serving the database."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        children = []
    pids = {"app": [server.pid, *map(int, children)], "db": []}
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            pids["db"] = list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalars())
        engine.dispose()
    return pids


class KeepAlive:
    """A lean HTTP/1.1 client on one keep-alive socket: the load generator shares the
    machine's two cores with the server, so it spends as little CPU as it can (http.client
    parses every response's headers with the email package)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def post(self, request: bytes) -> int:
        """Send one request (reconnecting if the server closed the socket); return its status."""
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buffer = b""
            try:
                self.sock.sendall(request)
                return self._response()
            except (ConnectionError, EOFError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _response(self) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _sep, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = dict(line.lower().split(b": ", 1) for line in lines[1:])
        length = int(headers.get(b"content-length", b"0"))
        while len(self.buffer) < length:
            self._receive()
        self.buffer = self.buffer[length:]
        if headers.get(b"connection") == b"close":
            self.close()
        return status

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def client(port, token, ids, deadline, budget, seed, results) -> None:
    """One client: POST transfers until the deadline or the shared budget is spent."""
    rng = random.Random(seed)
    conn = KeepAlive(port)
    head = (f"POST /api/v1/transfers HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Content-Length: ")
    latencies, statuses = [], {}
    while time.time() < deadline and budget.acquire(blocking=False):
        source, target = rng.sample(ids, 2)
        amount = f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
        body = json.dumps({"postings": [{"from": source, "to": target, "amount": amount}]})
        request = f"{head}{len(body)}\r\n\r\n{body}".encode()
        began = time.perf_counter()
        status = conn.post(request)
        latencies.append(time.perf_counter() - began)
        statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    results.append((latencies, statuses))


def drive(port, token, ids, clients, seconds, max_requests) -> dict:
    """Run the clients together; return throughput and latency percentiles."""
    results, budget = [], threading.Semaphore(max_requests)
    began = time.time()
    deadline = began + seconds
    threads = [threading.Thread(target=client, args=(port, token, ids, deadline, budget, n,
                                                     results)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - began
    latencies = sorted(x for lat, _ in results for x in lat)
    statuses: dict = {}
    for _, counts in results:
        for status, n in counts.items():
            statuses[str(status)] = statuses.get(str(status), 0) + n

    def pick(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)

    return {"requests": len(latencies), "transfers_per_s": round(
        statuses.get("201", 0) / elapsed, 1), "p50_ms": pick(0.50), "p95_ms": pick(0.95),
        "p99_ms": pick(0.99), "statuses": statuses, "seconds": round(elapsed, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--worker-class", help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="default: gunicorn.conf.py's (gthread only)")
    parser.add_argument("--keep-alive", type=int, default=2, help="seconds")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--as-network", action="store_true",
                        help="use a network treasurer's token (no ownership check)")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--no-pgbench", action="store_true")
    args = parser.parse_args()
    from market.platform.config import database_url

    url = database_url(args.database_url)
    os.environ["DATABASE_URL"] = url  # for gunicorn.conf.py, here and in the server
    token, ids = prepare(url, args.as_network)
    port = free_port()
    server = start_server(url, port, args)
    try:
        drive(port, token, ids, args.clients, 1.0, 1_000)  # warm the workers up
        pids = server_pids(server, url)
        before = {side: cpu_seconds(p) for side, p in pids.items()}
        client_before = time.process_time()
        result = drive(port, token, ids, args.clients, args.seconds, args.max_requests)
        pids["client"], before["client"] = [os.getpid()], client_before
        # CPU per request does not depend on what else runs on the machine, unlike req/s.
        for side, p in pids.items():
            spent = (time.process_time() if side == "client" else cpu_seconds(p)) - before[side]
            if p and spent:
                result[f"{side}_cpu_ms_per_request"] = round(
                    spent * 1000 / max(result["requests"], 1), 3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps({"case": f"http_{args.clients}", **served_by(args),
                      "caller": "network" if args.as_network else "member", **result}),
          flush=True)
    if url.startswith("postgresql") and not args.no_pgbench:
        tps = pgbench(url, args.pgbench_seconds)
        ratio = round(result["transfers_per_s"] / tps, 3) if tps else None
        print(json.dumps({"case": "ratio_to_pgbench", "pgbench_tps": tps, "http_8": ratio,
                          "target": TARGET_RATIO, "ratio_ok": bool(ratio and ratio >= TARGET_RATIO),
                          "p99_ok": result["p99_ms"] < TARGET_P99_MS}), flush=True)


if __name__ == "__main__":
    main()
