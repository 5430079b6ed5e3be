"""Web pages of the marketplace: search, map, offer page, a member's offers and their form,
the offers' actions and images."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from market.members import labels as member_labels
from market.members import taxonomy
from market.members.models import Member
from market.offers import forms, geo, images, images_service, labels, search, services
from market.offers.labels import price_label
from market.offers.models import MAX_IMAGES, Offer, OfferStatus
from market.offers.schemas import OfferInSchema, OfferSearchArgsSchema
from market.offers.viewer import TRADERS, editable_members, own_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, public
from market.web.errors import AppError, ValidationError
from market.web.field_messages import translate

bp = Blueprint("offers", __name__)

#: Results per page of the search and of the map's list.
PAGE_SIZE = 24
#: Most offers "my offers" lists (all statuses of all the caller's members).
MINE_LIMIT = 500
#: Images never change under their random key: browsers may keep them a year.
IMAGE_MAX_AGE = 365 * 24 * 3600
#: Query arguments that may be given several times.
LISTS = ("kind", "inclusion_kind")
#: How the search names its filters when one is refused.
FILTER_LABELS = {
    "q": _l("Mots"), "kind": _l("Type d'offre"), "sector": _l("Secteur"),
    "sector_group": _l("Famille de secteurs"), "department": _l("Autour de"),
    "accepts": _l("Monnaie acceptée"), "inclusion_kind": _l("Type de structure"),
    "has_images": _l("Avec images"), "price_min": _l("Prix minimum"),
    "price_max": _l("Prix maximum"), "sort": _l("Tri"), "cursor": _l("Page"),
    "lat": _l("Latitude"), "lon": _l("Longitude"), "region": _l("Région"),
    "country": _l("Pays"), "network": _l("Réseau"), "member": _l("Membre"),
}
#: The actions' words in URLs, and what the pages call them.
STEPS = {"publier": "publish", "pause": "pause", "prolonger": "renew", "archiver": "archive"}
ACTIONS = {"publish": ("publier", _l("Publier")), "pause": ("pause", _l("Mettre en pause")),
           "renew": ("prolonger", _l("Prolonger")), "archive": ("archiver", _l("Archiver"))}
DONE = {"publish": _l("L'offre est publiée."),
        "pause": _l("L'offre est en pause : elle n'apparaît plus dans les recherches."),
        "archive": _l("L'offre est archivée.")}


def language() -> str:
    """The interface language ("fr" or "en")."""
    return get_locale().language if get_locale() else "fr"


def day(value) -> str:
    """An instant as the day it is in Paris, in the page's language."""
    return format_date(value.astimezone(forms.PARIS).date(), "long") if value else ""


def trader(acting: str, roles: tuple = TRADERS):
    """Users who write offers (admins, staff; or ``roles``) for some member whose status lets
    them act."""

    def rule(user, view_args) -> bool:
        return user is not None and bool(user.member_ids(*roles, acting=acting))

    rule.__name__ = f"trader({acting})"
    return rule


@bp.context_processor
def offer_helpers() -> dict:
    """Give the offers' templates their labels and formatters."""
    return {"labels": labels, "money": labels.money, "day": day, "offer_actions": actions_for,
            "max_images": MAX_IMAGES,
            "sector_label": lambda code: member_labels.sector_label(code, language())}


def refused(messages: dict) -> list[str]:
    """Messages of refused filters, each named as the page names it."""
    found = []
    for name, messages_of in translate(messages).items():
        if isinstance(messages_of, dict):  # a list argument: messages by index
            messages_of = [m for item in messages_of.values() for m in item]
        found.append(f"{FILTER_LABELS.get(name, name)} : {messages_of[0]}")
    return found


