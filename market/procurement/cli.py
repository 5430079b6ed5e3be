"""`flask procurement import PATH` (notices into tenders), `flask procurement notify` and
`close-due` (cron), and `flask siae import PATH.csv`."""

import sys
from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from market.members.models import Member, MemberStatus
from market.platform.database import begin_write
from market.platform.extensions import db
from market.platform.time import now_utc
from market.procurement import directory, imports, publishing, writing
from market.procurement.notice import Notice, NoticeError
from market.web.errors import AppError

procurement_cli = AppGroup("procurement", help="Public procurement: tenders and notices.")

#: Larger than any real notice (the EU's biggest run to a few hundred kB).
MAX_BYTES = 10 * 1024 * 1024


def find_buyer(session, notice: Notice, given: str | None) -> Member:
    """The member a notice is imported for: ``given`` (an id or a SIRET), else the active
    member holding the SIRET (or the only one holding the SIREN) the notice gives its buyer."""
    if given is not None:
        if not given.isdigit() or not (len(given) == 14 or len(given) <= 9):
            raise click.UsageError(f"--buyer {given!r}: a member id or a 14-digit SIRET")
        where = Member.siret == given if len(given) == 14 else Member.id == int(given)
    elif len(notice.buyer_identifier) in (9, 14) and notice.buyer_identifier.isdigit():
        column = Member.siret if len(notice.buyer_identifier) == 14 else Member.siren
        where = column == notice.buyer_identifier
    else:
        raise click.UsageError("the notice names no buyer SIRET or SIREN: give "
                               "--buyer ID|SIRET")
    found = session.scalars(select(Member).where(where, Member.status == MemberStatus.active)
                            .limit(2)).all()
    if len(found) != 1:
        raise click.ClickException(f"no single active member {given or notice.buyer_identifier}"
                                   f" to import {notice.identifier} for; give --buyer ID|SIRET")
    return found[0]


@procurement_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--buyer", help="The buying member: its id or SIRET (default: the member "
                              "with the SIRET the notice gives its buyer).")
def import_command(path: Path, buyer: str | None) -> None:
    """Import an eForms contract notice (XML) or an OCDS release package (JSON): a tender
    per notice, with its lots; the same notice again updates its tender."""
    if path.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"{path}: larger than {MAX_BYTES // 2**20} MB")
    try:
        notices = imports.read(path.read_bytes())
    except NoticeError as error:
        click.echo(f"{path}: {error.message}", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    begin_write(db.session)
    try:
        done = [imports.import_notice(db.session, notice,
                                      find_buyer(db.session, notice, buyer))
                for notice in notices]
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{path}: {error.message}") from None
    db.session.commit()
    for result in done:
        tender = result.tender
        lots = ", ".join(f"{lot.lot_id} (CPV {lot.cpv_main})" for lot in tender.lots)
        click.echo(f"tender {tender.id} {'created' if result.created else 'updated'}: "
                   f"{tender.title} [{tender.source} {tender.identifier}], buyer "
                   f"{tender.buyer.name}, {len(tender.lots)} lot(s): {lots}")


@procurement_cli.command("notify")
def notify_command() -> None:
    """Notify the next batch of structures of each published lot that still lacks interested
    ones (at most a batch a day per lot; cron, daily); idempotent."""
    begin_write(db.session)
    sent = publishing.send_batches(db.session, now_utc())
    db.session.commit()
    click.echo(f"procurement: {sent.structures} structure(s) notified for {sent.lots} lot(s)")


@procurement_cli.command("close-due")
def close_due_command() -> None:
    """Close the published tenders whose deadline has passed; idempotent."""
    begin_write(db.session)
    closed = writing.close_due(db.session, now_utc())
    db.session.commit()
    ids = ", ".join(str(tender.id) for tender in closed)
    click.echo(f"procurement: {len(closed)} tender(s) closed" + (f": {ids}" if ids else ""))


siae_cli = AppGroup("siae", help="The directory of work-integration and disability-employment "
                                 "structures.")


@siae_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def siae_import_command(path: Path) -> None:
    """Load a directory CSV (columns: see the README): each valid row creates or updates
    the structure with its SIRET; rejected rows are listed with their line and reason."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{path}: not UTF-8 ({error.reason} at byte "
                                   f"{error.start})") from None
    lines = max(0, text.count("\n") - 1)
    begin_write(db.session)
    with ExitStack() as stack:
        progress = None
        if sys.stderr.isatty():
            bar = click.progressbar(length=lines, label="Rows", file=sys.stderr)
            progress = stack.enter_context(bar).update
        try:
            report = directory.import_directory(db.session, text, progress=progress)
        except directory.RowError as error:
            db.session.rollback()
            raise click.ClickException(f"{path}: {error}") from None
    db.session.commit()
    for line, reason in report.rejected:
        click.echo(f"{path}:{line}: rejected: {reason}", err=True)
    click.echo(f"siae: {report.created} created, {report.updated} updated, "
               f"{len(report.rejected)} rejected")
