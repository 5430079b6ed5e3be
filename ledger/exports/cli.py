"""`flask ledger export`: write the ledger for beancount, hledger, the FEC or a spreadsheet."""

import sys
from contextlib import ExitStack

import click
from flask import current_app
from flask.cli import with_appcontext

from ledger.exports import FORMATS, ExportError, export_ledger

#: Below this many transfers an export is quick enough to need no progress bar.
PROGRESS_FROM = 1000


def owner_of(member: str) -> str:
    """Map --member to an owner reference with the application's lookup, when it has one.

    The ledger knows only opaque owner references; the application that owns the members
    (market) registers `ledger_owner_lookup` to turn a SIRET into one.
    """
    lookup = current_app.extensions.get("ledger_owner_lookup")
    if lookup is None:
        return member
    owner = lookup(member)
    if owner is None:
        raise click.ClickException(f"no member matches --member {member!r}")
    return owner


@click.command("export")
@click.option("--format", "fmt", required=True, type=click.Choice(list(FORMATS)),
              help="beancount (v3), hledger (1.25+), fec (French FEC) or csv.")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="File to write; replaced only once the export is complete.")
@click.option("--currency", help="Only this currency's postings and accounts.")
@click.option("--member", metavar="SIRET|OWNER",
              help="Only transfers touching this member's accounts (whole transfers, "
                   "counter-accounts included): a SIRET, or an owner reference.")
@click.option("--year", type=click.IntRange(1970, 9999),
              help="Only transfers posted in this calendar year (UTC), with opening "
                   "balances and balances at the year's end.")
@with_appcontext
def export_command(fmt: str, output: str, currency: str | None, member: str | None,
                   year: int | None) -> None:
    """Export every account and posted transfer, with closing balances."""
    engine = current_app.extensions["sqlalchemy"].engine
    if member is not None:
        member = owner_of(member)
    with ExitStack() as stack:
        def progress(snapshot):
            if snapshot.count < PROGRESS_FROM or not sys.stderr.isatty():
                return None
            bar = click.progressbar(length=snapshot.count, label="Exporting", file=sys.stderr)
            return stack.enter_context(bar).update

        try:
            done = export_ledger(engine, fmt, output, currency=currency, member=member,
                                 year=year, progress=progress)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {done['transfers']} transfer(s) and {done['accounts']} account(s) "
               f"to {done['path']} ({fmt}).")
