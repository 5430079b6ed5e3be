"""The offer search: words, filters, a place the offers' reach must cover, an order, pages.

Words: PostgreSQL matches the generated tsvector (French or English stems over unaccent),
SQLite the FTS5 table of market.offers.search_index; the query is every word, in French
or in English, on both. Reach: an offer covers a point when it is European, national in
the point's country, regional in the point's region, or local within its radius. The
distance is measured on the plane tangent at the point (accurate to 0.5 % within 300 km,
the largest radius), which needs no trigonometry in SQL; pages resume from a keyset.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import (
    Float,
    and_,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql import ColumnElement, Select

from market.members import taxonomy
from market.members.models import Member, Network, member_networks
from market.offers import places
from market.offers import text as offer_text
from market.offers.models import MAX_RADIUS_KM, Offer, OfferCurrency, OfferStatus
from market.platform.time import now_utc
from market.web.errors import ValidationError
from market.web.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_key, encode_cursor

SIAE = ("ACI", "AI", "EI", "ETTI", "EITI")


@dataclass(frozen=True)
class Hit:
    """An offer found, with its distance from the search point (km) when there is one."""

    offer: Offer
    distance_km: float | None
    rank: float | None


@dataclass(frozen=True)
class Results:
    items: list[Hit]
    next_cursor: str | None


def search_point(args: dict) -> places.Point | None:
    """The place of the search: coordinates, or a department's centre; None if neither."""
    if args.get("lat") is not None and args.get("lon") is not None:
        return places.point(args["lat"], args["lon"], args.get("region") or "",
                            args.get("country") or "")
    if args.get("lat") is not None or args.get("lon") is not None:
        raise ValidationError({"lat": [_("Donnez la latitude et la longitude ensemble.")]})
    if args.get("department"):
        found = places.department_point(args["department"])
        if found is None:
            raise ValidationError({"department": [_("Département inconnu.")]})
        return found
    return None


def distance2(point: places.Point) -> ColumnElement:
    """Squared distance (km²) from ``point`` to each offer's place."""
    # In floating point on both databases (NUMERIC arithmetic would differ between them).
    dy = (cast(Offer.latitude, Float) - point.latitude) * places.KM_PER_DEG_LAT
    dx = (cast(Offer.longitude, Float) - point.longitude) * places.lon_scale(point.latitude)
    return dx * dx + dy * dy


def covers(point: places.Point) -> ColumnElement:
    """Offers whose reach covers ``point``."""
    span = MAX_RADIUS_KM / places.KM_PER_DEG_LAT
    local = and_(Offer.reach == "local",
                 Offer.latitude.between(point.latitude - span, point.latitude + span),
                 distance2(point) <= Offer.radius_km * Offer.radius_km)
    found = [Offer.reach == "europe", local]
    if point.country:
        found.append(and_(Offer.reach == "national", Offer.country == point.country))
        if point.region:
            found.append(and_(Offer.reach == "regional", Offer.region == point.region,
                              Offer.country == point.country))
    return or_(*found)


def text_match(stmt: Select, dialect: str, query: str) -> tuple[Select, ColumnElement] | None:
    """``stmt`` narrowed to the offers holding the words, and their rank (higher is better);
    None when the query holds no word to search."""
    if dialect == "postgresql":
        words = func.intercoop_unaccent(query)
        tsquery = func.websearch_to_tsquery(text("'french'::regconfig"), words).op("||")(
            func.websearch_to_tsquery(text("'english'::regconfig"), words))
        vector = literal_column("offers.search_vector")
        # ts_rank is a real: as a double, its value survives the cursor's round trip exactly.
        return stmt.where(vector.op("@@")(tsquery)), cast(func.ts_rank(vector, tsquery), Float)
    match = offer_text.fts_query(query)
    if match is None:
        return None
    found = (select(literal_column("rowid").label("id"),
                    (-func.bm25(literal_column("offers_fts"))).label("rank"))
             .select_from(table("offers_fts"))
             .where(literal_column("offers_fts").op("MATCH")(match)).subquery("words"))
    return stmt.join(found, found.c.id == Offer.id), found.c.rank


def filtered(args: dict, now: datetime) -> Select:
    """Published, current offers of active members matching the filters (no words yet)."""
    stmt = (select(Offer).join(Member, Member.id == Offer.member_id)
            .where(Offer.status == OfferStatus.published, Member.status == "active",
                   or_(Offer.valid_until.is_(None), Offer.valid_until > now),
                   or_(Offer.valid_from.is_(None), Offer.valid_from <= now)))
    if args.get("kind"):
        stmt = stmt.where(Offer.kind.in_(args["kind"]))
    if args.get("sector"):
        stmt = stmt.where(Offer.sector_code == args["sector"])
    if args.get("sector_group"):
        codes = taxonomy.group_sector_codes(args["sector_group"])
        if not codes:
            raise ValidationError({"sector_group": [_("Famille de secteurs inconnue.")]})
        stmt = stmt.where(Offer.sector_code.in_(codes))
    if args.get("member"):
        stmt = stmt.where(Offer.member_id == args["member"])
    for bound, compare in (("price_min", Offer.price_minor.__ge__),
                           ("price_max", Offer.price_minor.__le__)):
        if args.get(bound) is not None:
            stmt = stmt.where(compare(args[bound]), Offer.currency == "EUR")
    if args.get("accepts"):
        stmt = stmt.where(Offer.currency_share > 0, exists().where(
            OfferCurrency.offer_id == Offer.id, OfferCurrency.currency == args["accepts"]))
    if args.get("network"):
        stmt = stmt.where(exists().where(
            member_networks.c.member_id == Offer.member_id,
            member_networks.c.network_id == Network.id, Network.slug == args["network"]))
    if args.get("inclusion_kind"):
        kinds = {k for kind in args["inclusion_kind"]
                 for k in (SIAE if kind.upper() == "SIAE" else (kind,))}
        stmt = stmt.where(Member.inclusion_kind.in_(sorted(kinds)))
    if args.get("has_images") is not None:
        stmt = stmt.where(Offer.has_images.is_(args["has_images"]))
    return stmt


