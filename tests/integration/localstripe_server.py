"""A real local Stripe server (localstripe) for the tests, on 127.0.0.1 and a free port.

``python -m tests.integration.localstripe_server`` serves localstripe's own aiohttp app on a
loopback socket it binds itself (localstripe's ``start()`` binds every interface) and prints
the port on its first line. Its state stays in memory: localstripe otherwise loads and saves
one fixed /tmp/localstripe.pickle, shared by every process on the machine.
``LocalStripe.shared()`` runs it in a subprocess (one per test process, i.e. per xdist
worker); ``webhook(url, secret)`` makes it deliver signed events to ``url``.
"""

import atexit
import http.client
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The one webhook endpoint the tests register (re-registered by each test for its app).
WEBHOOK_ID = "intercoop"


def serve() -> None:
    """Serve localstripe on 127.0.0.1, a free port (printed first), state in memory only."""
    import socket

    from localstripe import resources
    resources.Store.try_load_from_disk = lambda self: None
    resources.Store.dump_to_disk = lambda self: None
    from aiohttp import web
    from localstripe.server import app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)


@dataclass
class LocalStripe:
    """A running localstripe subprocess."""

    process: subprocess.Popen
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls) -> "LocalStripe":
        """Start the server and wait until it answers."""
        process = subprocess.Popen([sys.executable, "-m", "tests.integration.localstripe_server"],
                                   cwd=ROOT, stdout=subprocess.PIPE, text=True)
        port = int(process.stdout.readline())
        server = cls(process, port)
        deadline = time.monotonic() + 15
        while True:
            try:
                server.request("GET", "/v1/customers", auth=True)
                return server
            except OSError:
                if time.monotonic() > deadline:
                    server.stop()
                    raise
                time.sleep(0.05)

    @classmethod
    def shared(cls) -> "LocalStripe":
        """This process's server (one per xdist worker), started on first use, stopped at
        exit."""
        global _shared
        if _shared is None or _shared.process.poll() is not None:
            _shared = cls.start()
            atexit.register(_shared.stop)
        return _shared

    def request(self, method: str, path: str, form: dict | None = None,
                auth: bool = False) -> int:
        """Send one request; return its status."""
        body = urllib.parse.urlencode(form or {}, doseq=True) if form else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth:
            headers["Authorization"] = "Bearer sk_test_intercoop"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def webhook(self, url: str, secret: str) -> None:
        """Deliver every event, signed with ``secret``, to ``url`` (replacing the last one)."""
        status = self.request("POST", f"/_config/webhooks/{WEBHOOK_ID}",
                              {"url": url, "secret": secret})
        assert status == 200, status

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()


_shared: LocalStripe | None = None


def stripe_client(server: LocalStripe):
    """The real ``stripe`` library, talking to ``server``, as a test (the payer) uses it."""
    import stripe
    return stripe.StripeClient("sk_test_intercoop", base_addresses={"api": server.base},
                               max_network_retries=0)


def pay(client, intent_id: str, card: str = "4242424242424242"):
    """Pay a PaymentIntent with a test card, as Stripe.js would: attach it, confirm."""
    method = client.v1.payment_methods.create({"type": "card", "card": {
        "number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    client.v1.payment_intents.update(intent_id, {"payment_method": method.id})
    return client.v1.payment_intents.confirm(intent_id)


if __name__ == "__main__":
    serve()
