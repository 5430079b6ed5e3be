"""JSON API of offers: search, GeoJSON, write, publish and images. Parse, call, serialise."""

from flask import current_app, request
from flask_babel import gettext as _

from market.offers import geo, images_service, search, services
from market.offers.present import offer_data
from market.offers.schemas import (
    FeatureCollectionSchema,
    OfferImageSchema,
    OfferInSchema,
    OfferPageSchema,
    OfferPatchSchema,
    OfferSchema,
    OfferSearchArgsSchema,
)
from market.offers.viewer import editable_members, own_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, public, signed_in
from market.web.errors import ValidationError
from market.web.jsonapi import Blueprint

blp = Blueprint("offers_api", __name__, url_prefix="/api/v1",
                description="Offers: search, map, write, publish, images")


def search_args(args: dict) -> tuple[dict, int, str | None]:
    """The search's filters with prices in minor units; the page's limit and cursor."""
    args = dict(args)
    limit, cursor = args.pop("limit"), args.pop("cursor")
    for bound in ("price_min", "price_max"):
        if args.get(bound) is not None:
            errors: dict = {}
            args[bound] = services.parse_price(args[bound], 2, bound, errors)
            if errors:
                raise ValidationError(errors)
    return args, limit, cursor


@blp.get("/offers")
@blp.arguments(OfferSearchArgsSchema, location="query")
@blp.response(200, OfferPageSchema)
def search_offers(args: dict):
    """Search published offers: words, filters, a place their reach covers, an order."""
    filters, limit, cursor = search_args(args)
    found = search.search(db.session, filters, limit=limit, cursor=cursor)
    scales = geo.scales(db.session)
    return {"items": [offer_data(h.offer, h.distance_km, scales) for h in found.items],
            "next_cursor": found.next_cursor}


@blp.get("/offers.geojson")
@blp.arguments(OfferSearchArgsSchema, location="query")
@blp.response(200, FeatureCollectionSchema)
def offers_geojson(args: dict):
    """The same search as a GeoJSON FeatureCollection of points (for maps)."""
    filters, limit, cursor = search_args(args)
    return geo.offers_collection(db.session, filters, limit, cursor)


@blp.get("/members.geojson")
@blp.response(200, FeatureCollectionSchema)
def members_geojson():
    """Active members with coordinates as a GeoJSON FeatureCollection (for maps)."""
    return geo.members_collection(db.session)


@blp.post("/offers")
@blp.arguments(OfferInSchema)
@blp.response(201, OfferSchema)
def create_offer(data: dict):
    """Write a draft offer for the caller's member (``?member=`` if the caller has several)."""
    begin_write(db.session)
    member = writing_member(db.session, request.args.get("member"))
    offer = services.create_offer(db.session, member, data)
    db.session.commit()
    return offer_data(offer, scales=geo.scales(db.session))


@blp.get("/offers/<int:offer_id>")
@blp.response(200, OfferSchema)
def get_offer(offer_id: int):
    """Show a published offer (or one of the caller's own, whatever its status)."""
    offer = services.visible_offer(db.session, offer_id, own_members())
    return offer_data(offer, scales=geo.scales(db.session))


@blp.patch("/offers/<int:offer_id>")
@blp.arguments(OfferPatchSchema)
@blp.response(200, OfferSchema)
def update_offer(data: dict, offer_id: int):
    """Change some fields of one of the caller's offers."""
    begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    services.update_offer(db.session, offer, data)
    db.session.commit()
    return offer_data(offer, scales=geo.scales(db.session))


@blp.post("/offers/<int:offer_id>/<any(publish, pause, renew, archive):action>")
@blp.response(200, OfferSchema)
def offer_action(offer_id: int, action: str):
    """Publish, pause, renew (push the end date) or archive one of the caller's offers."""
    begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    services.transition(db.session, offer, action)
    db.session.commit()
    return offer_data(offer, scales=geo.scales(db.session))


@blp.post("/offers/<int:offer_id>/images")
@blp.response(201, OfferImageSchema)
def add_image(offer_id: int):
    """Add an image (multipart field ``image``, text ``alt``): JPEG, PNG or WebP."""
    begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    upload = request.files.get("image")
    if upload is None:
        raise ValidationError({"image": [_("Joignez une image (champ « image »).")]})
    image = images_service.add_image(db.session, offer, upload.read(),
                                     request.form.get("alt", ""), current_app.config)
    db.session.commit()
    return images_service.image_data(image)


@blp.delete("/offers/<int:offer_id>/images/<int:image_id>")
@blp.response(204)
def delete_image(offer_id: int, image_id: int):
    """Remove an image of one of the caller's offers."""
    begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    images_service.remove_image(db.session, offer, image_id, current_app.config)
    db.session.commit()


protect(blp, {
    "search_offers": public,
    "offers_geojson": public,
    "members_geojson": public,
    "get_offer": public,
    "create_offer": signed_in,  # for a member the caller writes for (viewer.writing_member)
    "update_offer": signed_in,  # own offers only (services.own_offer)
    "offer_action": signed_in,
    "add_image": signed_in,
    "delete_image": signed_in,
})
