"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port, that keeps what
it receives (the envelope and the parsed message).

Use the fixtures by naming them in a test module (``smtp_server = smtp.smtp_server``, which
ruff does not take for an unused import): ``smtp_server``
accepts any mail; ``smtp_auth_server`` offers AUTH (PLAIN or LOGIN, over plain SMTP: the
test has no certificate), accepts ``SMTP_USER`` with ``SMTP_PASSWORD`` only, and records
who logged in with each mail. ``free_port()`` names a
port where nothing listens: a server that is down.
"""

import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
SMTP_USER = "intercoop@example.org"
#: URL-reserved characters and non-ASCII, so that the URL's decoding is tested too.
SMTP_PASSWORD = "p@ss:wörd/42%"
#: Recipients the server refuses (550), to test a refusal of one mail among several.
REFUSED_DOMAIN = "refused.example"


@dataclass(frozen=True)
class Received:
    """One mail as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class Collector:
    """aiosmtpd handler: keeps every mail it accepts; refuses REFUSED_DOMAIN recipients."""

    def __init__(self):
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        login = session.auth_data.decode() if session.authenticated else None
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          message, login))
        return "250 Message accepted for delivery"


class Authenticator:
    """Accepts SMTP_USER with SMTP_PASSWORD, nothing else."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode()
              and auth_data.password == SMTP_PASSWORD.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@dataclass
class SmtpServer:
    """A running test server: where it listens, its MAIL_URL and what it received."""

    port: int
    url: str
    collector: Collector = field(repr=False)

    @property
    def received(self) -> list[Received]:
        with self.collector.lock:
            return list(self.collector.received)


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def running_smtp(auth: bool = False):
    """Run an aiosmtpd server for the duration of the block."""
    collector = Collector()
    port = free_port()
    options = {}
    if auth:
        # AUTH is offered but not required: aiosmtpd warns (an error under the suite's
        # filterwarnings) when it is required without TLS. Tests check who logged in.
        options = {"authenticator": Authenticator(), "auth_require_tls": False}
    controller = Controller(collector, hostname=HOST, port=port, **options)
    controller.start()
    credentials = f"{quote(SMTP_USER, safe='')}:{quote(SMTP_PASSWORD, safe='')}@" if auth else ""
    try:
        yield SmtpServer(port, f"smtp://{credentials}{HOST}:{port}", collector)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """An SMTP server that accepts any mail (but to REFUSED_DOMAIN)."""
    with running_smtp() as server:
        yield server


@pytest.fixture
def smtp_auth_server():
    """An SMTP server where one logs in as SMTP_USER with SMTP_PASSWORD (or fails to)."""
    with running_smtp(auth=True) as server:
        yield server
