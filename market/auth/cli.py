"""`flask users ...`: create users, grant roles, issue and revoke API tokens."""

import secrets
from contextlib import contextmanager
from datetime import timedelta

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from market.auth import services, sessions, signin, throttle
from market.auth.models import User
from market.auth.roles import Role
from market.members.identifiers import InvalidIdentifier, clean_siret
from market.members.services import member_with_siret
from market.platform.extensions import db
from market.platform.time import now_utc
from market.web.errors import AppError, ValidationError

users_cli = AppGroup("users", help="Create users and API tokens.")

ROLE_CHOICE = click.Choice([role.value for role in Role])
member_option = click.option("--member", "siret", metavar="SIRET",
                             help="The member the role is held for (member roles, buyer).")


@contextmanager
def use_case():
    """Commit what the block wrote, or write nothing and exit non-zero with the reason."""
    try:
        yield
        db.session.commit()
    except (AppError, InvalidIdentifier) as exc:
        db.session.rollback()
        raise click.ClickException(describe(exc)) from None


def describe(exc: Exception) -> str:
    """Render an error and its field messages on one line for the terminal."""
    if isinstance(exc, ValidationError):
        return " ".join(m for messages in exc.fields.values() for m in messages)
    return getattr(exc, "message", str(exc))


def member_id_for(siret: str | None) -> int | None:
    """Return the id of the member with this SIRET (None without one); refuse unknown ones."""
    if siret is None:
        return None
    cleaned = clean_siret(siret)
    found = member_with_siret(db.session, cleaned)
    member_id = found.id if found is not None else None
    if member_id is None:
        raise ValidationError({"member": [_("Aucun membre n'a le SIRET %(siret)s.",
                                            siret=cleaned)]})
    return member_id


def user_for(email: str) -> User:
    """Return the user with this email or refuse."""
    user = services.find_user(db.session, email)
    if user is None:
        raise ValidationError({"email": [_("Aucun compte n'a l'adresse %(email)s.",
                                           email=email)]})
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=ROLE_CHOICE, help="The role to grant.")
@member_option
@click.option("--password", help="Password (at least 10 characters); generated if omitted.")
@click.option("--name", default="", help="Display name.")
def create_command(email, role, siret, password, name):
    """Create a user holding ROLE (for the member with SIRET when member-scoped)."""
    generated = password is None
    password = password or secrets.token_urlsafe(18)
    with use_case():
        user = services.create_user(db.session, email, password,
                                    [(role, member_id_for(siret))], name=name)
    click.echo(_("Compte créé : %(email)s (%(role)s).", email=user.email, role=role))
    if generated:
        click.echo(_("Mot de passe : %(password)s", password=password))


@users_cli.command("grant")
@click.argument("email")
@click.option("--role", required=True, type=ROLE_CHOICE, help="The role to grant.")
@member_option
def grant_command(email, role, siret):
    """Give an existing user another role."""
    with use_case():
        services.grant_role(db.session, user_for(email), role, member_id_for(siret))
    click.echo(_("Rôle %(role)s accordé à %(email)s.", role=role, email=email))


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="What the token is for.")
@click.option("--expires-in-days", type=click.IntRange(1, 5 * 365),
              help="Days until it stops working (default: until revoked).")
@click.option("--can-create-tokens", is_flag=True,
              help="Let calls made with it create other tokens.")
def token_command(email, name, expires_in_days, can_create_tokens):
    """Create an API token for EMAIL and print it alone on the last line."""
    expires_at = now_utc() + timedelta(days=expires_in_days) if expires_in_days else None
    with use_case():
        _token, plaintext = services.create_token(db.session, user_for(email), name,
                                                  expires_at, can_create_tokens)
    click.echo(_("Jeton d'API créé ; il ne sera plus jamais affiché :"))
    click.echo(plaintext)


@users_cli.command("revoke-token")
@click.argument("email")
@click.argument("token_id", type=int)
def revoke_token_command(email, token_id):
    """Revoke the API token TOKEN_ID of EMAIL."""
    with use_case():
        services.revoke_token(db.session, user_for(email), token_id)
    click.echo(_("Jeton %(id)d révoqué.", id=token_id))


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Deactivate a user: their sessions and API tokens stop working."""
    with use_case():
        services.set_active(db.session, user_for(email), False)
    click.echo(_("Compte %(email)s désactivé.", email=email))


@users_cli.command("prune-login-attempts")
@click.option("--older-than-days", default=30, show_default=True, type=click.IntRange(min=1))
def prune_attempts_command(older_than_days):
    """Forget old sign-in attempts, the limits' ended windows and sessions ended or begun
    that long ago (run it from the scheduler; running it twice is harmless)."""
    before = now_utc() - timedelta(days=older_than_days)
    with use_case():
        removed = signin.prune_attempts(db.session, before)
        windows = throttle.prune(db.session, before)
        ended = sessions.prune(db.session, before)
    click.echo(_("%(n)d tentatives de connexion effacées.", n=removed))
    click.echo(_("%(n)d fenêtres de limitation effacées.", n=windows))
    click.echo(_("%(n)d sessions closes effacées.", n=ended))


@users_cli.command("list")
def list_command():
    """List users with their roles and live API tokens."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        roles = ", ".join(f"{r.role}#{r.member_id}" if r.member_id else r.role
                          for r in user.roles) or "-"
        tokens = ", ".join(f"{t.id}:{t.prefix}…" for t in services.live_tokens(db.session, user))
        state = "" if user.active else " [inactif]"
        click.echo(f"{user.email}{state}\t{roles}\t{tokens or '-'}")


@users_cli.command("facilitator")
@click.argument("email")
@click.option("--departments", required=True, metavar='"17 79"',
              help="The department codes the clause facilitator follows (replacing those "
                   "they did), separated by spaces or commas.")
def facilitator_command(email, departments):
    """Set the departments a clause facilitator (EMAIL) follows."""
    from market.procurement import facilitators

    codes = departments.replace(",", " ").split()
    with use_case():
        codes = facilitators.set_departments(db.session, user_for(email), codes)
    click.echo(_("%(email)s suit les départements : %(departments)s.", email=email,
                 departments=" ".join(codes) or "-"))
