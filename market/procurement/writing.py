"""Buyers write their tenders: a draft, its documents and lots, then its life (publish,
cancel, close) through one transitions table.

A lot written here becomes a NoticeLot, as an imported notice's lot does, and
imports.fill_lot stores it: CPV codes and places follow the same rules whichever way a lot
comes in. Services take the session, flush and never commit.
"""

import re
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from market.members.models import Member
from market.offers import places
from market.platform.time import now_utc
from market.procurement import cpv, directory, nuts
from market.procurement.imports import fill_lot
from market.procurement.models import (
    Lot,
    NoticeSource,
    Tender,
    TenderDocument,
    TenderStatus,
)
from market.procurement.notice import Criterion, NoticeLot, Place
from market.procurement.tenders import MAX_ID
from market.web.errors import Forbidden, InvalidState, NotFound, ValidationError

#: (status, action) -> new status; anything else is refused (STYLE.md, item 8).
TENDER_TRANSITIONS = {
    (TenderStatus.draft, "publish"): TenderStatus.published,
    (TenderStatus.draft, "cancel"): TenderStatus.cancelled,
    (TenderStatus.published, "cancel"): TenderStatus.cancelled,
    (TenderStatus.published, "close"): TenderStatus.closed,
}
#: The lots that follow their tender into each new status (an awarded lot stays awarded).
LOTS_MOVING = {
    TenderStatus.published: (TenderStatus.draft,),
    TenderStatus.cancelled: (TenderStatus.draft, TenderStatus.published),
    TenderStatus.closed: (TenderStatus.published,),
}
TENDER_FIELDS = ("reference", "title", "description", "procedure", "published_on", "deadline")
PARIS = ZoneInfo("Europe/Paris")
_LOT_NUMBER = re.compile(r"LOT-(\d{4,9})")
_CPV_SHAPE = re.compile(r"\d{8}(?:-\d)?")


def own_tender(session, tender_id: int, readable: set[int], writable: set[int], *,
               lock: bool = False) -> Tender:
    """A tender of one of the caller's buyers, to write: another buyer's is not found, and
    a buyer the caller may only read (suspended) is refused."""
    tender = None
    if 0 < tender_id <= MAX_ID:
        stmt = select(Tender).where(Tender.id == tender_id)
        tender = session.scalars(stmt.with_for_update(of=Tender) if lock else stmt).first()
    if tender is None or tender.buyer_id not in readable:
        raise NotFound(_("Appel d'offres introuvable."))
    if tender.buyer_id not in writable:
        raise Forbidden(_("Seuls les acheteurs d'une structure active écrivent ses appels "
                          "d'offres."))
    return tender


def own_lot(session, lot_id: int, readable: set[int], writable: set[int]) -> Lot:
    """A lot of one of the caller's tenders, its tender locked for the write."""
    tender_id = None
    if 0 < lot_id <= MAX_ID:
        tender_id = session.scalar(select(Lot.tender_id).where(Lot.id == lot_id))
    try:
        tender = own_tender(session, tender_id or 0, readable, writable, lock=True)
    except NotFound:
        raise NotFound(_("Lot introuvable.")) from None
    lot = next((lot for lot in tender.lots if lot.id == lot_id), None)
    if lot is None:
        raise NotFound(_("Lot introuvable."))
    return lot


def must_be_draft(status: str) -> None:
    """Refuse to change a tender or a lot past its draft (409 invalid_state)."""
    if status != TenderStatus.draft:
        raise InvalidState(_("Seul un brouillon se modifie."), {"state": status})


def create_tender(session, buyer: Member, data: dict) -> Tender:
    """Write a draft tender for ``buyer``."""
    tender = Tender(buyer=buyer, source=NoticeSource.intercoop, identifier=str(uuid.uuid4()),
                    status=TenderStatus.draft, buyer_name=buyer.name,
                    buyer_identifier=buyer.siret or "")
    fill_tender(tender, data)
    session.add(tender)
    session.flush()
    return tender


def update_tender(session, tender: Tender, data: dict) -> Tender:
    """Change the fields ``data`` gives of a draft tender (documents: the whole list)."""
    must_be_draft(tender.status)
    fill_tender(tender, data)
    session.flush()
    return tender


def fill_tender(tender: Tender, data: dict) -> None:
    """Set the tender's fields that ``data`` holds."""
    for name in TENDER_FIELDS:
        if name in data:
            setattr(tender, name, data[name])
    if "documents" in data:
        tender.documents = [TenderDocument(position=i, title=d["title"], url=d["url"])
                            for i, d in enumerate(data["documents"])]


def add_lot(session, tender: Tender, data: dict) -> Lot:
    """Add a lot to a draft tender (its id the next LOT-nnnn unless given)."""
    must_be_draft(tender.status)
    lot_id = data.get("lot_id") or next_lot_id(tender)
    if any(lot.lot_id == lot_id for lot in tender.lots):
        raise ValidationError({"lot_id": [_("Ce lot existe déjà dans l'appel d'offres.")]})
    notice_lot = lot_notice({**data, "lot_id": lot_id}, currency="EUR", place=None)
    lot = fill_lot(Lot(status=TenderStatus.draft), notice_lot)
    tender.lots.append(lot)
    session.flush()
    return lot


