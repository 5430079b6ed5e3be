"""Notices into tenders: read a file (eForms or OCDS), then create or update its tender.

The same notice imported twice updates the tender it made (found by its identifier): its
lots are matched by lot id, new ones added, those the notice no longer holds removed. A
tender past publication (closed, awarded, cancelled) is no longer changed by an import, and
a notice imported by one buyer is not taken over by another.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from market.members.models import Member
from market.procurement import eforms, ocds
from market.procurement.models import (
    Lot,
    LotCpv,
    LotCriterion,
    Tender,
    TenderDocument,
    TenderStatus,
)
from market.procurement.notice import Notice, NoticeError, NoticeLot
from market.procurement.ocds_export import OCID_PREFIX
from market.web.errors import Conflict

#: Tenders an import may still change.
OPEN = (TenderStatus.draft, TenderStatus.published)
_BOM = b"\xef\xbb\xbf"


def read(data: bytes) -> list[Notice]:
    """The notices a file holds: an eForms notice (XML) or an OCDS release package (JSON)."""
    head = data.removeprefix(_BOM).lstrip()[:1]
    if head == b"<":
        return [eforms.parse(data)]
    if head == b"{":
        return ocds.parse(data)
    raise NoticeError(_("Le fichier n'est ni un avis eForms (XML) ni un paquet de "
                        "publications OCDS (JSON)."))


@dataclass(frozen=True)
class Imported:
    """A tender an import made or changed."""

    tender: Tender
    created: bool


def import_notice(session, notice: Notice, buyer: Member) -> Imported:
    """Create the tender of ``notice`` for ``buyer``, or update the one an earlier import of
    the same notice made (the caller commits)."""
    tender = session.scalar(select(Tender).where(Tender.identifier.in_(keys(notice)))
                            .with_for_update())
    created = tender is None
    if created:
        tender = Tender(buyer=buyer, source=notice.source, identifier=notice.identifier,
                        status=TenderStatus.draft)
        session.add(tender)
    elif tender.buyer_id != buyer.id:
        raise Conflict(_("Cet avis a déjà été importé par un autre acheteur."))
    elif tender.status not in OPEN:
        raise Conflict(_("Cet appel d'offres est clos : un nouvel import ne le change plus."))
    elif notice.version and tender.version and notice.version < tender.version:
        raise Conflict(_("Une version plus récente de cet avis (%(version)s) est déjà "
                         "importée.", version=tender.version))
    tender.reference, tender.version = notice.reference, notice.version
    tender.title = notice.title
    tender.description = notice.description
    tender.procedure = notice.procedure
    tender.buyer_name = notice.buyer_name or buyer.name
    tender.buyer_identifier = notice.buyer_identifier
    tender.published_on = notice.published_on
    tender.deadline = notice.deadline
    tender.documents = [TenderDocument(position=i, title=d.title, url=d.url)
                        for i, d in enumerate(notice.documents)]
    existing = {lot.lot_id: lot for lot in tender.lots}
    tender.lots = [fill_lot(existing.get(n.lot_id) or Lot(status=tender.status), n)
                   for n in notice.lots]
    session.flush()
    return Imported(tender, created)


def keys(notice: Notice) -> list[str]:
    """The identifiers the notice's tender may have: its own, and the one our OCDS export
    prefixed into an ocid (an exported eForms notice comes back as that tender)."""
    found = [notice.identifier]
    own = f"{OCID_PREFIX}-"
    if notice.source == "ocds" and notice.identifier.startswith(own):
        found.append(notice.identifier.removeprefix(own))
    return found


def fill_lot(lot: Lot, notice_lot: NoticeLot) -> Lot:
    """``lot`` with the fields of the notice's lot."""
    n = notice_lot
    lot.lot_id, lot.title, lot.description = n.lot_id, n.title, n.description
    lot.cpv_main = n.cpv_main
    # A lot written here may have no code yet (publishing asks for one): no empty row.
    codes = [code for code in dict.fromkeys([n.cpv_main, *n.cpv_additional]) if code]
    lot.cpv_links = [LotCpv(code=code, position=i) for i, code in enumerate(codes)]
    lot.estimated_value_minor, lot.currency = n.estimated_value_minor, n.currency
    place = n.place
    lot.postcode = place.postcode if place else ""
    lot.city = place.city if place else ""
    lot.department = place.department if place else ""
    lot.nuts = place.nuts if place else ""
    lot.country = (place.country if place else "") or "FR"
    lot.latitude = place.latitude if place else None
    lot.longitude = place.longitude if place else None
    lot.duration_days = n.duration_days
    lot.reservation = n.reservation
    lot.insertion_hours = n.insertion_hours
    lot.social_objectives = " ".join(n.social_objectives)
    lot.criteria = [LotCriterion(position=i, kind=c.kind, name=c.name,
                                 description=c.description, weight=c.weight)
                    for i, c in enumerate(n.criteria)]
    return lot
