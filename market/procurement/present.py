"""Tenders and lots as the API shows them (TenderSchema, LotSchema)."""

import ledger
from market.procurement.models import Lot, Tender

#: Lots are valued in euros unless a notice says otherwise; euro cents either way.
SCALE = 2


def tender_data(tender: Tender) -> dict:
    """A tender with its documents and lots."""
    return {
        "id": tender.id, "source": tender.source, "identifier": tender.identifier,
        "version": tender.version,
        "reference": tender.reference, "title": tender.title,
        "description": tender.description, "procedure": tender.procedure,
        "buyer": {"id": tender.buyer.id, "name": tender.buyer.name},
        "buyer_name": tender.buyer_name, "buyer_identifier": tender.buyer_identifier,
        "published_on": tender.published_on,
        "deadline": tender.deadline.isoformat() if tender.deadline else None,
        "status": tender.status,
        "documents": [{"title": d.title, "url": d.url} for d in tender.documents],
        "lots": [lot_data(lot) for lot in tender.lots],
    }


def lot_data(lot: Lot) -> dict:
    """A lot: its work, value, place, reservation and criteria."""
    return {
        "id": lot.id, "tender_id": lot.tender_id, "lot_id": lot.lot_id, "title": lot.title,
        "description": lot.description, "cpv_main": lot.cpv_main, "cpv_codes": lot.cpv_codes,
        "estimated_value": ledger.format_amount(lot.estimated_value_minor, SCALE),
        "currency": lot.currency,
        "place": {"postcode": lot.postcode, "city": lot.city, "department": lot.department,
                  "nuts": lot.nuts, "country": lot.country,
                  "latitude": None if lot.latitude is None else str(lot.latitude),
                  "longitude": None if lot.longitude is None else str(lot.longitude)},
        "duration_days": lot.duration_days, "reservation": lot.reservation,
        "insertion_hours": lot.insertion_hours,
        "social_objectives": lot.social_objectives.split(),
        "criteria": [{"kind": c.kind, "name": c.name, "description": c.description,
                      "weight": None if c.weight is None else str(c.weight)}
                     for c in lot.criteria],
        "status": lot.status,
    }
