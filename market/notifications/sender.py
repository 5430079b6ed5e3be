"""Sending right after commit, in the background, so that nobody waits for SMTP.

How: ``notify`` marks its session (``expect_mail``). A SQLAlchemy ``after_commit`` listener
on every ORM session sees the mark once the transaction holding the outbox rows has
committed and, inside a request, kicks the application's sender; a transaction that ends
otherwise (rolled back) drops the mark and kicks nothing. Why a session event rather than
an ``after_request`` hook: the mark follows the transaction, not the request, so a request
whose use case rolls back never kicks, one that commits twice kicks once the mail is
committed, and a view need not remember to call anything. Outside requests (CLI commands,
jobs) nothing is kicked: such a process may end before a background thread is done, leaving
its claim to lapse; their emails go with the next `flask notifications send` (cron), or a
long-running job calls ``kick(app)`` itself.

The sender is one background daemon thread per application, started on demand: it runs
``send_due`` in an application context until a run starts with no new kick, then ends. A
kick while it runs makes it run once more, never a second thread. Under gunicorn's gevent
workers ``threading`` is patched, so the "thread" is a greenlet and SMTP waits cooperatively;
its locks are created at the first kick, after the patching. A process that dies while
sending leaves its claim to lapse, and the next sender (or cron) takes the emails up again.

``MAIL_SEND_AFTER_COMMIT`` turns it off (default: on, but off when ``TESTING``, so tests
call ``send_due`` themselves and see the outbox as they left it); ``wait_idle`` lets a test
that turns it on wait for the sender to finish.
"""

import logging
import threading

from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from market.notifications import mail
from market.platform.extensions import db

log = logging.getLogger("market.notifications")

#: Key of the mark in Session.info.
MARK = "notifications.outbox_written"
EXTENSION = "notifications_sender"


def expect_mail(session) -> None:
    """Note that ``session``'s transaction wrote outbox rows: kick the sender on commit."""
    session.info[MARK] = True


def enabled(app: Flask) -> bool:
    """Whether the application sends after commit (MAIL_SEND_AFTER_COMMIT, see above)."""
    return bool(app.config.get("MAIL_SEND_AFTER_COMMIT", not app.testing))


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(MARK, False) and has_request_context():
        app = current_app._get_current_object()
        if enabled(app):
            kick(app)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # the outermost one ended (after_commit already ran)
        session.info.pop(MARK, None)


class Sender:
    """The background sender of one application (see the module's docstring)."""

    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()
        self.again = False
        self.thread: threading.Thread | None = None

    def kick(self) -> None:
        """Have the outbox sent soon: start the thread, or make the running one go again."""
        with self.lock:
            self.again = True
            if self.thread is not None:
                return
            self.idle.clear()
            self.thread = threading.Thread(target=self.run, name="notifications-sender",
                                           daemon=True)
            self.thread.start()

    def run(self) -> None:
        """Send what is due until no kick came in during the last run."""
        while True:
            with self.lock:
                if not self.again:
                    self.thread = None
                    self.idle.set()
                    return
                self.again = False
            try:
                with self.app.app_context():
                    config = self.app.config
                    mail.send_due(db.engine, mail_url=config["MAIL_URL"],
                                  mail_from=config["MAIL_FROM"])
            except Exception:  # logged; the emails stay in the outbox for the next run
                log.exception("sending the outbox after commit failed")


def sender_of(app: Flask) -> Sender:
    """The application's sender (made at its first use)."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, Sender(app))
    return found


def kick(app: Flask) -> None:
    """Send the outbox of ``app`` in the background, now."""
    sender_of(app).kick()


def wait_idle(app: Flask, timeout: float = 10.0) -> bool:
    """Wait until ``app``'s background sender has nothing left to do; False on timeout."""
    found = app.extensions.get(EXTENSION)
    return True if found is None else found.idle.wait(timeout)