def update_lot(session, lot: Lot, data: dict) -> Lot:
    """Change the fields ``data`` gives of a draft lot; the others stay as they are."""
    must_be_draft(lot.tender.status)
    must_be_draft(lot.status)
    lot_id = data.get("lot_id") or lot.lot_id
    if any(other.lot_id == lot_id and other is not lot for other in lot.tender.lots):
        raise ValidationError({"lot_id": [_("Ce lot existe déjà dans l'appel d'offres.")]})
    kept = None if "place" in data else stored_place(lot)
    currency = "EUR" if "estimated_value_minor" in data else lot.currency
    fill_lot(lot, lot_notice({**lot_fields(lot), **data, "lot_id": lot_id},
                             currency=currency, place=kept))
    session.flush()
    return lot


def delete_lot(session, lot: Lot) -> None:
    """Remove a draft lot from its draft tender."""
    must_be_draft(lot.tender.status)
    must_be_draft(lot.status)
    lot.tender.lots.remove(lot)
    session.flush()


def next_lot_id(tender: Tender) -> str:
    """The next LOT-nnnn of the tender: one past the highest number its lots use."""
    numbers = [int(m.group(1)) for lot in tender.lots if (m := _LOT_NUMBER.fullmatch(lot.lot_id))]
    return f"LOT-{max(numbers, default=0) + 1:04d}"


def lot_fields(lot: Lot) -> dict:
    """A stored lot as the lot schema loads it, for a PATCH to change some of it."""
    return {"title": lot.title, "description": lot.description, "cpv": lot.cpv_codes,
            "estimated_value_minor": lot.estimated_value_minor,
            "duration_days": lot.duration_days, "reservation": lot.reservation,
            "insertion_hours": lot.insertion_hours,
            "social_objectives": lot.social_objectives.split(),
            "criteria": [{"kind": c.kind, "name": c.name, "description": c.description,
                          "weight": c.weight} for c in lot.criteria]}


def stored_place(lot: Lot) -> Place:
    """The lot's place as it is stored (kept whole when a PATCH does not give one)."""
    return Place(postcode=lot.postcode, city=lot.city, department=lot.department,
                 nuts=lot.nuts, country=lot.country, latitude=lot.latitude,
                 longitude=lot.longitude)


def lot_notice(data: dict, *, currency: str, place: Place | None) -> NoticeLot:
    """The lot ``data`` describes as a notice's lot, or a ValidationError naming every
    field that is wrong (``place``: the stored place, kept as it is)."""
    errors: dict[str, list[str]] = {}
    codes = cpv_codes(data.get("cpv", []), errors)
    if place is None:
        place = resolve_place(data.get("place") or {}, errors)
    criteria = award_criteria(data.get("criteria", []), errors)
    if errors:
        raise ValidationError(errors)
    return NoticeLot(
        lot_id=data["lot_id"], title=data["title"], description=data.get("description", ""),
        cpv_main=codes[0] if codes else "", cpv_additional=codes[1:],
        estimated_value_minor=data.get("estimated_value_minor"), currency=currency,
        place=place, duration_days=data.get("duration_days"),
        reservation=data.get("reservation", "none"),
        insertion_hours=data.get("insertion_hours"), criteria=criteria,
        social_objectives=list(dict.fromkeys(data.get("social_objectives", []))))


def cpv_codes(given: list[str], errors: dict) -> list[str]:
    """The 8 digits of each CPV code, once each, the main one first; an unknown or malformed
    code is named in ``errors``."""
    codes, wrong = [], []
    for code in given:
        try:
            codes.append(cpv.normalise(code))
        except ValueError:
            wrong.append(_("Code CPV inconnu : %(code)s n'est pas dans le CPV 2008.", code=code)
                         if _CPV_SHAPE.fullmatch(code.strip()) else
                         _("Code CPV mal formé : %(code)s (8 chiffres, par exemple 77310000).",
                           code=code))
    if wrong:
        errors["cpv"] = wrong
    return list(dict.fromkeys(codes))


