"""Sending the outbox to a real SMTP server: once, in the recipient's language, retried with
back-off when the server fails, and safe with several senders at once."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from market.auth.models import User
from market.notifications import mail, sender, services
from market.notifications.models import OutboxEmail
from tests.integration import smtp_server as smtp
from tests.integration.members_factories import make_user
from tests.integration.smtp_server import REFUSED_DOMAIN, SMTP_USER, free_port
from tests.integration.test_notifications_services import expiring, notify_one

smtp_server, smtp_auth_server = smtp.smtp_server, smtp.smtp_auth_server  # the fixtures

FROM = "Intercoop <no-reply@intercoop.example>"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def send(db, url, **options):
    """Run one sender; return its report (with what the test session saw forgotten)."""
    report = mail.send_due(db.engine, mail_url=url, mail_from=FROM, **options)
    db.session.expire_all()
    return report


def outbox(db) -> list[OutboxEmail]:
    db.session.rollback()  # a fresh snapshot: the sender committed on its own connections
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def user_speaking(db, email: str, locale: str):
    user = make_user(db, email)
    user.locale = locale
    db.session.commit()
    return user


def test_send_due_delivers_each_email_in_its_recipients_language(db, smtp_server):
    ana = user_speaking(db, "ana@example.org", "fr")
    bob = user_speaking(db, "bob@example.org", "en")
    services.notify(db.session, [ana.id, bob.id], "offer_expiring",
                    expiring("Paniers « bio » de l'été"), "/offres/7",
                    site_url="https://intercoop.example")
    db.session.commit()

    report = send(db, smtp_server.url)

    assert (report.sent, report.failed, report.left) == (2, 0, 0)
    got = {r.rcpt_tos[0]: r for r in smtp_server.received}
    assert set(got) == {"ana@example.org", "bob@example.org"}
    fr, en = got["ana@example.org"].message, got["bob@example.org"].message
    assert fr["To"] == "ana@example.org" and fr["From"] == FROM
    assert fr["Subject"] == "[Intercoop] Votre offre « Paniers « bio » de l'été » expire bientôt"
    assert "31 décembre 2026" in got["ana@example.org"].body
    assert "December 31, 2026" in got["bob@example.org"].body
    assert "https://intercoop.example/offres/7" in got["bob@example.org"].body
    assert fr.get_content_charset() == "utf-8"
    assert en["Message-ID"] != fr["Message-ID"]
    assert got["ana@example.org"].mail_from == "no-reply@intercoop.example"
    assert all(e.status == "sent" and e.sent_at is not None and e.attempts == 1
               for e in outbox(db))


def test_a_second_run_sends_nothing_more(db, smtp_server):
    notify_one(db, make_user(db, "ana@example.org"))
    assert send(db, smtp_server.url).sent == 1
    assert send(db, smtp_server.url).sent == 0
    assert send(db, smtp_server.url, now=datetime.now(UTC) + timedelta(days=30)).sent == 0
    assert len(smtp_server.received) == 1


def test_the_user_and_password_of_mail_url_log_in(db, smtp_auth_server):
    notify_one(db, make_user(db, "ana@example.org"))
    assert send(db, smtp_auth_server.url).sent == 1
    [received] = smtp_auth_server.received
    assert received.login == SMTP_USER


def test_a_wrong_password_is_a_failed_attempt(db, smtp_auth_server):
    notify_one(db, make_user(db, "ana@example.org"))
    wrong = smtp_auth_server.url.replace("p%40ss", "guess", 1)
    report = send(db, wrong)
    assert (report.sent, report.failed, report.left) == (0, 1, 1)
    [email] = outbox(db)
    assert "SMTPAuthenticationError" in email.last_error
    assert smtp_auth_server.received == []


def test_a_server_that_is_down_is_retried_with_backoff_then_given_up(db):
    down = f"smtp://127.0.0.1:{free_port()}"
    notify_one(db, make_user(db, "ana@example.org"))
    db.session.execute(update(OutboxEmail).values(next_attempt_at=T0))
    db.session.commit()
    at, waits = T0, []
    for attempt in range(1, mail.MAX_ATTEMPTS + 1):
        report = send(db, down, now=at)
        assert (report.sent, report.failed) == (0, 1)
        [email] = outbox(db)
        assert email.attempts == attempt and "Connection refused" in email.last_error
        assert email.claimed_until is None
        if attempt < mail.MAX_ATTEMPTS:
            assert email.status == "pending"
            # The sender's clock ran on a little while it tried: whole seconds.
            waits.append(timedelta(seconds=round((email.next_attempt_at - at).total_seconds())))
            # Not due a second before its next attempt.
            assert send(db, down, now=email.next_attempt_at - timedelta(seconds=1)).failed == 0
            at = email.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                     timedelta(hours=2), timedelta(hours=12)]
    assert (email.status, report.given_up, report.left) == ("failed", 1, 0)
    assert send(db, down, now=at + timedelta(days=365)).failed == 0  # given up for good


def test_a_failed_attempt_is_sent_when_the_server_is_back(db, smtp_server):
    notify_one(db, make_user(db, "ana@example.org"))
    assert send(db, f"smtp://127.0.0.1:{free_port()}").failed == 1
    assert send(db, smtp_server.url).sent == 0  # not due yet
    later = datetime.now(UTC) + mail.BACKOFF[0] + timedelta(seconds=1)
    assert send(db, smtp_server.url, now=later).sent == 1
    [email] = outbox(db)
    assert (email.status, email.attempts) == ("sent", 2)


def test_a_refused_recipient_fails_that_email_only(db, smtp_server):
    for address in ("ana@example.org", f"nobody@{REFUSED_DOMAIN}", "ben@example.org"):
        notify_one(db, make_user(db, address))
    report = send(db, smtp_server.url)
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["ana@example.org",
                                                                   "ben@example.org"]
    refused = [e for e in outbox(db) if e.status == "pending"]
    assert [e.to_address for e in refused] == [f"nobody@{REFUSED_DOMAIN}"]
    assert "550" in refused[0].last_error


def test_concurrent_senders_deliver_each_email_exactly_once(db, smtp_server):
    users = [User(email=f"user{i}@example.org", password_hash="-") for i in range(30)]
    db.session.add_all(users)
    db.session.commit()
    services.notify(db.session, [u.id for u in users], "offer_expiring", expiring(), "/o/1")
    db.session.commit()
    start, engine = threading.Barrier(4), db.engine
    reports, errors = [], []

    def run():
        try:
            start.wait()
            for _ in range(3):
                reports.append(mail.send_due(engine, mail_url=smtp_server.url,
                                             mail_from=FROM, limit=7))
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.sent for r in reports) == 30
    received = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert received == sorted(u.email for u in users)  # each exactly once
    assert {e.status for e in outbox(db)} == {"sent"}


def test_a_claim_holds_other_senders_off_until_it_lapses(db, smtp_server):
    notify_one(db, make_user(db, "ana@example.org"))
    now = datetime.now(UTC)
    db.session.execute(update(OutboxEmail).values(claimed_until=now + timedelta(minutes=5)))
    db.session.commit()
    assert send(db, smtp_server.url).sent == 0  # another sender has it
    assert send(db, smtp_server.url, now=now + timedelta(minutes=6)).sent == 1  # it died
    assert len(smtp_server.received) == 1


def test_a_sender_whose_claim_runs_out_gives_the_rest_back_unsent(db, smtp_server,
                                                                  monkeypatch):
    notify_one(db, make_user(db, "ana@example.org"))
    monkeypatch.setattr(mail, "CLAIM_MARGIN", mail.CLAIM)  # as if the claim were over
    report = send(db, smtp_server.url)
    assert (report.sent, report.failed, report.left) == (0, 0, 1)
    [email] = outbox(db)
    assert (email.claimed_until, email.attempts) == (None, 0)
    assert smtp_server.received == []


def test_without_mail_url_the_email_is_logged_and_counted_sent(db, caplog):
    notify_one(db, make_user(db, "ana@example.org"))
    with caplog.at_level(logging.INFO, logger="market.notifications"):
        report = send(db, None)
    assert report.sent == 1
    [record] = [r for r in caplog.records if r.name == "market.notifications"]
    assert "ana@example.org" in record.getMessage()
    assert "31 décembre 2026" in record.getMessage()
    assert [e.status for e in outbox(db)] == ["sent"]


@pytest.mark.parametrize("url, expected", [
    ("smtp://mail.example", mail.MailServer("smtp", "mail.example", 25)),
    ("smtps://mail.example", mail.MailServer("smtps", "mail.example", 465)),
    ("smtp://u%40x:p%3Aw%2F@mail.example:2525",
     mail.MailServer("smtp", "mail.example", 2525, "u@x", "p:w/")),
    ("smtps://user:@mail.example:587", mail.MailServer("smtps", "mail.example", 587, "user", "")),
])
def test_mail_url_names_scheme_credentials_host_and_port(url, expected):
    assert mail.parse_mail_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://mail:port",
                                 "mail.example:25"])
def test_a_mail_url_that_is_not_smtp_is_refused(url):
    with pytest.raises(mail.MailUrlError):
        mail.parse_mail_url(url)


def test_a_commit_in_a_request_kicks_the_background_sender_and_a_rollback_does_not(
        app, db, smtp_server):
    app.config.update(MAIL_SEND_AFTER_COMMIT=True, MAIL_URL=smtp_server.url)
    ana = make_user(db, "ana@example.org")
    with app.test_request_context("/"):  # the same application context, and its session
        services.notify(db.session, [ana.id], "offer_expiring", expiring("Annulée"), "/o/1")
        db.session.rollback()
        assert sender.wait_idle(app)
        services.notify(db.session, [ana.id], "offer_expiring", expiring("Gardée"), "/o/2")
        db.session.flush()
        assert sender.wait_idle(app) and smtp_server.received == []  # not committed yet
        db.session.commit()
        assert sender.wait_idle(app, timeout=20)
    assert [r.message["Subject"] for r in smtp_server.received] == [
        "[Intercoop] Votre offre « Gardée » expire bientôt"]
    assert [e.status for e in outbox(db)] == ["sent"]


def test_a_commit_outside_requests_leaves_the_mail_to_the_scheduled_sender(app, db):
    app.config.update(MAIL_SEND_AFTER_COMMIT=True)
    notify_one(db, make_user(db, "ana@example.org"))
    assert sender.wait_idle(app)
    assert [e.status for e in outbox(db)] == ["pending"]


def test_in_testing_nothing_is_sent_behind_the_tests_back(app, db):
    assert not sender.enabled(app)
    notify_one(db, make_user(db, "ana@example.org"))
    assert sender.wait_idle(app)
    assert [e.status for e in outbox(db)] == ["pending"]
