"""Wants: a member's saved searches, the offers that fit them, and telling them of new ones.

An offer fits a want when it is published and current, of another active member, of the
want's sector and kind (when it names them), at most its budget (same currency), holds its
keywords (as the search reads words), and the two places agree both ways: the offer's reach
covers the want's place (market.offers.search.covers) and the offer lies within the want's
reach (what the want accepts to come from). ``matching_offers`` asks that in SQL from the
want's side, ``wants_for_offer`` from the offer's side (a SQL sieve, then ``place_fits``
with the same plane distance as the search).

Services take the session, flush and never commit; a refused call writes nothing.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.sql import ColumnElement

from market.members import taxonomy
from market.members.models import Member
from market.offers import places, search, services
from market.offers import text as offer_text
from market.offers.models import MAX_RADIUS_KM, Offer, OfferStatus, Reach, Want
from market.platform.time import now_utc
from market.web.errors import BusinessRuleError, NotFound, ValidationError
from market.web.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_key, encode_cursor

#: Most wants a member keeps at once.
MAX_WANTS = 100
#: Largest id an INTEGER key holds (a bigger one is simply not found).
MAX_ID = 2**31 - 1
PLACE = ("latitude", "longitude", "region", "country")
PLAIN = ("title", "keywords", "kind", "reach", "radius_km", "currency", "until")


# -- use cases ------------------------------------------------------------------------------

def create_want(session, member: Member, user_id: int | None, data: dict, *,
                now: datetime | None = None) -> Want:
    """Write a want of ``member`` from validated ``data``; flush, no commit."""
    kept = session.scalar(select(func.count()).select_from(Want)
                          .where(Want.member_id == member.id))
    if kept >= MAX_WANTS:
        raise BusinessRuleError(_("Une structure garde au plus %(n)s besoins : supprimez-en "
                                  "avant d'en ajouter.", n=MAX_WANTS), code="limit_exceeded")
    want = Want(member_id=member.id, member=member, user_id=user_id, keywords="",
                reach=Reach.regional, currency="EUR")
    for key in PLACE:
        setattr(want, key, getattr(member, key))
    apply(session, want, data, now or now_utc())
    session.add(want)
    session.flush()
    return want


def update_want(session, want: Want, data: dict, *, now: datetime | None = None) -> Want:
    """Change the fields present in ``data``; flush, no commit."""
    apply(session, want, data, now or now_utc())
    session.flush()
    return want


def delete_want(session, want: Want) -> None:
    """Remove a want; flush, no commit."""
    session.delete(want)
    session.flush()


def apply(session, want: Want, data: dict, now: datetime) -> None:
    """Check ``data`` against the rules, then set it on ``want`` (nothing set if refused)."""
    errors: dict[str, list[str]] = {}
    merged = {k: getattr(want, k) for k in PLAIN + PLACE}
    merged.update({k: data[k] for k in PLAIN if k in data})
    merged["sector_code"] = data["sector"] if "sector" in data else want.sector_code
    if merged["sector_code"] is not None and not taxonomy.is_sector(merged["sector_code"]):
        errors["sector"] = [_("Secteur inconnu : choisissez un code de la liste des secteurs.")]
    place(data, merged, errors)
    known = services.currencies(session)
    budget_minor = want.budget_minor
    if merged["currency"] not in known:
        errors["currency"] = [_("Monnaie inconnue du grand livre.")]
    elif "budget" in data:
        budget_minor = None if data["budget"] is None else services.parse_price(
            data["budget"], known[merged["currency"]]["scale"], "budget", errors)
    elif "currency" in data and budget_minor is not None and \
            merged["currency"] != want.currency:
        errors["budget"] = [_("Indiquez le budget dans la nouvelle monnaie.")]
    if merged["reach"] == Reach.local:
        if not merged["radius_km"]:
            errors["radius_km"] = [_("Un besoin local indique son rayon en kilomètres.")]
        if merged["latitude"] is None or merged["longitude"] is None:
            errors["latitude"] = [_("Un besoin local a besoin d'un lieu (latitude, longitude).")]
    if "until" in data and merged["until"] is not None and merged["until"] <= now:
        errors["until"] = [_("Cette date est passée.")]
    if errors:
        raise ValidationError(errors)
    for key, value in merged.items():
        setattr(want, key, value)
    want.budget_minor = budget_minor
    if want.reach != Reach.local:
        want.radius_km = None


def place(data: dict, merged: dict, errors: dict) -> None:
    """The want's place: new coordinates (with their region, found when not given), or a
    new region or country alone; what is not given stays."""
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        errors["latitude"] = [_("Donnez la latitude et la longitude ensemble.")]
        return
    if lat is not None:
        found = places.point(float(lat), float(lon), data.get("region") or "",
                             data.get("country") or "")
        merged.update(latitude=lat, longitude=lon, region=found.region,
                      country=found.country or merged["country"])
    for key in ("region", "country"):
        if data.get(key) is not None:
            merged[key] = data[key]


def get_own_want(session, want_id: int, member_ids: set[int]) -> Want:
    """One of ``member_ids``' wants, or NotFound (another member's is not told apart)."""
    want = session.get(Want, want_id) if 0 < want_id <= MAX_ID else None
    if want is None or want.member_id not in member_ids:
        raise NotFound(_("Besoin introuvable."))
    return want


def list_wants(session, member_ids: set[int], *, limit: int = DEFAULT_LIMIT,
               cursor: str | None = None) -> Page:
    """One page of the wants of ``member_ids``, newest first."""
    stmt = select(Want).where(Want.member_id.in_(sorted(member_ids)))
    return id_page(session, stmt, Want.id, limit, cursor)


# -- matching --------------------------------------------------------------------------------

def want_point(want: Want) -> places.Point | None:
    """The want's place as a search point, or None without coordinates."""
    if want.latitude is None or want.longitude is None:
        return None
    return places.Point(float(want.latitude), float(want.longitude), want.region or "",
                        want.country or "")


