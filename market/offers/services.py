"""Offer use cases: write, publish, pause, renew, archive and expire offers.

Services take the session, flush and never commit (the caller's use case does), and check
everything before writing anything: a refused call leaves the session as it found it.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _

import ledger
from market.members import taxonomy
from market.members.models import Member
from market.offers import search_index
from market.offers.models import (
    DeliveryKind,
    DeliveryMethod,
    FeeKind,
    Offer,
    OfferCurrency,
    OfferKind,
    OfferStatus,
    Reach,
)
from market.platform.time import now_utc
from market.treasury.owners import owner_ref
from market.web.errors import BusinessRuleError, InvalidState, NotFound, ValidationError

#: Complementary currencies: what the currency share of a price may be paid in.
COMPLEMENTARY_KINDS = ("mutual_credit", "backed")
#: An offer renewed in one click runs this much longer (or as long as it first ran).
RENEWAL = timedelta(days=30)
#: (status, action) -> new status; anything else is refused (STYLE.md, item 8).
OFFER_TRANSITIONS = {
    (OfferStatus.draft, "publish"): OfferStatus.published,
    (OfferStatus.paused, "publish"): OfferStatus.published,
    (OfferStatus.published, "pause"): OfferStatus.paused,
    (OfferStatus.published, "renew"): OfferStatus.published,
    (OfferStatus.paused, "renew"): OfferStatus.paused,
    (OfferStatus.expired, "renew"): OfferStatus.published,
    (OfferStatus.published, "expire"): OfferStatus.expired,
    (OfferStatus.paused, "expire"): OfferStatus.expired,
    (OfferStatus.draft, "archive"): OfferStatus.archived,
    (OfferStatus.published, "archive"): OfferStatus.archived,
    (OfferStatus.paused, "archive"): OfferStatus.archived,
    (OfferStatus.expired, "archive"): OfferStatus.archived,
}
PLACE = ("latitude", "longitude", "city", "department", "region", "country")
PLAIN = ("kind", "title", "description", "unit", "currency_share", "quantity", "reach",
         "radius_km", "valid_from", "valid_until", "share_min", "share_max")


def currencies(session) -> dict[str, dict]:
    """The ledger's currencies by code."""
    return {c["code"]: c for c in ledger.list_currencies(session.connection())}


def create_offer(session, member: Member, data: dict, *, now: datetime | None = None) -> Offer:
    """Write a draft offer of ``member`` from validated ``data``; flush, no commit."""
    offer = Offer(member_id=member.id, member=member, status=OfferStatus.draft)
    for key in PLACE:  # the member's place unless the offer says otherwise
        setattr(offer, key, getattr(member, key))
    apply(session, offer, data, creating=True)
    session.add(offer)
    session.flush()
    search_index.refresh(session, offer)
    return offer


def update_offer(session, offer: Offer, data: dict) -> Offer:
    """Change the fields present in ``data``; flush, no commit."""
    if offer.status == OfferStatus.archived:
        raise InvalidState(_("Une offre archivée ne se modifie plus."))
    apply(session, offer, data, creating=False)
    session.flush()
    search_index.refresh(session, offer)
    return offer


