"""The inclusive catalogue: a small purchase placed without a tender, given to the eligible
structure the catalogue served least in the last 12 months (market.matching.rotation), then
run as a marketplace order.

Eligible: an active member with an inclusion kind (SIAE, EA, ESAT, GEIQ...) and a
procurement Structure that reaches the department (market.matching.reach: a radius reaches
it when the department's centroid is within it), offering a published, valid product or
service of the sector, priced in EUR, with the stock for the quantity and handed over at no
fee (no delivery method, or a free one). Its cheapest such offer is its candidate offer.
"""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

import ledger
from market import matching
from market.matching import rotation
from market.members import taxonomy
from market.members.models import InclusionKind, Member, MemberStatus
from market.offers.labels import money
from market.offers.models import FeeKind, Offer, OfferKind, OfferStatus
from market.orders import services as orders
from market.procurement import nuts
from market.procurement.contract_models import CataloguePurchase
from market.procurement.directory import department_of
from market.procurement.models import Structure
from market.procurement.outreach_models import settings
from market.procurement.tenders import MAX_ID
from market.web.errors import BusinessRuleError, NotFound, ValidationError
from market.web.pagination import Page, paginate

#: What "the last 12 months" of the rotation is.
WINDOW = timedelta(days=365)
#: The catalogue buys in euros (the threshold is in euro cents).
CURRENCY, SCALE = "EUR", 2


@dataclass(frozen=True)
class Offered:
    """An eligible structure, its cheapest fitting offer, what it costs for the quantity,
    how it is handed over, and what the catalogue gave the structure in the last 12 months."""

    member: Member
    offer: Offer
    value_minor: int
    received_minor: int
    delivery_id: int | None


@cache
def _centroids() -> dict[str, nuts.Department]:
    """French departments by INSEE code, with their centroids."""
    return {d.code: d for d in nuts.departments()}


def place(department: str) -> matching.Lot:
    """The department as the reach rule sees a place: its code and centroid."""
    found = _centroids()[department]
    return matching.Lot(id=0, sectors=frozenset(), department=department,
                        latitude=None if found.latitude is None else float(found.latitude),
                        longitude=None if found.longitude is None else float(found.longitude))


def reaches(structure: Structure, where: matching.Lot) -> bool:
    """Whether the structure works in the department (market.matching.reach's rule)."""
    m = structure.member
    return matching.reaches(matching.Structure(
        id=m.id, name=m.name, kind=m.inclusion_kind, sectors=frozenset(),
        latitude=None if m.latitude is None else float(m.latitude),
        longitude=None if m.longitude is None else float(m.longitude),
        department=m.department, reach=structure.reach, radius_km=structure.radius_km,
        departments=frozenset(structure.departments)), where)


def handover(offer: Offer) -> tuple[bool, int | None]:
    """Whether the offer is handed over at no fee, and the delivery method to order (None:
    agreed between the parties, for an offer without methods)."""
    if not offer.deliveries:
        return True, None
    free = next((d for d in offer.deliveries if d.fee_kind == FeeKind.free), None)
    return free is not None, None if free is None else free.id


def received(session, member_ids: list[int], now: datetime) -> dict[int, int]:
    """What the catalogue gave each member in the 12 months before ``now``, in cents."""
    if not member_ids:
        return {}
    rows = session.execute(
        select(CataloguePurchase.supplier_id, func.sum(CataloguePurchase.value_minor))
        .where(CataloguePurchase.supplier_id.in_(member_ids),
               CataloguePurchase.created_at > now - WINDOW)
        .group_by(CataloguePurchase.supplier_id))
    return {member: int(total) for member, total in rows}


def fitting_offers(session, sector_code: str, quantity: int, now: datetime):
    """(offer, structure) pairs of inclusion structures' offers that can fill the purchase."""
    return session.execute(
        select(Offer, Structure)
        .join(Member, Offer.member_id == Member.id)
        .join(Structure, Structure.member_id == Member.id)
        .where(Offer.status == OfferStatus.published, Offer.sector_code == sector_code,
               Offer.kind.in_([OfferKind.product, OfferKind.service]),
               Offer.currency == CURRENCY, Offer.price_minor > 0,
               or_(Offer.valid_from.is_(None), Offer.valid_from <= now),
               or_(Offer.valid_until.is_(None), Offer.valid_until > now),
               or_(Offer.quantity.is_(None), Offer.quantity >= quantity),
               Member.status == MemberStatus.active,
               Member.inclusion_kind != InclusionKind.none)
        .order_by(Offer.price_minor, Offer.id)).all()


def least_served(c: Offered) -> tuple[int, int]:
    """The candidates' order: least received first, then by member id."""
    return c.received_minor, c.member.id


def candidates(session, sector_code: str, department: str, quantity: int, now: datetime,
               *, exclude: frozenset[int] = frozenset()) -> list[Offered]:
    """The eligible structures for the purchase (module docstring), each with its cheapest
    offer, least served first (then by member id); ``exclude``: the buyers themselves."""
    where = place(department)
    best: dict[int, tuple[Offer, int | None]] = {}
    for offer, structure in fitting_offers(session, sector_code, quantity, now):
        if offer.member_id in best or offer.member_id in exclude:
            continue  # the cheapest offer came first
        usable, delivery = handover(offer)
        if usable and reaches(structure, where):
            best[offer.member_id] = (offer, delivery)
    given = received(session, sorted(best), now)
    found = [Offered(offer.member, offer, offer.price_minor * quantity, given.get(m, 0),
                     delivery) for m, (offer, delivery) in best.items()]
    return sorted(found, key=least_served)