def keywords_of(want: Want) -> str:
    """The want's keywords, or "" when they hold no word the search reads (stop words)."""
    words = (want.keywords or "").strip()
    return words if words and offer_text.fts_query(words) is not None else ""


def covering(want: Want) -> ColumnElement:
    """Offers whose reach covers the want's place (without coordinates: no local offer)."""
    point = want_point(want)
    if point is not None:
        return search.covers(point)
    found = [Offer.reach == Reach.europe]
    if want.country:
        found.append(and_(Offer.reach == Reach.national, Offer.country == want.country))
        if want.region:
            found.append(and_(Offer.reach == Reach.regional, Offer.region == want.region,
                              Offer.country == want.country))
    return or_(*found)


def within_reach(want: Want) -> ColumnElement:
    """Offers placed within the want's reach of its place."""
    if want.reach == Reach.europe:
        return true()
    if want.reach == Reach.national:
        return Offer.country == want.country
    if want.reach == Reach.regional:
        return and_(Offer.region == want.region, Offer.country == want.country)
    point = want_point(want)
    if point is None or not want.radius_km:
        return false()
    span = want.radius_km / places.KM_PER_DEG_LAT
    return and_(Offer.latitude.is_not(None),
                Offer.latitude.between(point.latitude - span, point.latitude + span),
                search.distance2(point) <= want.radius_km * want.radius_km)


def budget_fits(want: Want) -> ColumnElement:
    """Offers priced at most the want's budget, in its currency."""
    if want.budget_minor is None:
        return true()
    return and_(Offer.currency == want.currency, Offer.price_minor <= want.budget_minor)


def matching_statement(session, want: Want, now: datetime):
    """The select of the offers fitting ``want`` (no order, no page)."""
    args = {"sector": want.sector_code, "kind": [want.kind] if want.kind else None}
    stmt = search.filtered(args, now).where(Offer.member_id != want.member_id,
                                            covering(want), within_reach(want),
                                            budget_fits(want))
    words = keywords_of(want)
    if words:
        matched = search.text_match(stmt, session.get_bind().dialect.name, words)
        stmt = matched[0] if matched is not None else stmt.where(false())
    return stmt


def matching_offers(session, want: Want, *, limit: int = DEFAULT_LIMIT,
                    cursor: str | None = None, now: datetime | None = None) -> Page:
    """One page of the offers fitting ``want``, newest first."""
    stmt = matching_statement(session, want, now or now_utc())
    return id_page(session, stmt, Offer.id, limit, cursor)


def offer_covers(offer: Offer, lat: float | None, lon: float | None, region: str,
                 country: str) -> bool:
    """Whether ``offer``'s reach covers the place (as market.offers.search.covers does)."""
    if offer.reach == Reach.europe:
        return True
    if offer.reach == Reach.national:
        return bool(country) and offer.country == country
    if offer.reach == Reach.regional:
        return bool(country and region) and offer.region == region and offer.country == country
    return lat is not None and offer.latitude is not None and bool(offer.radius_km) and \
        plane_km2(lat, lon, float(offer.latitude), float(offer.longitude)) <= \
        offer.radius_km * offer.radius_km