def apply(session, offer: Offer, data: dict, *, creating: bool) -> None:
    """Check ``data`` against the rules, then set it on ``offer`` (nothing set if refused)."""
    errors: dict[str, list[str]] = {}
    known = currencies(session)
    merged = {k: getattr(offer, k) for k in PLAIN + PLACE}
    merged.update({k: data[k] for k in PLAIN if k in data})
    merged.update({k: data[k] for k in PLACE if data.get(k) is not None})
    code = data.get("currency", offer.currency or "EUR")
    price_minor = offer.price_minor
    if code not in known:
        errors["currency"] = [_("Monnaie inconnue du grand livre.")]
    elif "price" in data or creating:
        price_minor = parse_price(data["price"], known[code]["scale"], "price", errors)
    if "sector" in data and not taxonomy.is_sector(data["sector"]):
        errors["sector"] = [_("Secteur inconnu : choisissez un code de la liste des secteurs.")]
    accepted = data.get("accepted_currencies", offer.accepted_currencies)
    check_accepted(accepted, code, merged["currency_share"], known, errors)
    check_reach(merged, errors)
    check_share(merged, errors)
    if merged["valid_from"] and merged["valid_until"] and \
            merged["valid_until"] <= merged["valid_from"]:
        errors["valid_until"] = [_("La fin de validité doit suivre son début.")]
    deliveries = None
    if "deliveries" in data:
        scale = known[code]["scale"] if code in known else 2
        deliveries = [delivery(d, scale, i, errors) for i, d in enumerate(data["deliveries"])]
    if errors:
        raise ValidationError(errors)
    for key, value in merged.items():
        setattr(offer, key, value)
    offer.currency, offer.price_minor = code, price_minor
    if "sector" in data:
        offer.sector_code = data["sector"]
    if offer.reach != Reach.local:
        offer.radius_km = None
    if "accepted_currencies" in data or creating:
        offer.currency_links = [OfferCurrency(currency=c) for c in sorted(set(accepted))]
    if deliveries is not None:
        offer.deliveries = deliveries


def parse_price(value: str, scale: int, field: str, errors: dict) -> int | None:
    """Minor units of a decimal string (zero allowed: a gift), or an error for ``field``."""
    try:
        minor = ledger.parse_amount(value, scale, signed=True)
    except ledger.InvalidAmount:
        errors[field] = [_("Montant décimal avec %(scale)s décimales, par exemple 12.50.",
                           scale=scale)]
        return None
    if minor < 0:
        errors[field] = [_("Le montant ne peut pas être négatif.")]
        return None
    return minor


def check_accepted(accepted: list[str], code: str, share: int, known: dict,
                   errors: dict) -> None:
    """The currencies accepted must be complementary ones, and some when a share is set."""
    wrong = [c for c in accepted if c not in known
             or known[c]["kind"] not in COMPLEMENTARY_KINDS or c == code]
    if wrong:
        errors["accepted_currencies"] = [_(
            "Monnaies complémentaires inconnues : %(codes)s.", codes=", ".join(wrong))]
    elif share and not accepted:
        errors["accepted_currencies"] = [_(
            "Indiquez au moins une monnaie complémentaire acceptée pour cette part du prix.")]


def check_reach(merged: dict, errors: dict) -> None:
    """A local offer needs a radius and a place."""
    if merged["reach"] != Reach.local:
        return
    if not merged["radius_km"]:
        errors["radius_km"] = [_("Une offre locale indique son rayon en kilomètres.")]
    if merged["latitude"] is None or merged["longitude"] is None:
        errors["latitude"] = [_("Une offre locale a besoin d'un lieu (latitude, longitude).")]


def check_share(merged: dict, errors: dict) -> None:
    """A share offer says how many shares one subscriber takes at least (and at most)."""
    if merged["kind"] != OfferKind.share:
        merged["share_min"] = merged["share_max"] = None
        return
    if not merged["share_min"]:
        errors["share_min"] = [_("Indiquez le nombre minimal de parts par souscripteur.")]
    elif merged["share_max"] is not None and merged["share_max"] < merged["share_min"]:
        errors["share_max"] = [_("Le maximum de parts ne peut être inférieur au minimum.")]