@dataclass(frozen=True)
class Query:
    """A search as SQL: the ordered statement (its columns chosen by the caller), the sort
    and the distance² and rank columns (NULL literals when the search has none)."""

    stmt: Select
    sort: str
    extra: list[ColumnElement]


def query(session, args: dict, cursor: str | None, now: datetime | None) -> Query | None:
    """The SQL of the search ``args`` describes, from ``cursor`` on; None if it finds nothing."""
    point = search_point(args)
    stmt = filtered(args, now or now_utc())
    columns: list[ColumnElement] = [literal(None), literal(None)]
    sort = args.get("sort") or ("relevance" if args.get("q") else "date")
    if sort == "distance" and point is None:
        raise ValidationError({"sort": [_("Le tri par distance demande un lieu.")]})
    rank = None
    if args.get("q"):
        matched = text_match(stmt, session.get_bind().dialect.name, args["q"])
        if matched is None:
            return None
        stmt, rank = matched
        columns[1] = rank
    elif sort == "relevance":
        sort = "date"
    if point is not None:
        stmt = stmt.where(covers(point), Offer.latitude.is_not(None))
        columns[0] = distance2(point)
    key, descending = {"relevance": (rank, True), "distance": (columns[0], False),
                       "price": (Offer.price_minor, False),
                       "date": (Offer.published_at, True)}[sort]
    if cursor:
        stmt = stmt.where(after(cursor, sort, key, descending))
    # Ties (many offers rank alike for one word) go newest first in a descending order.
    ordered = [key.desc(), Offer.id.desc()] if descending else [key.asc(), Offer.id.asc()]
    return Query(stmt.order_by(*ordered), sort, columns)


def page_rows(session, found: Query, entities: list, limit: int,
              options: tuple = ()) -> tuple[list, str | None]:
    """One page of rows (``entities`` then the distance² and the rank) and the next cursor."""
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = (found.stmt.with_only_columns(*entities, *found.extra, Offer.id, Offer.price_minor,
                                         Offer.published_at).options(*options).limit(limit + 1))
    rows = session.execute(stmt).all()
    next_cursor = None
    if len(rows) > limit:
        distance, rank, last_id, price, published_at = rows[limit - 1][len(entities):]
        value = {"relevance": float(rank or 0), "distance": float(distance or 0),
                 "price": price, "date": published_at}[found.sort]
        next_cursor = encode_cursor([found.sort, json_value(value), last_id])
    return rows[:limit], next_cursor


def search(session, args: dict, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None,
           now: datetime | None = None) -> Results:
    """One page of the offers matching ``args`` (OfferSearchArgsSchema's fields)."""
    found = query(session, args, cursor, now)
    if found is None:
        return Results([], None)
    # The member is the one `filtered` joins; its networks and sectors are not shown here.
    member = contains_eager(Offer.member)
    rows, next_cursor = page_rows(session, found, [Offer], limit, (
        member.lazyload(Member.networks), member.lazyload(Member.sector_links)))
    return Results([Hit(row[0], distance_km(row[1]), None if row[2] is None else float(row[2]))
                    for row in rows], next_cursor)


def distance_km(distance2_km2) -> float | None:
    """A squared distance as kilometres to one decimal."""
    return None if distance2_km2 is None else round(float(distance2_km2) ** 0.5, 1)


#: What the map shows of an offer: read as columns, no offer object is built; coordinates
#: as doubles, which GeoJSON takes, rather than decimals made only to be converted.
POINT_COLUMNS = (Offer.id.label("offer_id"), Offer.title, Offer.kind, Offer.price_minor,
                 Offer.currency, Offer.unit, Offer.city,
                 cast(Offer.latitude, Float).label("latitude"),
                 cast(Offer.longitude, Float).label("longitude"), Member.name.label("member_name"))


def points(session, args: dict, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None,
           now: datetime | None = None) -> tuple[list, str | None]:
    """One page of the offers matching ``args`` that have a place, as rows of
    POINT_COLUMNS (the map's GeoJSON), and the next cursor."""
    found = query(session, args, cursor, now)
    if found is None:
        return [], None
    found = replace(found, stmt=found.stmt.where(Offer.latitude.is_not(None)))
    return page_rows(session, found, list(POINT_COLUMNS), limit)


def json_value(value) -> str:
    """A sort value as cursor text: exact for floats (repr), ints and instants."""
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(float(value)) if isinstance(value, float) else json.dumps(value)


def after(cursor: str, sort: str, key: ColumnElement, descending: bool) -> ColumnElement:
    """Rows after the cursor's (value, id) in the page order; a foreign cursor is refused."""
    found, raw, last_id = decode_key(cursor, (str, str, int), 2**31 - 1)
    try:
        if found != sort:
            raise ValueError
        value = (datetime.fromisoformat(raw) if sort == "date"
                 else int(raw) if sort == "price" else float(raw))
    except ValueError:
        raise ValidationError({"cursor": [_("Curseur de pagination invalide.")]}) from None
    beyond = key < value if descending else key > value
    return or_(beyond, and_(key == value, Offer.id < last_id if descending
                            else Offer.id > last_id))
