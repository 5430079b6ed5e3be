"""`flask offers expire`: expire offers past their end, remind those ending soon (cron)."""

import sys
from contextlib import ExitStack

import click
from flask.cli import AppGroup

from market.offers import expiry
from market.platform.extensions import db
from market.platform.time import now_utc

offers_cli = AppGroup("offers", help="Marketplace offers: periodic jobs.")

#: Runs touching fewer offers than this show no progress bar.
PROGRESS_FROM = 200


@offers_cli.command("expire")
@click.option("--batch", default=expiry.BATCH, show_default=True,
              type=click.IntRange(1, 10_000), help="Offers locked and changed at a time.")
def expire_command(batch: int) -> None:
    """Expire offers past their end date and remind members of offers ending within 7 days
    and 1 day; idempotent, and safe beside another run."""
    now = now_utc()
    with ExitStack() as stack:
        update = None
        if sys.stderr.isatty():
            total = expiry.count_due(db.session, now)
            db.session.rollback()  # no read transaction held while the batches write
            if total >= PROGRESS_FROM:
                bar = click.progressbar(length=total, label="Offers", file=sys.stderr)
                update = stack.enter_context(bar).update
        report = expiry.run(db.session, now=now, limit=batch, progress=update)
    reminded = ", ".join(f"{n} reminded {days} day(s) ahead"
                         for days, n in sorted(report.reminded.items(), reverse=True))
    click.echo(f"offers: {report.expired} expired, {reminded}")