def delivery(data: dict, scale: int, index: int, errors: dict) -> DeliveryMethod:
    """A delivery method from its validated fields; its errors under ``deliveries.<i>``."""
    problems = []
    fee = None
    if data["fee_kind"] == FeeKind.fixed:
        found: dict = {}
        fee = parse_price(data["fee"] or "", scale, "fee", found) if data["fee"] else None
        if fee is None:
            problems.append(_("Un forfait de livraison indique son montant."))
    if data["kind"] == DeliveryKind.delivery_radius and not data["radius_km"]:
        problems.append(_("Une livraison dans un rayon indique ce rayon."))
    if data["kind"] == DeliveryKind.delivery_region and not data["region"]:
        problems.append(_("Une livraison régionale indique la région."))
    if data["kind"] == DeliveryKind.pickup and not data["address"]:
        problems.append(_("Un retrait sur place indique l'adresse."))
    if problems:
        errors[f"deliveries.{index}"] = problems
    return DeliveryMethod(kind=data["kind"], address=data["address"],
                          radius_km=data["radius_km"], region=data["region"],
                          fee_kind=data["fee_kind"], fee_minor=fee)


def transition(session, offer: Offer, action: str, *, now: datetime | None = None) -> Offer:
    """Apply ``action`` (publish, pause, renew, archive, expire) to ``offer``; flush."""
    now = now or now_utc()
    target = OFFER_TRANSITIONS.get((OfferStatus(offer.status), action))
    if target is None:
        raise InvalidState(_("Impossible de faire cela sur une offre dans cet état (%(status)s).",
                             status=offer.status), {"status": offer.status, "action": action})
    if action == "renew":
        renew(offer, now)
    if target == OfferStatus.published:
        check_publishable(session, offer, now)
        offer.published_at = offer.published_at if action == "renew" else now
    offer.status = target
    session.flush()
    from market.offers.want_alerts import notify_matching  # here: it imports us (wants)
    notify_matching(session, offer, now=now)  # tells fitting wants once, if now published
    return offer


def renew(offer: Offer, now: datetime) -> None:
    """Push the end date as far ahead as the offer first ran (30 days at least)."""
    start = offer.valid_from or offer.published_at or offer.created_at or now
    length = RENEWAL if offer.valid_until is None else max(offer.valid_until - start, RENEWAL)
    offer.valid_until = max(now, offer.valid_until or now) + length
    offer.reminded_7_at = offer.reminded_1_at = None


def check_publishable(session, offer: Offer, now: datetime) -> None:
    """Only an active member's offer within its dates, payable into its own accounts."""
    if offer.member.status != "active":
        raise BusinessRuleError(_("Seule une structure active publie des offres."),
                                code="not_eligible")
    if offer.valid_until is not None and offer.valid_until <= now:
        raise ValidationError({"valid_until": [_("Cette date de fin est passée : "
                                                 "prolongez l'offre.")]})
    held = {a["currency"] for a in ledger.list_accounts(session.connection(),
                                                        owner_ref=owner_ref(offer.member_id))
            if a.get("status", "open") == "open"}
    missing = [c for c in [offer.currency, *offer.accepted_currencies] if c not in held]
    if missing:
        raise BusinessRuleError(_(
            "Votre structure n'a pas de compte en %(codes)s pour recevoir ces paiements.",
            codes=", ".join(missing)), {"currencies": missing}, code="not_eligible")


def load(session, offer_id: int) -> Offer | None:
    """The offer with this id, or None (an id beyond the column's range included)."""
    return session.get(Offer, offer_id) if 0 < offer_id < 2**31 else None


def visible_offer(session, offer_id: int, own_member_ids: set[int]) -> Offer:
    """An offer anyone may see (published, of an active member) or one of the caller's own;
    any other is NotFound, so nobody tells another member's draft from a missing offer."""
    offer = load(session, offer_id)
    if offer is None or (offer.member_id not in own_member_ids and not (
            offer.status == OfferStatus.published and offer.member.status == "active")):
        raise NotFound(_("Offre introuvable."))
    return offer


def own_offer(session, offer_id: int, own_member_ids: set[int]) -> Offer:
    """One of the caller's members' offers, or NotFound (never Forbidden: see above)."""
    offer = load(session, offer_id)
    if offer is None or offer.member_id not in own_member_ids:
        raise NotFound(_("Offre introuvable."))
    return offer
