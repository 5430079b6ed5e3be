"""Sending the outbox: claim due emails, send each once over SMTP, retry failures later.

``send_due`` is safe to run concurrently and repeatedly (cron, the after-commit sender of
market.notifications.sender, several processes at once):

1. Claim: in one short transaction, pick the due rows (pending, next attempt due, not
   claimed or claimed by a sender whose claim has lapsed) and set their ``claimed_until``.
   On PostgreSQL they are picked ``FOR UPDATE SKIP LOCKED``, so concurrent senders take
   different rows without waiting for each other (a row another sender claimed meanwhile is
   re-checked after its lock and left out); SQLite takes the write lock up front
   (``BEGIN IMMEDIATE``), so senders claim one after the other.
2. Send each claimed row, then record the outcome in its own commit, conditioned on the
   claim still being ours: ``sent`` (never sent again), or a failure with the next attempt
   backed off (1 min, 5 min, 30 min, 2 h, 12 h) and ``failed`` after MAX_ATTEMPTS.
   A sender stops sending shortly before its claim ends and releases what is left, so no
   other sender can claim a row while it may still be sending it.

What is guaranteed is "never twice once recorded sent": a process killed between the SMTP
server's acceptance and the commit that records it leaves the row claimed; the claim lapses
and the row is sent again. Its Message-ID is the same each time, which lets mail clients
recognise the copy.

Without ``mail_url`` the emails are written to the "market.notifications" log and counted
as sent (development, tests, demo).
"""

import base64
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine

from market.notifications.models import EmailStatus, OutboxEmail
from market.platform.time import now_utc

log = logging.getLogger("market.notifications")

#: Attempts before an email is given up (status failed).
MAX_ATTEMPTS = 6
#: Wait before the next attempt, after the 1st, 2nd... failure (the last one repeats).
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
#: How long a sender keeps the rows it claimed to itself.
CLAIM = timedelta(minutes=10)
#: A sender sends nothing more this close to the end of its claim (an SMTP exchange is
#: bounded by SMTP_TIMEOUT seconds per step).
CLAIM_MARGIN = timedelta(minutes=3)
SMTP_TIMEOUT = 30
#: Longest error text kept on a row.
ERROR_MAX = 1000
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
#: Failures after which the SMTP connection is still usable: the server refused this one
#: email (and reset its state), or the email could not even be built.
REFUSED = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, ValueError)

_outbox = OutboxEmail.__table__


class MailUrlError(ValueError):
    """MAIL_URL is not ``smtp://[user:password@]host[:port]`` or ``smtps://...``."""


@dataclass(frozen=True)
class MailServer:
    """Where and how to send: what MAIL_URL says."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def ssl(self) -> bool:
        return self.scheme == "smtps"


@dataclass
class SendReport:
    """What one run did: emails sent, attempts that failed (``given_up`` of them for good),
    and emails still pending afterwards (due later, or claimed by another sender)."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0
    left: int = 0


@dataclass(frozen=True)
class Claimed:
    """An outbox row taken by this sender."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int


def parse_mail_url(url: str) -> MailServer:
    """Read MAIL_URL: scheme smtp or smtps, optional user and password (URL-encoded), host,
    port (default 25 or 465)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise MailUrlError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme!r}")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise MailUrlError(f"MAIL_URL has an invalid port: {exc}") from None
    if not parts.hostname:
        raise MailUrlError("MAIL_URL names no host")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return MailServer(parts.scheme, parts.hostname, port, username, password)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def build_message(row: Claimed, mail_from: str) -> EmailMessage:
    """The email of an outbox row: UTF-8 subject and plain-text body."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now_utc())
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "intercoop.local"
    message["Message-ID"] = f"<outbox-{row.id}@{domain}>"
    message.set_content(row.body, charset="utf-8")
    return message


def send_due(engine: Engine, *, mail_url: str | None, mail_from: str,
             now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send up to ``limit`` due outbox emails once each; return what was done."""
    server = parse_mail_url(mail_url) if mail_url else None  # refuse a bad URL before claiming
    started, ticks = now or now_utc(), time.monotonic()

    def clock() -> datetime:
        return started + timedelta(seconds=time.monotonic() - ticks)

    report = SendReport()
    claimed_until = started + CLAIM
    rows = claim(engine, started, claimed_until, limit)
    if rows:
        deliver(engine, rows, server, mail_from, clock, claimed_until, report)
    with engine.connect() as conn:
        report.left = conn.scalar(select(func.count()).select_from(_outbox)
                                  .where(_outbox.c.status == EmailStatus.pending))
    return report


