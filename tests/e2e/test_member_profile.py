"""A member admin signs in, edits the organisation's profile and finds it in the directory."""

from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from market.auth.models import User, UserRole
from market.members.models import Member

PASSWORD = "mot-de-passe-solide-42"


def seed_member_admin(db) -> Member:
    """An active ACI in Bayonne and its admin user."""
    member = Member(name="Jardins de la Nive", siret="73282932000074", siren="732829320",
                    legal_form="association", inclusion_kind="ACI", status="active",
                    city="Bayonne", postcode="64100", department="64",
                    region="Nouvelle-Aquitaine", country="FR")
    db.session.add(member)
    db.session.flush()
    db.session.add(User(email="admin@nive.example", name="Maite",
                        password_hash=generate_password_hash(PASSWORD),
                        roles=[UserRole(role="member_admin", member_id=member.id)]))
    db.session.commit()
    return member


def test_member_admin_edits_profile_and_finds_it_in_the_directory(live_server, page, db, axe):
    member = seed_member_admin(db)

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "admin@nive.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("header")).to_contain_text("admin@nive.example")

    page.goto(f"{live_server}/members/{member.id}/edit")
    page.fill("input[name=name]", "Jardins Solidaires de la Nive")
    page.fill("textarea[name=description]", "Maraîchage biologique et entretien des berges.")
    page.fill("input[name=city]", "Ustaritz")
    page.click("form.member-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Jardins Solidaires de la Nive")
    expect(page.locator("main")).to_contain_text("Maraîchage biologique")

    page.goto(f"{live_server}/?q=Solidaires+de+la+Nive")
    card = page.locator(".card", has_text="Jardins Solidaires de la Nive")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Ustaritz")
    expect(card).to_contain_text("ACI")
    axe(page)
    card.locator("a", has_text="Jardins Solidaires de la Nive").first.click()
    expect(page.locator("h1")).to_contain_text("Jardins Solidaires de la Nive")