def query_args() -> tuple[dict, list[str]]:
    """The search's arguments from the query string (prices in minor units), and what was
    refused in it: a refused filter is left out, the others kept."""
    raw = {k: ([x for x in request.args.getlist(k) if x.strip()] if k in LISTS else v)
           for k, v in request.args.items() if v.strip()}
    for bound in ("price_min", "price_max"):
        if bound in raw:
            raw[bound] = forms.decimal_text(raw[bound], 2)
    raw["limit"] = str(PAGE_SIZE)
    errors: list[str] = []
    args = {"limit": PAGE_SIZE, "cursor": None}
    for _attempt in range(3):
        try:
            args = OfferSearchArgsSchema(unknown=EXCLUDE).load(raw)
            break
        except SchemaError as exc:
            errors += refused(exc.messages)
            raw = {k: v for k, v in raw.items() if k not in exc.messages}
    for bound in ("price_min", "price_max"):
        if args.get(bound) is not None:
            problems: dict = {}
            args[bound] = services.parse_price(args[bound], 2, bound, problems)
            errors += refused(problems)
    return args, errors


def run_search(filters: dict, cursor: str | None, limit: int, errors: list[str]):
    """The search's page; a filter the search refuses is named in ``errors`` and left out."""
    for _attempt in range(4):
        try:
            return search.search(db.session, filters, limit=limit, cursor=cursor)
        except ValidationError as exc:
            errors += refused(exc.fields)
            for name in exc.fields:
                filters.pop(name, None)
                filters.pop("lon" if name == "lat" else name, None)
                cursor = None if name == "cursor" else cursor
    return search.Results([], None)


@bp.get("/offres")
def browse():
    """The search: words, kind, sector, place, currency, kind of structure, price, order."""
    args, errors = query_args()
    cursor = args.pop("cursor", None)
    args.pop("limit", None)
    found = run_search(args, cursor, PAGE_SIZE, errors)
    scales = geo.scales(db.session)
    query = {k: [v for v in request.args.getlist(k) if v.strip()] for k in request.args
             if k != "cursor"}
    query = {k: v for k, v in query.items() if v}
    known = services.currencies(db.session).values()
    return render_template(
        "offers/browse.html", cards=[card(hit, scales) for hit in found.items],
        filters=request.args, errors=errors, searched=bool(query),
        next_url=url_for(".browse", **query, cursor=found.next_cursor)
        if found.next_cursor else None,
        first_url=url_for(".browse", **query) if cursor else None,
        map_url=url_for(".map_page", **query), groups=taxonomy.groups(), language=language(),
        currencies=[c for c in known if c["kind"] in services.COMPLEMENTARY_KINDS],
        inclusion_kinds={k: v for k, v in member_labels.INCLUSION_KINDS.items() if k != "none"},
        can_write=bool(editable_members()))


def card(hit: search.Hit, scales: dict[str, int]) -> dict:
    """What a search result shows of an offer."""
    offer = hit.offer
    share = None
    if offer.currency_share and offer.accepted_currencies:
        share = _("dont %(share)s %% en %(codes)s", share=offer.currency_share,
                  codes=", ".join(offer.accepted_currencies))
    distance = None
    if hit.distance_km is not None:
        distance = _("à %(km)s km", km=format_decimal(hit.distance_km, format="#,##0.#"))
    return {"offer": offer, "url": url_for(".offer_page", offer_id=offer.id),
            "price": price_label(offer, scales), "kind": labels.KINDS[offer.kind],
            "share": share, "distance": distance,
            "thumb": offer.images[0] if offer.images else None}


