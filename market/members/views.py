"""Web pages: the public directory (home page), member profiles and profile editing."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE
from marshmallow import ValidationError as SchemaError

from market.auth.access import member, network
from market.auth.roles import Role
from market.members import forms, labels, services, taxonomy
from market.members.models import Member
from market.members.schemas import MemberQueryArgsSchema, MemberUpdateSchema
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web import navigation
from market.web.access import any_of, protect, public, signed_in
from market.web.charts import bar_chart
from market.web.errors import Conflict, NotFound, ValidationError

bp = Blueprint("members", __name__)

#: Cards per directory page.
DIRECTORY_PAGE_SIZE = 24
#: How the directory names its filters when one is refused.
FILTER_LABELS = {
    "q": _l("Nom"), "sector": _l("Secteur"), "sector_group": _l("Famille de secteurs"),
    "inclusion_kind": _l("Type de structure"), "legal_form": _l("Forme juridique"),
    "region": _l("Territoire"), "department": _l("Département"), "country": _l("Pays"),
    "nuts": _l("Code NUTS"), "network": _l("Réseau"), "cursor": _l("Page"),
}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Ma structure"), "members.mine",
                    lambda user: bool(user.claimed_member_ids()))


def language() -> str:
    """Return the interface language ("fr" or "en")."""
    return get_locale().language if get_locale() else "fr"


def is_network_admin() -> bool:
    """Tell whether the signed-in user is a network admin."""
    return current_user.is_authenticated and current_user.has_role(Role.network_admin)


def can_edit(member_id: int) -> bool:
    """Tell whether the signed-in user may edit member ``member_id``."""
    return current_user.is_authenticated and (
        is_network_admin() or current_user.has_role(Role.member_admin, member_id))


@bp.context_processor
def member_helpers() -> dict:
    """Give templates the labels of sectors, legal forms and inclusion kinds."""
    return {"sector_label": lambda code: labels.sector_label(code, language()),
            "legal_form_labels": labels.LEGAL_FORMS, "inclusion_labels": labels.INCLUSION_KINDS,
            "status_labels": labels.STATUSES, "euros": labels.euros}


def directory_filters() -> tuple[dict, str | None, list[str]]:
    """Read the directory's filters from the query string; return (filters, cursor, errors)."""
    raw = {k: v for k, v in request.args.items() if v.strip() and k != "limit"}
    try:
        args = MemberQueryArgsSchema(unknown=EXCLUDE).load(raw)
    except SchemaError as exc:
        return {}, None, [f"{FILTER_LABELS.get(name, name)} : {messages[0]}"
                          for name, messages in exc.messages.items()]
    args.pop("limit")
    args.pop("status", None)  # the directory shows active members to everyone
    return args, args.pop("cursor"), []


@bp.get("/")
def directory():
    """The directory: search by name, filter by sector, kind, territory and network."""
    filters, cursor, errors = directory_filters()
    try:
        page = services.search_members(db.session, filters, limit=DIRECTORY_PAGE_SIZE,
                                       cursor=cursor, by_name=True)
    except ValidationError:
        page = services.search_members(db.session, filters, limit=DIRECTORY_PAGE_SIZE,
                                       by_name=True)
    next_args = {**request.args.to_dict(), "cursor": page.next_cursor}
    return render_template(
        "members/directory.html", page=page, filters=filters, errors=errors,
        next_url=url_for(".directory", **next_args) if page.next_cursor else None,
        first_url=url_for(".directory", **{k: v for k, v in next_args.items()
                                           if k != "cursor"}) if cursor else None,
        groups=taxonomy.groups(), language=language(),
        regions=services.list_regions(db.session), networks=services.list_networks(db.session),
        charts=overview_charts())


def overview_charts() -> dict:
    """Members per territory and per kind of structure, each bar linking to its filter."""
    by_region = services.count_by(db.session, Member.region)
    by_kind = [(kind, n) for kind, n in services.count_by(db.session, Member.inclusion_kind)
               if kind != "none"]
    return {
        "regions": bar_chart([(region, n, url_for(".directory", region=region))
                              for region, n in by_region]),
        "kinds": bar_chart([(kind, n, url_for(".directory", inclusion_kind=kind))
                            for kind, n in by_kind]),
    }


@bp.get("/members/<int:member_id>")
def profile(member_id: int):
    """A member's public profile (pending ones for network admins and their own users)."""
    own = current_user.claimed_member_ids() if current_user.is_authenticated else set()
    shown = services.get_visible_member(db.session, member_id,
                                        network_admin=is_network_admin(), own_member_ids=own)
    return render_template("members/profile.html", member=shown, can_edit=can_edit(member_id),
                           language=language())


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
def edit(member_id: int):
    """Edit a member's profile; on error show the form again and write nothing."""
    if request.method == "POST":
        begin_write(db.session)
    target = services.get_member(db.session, member_id)
    admin = is_network_admin()
    form = forms.build_form(target, sector_choices=labels.sector_choices(language()),
                            networks=services.list_networks(db.session), network_admin=admin)
    if form.validate_on_submit() and save(form, target, admin):
        db.session.commit()
        flash(_("Le profil a été enregistré."), "success")
        return redirect(url_for(".profile", member_id=member_id))
    status = 422 if form.errors else 200
    return render_template("members/edit.html", form=form, member=target), status


def save(form: forms.MemberForm, target, admin: bool) -> bool:
    """Load the form through the API schema and update the member; False on any error."""
    try:
        data = MemberUpdateSchema().load(forms.payload(form))
        services.update_member(db.session, target, data, as_network_admin=admin)
    except SchemaError as exc:
        forms.show_errors(form, exc.messages)
        return False
    except (ValidationError, Conflict) as exc:
        forms.show_errors(form, exc.details.get("fields", {}))
        return False
    return True


@bp.get("/members/mine")
def mine():
    """Go to the profile of the signed-in user's organisation."""
    ids = sorted(current_user.claimed_member_ids())
    if not ids:
        raise NotFound(_("Votre compte n'est rattaché à aucune structure."))
    return redirect(url_for(".profile", member_id=ids[0]))


protect(bp, {
    "directory": public,
    "profile": public,
    "edit": any_of(member(Role.member_admin, arg="member_id"), network(Role.network_admin)),
    "mine": signed_in,
})
