"""`flask notifications send`: what cron runs; idempotent, and it says what it did."""

from sqlalchemy import select

from market.notifications.models import OutboxEmail
from tests.integration import smtp_server as smtp
from tests.integration.members_factories import make_user
from tests.integration.smtp_server import free_port
from tests.integration.test_notifications_services import notify_one

smtp_server = smtp.smtp_server  # the fixture


def test_send_delivers_what_is_due_then_has_nothing_left_to_do(app, db, runner, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    for i in range(3):
        notify_one(db, make_user(db, f"user{i}@example.org"))
    result = runner.invoke(args=["notifications", "send", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "notifications: 3 sent, 0 failed (0 given up), 0 left"
    again = runner.invoke(args=["notifications", "send"])
    assert again.output.strip() == "notifications: 0 sent, 0 failed (0 given up), 0 left"
    assert len(smtp_server.received) == 3


def test_send_counts_failures_and_what_is_left_for_later(app, db, runner):
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    notify_one(db, make_user(db, "ana@example.org"))
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0
    assert result.output.strip() == "notifications: 0 sent, 1 failed (0 given up), 1 left"


def test_send_refuses_a_mail_url_it_cannot_use_and_touches_nothing(app, db, runner):
    app.config["MAIL_URL"] = "http://mail.example"
    notify_one(db, make_user(db, "ana@example.org"))
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code != 0
    assert "smtp://" in result.output
    db.session.rollback()
    [email] = db.session.scalars(select(OutboxEmail))
    assert (email.status, email.attempts, email.claimed_until) == ("pending", 0, None)
