"""Favourites: the offers and members a member starred, to find them again on one page.

Starring is idempotent (a second star changes nothing, even when two arrive at once: the
unique indexes and ON CONFLICT DO NOTHING see to it), and so is removing one. A member
stars what it may see: published offers of active members (and its own), active members.
Services take the session, flush and never commit.
"""

from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from market.members.models import Member
from market.offers.models import Favourite, Offer, OfferStatus
from market.platform.time import now_utc
from market.web.errors import BusinessRuleError, NotFound
from market.web.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_key, encode_cursor

#: Largest id an INTEGER key holds (a bigger one is simply not found).
MAX_ID = 2**31 - 1
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def visible_offer(session, offer_id: int, member_id: int) -> Offer:
    """An offer ``member_id`` may star, or NotFound."""
    offer = session.get(Offer, offer_id) if 0 < offer_id <= MAX_ID else None
    if offer is None or (offer.member_id != member_id and not (
            offer.status == OfferStatus.published and offer.member.status == "active")):
        raise NotFound(_("Offre introuvable."))
    return offer


def visible_member(session, starred_id: int, member_id: int) -> Member:
    """A member ``member_id`` may star (active, and not itself), or NotFound."""
    starred = session.get(Member, starred_id) if 0 < starred_id <= MAX_ID else None
    if starred is None or starred.status != "active":
        raise NotFound(_("Structure introuvable."))
    if starred.id == member_id:
        raise BusinessRuleError(_("Une structure ne se met pas elle-même en favori."),
                                code="not_eligible")
    return starred


def star(session, member_id: int, *, offer_id: int | None = None,
         starred_member_id: int | None = None) -> Favourite:
    """Star an offer or a member (already starred: no change); return the star; flush."""
    values = {"member_id": member_id, "offer_id": offer_id,
              "starred_member_id": starred_member_id, "created_at": now_utc()}
    insert = INSERTS[session.get_bind().dialect.name]
    session.execute(insert(Favourite).values(**values).on_conflict_do_nothing())
    return session.scalar(select(Favourite).where(target(member_id, offer_id,
                                                         starred_member_id)))


def unstar(session, member_id: int, *, offer_id: int | None = None,
           starred_member_id: int | None = None) -> bool:
    """Remove a star if there is one; tell whether there was; flush."""
    result = session.execute(delete(Favourite).where(
        target(member_id, offer_id, starred_member_id)).execution_options(
        synchronize_session=False))
    return result.rowcount > 0


def toggle(session, member_id: int, *, offer_id: int | None = None,
           starred_member_id: int | None = None) -> bool:
    """Star what is not starred, unstar what is; tell whether it is starred now."""
    kwargs = {"offer_id": offer_id, "starred_member_id": starred_member_id}
    if unstar(session, member_id, **kwargs):
        return False
    star(session, member_id, **kwargs)
    return True


def target(member_id: int, offer_id: int | None, starred_member_id: int | None):
    """The condition naming one star of ``member_id``."""
    if offer_id is not None:
        return and_(Favourite.member_id == member_id, Favourite.offer_id == offer_id)
    return and_(Favourite.member_id == member_id,
                Favourite.starred_member_id == starred_member_id)


def starred(session, member_ids: set[int]) -> tuple[set[int], set[int]]:
    """The offer ids and member ids that ``member_ids`` starred."""
    rows = session.execute(select(Favourite.offer_id, Favourite.starred_member_id)
                           .where(Favourite.member_id.in_(sorted(member_ids)))).all()
    return ({r.offer_id for r in rows if r.offer_id is not None},
            {r.starred_member_id for r in rows if r.starred_member_id is not None})


def list_favourites(session, member_id: int, *, kind: str | None = None,
                    limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page:
    """One page of ``member_id``'s stars, newest first, on what it may still see: offers
    withdrawn since (or their member suspended) and members no longer active are left out
    until they return."""
    limit = max(1, min(limit, MAX_LIMIT))
    offer_member = select(Member.id).where(Member.id == Offer.member_id,
                                           Member.status == "active").exists()
    shown_offer = and_(Favourite.offer_id.is_not(None), Favourite.offer_id.in_(
        select(Offer.id).where(or_(Offer.member_id == member_id,
                                   and_(Offer.status == OfferStatus.published,
                                        offer_member)))))
    shown_member = and_(Favourite.starred_member_id.is_not(None),
                        Favourite.starred_member_id.in_(
                            select(Member.id).where(Member.status == "active")))
    shown = {"offer": shown_offer, "member": shown_member}.get(kind, or_(shown_offer,
                                                                         shown_member))
    stmt = select(Favourite).where(Favourite.member_id == member_id, shown)
    if cursor:
        stmt = stmt.where(Favourite.id < decode_key(cursor, (int,), MAX_ID)[0])
    rows = list(session.scalars(stmt.order_by(Favourite.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    return Page(items, encode_cursor([items[-1].id]) if len(rows) > limit else None)


def loaded(session, favourites: list[Favourite]) -> list[tuple[Favourite, object]]:
    """Each star with the offer or the member it names."""
    offer_ids = [f.offer_id for f in favourites if f.offer_id is not None]
    member_ids = [f.starred_member_id for f in favourites if f.starred_member_id is not None]
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(offer_ids)))}
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(member_ids)))}
    return [(f, offers.get(f.offer_id) if f.offer_id is not None
             else members.get(f.starred_member_id)) for f in favourites]