def checked_request(data: dict) -> tuple[str, str]:
    """The sector and department asked (from the postcode when no department is given)."""
    errors: dict[str, list[str]] = {}
    sector = data["sector"]
    if not taxonomy.is_sector(sector):
        errors["sector"] = [_("Secteur inconnu : voyez la liste des secteurs.")]
    department = data.get("department")
    postcode = data.get("postcode")
    if department is None and postcode is not None:
        department = department_of(postcode)
    if department is None:
        errors["department"] = [_("Indiquez le département (ou le code postal) du besoin.")]
    elif department not in _centroids():
        errors["department"] = [_("Département inconnu.")]
    elif postcode is not None and department_of(postcode) != department:
        errors["postcode"] = [_("Ce code postal n'est pas dans le département indiqué.")]
    if errors:
        raise ValidationError(errors)
    return sector, department


def within_threshold(session, found: list[Offered]) -> list[Offered]:
    """The candidates whose purchase stays under the network's threshold; refuse when none
    does (no candidate at all, or even the cheapest goes beyond it)."""
    if not found:
        raise BusinessRuleError(_("Aucune structure inclusive ne propose ce secteur dans ce "
                                  "département pour cette quantité."), code="not_eligible")
    threshold = settings(session).catalogue_threshold_minor
    kept = [c for c in found if c.value_minor <= threshold]
    if not kept:
        cheapest = min(c.value_minor for c in found)
        raise BusinessRuleError(
            _("Achat de %(value)s : au-delà de %(threshold)s, passez par un appel d'offres.",
              value=money(cheapest, CURRENCY), threshold=money(threshold, CURRENCY)),
            {"threshold": ledger.format_amount(threshold, SCALE), "currency": CURRENCY,
             "cheapest": ledger.format_amount(cheapest, SCALE)}, code="not_eligible")
    return kept


def lock_structures(session, member_ids: set[int]) -> None:
    """Lock the directory rows of ``member_ids`` until the transaction ends, in one order
    (no deadlock); SQLite has no row locks, its writes are serialised."""
    session.execute(select(Structure.member_id)
                    .where(Structure.member_id.in_(sorted(member_ids)))
                    .order_by(Structure.member_id).with_for_update())


def purchase(session, buyer: Member, user_id: int | None, data: dict, now: datetime,
             seed: str | None = None) -> CataloguePurchase:
    """Give the purchase to the least-served eligible structure and order its offer; the
    order and the record commit together (or neither: the caller's one transaction)."""
    sector, department = checked_request(data)
    quantity = data["quantity"]
    exclude = frozenset({buyer.id})
    found = candidates(session, sector, department, quantity, now, exclude=exclude)
    if found:
        # Purchases among the same structures run one at a time, each counting what the one
        # before gave: two at once would both see the same least-served structure.
        ids = [c.member.id for c in found]
        lock_structures(session, set(ids))
        given = received(session, ids, now)
        found = sorted((replace(c, received_minor=given.get(c.member.id, 0)) for c in found),
                       key=least_served)
    kept = within_threshold(session, found)
    seed = seed or secrets.token_hex(16)
    by_member = {c.member.id: c for c in kept}
    ranking = rotation.rank([(c.member.id, c.offer.id, c.received_minor) for c in kept],
                            seed).ranking
    chosen = by_member[ranking[0].member_id]
    order = orders.request_order(session, chosen.offer, buyer, user_id, {
        "quantity": quantity, "delivery": chosen.delivery_id, "note": data.get("note", "")},
        now=now)
    row = CataloguePurchase(
        buyer_id=buyer.id, user_id=user_id, sector_code=sector, department=department,
        quantity=quantity, supplier_id=chosen.member.id, offer_id=chosen.offer.id,
        order_id=order.id, value_minor=chosen.value_minor, seed=seed, created_at=now,
        candidates=[c._asdict() for c in ranking])
    session.add(row)
    session.flush()
    return row


def verified(row: CataloguePurchase) -> bool:
    """Whether re-running the rotation on the stored candidates and seed gives the stored
    ranking and the structure that got the purchase."""
    try:
        stored = [(c["member_id"], c["offer_id"], c["received_minor"]) for c in row.candidates]
        again = rotation.rank(stored, row.seed)
    except (KeyError, TypeError, ValueError):
        return False
    return [tuple(c) for c in again.ranking] == stored and \
        again.chosen.member_id == row.supplier_id and again.chosen.offer_id == row.offer_id


def visible_purchase(session, purchase_id: int, member_ids: set[int],
                     everyone: bool = False) -> CataloguePurchase:
    """A purchase whose buyer or supplier is one of ``member_ids`` (``everyone``: any)."""
    row = session.get(CataloguePurchase, purchase_id) if 0 < purchase_id <= MAX_ID else None
    if row is None or not (everyone or {row.buyer_id, row.supplier_id} & member_ids):
        raise NotFound(_("Achat introuvable."))
    return row


def list_purchases(session, buyers: set[int] | None, *, limit: int,
                   cursor: str | None) -> Page:
    """The purchases of ``buyers`` (None: every buyer's), oldest first."""
    stmt = select(CataloguePurchase)
    if buyers is not None:
        stmt = stmt.where(CataloguePurchase.buyer_id.in_(sorted(buyers)))
    return paginate(session, stmt, CataloguePurchase.id, limit=limit, cursor=cursor)