def resolve_place(given: dict, errors: dict) -> Place:
    """The place a lot is performed at, what is missing found from what is given: a NUTS
    code gives its department and centroid, a postcode its department, a department its
    centroid; a place with none of postcode, department, NUTS or coordinates is refused."""
    postcode, department = given.get("postcode", ""), given.get("department", "")
    nuts_code = given.get("nuts", "").upper()
    latitude, longitude = given.get("latitude"), given.get("longitude")
    if (latitude is None) != (longitude is None):
        errors["place.latitude"] = [_("Donnez la latitude et la longitude ensemble.")]
    if not (postcode or department or nuts_code or latitude is not None
            or longitude is not None):
        errors["place"] = [_("Lot sans lieu d'exécution : donnez un code postal, un "
                             "département, un code NUTS ou des coordonnées.")]
    base = Place(country="FR")
    if nuts_code:
        if not nuts.is_nuts(nuts_code):
            errors["place.nuts"] = [_("Code NUTS inconnu : %(code)s.", code=nuts_code)]
        base = nuts.place_for(nuts_code)
    known = directory.known_departments()
    of_postcode = directory.department_of(postcode) if postcode else ""
    if of_postcode and of_postcode not in known:
        errors["place.postcode"] = [_("Code postal inconnu : %(code)s.", code=postcode)]
    elif of_postcode and department and department != of_postcode:
        errors["place.department"] = [_("Le code postal %(code)s n'est pas dans ce "
                                        "département.", code=postcode)]
    department = department or base.department or of_postcode
    if department and department not in known:
        errors["place.department"] = [_("Département inconnu : %(code)s.", code=department)]
    if latitude is None and base.latitude is not None:
        latitude, longitude = base.latitude, base.longitude
    centroid = places.department_point(department) if department and latitude is None else None
    if centroid is not None:
        latitude = Decimal(str(round(centroid.latitude, 6)))
        longitude = Decimal(str(round(centroid.longitude, 6)))
    return Place(postcode=postcode, city=given.get("city", ""), department=department,
                 nuts=nuts_code, country=base.country or "FR", latitude=latitude,
                 longitude=longitude)


def award_criteria(given: list[dict], errors: dict) -> list[Criterion]:
    """The award criteria; when weighed, every one is and the weights sum to 100."""
    weights = [c.get("weight") for c in given]
    weighed = [w for w in weights if w is not None]
    if weighed and (len(weighed) != len(weights) or sum(weighed) != 100):
        errors["criteria"] = [_("Quand les critères sont pondérés, chacun l'est et les "
                                "pondérations font 100 en tout (ici %(total)s).",
                                total=sum(weighed))]
    return [Criterion(kind=c["kind"], name=c.get("name", ""), weight=c.get("weight"),
                      description=c.get("description", "")) for c in given]


def has_place(lot: Lot) -> bool:
    """Whether the lot says where it is performed."""
    return bool(lot.postcode or lot.department or lot.nuts or lot.latitude is not None)


def transition(session, tender: Tender, action: str, *, now: datetime | None = None) -> Tender:
    """Move ``tender`` (and its lots) by ``action``; a published tender's lots go out to the
    structures that match them (first batch now)."""
    from market.procurement import publishing

    now = now or now_utc()
    target = TENDER_TRANSITIONS.get((TenderStatus(tender.status), action))
    if target is None:
        raise InvalidState(_("Impossible de faire cela sur un appel d'offres dans cet état."),
                           {"state": tender.status, "action": action})
    if action == "publish":
        check_publishable(tender, now)
        tender.published_on = tender.published_on or now.astimezone(PARIS).date()
    if action == "close" and (tender.deadline is None or tender.deadline > now):
        raise InvalidState(_("La date limite n'est pas passée : l'appel d'offres reste "
                             "ouvert."), {"state": tender.status, "action": action})
    tender.status = target
    for lot in tender.lots:
        if lot.status in LOTS_MOVING[target]:
            lot.status = target
    session.flush()
    if action == "publish":
        publishing.open_lots(session, tender)
        publishing.send_batches(session, now, tender_id=tender.id)
    return tender


def check_publishable(tender: Tender, now: datetime) -> None:
    """Refuse to publish a tender without lots, without a future deadline, or with a lot
    lacking its place or CPV code (422, each problem named)."""
    errors: dict[str, list[str]] = {}
    if not tender.lots:
        errors["lots"] = [_("Ajoutez au moins un lot avant de publier.")]
    if tender.deadline is None:
        errors["deadline"] = [_("Donnez la date limite de remise des offres.")]
    elif tender.deadline <= now:
        errors["deadline"] = [_("La date limite est passée : repoussez-la avant de publier.")]
    for lot in tender.lots:
        if not lot.cpv_main:
            errors[f"lots.{lot.lot_id}.cpv"] = [_("Donnez au moins un code CPV.")]
        if not has_place(lot):
            errors[f"lots.{lot.lot_id}.place"] = [_("Lot sans lieu d'exécution.")]
    if errors:
        raise ValidationError(errors, _("Cet appel d'offres ne peut pas encore être publié : "
                                        "voyez ce qui manque dans le détail."))


def close_due(session, now: datetime | None = None) -> list[Tender]:
    """Close the published tenders whose deadline has passed (each locked, checked again)."""
    now = now or now_utc()
    ids = session.scalars(select(Tender.id).where(
        Tender.status == TenderStatus.published, Tender.deadline <= now)
        .order_by(Tender.id).with_for_update(skip_locked=True)).all()
    closed = []
    for tender_id in ids:
        tender = session.get(Tender, tender_id, populate_existing=True)
        if tender.status == TenderStatus.published and tender.deadline <= now:
            closed.append(transition(session, tender, "close", now=now))
    return closed
