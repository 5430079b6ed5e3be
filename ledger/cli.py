"""`flask ledger ...`: verify, seal, expire-holds (and `export`, added by ledger.exports)."""

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ledger import expire_holds, seal, verify

ledger_cli = AppGroup("ledger", help="Check and maintain the ledger.")


def engine():
    """The application's database engine (the CLI is the only place that reads the app)."""
    return current_app.extensions["sqlalchemy"].engine


@ledger_cli.command("verify")
@click.option("--no-seal", is_flag=True, help="Do not seal the unsealed tail afterwards.")
def verify_command(no_seal: bool) -> None:
    """Recompute every hash, the event chain and every stored balance."""
    report = verify(engine(), seal=not no_seal)
    if report["ok"]:
        click.echo(f"ledger ok: {report['transfers']} transfers, {report['events']} events "
                   f"({report['sealed']} sealed before this run), {report['accounts']} "
                   "accounts agree.")
        return
    problem = report["first_problem"]
    click.echo(f"ledger verify FAILED: {problem['message']} "
               f"({report['problems']} problem(s) in all)", err=True)
    click.echo(json.dumps(problem, sort_keys=True), err=True)
    sys.exit(1)


@ledger_cli.command("seal")
def seal_command() -> None:
    """Hash-chain every committed event not yet sealed."""
    click.echo(f"sealed {seal(engine())} event(s)")


@ledger_cli.command("expire-holds")
def expire_holds_command() -> None:
    """Expire holds past their timeout, recording the events."""
    click.echo(f"expired {expire_holds(engine())} hold(s)")


def register_exports() -> None:
    """Attach `ledger export` when ledger.exports provides it (built separately)."""
    try:
        from ledger.exports.cli import export_command
    except ModuleNotFoundError as exc:
        if exc.name not in ("ledger.exports", "ledger.exports.cli"):
            raise
        return
    ledger_cli.add_command(export_command)


register_exports()
