"""The directory, profile and profile edit pages."""

import html as htmllib
import re

import pytest

from market.auth.roles import Role
from market.members.models import Member, MemberStatus
from tests.integration.members_factories import (
    log_in,
    make_member,
    make_network,
    make_user,
    valid_siret,
    wrong_key,
)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def edit_form(client, member_id: int) -> dict:
    """Fetch the edit page and return its fields as a form post would send them."""
    html = client.get(f"/members/{member_id}/edit").get_data(as_text=True)
    fields = {name: htmllib.unescape(value) for name, value in
              re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    fields.pop("lang", None)
    fields.pop("next", None)
    fields["csrf_token"] = csrf_token(html)
    for select in ("legal_form", "inclusion_kind"):
        fields[select] = re.search(
            rf'<select[^>]*name="{select}".*?<option selected value="([^"]*)"', html,
            re.S).group(1)
    return fields


@pytest.fixture
def admin_of(db):
    def make(member):
        user = make_user(db, f"admin{member.id}@example.org", [(Role.member_admin, member.id)])
        return user
    return make


def test_the_directory_is_the_home_page_and_lists_active_members(client, db):
    make_member(db, "Jardins de l'Adour", n=1, sectors=["green.maintenance"],
                inclusion_kind="ACI")
    make_member(db, "En attente", n=2, status=MemberStatus.pending)
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jardins de l&#39;Adour" in html
    assert "Entretien d&#39;espaces verts" in html and "ACI" in html
    assert "En attente" not in html


def test_the_directory_filters_by_sector_kind_territory_network_and_name(client, db):
    mes = make_network(db, "mes", "MES")
    make_member(db, "Jardins de l'Adour", n=1, sectors=["green.maintenance"],
                inclusion_kind="ACI", networks=[mes])
    make_member(db, "Propreté du Labourd", n=2, sectors=["cleaning.offices"],
                inclusion_kind="EI")
    make_member(db, "Coop Liège", n=3, country="BE", region="Wallonie", nuts_code="BE332")

    def shown(query):
        html = client.get(f"/?{query}").get_data(as_text=True)
        return {name for name in ("Adour", "Labourd", "Coop Li") if name in html}

    assert shown("sector=green.maintenance") == {"Adour"}
    assert shown("sector_group=cleaning") == {"Labourd"}
    assert shown("inclusion_kind=EI") == {"Labourd"}
    assert shown("region=Wallonie") == {"Coop Li"}
    assert shown("network=mes") == {"Adour"}
    assert shown("q=labourd&sector=") == {"Labourd"}


def test_the_directory_pages_through_results(client, db):
    for n in range(30):
        make_member(db, f"Membre {n:02d}", n=n)
    first = client.get("/").get_data(as_text=True)
    assert "Membre 00" in first and "Membre 29" not in first
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert "Membre 29" in second and "Membre 00" not in second


def test_a_bad_filter_is_ignored_with_a_message(client, db):
    make_member(db, "Jardins", n=1)
    response = client.get("/?sector=nope&inclusion_kind=XYZ")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Filtre ignoré" in html and "Secteur : Valeur inconnue." in html


def test_the_profile_shows_public_fields_sectors_networks_and_capacity(client, db):
    mes = make_network(db, "mes", "Mouvement pour l'économie solidaire")
    member = make_member(db, "Jardins de l'Adour", n=1, sectors=["green.maintenance"],
                         networks=[mes], turnover_cents=68_000_000, headcount=42,
                         insertion_headcount=34, description="Maraîchage biologique")
    html = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "Entretien d&#39;espaces verts" in html
    assert "Mouvement pour l&#39;économie solidaire" in html
    assert "680\u202f000\u00a0€" in html and "42" in html and "34" in html
    assert valid_siret(1) in html
    assert "Modifier le profil" not in html


def test_a_pending_profile_is_not_found_for_strangers(client, db):
    member = make_member(db, n=1, status=MemberStatus.pending)
    assert client.get(f"/members/{member.id}").status_code == 404


def test_a_member_admin_edits_their_profile_and_is_sent_back_to_it(client, db, admin_of):
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    fields = edit_form(client, member.id)
    fields.update(description="Nouvelle présentation", turnover="125 000,5",
                  sectors=["green.maintenance", "agri.market_gardening"])
    response = client.post(f"/members/{member.id}/edit", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/members/{member.id}")
    db.session.expire_all()
    stored = db.session.get(Member, member.id)
    assert stored.description == "Nouvelle présentation"
    assert stored.turnover_cents == 12_500_050
    assert stored.sector_codes == ["agri.market_gardening", "green.maintenance"]
    assert "Le profil a été enregistré." in client.get(f"/members/{member.id}").get_data(
        as_text=True)


def test_posting_the_edit_form_without_a_csrf_token_is_refused(client, db, admin_of):
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    fields = edit_form(client, member.id)
    del fields["csrf_token"]
    response = client.post(f"/members/{member.id}/edit", data={**fields, "name": "Hacked"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Member, member.id).name == "Jardins de l'Adour"


def test_an_invalid_siret_shows_the_form_again_and_writes_nothing(client, db, admin_of):
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    fields = edit_form(client, member.id)
    fields.update(siret=wrong_key(valid_siret(9)), name="Renamed")
    response = client.post(f"/members/{member.id}/edit", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "clé de contrôle invalide" in html
    assert 'value="Renamed"' in html
    db.session.expire_all()
    assert db.session.get(Member, member.id).name == "Jardins de l'Adour"


@pytest.mark.parametrize("field, value, message", [
    ("name", "x" * 201, "Au plus 200 caractères."),
    ("turnover", "beaucoup", "deux décimales"),
    ("latitude", "123", "Entre -90 et 90."),
    ("contact_email", "nobody", "Adresse électronique invalide."),
])
def test_a_bad_field_shows_the_form_again_with_its_message(client, db, admin_of, field,
                                                           value, message):
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    fields = edit_form(client, member.id)
    fields[field] = value
    response = client.post(f"/members/{member.id}/edit", data=fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_siret_already_taken_shows_the_form_again(client, db, admin_of):
    make_member(db, "Other", n=2)
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    fields = edit_form(client, member.id)
    fields["siret"] = valid_siret(2)
    response = client.post(f"/members/{member.id}/edit", data=fields)
    assert response.status_code == 422
    assert "Ce SIRET est déjà enregistré." in response.get_data(as_text=True)


def test_a_member_admin_cannot_open_another_members_edit_page(client, db, admin_of):
    own, other = make_member(db, "Own", n=1), make_member(db, "Other", n=2)
    log_in(client, admin_of(own))
    assert client.get(f"/members/{other.id}/edit").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_edit_page(client, db):
    member = make_member(db, n=1)
    response = client.get(f"/members/{member.id}/edit")
    assert response.status_code in (302, 401)


def test_a_network_admin_sees_the_admin_fields_and_can_edit_any_member(client, db):
    member = make_member(db, n=1)
    make_network(db, "mes", "MES")
    log_in(client, make_user(db, "boss@example.org", [(Role.network_admin, None)]))
    html = client.get(f"/members/{member.id}/edit").get_data(as_text=True)
    assert 'name="status"' in html and 'name="networks"' in html


def test_a_member_admin_does_not_see_the_admin_fields(client, db, admin_of):
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    html = client.get(f"/members/{member.id}/edit").get_data(as_text=True)
    assert 'name="status"' not in html and 'name="networks"' not in html


def test_my_organisation_link_leads_to_the_users_member(client, db, admin_of):
    member = make_member(db, n=1)
    log_in(client, admin_of(member))
    response = client.get("/members/mine")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/members/{member.id}")
