"""Write a Notice as an OCDS release package (one release, tag "tender"); see ocds for the map.

Also the codes both directions share: reserved participation, procurement methods, the
percentage weights and the names of the Intercoop extension's fields.
"""

from datetime import UTC, datetime
from decimal import Decimal

from stdnum.fr import siret

from market.procurement import codes, cpv
from market.procurement.notice import Criterion, Notice, NoticeLot, Place

#: The ocid prefix of notices that have no ocid yet. OCDS prefixes ("ocds-" and 6 characters)
#: are assigned by the Open Contracting Partnership: this one stands until one is registered.
OCID_PREFIX = "ocds-intercoop"
#: OCDS reservedParticipation code for each reservation other than "none".
RESERVED_PARTICIPATION = {"siae": "shelteredWorkshop", "disability": "shelteredWorkshop",
                          "both": "shelteredWorkshop", "ess": "publicServiceMissionOrganization"}
#: Reservations that reservedParticipation cannot tell apart: the extension field says them.
PRECISE_RESERVATIONS = {"siae", "disability"}
#: OCDS procurementMethod for each eForms procedure type (BT-105) and OCDS method.
PROCUREMENT_METHODS = {
    "open": "open", "restricted": "selective", "neg-w-call": "selective",
    "comp-dial": "selective", "innovation": "selective", "oth-mult": "selective",
    "neg-wo-call": "limited", "selective": "selective", "limited": "limited", "direct": "direct",
}
#: OCDS criterionWeight codes whose number is a percentage of the score.
PERCENT_WEIGHTS = {"percentageExact", "percentageRangeMiddle"}
#: The Intercoop extension's fields (OCDS lets a publisher add fields).
INSERTION_HOURS = "intercoop:insertionHours"
RESERVATION = "intercoop:reservation"
CRITERION_KIND = "intercoop:kind"
DEPARTMENT = "intercoop:department"


def ocid(notice: Notice, prefix: str = OCID_PREFIX) -> str:
    """Return the notice's ocid: its identifier when it is one, else the prefixed identifier."""
    return notice.identifier if notice.identifier.startswith("ocds-") else \
        f"{prefix}-{notice.identifier}"


def export(notice: Notice, *, published: datetime, uri: str, publisher: str,
           ocid_prefix: str = OCID_PREFIX) -> dict:
    """Return an OCDS release package holding ``notice`` as one tender release."""
    if published.utcoffset() is None:
        raise ValueError("published must be timezone-aware")
    process = ocid(notice, ocid_prefix)
    release = {
        "ocid": process,
        "id": f"{process}-tender-{published.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "date": published.isoformat(),
        "tag": ["tender"],
        "initiationType": "tender",
        **_buyer(notice),
        "tender": _tender(notice),
    }
    return {"uri": uri, "version": "1.1", "publishedDate": published.isoformat(),
            "publisher": {"name": publisher}, "releases": [release]}


def _number(value: Decimal) -> int | float:
    """Return a JSON number that reads back as ``value``: the shortest float prints its digits."""
    return int(value) if value == value.to_integral_value() else float(value)


def _some(**fields) -> dict:
    """Return the fields that have a value (OCDS omits what is unknown); a double underscore
    in a name stands for the colon of an extension field ("intercoop__kind")."""
    return {key.replace("__", ":"): value for key, value in fields.items()
            if value not in (None, "", [], {})}


def _buyer(notice: Notice) -> dict:
    """Return the release's parties and buyer reference, or nothing without a buyer."""
    if not (notice.buyer_name or notice.buyer_identifier or notice.buyer_country):
        return {}
    scheme = "FR-SIRET" if notice.buyer_country == "FR" and siret.is_valid(
        notice.buyer_identifier) else None
    party_id = f"{scheme}-{notice.buyer_identifier}" if scheme else "buyer"
    identifier = _some(scheme=scheme, id=notice.buyer_identifier, legalName=notice.buyer_name)
    party = _some(id=party_id, name=notice.buyer_name,
                  identifier=identifier if notice.buyer_identifier else None,
                  address=_some(country=notice.buyer_country), roles=["buyer"])
    return {"parties": [party], "buyer": _some(id=party_id, name=notice.buyer_name)}


