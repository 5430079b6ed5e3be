"""Offers as plain data for the API, the pages and the map: amounts as decimal strings."""

from flask import url_for

import ledger
from market.offers.models import Offer

#: Scale of the currencies offers are priced in, when the ledger is not asked (EUR and
#: every complementary currency of the demo have 2 decimals).
DEFAULT_SCALE = 2


def iso(value) -> str | None:
    return None if value is None else value.isoformat()


def image_urls(image) -> dict:
    """The display and thumbnail URLs of an offer image."""
    return {"url": url_for("offers.image", key=image.key, size="display"),
            "thumb_url": url_for("offers.image", key=image.key, size="thumb")}


def offer_data(offer: Offer, distance_km: float | None = None,
               scales: dict[str, int] | None = None) -> dict:
    """An offer as OfferSchema serialises it."""
    scale = (scales or {}).get(offer.currency, DEFAULT_SCALE)
    member = offer.member
    return {
        "id": offer.id, "kind": offer.kind, "status": offer.status, "title": offer.title,
        "member": {"id": member.id, "name": member.name, "city": member.city,
                   "inclusion_kind": member.inclusion_kind},
        "description": offer.description, "sector": offer.sector_code, "unit": offer.unit,
        "price": ledger.format_amount(offer.price_minor, scale), "currency": offer.currency,
        "currency_share": offer.currency_share,
        "accepted_currencies": offer.accepted_currencies,
        "quantity": offer.quantity, "on_request": offer.quantity is None,
        "deliveries": [{"id": d.id, "kind": d.kind, "address": d.address,
                        "radius_km": d.radius_km, "region": d.region, "fee_kind": d.fee_kind,
                        "fee": ledger.format_amount(d.fee_minor, scale)}
                       for d in offer.deliveries],
        "reach": offer.reach, "radius_km": offer.radius_km,
        "latitude": None if offer.latitude is None else str(offer.latitude),
        "longitude": None if offer.longitude is None else str(offer.longitude),
        "city": offer.city, "department": offer.department, "region": offer.region,
        "country": offer.country, "valid_from": iso(offer.valid_from),
        "valid_until": iso(offer.valid_until), "share_min": offer.share_min,
        "share_max": offer.share_max,
        "images": [{"id": i.id, "key": i.key, "alt": i.alt, "width": i.width,
                    "height": i.height, **image_urls(i)} for i in offer.images],
        "distance_km": distance_km, "published_at": iso(offer.published_at),
        "created_at": iso(offer.created_at),
    }


#: An offer id no offer has, replaced in one built URL by each offer's own (see ``feature``).
_ANY_ID = 2**31 - 1


def offer_url_maker():
    """A function giving an offer page's URL from its id, with url_for called once: for the
    map's hundreds of offers, url_for was half of the time spent building the features."""
    template = url_for("offers.offer_page", offer_id=_ANY_ID)
    head, _sep, tail = template.rpartition(str(_ANY_ID))
    return lambda offer_id: f"{head}{offer_id}{tail}"


def feature(offer_id: int, title: str, kind: str, kind_label: str, price: str, city: str,
            member: str, latitude: float, longitude: float, url: str) -> dict:
    """A GeoJSON Point feature of an offer (for the map)."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": {"id": offer_id, "title": title, "url": url, "member": member,
                           "kind": kind, "kind_label": kind_label, "price": price, "city": city}}
