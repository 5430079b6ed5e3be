"""`flask seed-demo`: a living demo network, idempotent (running it twice changes nothing)."""

import hashlib
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from stdnum import luhn
from werkzeug.security import generate_password_hash

from market.auth.models import User, UserRole
from market.demo import data as demo_data
from market.demo.currencies import book_periods, seed_currencies, summary
from market.demo.groupings import seed_procurement
from market.demo.ledger import seed_ledger
from market.demo.market import seed_marketplace
from market.demo.tenders import seed_tenders
from market.members.models import Member, MemberSector, MemberStatus, Network
from market.platform.database import begin_write
from market.platform.extensions import db


def demo_siret(key: str) -> str:
    """Return a stable, Luhn-valid SIRET for a demo organisation."""
    digits = str(int(hashlib.sha256(key.encode()).hexdigest(), 16))[:8]
    siren = digits + luhn.calc_check_digit(digits)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def upsert_networks(session) -> dict[str, Network]:
    """Create the demo networks that do not exist yet."""
    networks = {n.slug: n for n in session.scalars(select(Network))}
    for slug, name, kind, description in demo_data.NETWORKS:
        if slug not in networks:
            networks[slug] = Network(slug=slug, name=name, kind=kind, description=description)
            session.add(networks[slug])
    return networks


def build_member(row, networks: dict[str, Network]) -> Member:
    """Make a Member from one row of demo_data.MEMBERS."""
    (key, name, legal_form, kind, place, street, sectors, network_slugs,
     turnover, headcount, insertion, description) = row
    city, postcode, insee, department, region, country, nuts, lat, lon = place
    french = country == "FR"
    siret = demo_siret(key) if french else None
    return Member(
        name=name, siret=siret, siren=siret[:9] if siret else None,
        foreign_id=None if french else f"{country}-{demo_siret(key)[:9]}",
        legal_form=legal_form, inclusion_kind=kind, status=MemberStatus.active,
        address=street, postcode=postcode, city=city, insee_code=insee,
        department=department, region=region, country=country, nuts_code=nuts,
        latitude=Decimal(lat), longitude=Decimal(lon), description=description,
        website=f"https://{key}.example", contact_email=f"contact@{key}.example",
        turnover_cents=None if turnover is None else turnover * 100,
        headcount=headcount, insertion_headcount=insertion,
        networks=[networks[s] for s in network_slugs],
        sector_links=[MemberSector(sector_code=code) for code in sectors],
    )


def upsert_members(session, networks) -> dict[str, Member]:
    """Create the demo members that do not exist yet, keyed by their demo key."""
    by_name = {m.name: m for m in session.scalars(select(Member))}
    members = {}
    for row in demo_data.MEMBERS:
        key, name = row[0], row[1]
        members[key] = by_name.get(name) or build_member(row, networks)
        session.add(members[key])
    return members


def upsert_sign_ups(session) -> dict[str, Member]:
    """Create the pending sign-ups that do not exist yet (two claim one SIRET), keyed."""
    by_name = {m.name: m for m in session.scalars(select(Member))}
    pending = {}
    for key, siret_key, name, legal_form, kind, place, contact, email in demo_data.SIGN_UPS:
        city, postcode, insee, department, region, country, nuts, lat, lon = place
        siret = demo_siret(siret_key)
        pending[key] = by_name.get(name) or Member(
            name=name, siret=siret, siren=siret[:9], legal_form=legal_form,
            inclusion_kind=kind, status=MemberStatus.pending, postcode=postcode, city=city,
            insee_code=insee, department=department, region=region, country=country,
            nuts_code=nuts, contact_name=contact, contact_email=email)
        session.add(pending[key])
    return pending


def sign_up_users(pending: dict[str, Member]) -> list[tuple[str, str, str, str]]:
    """The admins of the pending sign-ups, as rows of demo_data.USERS."""
    return [(member.contact_email, "member_admin", key, member.contact_name)
            for key, member in pending.items()]


def upsert_users(session, members, rows=demo_data.USERS) -> list[tuple[str, str, str]]:
    """Create the demo users and their roles; return (email, role, organisation) rows."""
    logins = []
    # Every demo user signs in with the published password: one hash serves them all (each
    # costs ~0.1 s of scrypt, and the demo has dozens of users).
    password_hash = generate_password_hash(demo_data.DEMO_PASSWORD)
    for email, role, member_key, name in rows:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name,
                        password_hash=password_hash)
            session.add(user)
        member = members.get(member_key) if member_key else None
        session.flush()
        if not user.holds_role(role, member.id if member else None):
            user.roles.append(UserRole(role=role, member_id=member.id if member else None))
        logins.append((email, role, member.name if member else "réseau"))
    return logins


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when members already exist.")
@with_appcontext
def seed_demo_command(if_empty: bool):
    """Build the demo network (members, networks, users, ledger) and print the demo logins."""
    environment = current_app.config["ENV_NAME"]
    if environment == "production":
        # Its users' password is published in the README: never on a production database.
        raise click.ClickException("seed-demo refuses to run in production (INTERCOOP_ENV is "
                                   "production or unset): the demo users have a published "
                                   "password. Choose INTERCOOP_ENV=development or demo.")
    session = db.session
    if if_empty and session.scalar(select(Member.id).limit(1)) is not None:
        click.echo("seed-demo: the database already holds members; nothing to do.")
        return
    networks = upsert_networks(session)
    members = upsert_members(session, networks)
    pending = upsert_sign_ups(session)
    logins = upsert_users(session, {**members, **pending},
                          [*demo_data.USERS, *sign_up_users(pending)])
    session.commit()
    click.echo(f"Réseau de démonstration : {len(members)} membres, {len(networks)} réseaux.")
    begin_write(session)
    ledger_summary = seed_ledger(session, members, networks)
    session.commit()
    if ledger_summary:
        click.echo(ledger_summary)
    begin_write(session)
    market_summary = seed_marketplace(session, members)
    session.commit()
    if market_summary:
        click.echo(market_summary)
    begin_write(session)
    procurement_summary = seed_procurement(session, members)
    session.commit()
    if procurement_summary:
        click.echo(procurement_summary)
    begin_write(session)
    tenders_summary = seed_tenders(session, members)
    session.commit()
    if tenders_summary:
        click.echo(tenders_summary)
    # Last: the currencies' capabilities use the share offer and the members' euros.
    begin_write(session)
    currencies_seeded = seed_currencies(session, members, networks)
    session.commit()
    for line in summary(currencies_seeded, book_periods(session, db.engine)):
        click.echo(line)
    click.echo(f"Identifiants de démonstration (mot de passe : {demo_data.DEMO_PASSWORD}) :")
    for email, role, organisation in logins:
        click.echo(f"  {email:40} {role:18} {organisation}")