def _tender(notice: Notice) -> dict:
    """Return the release's tender: the procedure, its documents, lots and items."""
    period = _some(
        startDate=f"{notice.published_on.isoformat()}T00:00:00Z" if notice.published_on else None,
        endDate=notice.deadline.isoformat() if notice.deadline else None)
    documents = [_some(id=str(index), documentType="biddingDocuments", title=d.title, url=d.url)
                 for index, d in enumerate(notice.documents, 1)]
    return _some(
        id=notice.reference or notice.identifier, title=notice.title,
        description=notice.description, procurementMethod=PROCUREMENT_METHODS.get(
            notice.procedure), procurementMethodDetails=notice.procedure, tenderPeriod=period,
        documents=documents, lots=[_lot(lot) for lot in notice.lots],
        items=[_item(index, lot) for index, lot in enumerate(notice.lots, 1)])


def _lot(lot: NoticeLot) -> dict:
    """Return one lot; its classifications and place are on its item."""
    value = None
    if lot.estimated_value_minor is not None:
        amount = codes.from_minor(lot.estimated_value_minor, lot.currency)
        value = {"amount": _number(amount), "currency": lot.currency}
    participation = RESERVED_PARTICIPATION.get(lot.reservation)
    return _some(
        id=lot.lot_id, title=lot.title, description=lot.description, value=value,
        contractPeriod=_some(durationInDays=lot.duration_days),
        otherRequirements=_some(reservedParticipation=[participation] if participation else None),
        awardCriteria=_some(criteria=_unique([_criterion(c) for c in lot.criteria])),
        sustainability=[{"goal": codes.SOCIAL_GOALS[code]} for code in lot.social_objectives
                        if code in codes.SOCIAL_GOALS],
        intercoop__reservation=lot.reservation if lot.reservation in PRECISE_RESERVATIONS
        else None,
        intercoop__insertionHours=lot.insertion_hours)


def _unique(objects: list[dict]) -> list[dict]:
    """Return ``objects`` without repeats: the schema wants unique criteria, and a repeated
    one says nothing more."""
    return [o for index, o in enumerate(objects) if o not in objects[:index]]


def _criterion(criterion: Criterion) -> dict:
    """Return an award criterion: a social one is a quality criterion marked as social."""
    numbers = None
    if criterion.weight is not None:
        numbers = [{"number": _number(criterion.weight), "weight": "percentageExact"}]
    return _some(type="quality" if criterion.kind == "social" else criterion.kind,
                 name=criterion.name, description=criterion.description, numbers=numbers,
                 intercoop__kind="social" if criterion.kind == "social" else None)


def _classification(code: str) -> dict:
    """Return a CPV classification, labelled when the code is in the vocabulary."""
    return _some(scheme="CPV", id=code, description=cpv.label(code) if cpv.is_known(code)
                 else None)


def _item(index: int, lot: NoticeLot) -> dict:
    """Return the item that carries a lot's CPV codes and place of performance."""
    address = location = None
    if lot.place is not None:
        address, location = _place(lot.place)
    return _some(
        id=str(index), relatedLot=lot.lot_id,
        classification=_classification(lot.cpv_main) if lot.cpv_main else None,
        additionalClassifications=[_classification(code) for code in lot.cpv_additional],
        deliveryAddresses=[address] if address else None,
        deliveryLocations=[location] if location else None)


def _place(place: Place) -> tuple[dict, dict | None]:
    """Return a place as an OCDS address (NUTS code in region) and a point, when located."""
    address = _some(locality=place.city, postalCode=place.postcode, region=place.nuts,
                    country=place.country, intercoop__department=place.department)
    location = None
    if place.latitude is not None and place.longitude is not None:
        location = {"geometry": {"type": "Point", "coordinates": [
            _number(place.longitude), _number(place.latitude)]}}
    return address, location