@bp.get("/offres/carte")
def map_page():
    """The map of members and offers, with its list as the text equivalent."""
    args, errors = query_args()
    results = []
    found = run_search({k: v for k, v in args.items() if k not in ("limit", "cursor")}, None,
                       100, errors)
    scales = geo.scales(db.session)
    results = [{"title": h.offer.title,
                "url": url_for(".offer_page", offer_id=h.offer.id),
                "member": h.offer.member.name, "city": h.offer.city,
                "kind_label": labels.KINDS[h.offer.kind],
                "price": price_label(h.offer, scales)} for h in found.items]
    query = {k: v for k, v in request.args.items(multi=True) if k != "cursor"}
    return render_template(
        "offers/map.html", results=results, filters=request.args, errors=errors,
        offers_geojson_url=url_for("offers_api.offers_geojson",
                                   limit=current_app.config["MAP_PAGE_SIZE"], **query),
        map_max_pages=current_app.config["MAP_MAX_PAGES"],
        members_geojson_url=url_for("offers_api.members_geojson"),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"])


@bp.get("/offres/<int:offer_id>")
def offer_page(offer_id: int):
    """An offer: its details, images, delivery methods and answered questions."""
    offer = services.visible_offer(db.session, offer_id, own_members())
    scales = geo.scales(db.session)
    return render_template("offers/offer.html", offer=offer,
                           price=price_label(offer, scales),
                           scale=scales.get(offer.currency, 2),
                           own=offer.member_id in own_members(),
                           editable=offer.member_id in editable_members())


def actions_for(offer: Offer) -> list[tuple[str, str]]:
    """The actions the offer's status allows: (word in the URL, label)."""
    status = OfferStatus(offer.status)
    return [ACTIONS[action] for action in ACTIONS
            if (status, action) in services.OFFER_TRANSITIONS]


@bp.post("/offres/<int:offer_id>/<any(publier, pause, prolonger, archiver):action>")
def offer_action(offer_id: int, action: str):
    """Publish, pause, renew or archive one of the caller's offers, and come back."""
    begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    done = STEPS[action]
    try:
        services.transition(db.session, offer, done)
    except AppError as exc:
        db.session.rollback()
        flash(refusal(exc), "error")
    else:
        db.session.commit()
        flash(_("L'offre est prolongée jusqu'au %(day)s.", day=day(offer.valid_until))
              if done == "renew" else DONE[done], "success")
    if request.args.get("retour") == "mes-offres":
        return redirect(url_for(".mine"))
    return redirect(url_for(".offer_page", offer_id=offer_id))


def refusal(exc: AppError) -> str:
    """A refused action in one sentence (with the fields' messages when there are some)."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for messages in exc.fields.values() for m in messages)
    return exc.message


@bp.get("/mes-offres")
def mine():
    """The offers of the caller's members, whatever their status, by member."""
    ids = own_members()
    offers = db.session.scalars(
        select(Offer).where(Offer.member_id.in_(ids))
        .order_by(Offer.updated_at.desc(), Offer.id.desc()).limit(MINE_LIMIT)).all()
    members = db.session.scalars(select(Member).where(Member.id.in_(ids))
                                 .order_by(Member.name, Member.id)).all()
    writable = editable_members()
    groups = [(m, [o for o in offers if o.member_id == m.id], m.id in writable)
              for m in members]
    scales = geo.scales(db.session)
    return render_template("offers/mine.html", groups=groups, scales=scales,
                           can_write=bool(writable))


def offer_form(members: list, offer: Offer | None = None) -> forms.OfferForm:
    """The offer form, with the ledger's currencies and the sectors in the page's language."""
    scale = geo.scales(db.session).get(offer.currency, 2) if offer else 2
    return forms.build_form(sector_choices=member_labels.sector_choices(language()),
                            currencies=list(services.currencies(db.session).values()),
                            members=members, offer=offer, scale=scale)


@bp.route("/offres/nouvelle", methods=["GET", "POST"])
def new():
    """Write an offer (a draft, or published at once) with its images."""
    if request.method == "POST":
        begin_write(db.session)
    members = db.session.scalars(select(Member).where(Member.id.in_(editable_members()))
                                 .order_by(Member.name, Member.id)).all()
    form = offer_form(members)
    if form.validate_on_submit():
        offer = save(form, None)
        if offer is not None:
            flash(DONE["publish"] if offer.status == OfferStatus.published else
                  _("L'offre est enregistrée en brouillon : publiez-la quand elle est prête."),
                  "success")
            return redirect(url_for(".offer_page", offer_id=offer.id))
    return form_page(form, None)


@bp.route("/offres/<int:offer_id>/modifier", methods=["GET", "POST"])
def edit(offer_id: int):
    """Change one of the caller's offers, remove some of its images, add others."""
    if request.method == "POST":
        begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    form = offer_form([], offer)
    if form.validate_on_submit() and save(form, offer) is not None:
        flash(_("L'offre est enregistrée."), "success")
        return redirect(url_for(".offer_page", offer_id=offer.id))
    return form_page(form, offer)


def form_page(form: forms.OfferForm, offer: Offer | None):
    """The form again, its errors shown (422), or for the first time (200)."""
    failed = forms.has_errors(form)
    reselect = failed and any(getattr(u, "filename", None) for u in form.images.data or [])
    page = render_template("offers/form.html", form=form, offer=offer, has_errors=failed,
                           reselect=reselect)
    return page, 422 if failed else 200


def save(form: forms.OfferForm, offer: Offer | None) -> Offer | None:
    """Write the offer and its images in one transaction, committed; None (nothing written,
    no file left behind, the errors on the form) if anything is refused."""
    scales = geo.scales(db.session)
    uploads = [(u.filename[:120], u.read()) for u in form.images.data or []
               if getattr(u, "filename", None)]
    alt = (form.images_alt.data or "").strip()
    removed = [] if offer is None else sorted(set(form.remove_images.data or []))
    errors: dict = {}
    try:
        data = OfferInSchema().load(forms.payload(form, scales, offer))
    except SchemaError as exc:
        errors.update(exc.messages)
    errors.update(image_problems(uploads, alt, removed, offer))
    if errors:
        forms.show_errors(form, errors, scales)
        return None
    try:
        return write(form, offer, data, [content for _name, content in uploads], alt, removed)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        if isinstance(exc, ValidationError):
            forms.show_errors(form, exc.fields, scales)
        else:
            form.form_errors.append(exc.message)
        return None


def write(form: forms.OfferForm, offer: Offer | None, data: dict, uploads: list[bytes],
          alt: str, removed: list[str]) -> Offer:
    """Create or update the offer, remove and add images, publish if asked, commit; on any
    error roll back (images_service deletes the files stored meanwhile), then raise."""
    config = current_app.config
    target = offer
    try:
        if offer is None:
            member = writing_member(db.session, form.member.data if "member" in form else None)
            target = services.create_offer(db.session, member, data)
        else:
            services.update_offer(db.session, offer, data)
            for image_id in removed:
                images_service.remove_image(db.session, offer, int(image_id), config)
        for content in uploads:
            images_service.add_image(db.session, target, content, alt, config)
        if offer is None and form.publish.data:
            services.transition(db.session, target, "publish")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return target


def image_problems(uploads: list, alt: str, removed: list, offer: Offer | None) -> dict:
    """What is wrong with the images sent (checked before anything is written)."""
    current = {str(i.id) for i in offer.images} if offer else set()
    if any(image_id not in current for image_id in removed):
        return {"remove_images": [_("Image introuvable.")]}
    if len(current) - len(set(removed)) + len(uploads) > MAX_IMAGES:
        return {"image": [_("Une offre montre au plus %(n)s images.", n=MAX_IMAGES)]}
    if any(ord(c) < 32 for c in alt):
        return {"alt": [_("Caractères de contrôle interdits.")]}
    problems = []
    for name, content in uploads:
        try:
            images.check_image(content, max_bytes=current_app.config["UPLOAD_MAX_MB"] * 2**20)
        except images.ImageRefused as refused_image:
            problems.append(f"{name} : {refused_image.message}")
    return {"image": problems} if problems else {}


@bp.get("/media/offres/<key>/<any(display, thumb):size>.webp")
def image(key: str, size: str):
    """An offer image, by its random key, cached for a year."""
    try:
        path = images.image_path(images_service.upload_dir(current_app.config), key, size)
    except (FileNotFoundError, ValueError):
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=IMAGE_MAX_AGE,
                         download_name=f"{key}-{size}.webp", as_attachment=False)
    response.headers["Cache-Control"] = f"public, max-age={IMAGE_MAX_AGE}, immutable"
    return response


protect(bp, {
    "browse": public,
    "map_page": public,
    "offer_page": public,
    "image": public,
    "mine": trader("read"),  # the caller's members' offers only
    "new": trader("write"),  # for a member the caller writes for (viewer.writing_member)
    "edit": trader("write"),  # own offers only (services.own_offer: another's is a 404)
    "offer_action": trader("write"),
})
