"""Tenders out: a tender as a notice, and that notice as an OCDS release package."""

from flask_babel import gettext as _

from market.platform.time import now_utc
from market.procurement import ocds
from market.procurement.models import Lot, Tender
from market.procurement.notice import Criterion, Document, Notice, NoticeLot, Place


def notice_of(tender: Tender) -> Notice:
    """The notice a tender would be published as (the inverse of imports.import_notice)."""
    return Notice(
        source=tender.source, identifier=tender.identifier, version=tender.version,
        reference=tender.reference,
        title=tender.title, description=tender.description, procedure=tender.procedure,
        buyer_name=tender.buyer_name or tender.buyer.name,
        buyer_identifier=tender.buyer_identifier or (tender.buyer.siret or ""),
        buyer_country=tender.buyer.country or "", published_on=tender.published_on,
        deadline=tender.deadline,
        documents=[Document(d.title, d.url) for d in tender.documents],
        lots=[notice_lot(lot) for lot in tender.lots])


def notice_lot(lot: Lot) -> NoticeLot:
    """A lot as a notice's lot."""
    return NoticeLot(
        lot_id=lot.lot_id, title=lot.title, description=lot.description,
        cpv_main=lot.cpv_main, cpv_additional=lot.cpv_codes[1:],
        estimated_value_minor=lot.estimated_value_minor, currency=lot.currency,
        place=Place(postcode=lot.postcode, city=lot.city, department=lot.department,
                    nuts=lot.nuts, country=lot.country, latitude=lot.latitude,
                    longitude=lot.longitude),
        duration_days=lot.duration_days, reservation=lot.reservation,
        insertion_hours=lot.insertion_hours, social_objectives=lot.social_objectives.split(),
        criteria=[Criterion(c.kind, c.name, c.weight, c.description) for c in lot.criteria])


def ocds_package(tender: Tender, uri: str) -> dict:
    """The tender as an OCDS release package (one release, tagged tender)."""
    return ocds.export(notice_of(tender), published=now_utc(), uri=uri,
                       publisher=_("Intercoop"))
