"""Web pages of the marketplace: search, map, offer page, and the offers' images."""

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from marshmallow import EXCLUDE
from marshmallow import ValidationError as SchemaError

from market.offers import geo, images, images_service, labels, search, services
from market.offers.labels import price_label
from market.offers.schemas import OfferSearchArgsSchema
from market.offers.viewer import own_members
from market.platform.extensions import db
from market.web.access import protect, public

bp = Blueprint("offers", __name__)

#: Results per page of the search and of the map's list.
PAGE_SIZE = 24
#: Images never change under their random key: browsers may keep them a year.
IMAGE_MAX_AGE = 365 * 24 * 3600


def query_args() -> tuple[dict, list[str]]:
    """The search's arguments from the query string, and what was refused in it."""
    raw = {k: (request.args.getlist(k) if k in ("kind", "inclusion_kind") else v)
           for k, v in request.args.items() if v.strip()}
    raw.setdefault("limit", str(PAGE_SIZE))
    try:
        args = OfferSearchArgsSchema(unknown=EXCLUDE).load(raw)
    except SchemaError as exc:
        return {}, [f"{name} : {messages[0]}" for name, messages in exc.messages.items()]
    return args, []


@bp.get("/offres/carte")
def map_page():
    """The map of members and offers, with its list as the text equivalent."""
    args, errors = query_args()
    results = []
    if not errors:
        found = search.search(db.session, {k: v for k, v in args.items()
                                           if k not in ("limit", "cursor")}, limit=100)
        scales = geo.scales(db.session)
        results = [{"title": h.offer.title,
                    "url": url_for(".offer_page", offer_id=h.offer.id),
                    "member": h.offer.member.name, "city": h.offer.city,
                    "kind_label": labels.KINDS[h.offer.kind],
                    "price": price_label(h.offer, scales)} for h in found.items]
    query = {k: v for k, v in request.args.items(multi=True) if k != "cursor"}
    return render_template(
        "offers/map.html", results=results, filters=request.args, errors=errors,
        offers_geojson_url=url_for("offers_api.offers_geojson", limit=500, **query),
        members_geojson_url=url_for("offers_api.members_geojson"),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"])


@bp.get("/offres/<int:offer_id>")
def offer_page(offer_id: int):
    """An offer: its details, images, delivery methods and answered questions."""
    offer = services.visible_offer(db.session, offer_id, own_members())
    return render_template("offers/offer.html", offer=offer, labels=labels,
                           price=price_label(offer, geo.scales(db.session)),
                           own=offer.member_id in own_members())


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
    "map_page": public,
    "offer_page": public,
    "image": public,
})
