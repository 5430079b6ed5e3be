"""`flask orders expire`: expire the accepted orders whose hold lapsed (cron, systemd timers)."""

import click
from flask.cli import AppGroup

from market.orders import services
from market.platform.database import begin_write
from market.platform.extensions import db

orders_cli = AppGroup("orders", help="Orders between members.")


@orders_cli.command("expire")
def expire_command() -> None:
    """Release the lapsed holds and expire their orders (stock given back), in one
    transaction; safe to run again, and beside another run."""
    begin_write(db.session)
    try:
        count = services.expire_due(db.session)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(f"orders: {count} expired")
