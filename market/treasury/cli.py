"""`flask ledger ...`: verify, seal, expire holds and export the ledger."""

import json
import sys
from contextlib import ExitStack

import click
from flask.cli import AppGroup

from ledger import expire_holds, seal, verify
from ledger.exports import FORMATS, ExportError, export_ledger
from market.payments.redemptions import reserve_problems
from market.platform.extensions import db
from market.treasury.owners import owner_for

ledger_cli = AppGroup("ledger", help="Check and maintain the ledger.")

#: Below this many transfers an export is quick enough to need no progress bar.
PROGRESS_FROM = 1000


@ledger_cli.command("verify")
@click.option("--no-seal", is_flag=True, help="Do not seal the unsealed tail afterwards.")
def verify_command(no_seal: bool) -> None:
    """Recompute every hash, the event chain and every stored balance."""
    report = verify(db.engine, seal=not no_seal)
    with db.engine.connect() as conn:
        uncovered = reserve_problems(conn)
    for problem in uncovered:
        click.echo(f"reserve FAILED: {problem['currency']}: {problem['circulating']} units "
                   f"in circulation need {problem['needed_eur']} EUR, the reserve holds "
                   f"{problem['reserve_eur']} EUR", err=True)
    if report["ok"] and not uncovered:
        click.echo(f"ledger ok: {report['transfers']} transfers, {report['events']} events "
                   f"({report['sealed']} sealed before this run), {report['accounts']} "
                   "accounts agree; every backed currency's reserve covers its units.")
        return
    if report["ok"]:
        sys.exit(1)
    problem = report["first_problem"]
    click.echo(f"ledger verify FAILED: {problem['message']} "
               f"({report['problems']} problem(s) in all)", err=True)
    click.echo(json.dumps(problem, sort_keys=True), err=True)
    sys.exit(1)


@ledger_cli.command("seal")
def seal_command() -> None:
    """Hash-chain every committed event not yet sealed."""
    click.echo(f"sealed {seal(db.engine)} event(s)")


@ledger_cli.command("expire-holds")
def expire_holds_command() -> None:
    """Expire holds past their timeout, recording the events."""
    click.echo(f"expired {expire_holds(db.engine)} hold(s)")


@ledger_cli.command("export")
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
def export_command(fmt: str, output: str, currency: str | None, member: str | None,
                   year: int | None) -> None:
    """Export every account and posted transfer, with closing balances."""
    if member is not None:
        owner = owner_for(member)
        if owner is None:
            raise click.ClickException(f"no member matches --member {member!r}")
        member = owner
    with ExitStack() as stack:
        def progress(snapshot):
            if snapshot.count < PROGRESS_FROM or not sys.stderr.isatty():
                return None
            bar = click.progressbar(length=snapshot.count, label="Exporting", file=sys.stderr)
            return stack.enter_context(bar).update

        try:
            done = export_ledger(db.engine, fmt, output, currency=currency, member=member,
                                 year=year, progress=progress)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {done['transfers']} transfer(s) and {done['accounts']} account(s) "
               f"to {done['path']} ({fmt}).")
