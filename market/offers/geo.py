"""Offers and members as GeoJSON for the map, from the same search as the list."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

import ledger
from market.members.models import Member
from market.offers import search
from market.offers.labels import KINDS, unit_price
from market.offers.present import feature, offer_url_maker


def scales(session) -> dict[str, int]:
    """Each ledger currency's scale (decimals)."""
    return {c["code"]: c["scale"] for c in ledger.list_currencies(session.connection())}


def offers_collection(session, filters: dict, limit: int, cursor: str | None) -> dict:
    """One page of the search's offers that have a place, as a FeatureCollection."""
    rows, next_cursor = search.points(session, filters, limit=limit, cursor=cursor)
    known = scales(session)
    kinds = {kind: str(label) for kind, label in KINDS.items()}
    offer_url = offer_url_maker()
    # Rows unpacked by position (search.POINT_COLUMNS' order): reading hundreds of rows'
    # fields by name took two thirds of the time spent building the features.
    features = [feature(offer_id, title, kind, kinds[kind],
                        unit_price(price, currency, unit, known), city, member, latitude,
                        longitude, offer_url(offer_id))
                for (offer_id, title, kind, price, currency, unit, city, latitude, longitude,
                     member, *_page) in rows]
    return {"type": "FeatureCollection", "features": features, "next_cursor": next_cursor}


def members_collection(session, limit: int = 5000) -> dict:
    """Active members with coordinates, as a FeatureCollection."""
    rows = session.execute(
        select(Member.id, Member.name, Member.city, Member.inclusion_kind, Member.latitude,
               Member.longitude)
        .where(Member.status == "active", Member.latitude.is_not(None),
               Member.longitude.is_not(None)).order_by(Member.id).limit(limit))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [float(r.longitude), float(r.latitude)]},
         "properties": {"id": r.id, "name": r.name, "city": r.city,
                        "inclusion_kind": r.inclusion_kind,
                        "url": url_for("members.profile", member_id=r.id)}}
        for r in rows], "title": _("Membres")}
