"""`flask currency ...`: the periodic jobs of currencies (demurrage, programmes' issuance).

Both are idempotent and safe to run concurrently: every transfer carries a reference
unique across the ledger (market.currencies.demurrage.book_once).
"""

import sys
from contextlib import ExitStack

import click
from flask.cli import AppGroup
from sqlalchemy import select

from market.currencies import demurrage, programmes
from market.currencies.models import CurrencyPolicy
from market.platform.extensions import db

currency_cli = AppGroup("currency", help="Book the periodic jobs of currencies.")

#: Below this many transfers a job is quick enough to need no progress bar.
PROGRESS_FROM = 1000


def _bars(stack: ExitStack, label: str):
    """A factory of progress callbacks: a bar on a terminal for long jobs, else nothing."""
    def progress_for(count: int):
        if count < PROGRESS_FROM or not sys.stderr.isatty():
            return None
        bar = click.progressbar(length=count, label=label, file=sys.stderr)
        return stack.enter_context(bar).update
    return progress_for


def _report(what: str, done: demurrage.Booked) -> None:
    click.echo(f"{what}: {done.booked} booked, {done.already} already booked, "
               f"{done.refused} refused")
    for error in done.errors[:10]:
        click.echo(f"  refused: {error.get('code')}: {error.get('message')}", err=True)


@currency_cli.command("demurrage")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="A day of the period to book (the day, or its calendar month).")
@click.option("--currency", "code", help="Only this currency.")
def demurrage_command(day, code: str | None) -> None:
    """Book each account's demurrage for the period containing --date, exactly once."""
    query = select(CurrencyPolicy).order_by(CurrencyPolicy.code)
    if code is not None:
        query = query.where(CurrencyPolicy.code == code)
    rules = [r for r in map(demurrage.rules_of, db.session.scalars(query)) if r is not None]
    db.session.rollback()  # the bookings run in transactions of their own
    if code is not None and not rules:
        raise click.ClickException(f"{code} charges no demurrage")
    for rule in rules:
        with ExitStack() as stack:
            try:
                done = demurrage.book_demurrage(
                    db.engine, rule, day.date(),
                    progress_for=_bars(stack, f"Demurrage {rule.code}"))
            except demurrage.PeriodNotOver as exc:
                raise click.ClickException(str(exc)) from exc
        _report(f"demurrage {rule.code}", done)


@currency_cli.command("issue")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="A day of the period to book (its ISO week or calendar month).")
def issue_command(day) -> None:
    """Book each active programme's issuance for the period containing --date, once."""
    work = [(p, programmes.recipient_ids(db.session, p.id))
            for p in programmes.active_programmes(db.session)]
    for programme, _ in work:
        db.session.expunge(programme)
    db.session.rollback()
    for programme, recipients in work:
        with ExitStack() as stack:
            done = programmes.issue(db.engine, programme, recipients, day.date(),
                                    progress_for=_bars(stack, f"Programme {programme.id}"))
        _report(f"programme {programme.id} ({programme.name})", done)
