"""`flask seed-demo`: a living demo network, idempotent."""

import click


@click.command("seed-demo")
def seed_demo_command():
    """Build the demo network and print the demo logins."""
    click.echo("nothing to seed yet")
