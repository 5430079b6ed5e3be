"""`flask notifications send`: send the due emails of the outbox (cron, systemd timers)."""

import click
from flask import current_app
from flask.cli import AppGroup

from market.notifications import mail
from market.platform.extensions import db

notifications_cli = AppGroup("notifications", help="Send notification emails.")


@notifications_cli.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help="Emails claimed at a time.")
def send_command(limit: int) -> None:
    """Send every due email once; safe to run again, and beside other senders."""
    config = current_app.config
    total = mail.SendReport()
    try:
        while True:
            report = mail.send_due(db.engine, mail_url=config["MAIL_URL"],
                                   mail_from=config["MAIL_FROM"], limit=limit)
            total.sent += report.sent
            total.failed += report.failed
            total.given_up += report.given_up
            total.left = report.left
            # A short batch means nothing more is due now (failures wait their back-off).
            if report.sent + report.failed < limit:
                break
    except mail.MailUrlError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"notifications: {total.sent} sent, {total.failed} failed "
               f"({total.given_up} given up), {total.left} left")