def claim(engine: Engine, now: datetime, until: datetime, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due rows for this sender until ``until``, in one transaction."""
    due = (select(_outbox.c.id, _outbox.c.to_address, _outbox.c.subject, _outbox.c.body,
                  _outbox.c.attempts)
           .where(_outbox.c.status == EmailStatus.pending, _outbox.c.next_attempt_at <= now,
                  or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until < now))
           .order_by(_outbox.c.next_attempt_at, _outbox.c.id).limit(limit)
           .with_for_update(skip_locked=True))
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)  # SQLite: writers queue up front
        with conn.begin():
            rows = [Claimed(*row) for row in conn.execute(due)]
            if rows:
                conn.execute(update(_outbox).where(_outbox.c.id.in_([r.id for r in rows]))
                             .values(claimed_until=until))
    return rows


def deliver(engine: Engine, rows: list[Claimed], server: MailServer | None, mail_from: str,
            clock, claimed_until: datetime, report: SendReport) -> None:
    """Send the claimed ``rows`` over one SMTP connection, recording each outcome."""
    smtp = None
    try:
        for index, row in enumerate(rows):
            if clock() > claimed_until - CLAIM_MARGIN:
                release(engine, rows[index:], claimed_until)
                return
            if server is None:
                log.info("mail to %s (MAIL_URL is not set)\nSubject: %s\n\n%s",
                         row.to_address, row.subject, row.body)
                record_sent(engine, row, clock(), claimed_until, report)
                continue
            if smtp is None:
                try:
                    smtp = connect(server)
                except Exception as exc:  # no server to talk to: none of them goes now
                    for failed in rows[index:]:
                        record_failure(engine, failed, exc, clock(), claimed_until, report)
                    return
            try:
                smtp.send_message(build_message(row, mail_from))
            except Exception as exc:  # whatever it was, this row failed; the others may go
                record_failure(engine, row, exc, clock(), claimed_until, report)
                if not isinstance(exc, REFUSED):
                    close(smtp)  # the exchange broke off: a fresh connection for the next
                    smtp = None
                continue
            record_sent(engine, row, clock(), claimed_until, report)
    finally:
        if smtp is not None:
            close(smtp, politely=True)


def close(smtp: smtplib.SMTP, politely: bool = False) -> None:
    """End an SMTP connection, with QUIT when it is still in a state to answer it."""
    try:
        if politely:
            smtp.quit()
            return
    except OSError:
        pass
    smtp.close()


def connect(server: MailServer) -> smtplib.SMTP:
    """Open an SMTP (or SMTP over TLS) connection and log in when MAIL_URL names a user."""
    if server.ssl:
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
    try:
        if server.username:
            login(smtp, server.username, server.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; credentials beyond ASCII (which smtplib cannot send) go as UTF-8 AUTH PLAIN
    (RFC 4616)."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


def _ours(row: Claimed, claimed_until: datetime):
    """The row, while this sender's claim on it holds."""
    return and_(_outbox.c.id == row.id, _outbox.c.status == EmailStatus.pending,
                _outbox.c.claimed_until == claimed_until)


def record_sent(engine: Engine, row: Claimed, at: datetime, claimed_until: datetime,
                report: SendReport) -> None:
    """Mark ``row`` sent, in its own commit: it is never sent again."""
    with engine.begin() as conn:
        conn.execute(update(_outbox).where(_ours(row, claimed_until)).values(
            status=EmailStatus.sent, sent_at=at, attempts=row.attempts + 1,
            claimed_until=None, last_error=None))
    report.sent += 1


def record_failure(engine: Engine, row: Claimed, error: BaseException, at: datetime,
                   claimed_until: datetime, report: SendReport) -> None:
    """Count a failed attempt of ``row``: try again after a back-off, or give it up."""
    attempts = row.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    text = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    with engine.begin() as conn:
        conn.execute(update(_outbox).where(_ours(row, claimed_until)).values(
            attempts=attempts, last_error=text, claimed_until=None,
            next_attempt_at=at + backoff(attempts),
            status=EmailStatus.failed if given_up else EmailStatus.pending))
    log.warning("mail %s to %s failed (attempt %d%s): %s", row.id, row.to_address, attempts,
                ", given up" if given_up else "", text)
    report.failed += 1
    report.given_up += given_up


def release(engine: Engine, rows: list[Claimed], claimed_until: datetime) -> None:
    """Give back rows this sender claimed but will not send (its claim is running out)."""
    with engine.begin() as conn:
        conn.execute(update(_outbox).where(
            _outbox.c.id.in_([r.id for r in rows]), _outbox.c.status == EmailStatus.pending,
            _outbox.c.claimed_until == claimed_until).values(claimed_until=None))