def plane_km2(lat: float, lon: float, other_lat: float, other_lon: float) -> float:
    """Squared distance (km²) on the plane tangent at (lat, lon): the search's measure."""
    dy = (other_lat - lat) * places.KM_PER_DEG_LAT
    dx = (other_lon - lon) * places.lon_scale(lat)
    return dx * dx + dy * dy


def place_fits(offer: Offer, want: Want) -> bool:
    """Whether the offer's reach covers the want's place and the offer lies in the want's."""
    lat = None if want.latitude is None else float(want.latitude)
    lon = None if want.longitude is None else float(want.longitude)
    if not offer_covers(offer, lat, lon, want.region or "", want.country or ""):
        return False
    if want.reach == Reach.europe:
        return True
    if want.reach == Reach.national:
        return offer.country == want.country
    if want.reach == Reach.regional:
        return offer.region == want.region and offer.country == want.country
    return lat is not None and offer.latitude is not None and bool(want.radius_km) and \
        plane_km2(lat, lon, float(offer.latitude), float(offer.longitude)) <= \
        want.radius_km * want.radius_km


def place_sieve(offer: Offer) -> ColumnElement:
    """Wants the offer may fit by place: a cheap SQL superset of ``place_fits``."""
    span = MAX_RADIUS_KM / places.KM_PER_DEG_LAT
    near = (Want.latitude.between(float(offer.latitude) - span, float(offer.latitude) + span)
            if offer.latitude is not None else false())
    covered = {Reach.europe: true(), Reach.national: Want.country == offer.country,
               Reach.regional: and_(Want.region == offer.region,
                                    Want.country == offer.country),
               Reach.local: near}[Reach(offer.reach)]
    accepted = or_(Want.reach == Reach.europe,
                   and_(Want.reach == Reach.national, Want.country == offer.country),
                   and_(Want.reach == Reach.regional, Want.region == offer.region,
                        Want.country == offer.country),
                   and_(Want.reach == Reach.local, near))
    return and_(covered, accepted)


def offer_is_current(offer: Offer, now: datetime) -> bool:
    """Whether the search would show ``offer`` now."""
    return (offer.status == OfferStatus.published and offer.member.status == "active"
            and (offer.valid_until is None or offer.valid_until > now)
            and (offer.valid_from is None or offer.valid_from <= now))


def wants_for_offer(session, offer: Offer, *, now: datetime | None = None) -> list[Want]:
    """The current wants of other active members that ``offer`` fits, newest first."""
    now = now or now_utc()
    if not offer_is_current(offer, now):
        return []
    stmt = (select(Want).join(Member, Member.id == Want.member_id)
            .where(Member.status == "active", Want.member_id != offer.member_id,
                   or_(Want.until.is_(None), Want.until > now),
                   or_(Want.sector_code.is_(None), Want.sector_code == offer.sector_code),
                   or_(Want.kind.is_(None), Want.kind == offer.kind),
                   or_(Want.budget_minor.is_(None),
                       and_(Want.currency == offer.currency,
                            Want.budget_minor >= offer.price_minor)),
                   place_sieve(offer))
            .order_by(Want.id.desc()))
    found, words_fit = [], {}
    for want in session.scalars(stmt):
        if not place_fits(offer, want):
            continue
        words = keywords_of(want)
        if words and words not in words_fit:
            words_fit[words] = holds_words(session, offer, words)
        if not words or words_fit[words]:
            found.append(want)
    return found


def holds_words(session, offer: Offer, words: str) -> bool:
    """Whether the search finds ``offer`` for ``words``."""
    stmt = select(Offer.id).where(Offer.id == offer.id)
    matched = search.text_match(stmt, session.get_bind().dialect.name, words)
    return matched is not None and session.execute(matched[0].limit(1)).first() is not None


# -- pages -----------------------------------------------------------------------------------

def id_page(session, stmt, id_column, limit: int, cursor: str | None) -> Page:
    """One page of ``stmt``'s entities, highest id first."""
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        stmt = stmt.where(id_column < decode_key(cursor, (int,), MAX_ID)[0])
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    items = rows[:limit]
    return Page(items, encode_cursor([items[-1].id]) if len(rows) > limit else None)
