"""The parts of an eForms notice that eforms.parse reads element by element: texts, dates, lots.

A Walker collects problems instead of stopping at the first one, each naming its path from the
root ("ProcurementProjectLot[1]/ProcurementProject/MainCommodityClassification: ...").
"""

import dataclasses
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from market.procurement import codes, cpv, nuts
from market.procurement.notice import SOCIAL_OBJECTIVES, Criterion, Document, NoticeLot, Place

NS = {
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}
#: The eForms extension element, under a UBL element that carries one.
EXTENSION = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
#: eForms reserved-procurement codes (BT-71) and the reservation each one is.
RESERVATIONS = {"none": "none", "res-ws": "both", "res-pub-ser": "ess"}
#: number-weight codes (efbc:ParameterCode) whose number is a percentage of the score.
PERCENT_WEIGHTS = {"per-exa", "per-mid"}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:\d{2})$")
_CRITERIA = ("cac:TenderingTerms/cac:AwardingTerms/cac:AwardingCriterion/"
             "cac:SubordinateAwardingCriterion")
_RESERVED = ("cac:TenderingTerms/cac:TendererQualificationRequest/"
             "cac:SpecificTendererRequirement/"
             "cbc:TendererRequirementTypeCode[@listName='reserved-procurement']")
_DEADLINE = "cac:TenderingProcess/cac:TenderSubmissionDeadlinePeriod"


def clean(text: str | None, multiline: bool = False) -> str:
    """Return ``text`` without the XML's indentation: one line, or its lines when asked."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    return ("\n" if multiline else " ").join(line for line in lines if line)


def _offset(text: str) -> tuple[str, timezone | None]:
    """Split an xsd date or time into its value and its timezone, if it has one."""
    match = _OFFSET.search(text)
    if match is None:
        return text, None
    if match.group(0) == "Z":
        return text[:match.start()], UTC
    sign = -1 if match.group(0)[0] == "-" else 1
    hours, minutes = int(match.group(0)[1:3]), int(match.group(0)[4:6])
    return text[:match.start()], timezone(sign * timedelta(hours=hours, minutes=minutes))


def xsd_date(text: str) -> date:
    """Return the day an xsd date names ("2019-05-10+01:00"); ValueError otherwise."""
    return date.fromisoformat(_offset(text.strip())[0])


def xsd_datetime(day_text: str, clock_text: str) -> datetime:
    """Return an aware datetime from an xsd date and time; a day alone ends at 23:59:59."""
    day, day_tz = _offset(day_text.strip())
    clock, clock_tz = _offset(clock_text.strip()) if clock_text.strip() else ("23:59:59", None)
    tz = clock_tz or day_tz
    if tz is None:
        raise ValueError("no timezone")
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tz)


class Walker:
    """Read texts from a notice in its own language, collecting problems as it goes."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.problems: list[str] = []
        self.language = clean(root.findtext("cbc:NoticeLanguageCode", "", NS))
        self.documents: list[Document] = []
        self.deadlines: list[datetime] = []

    def problem(self, path: str, message: str) -> None:
        """Record that what is at ``path`` is wrong."""
        self.problems.append(f"{path}: {message}")

    def text(self, element: etree._Element, path: str, multiline: bool = False) -> str:
        """Return the text at ``path``, in the notice's language when several are given."""
        found = element.findall(path, NS)
        chosen = next((e for e in found if e.get("languageID") == self.language),
                      found[0] if found else None)
        return "" if chosen is None else clean(chosen.text, multiline)

    def required(self, element: etree._Element, path: str, where: str, what: str) -> str:
        """Return the text at ``path``, recording a problem when it is missing or empty."""
        value = self.text(element, path)
        if not value:
            self.problem(where, f"no {what}")
        return value

    @staticmethod
    def child(element: etree._Element, path: str) -> etree._Element:
        """Return the element at ``path``, or an empty one so that lookups in it find nothing."""
        found = element.find(path, NS)
        return etree.Element("missing") if found is None else found

    def place(self, project: etree._Element) -> Place | None:
        """Return the first place of performance with an address, or None."""
        for address in project.iterfind("cac:RealizedLocation/cac:Address", NS):
            nuts_code = self.text(address, "cbc:CountrySubentityCode")
            place = nuts.place_for(nuts_code) if nuts_code else Place()
            country = codes.country_alpha2(self.text(address, "cac:Country/cbc:IdentificationCode"))
            place = dataclasses.replace(place, city=self.text(address, "cbc:CityName"),
                                        postcode=self.text(address, "cbc:PostalZone"),
                                        country=country or place.country)
            if place != Place():
                return place
        return None


def read_lot(walker: Walker, lot: etree._Element, path: str) -> NoticeLot:
    """Return one ProcurementProjectLot; its documents and deadline go to the walker."""
    project = walker.child(lot, "cac:ProcurementProject")
    where = f"{path}/ProcurementProject"
    lot_id = walker.required(lot, "cbc:ID", f"{path}/ID", "lot identifier")
    main, additional = _classifications(walker, project, where)
    value, currency = _value(walker, project, where)
    _documents(walker, lot)
    _deadline(walker, lot, path)
    return NoticeLot(
        lot_id=lot_id, title=walker.required(project, "cbc:Name", f"{where}/Name",
                                             "lot title (BT-21)"),
        description=walker.text(project, "cbc:Description", multiline=True),
        cpv_main=main, cpv_additional=additional, estimated_value_minor=value,
        currency=currency, place=walker.place(project),
        duration_days=_duration(walker, walker.child(project, "cac:PlannedPeriod"), where),
        reservation=_reservation(walker, lot, path), criteria=_criteria(walker, lot, path),
        social_objectives=_social_objectives(project))


def _social_objectives(project: etree._Element) -> list[str]:
    """Return the lot's social objectives (BT-775), the codes of the eForms list only."""
    found = (clean(code.text) for code in project.iterfind(
        "cac:ProcurementAdditionalType/cbc:ProcurementTypeCode[@listName='social-objective']",
        NS))
    return list(dict.fromkeys(code for code in found if code in SOCIAL_OBJECTIVES))


def _cpv(walker: Walker, element: etree._Element, where: str) -> str:
    """Return the CPV code an ItemClassificationCode holds, or "" after recording why not."""
    try:
        return cpv.normalise(clean(element.text))
    except ValueError as error:
        walker.problem(where, str(error))
        return ""


def _classifications(walker: Walker, project: etree._Element, where: str) -> tuple[str, list]:
    """Return the main CPV code (BT-262) and the other ones (BT-263), without repeats."""
    main_where = f"{where}/MainCommodityClassification"
    found = project.findall("cac:MainCommodityClassification/cbc:ItemClassificationCode", NS)
    main = ""
    if not found:
        walker.problem(main_where, "missing CPV code (BT-262)")
    elif found[0].get("listName", "cpv") != "cpv":
        walker.problem(main_where, f"classification {found[0].get('listName')!r} is not CPV")
    else:
        main = _cpv(walker, found[0], main_where)
    additional: list[str] = []
    elements = project.findall("cac:AdditionalCommodityClassification", NS)
    for index, element in enumerate(elements, 1):
        code_element = element.find("cbc:ItemClassificationCode", NS)
        if code_element is None or code_element.get("listName", "cpv") != "cpv":
            continue  # another classification than CPV: nothing to keep
        code = _cpv(walker, code_element, f"{where}/AdditionalCommodityClassification[{index}]")
        if code and code != main and code not in additional:
            additional.append(code)
    return main, additional


def _value(walker: Walker, project: etree._Element, where: str) -> tuple[int | None, str]:
    """Return the estimated value (BT-27) in minor units, and its currency."""
    element = project.find("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount", NS)
    if element is None:
        return None, "EUR"
    where = f"{where}/RequestedTenderTotal/EstimatedOverallContractAmount"
    try:
        currency = codes.currency_code(element.get("currencyID"))
        return codes.to_minor(Decimal(clean(element.text)), currency), currency
    except (ValueError, InvalidOperation) as error:
        walker.problem(where, f"{clean(element.text)!r} {element.get('currencyID')}: "
                              f"{error if isinstance(error, ValueError) else 'not a number'}")
        return None, "EUR"


def _duration(walker: Walker, period: etree._Element, where: str) -> int | None:
    """Return the duration (BT-36, or the days from BT-536 to BT-537) in days."""
    measure = period.find("cbc:DurationMeasure", NS)
    where = f"{where}/PlannedPeriod"
    try:
        if measure is not None:
            unit = measure.get("unitCode", "")
            if unit not in codes.DURATION_DAYS:
                raise ValueError(f"unknown duration unit {unit!r} (DAY, WEEK, MONTH or YEAR)")
            days = Decimal(clean(measure.text)) * codes.DURATION_DAYS[unit]
            days = int(days.to_integral_value(ROUND_HALF_UP))
        else:
            start, end = walker.text(period, "cbc:StartDate"), walker.text(period, "cbc:EndDate")
            if not (start and end):
                return None
            days = (xsd_date(end) - xsd_date(start)).days
        if days < 0:
            raise ValueError("a negative duration")
        return days
    except (ValueError, InvalidOperation) as error:
        walker.problem(where, str(error) if isinstance(error, ValueError) else "not a number")
        return None


def _reservation(walker: Walker, lot: etree._Element, path: str) -> str:
    """Return the lot's reservation (BT-71): the first reserved code, else "none"."""
    reserved = []
    for element in lot.iterfind(_RESERVED, NS):
        code = clean(element.text)
        if code not in RESERVATIONS:
            walker.problem(f"{path}/TenderingTerms/TendererQualificationRequest",
                           f"unknown reserved-procurement code {code!r}")
        elif RESERVATIONS[code] != "none":
            reserved.append(RESERVATIONS[code])
    return reserved[0] if reserved else "none"


def _criteria(walker: Walker, lot: etree._Element, path: str) -> list[Criterion]:
    """Return the lot's award criteria (BT-539 type, BT-734 name, BT-540, BT-541 weight)."""
    criteria = []
    for index, element in enumerate(lot.iterfind(_CRITERIA, NS), 1):
        where = f"{path}/TenderingTerms/AwardingTerms/AwardingCriterion/" \
                f"SubordinateAwardingCriterion[{index}]"
        kind_code = walker.text(element, "cbc:AwardingCriterionTypeCode")
        if kind_code not in codes.CRITERION_TYPES:
            walker.problem(where, f"unknown award criterion type {kind_code!r} "
                                  "(price, quality or cost)")
            continue
        criteria.append(Criterion(
            kind=codes.CRITERION_TYPES[kind_code], name=walker.text(element, "cbc:Name"),
            weight=_weight(walker, element, where),
            description=walker.text(element, "cbc:Description", multiline=True)))
    return criteria


def _weight(walker: Walker, criterion: etree._Element, where: str) -> Decimal | None:
    """Return a criterion's weight when the notice gives it as a percentage."""
    for parameter in criterion.iterfind(f"{EXTENSION}/efac:AwardCriterionParameter", NS):
        code = parameter.find("efbc:ParameterCode", NS)
        if code is None or code.get("listName") != "number-weight":
            continue  # a threshold or a fixed number, not a weight
        if clean(code.text) not in PERCENT_WEIGHTS:
            return None  # points or an order of importance: not a percentage
        number = clean(parameter.findtext("efbc:ParameterNumeric", "", NS))
        try:
            return Decimal(number)
        except InvalidOperation:
            walker.problem(f"{where}/AwardCriterionParameter", f"{number!r} is not a number")
    return None


def _documents(walker: Walker, lot: etree._Element) -> None:
    """Add the lot's procurement documents (BT-15, BT-615) to the notice's, once each."""
    for reference in lot.iterfind("cac:TenderingTerms/cac:CallForTendersDocumentReference", NS):
        url = walker.text(reference, "cac:Attachment/cac:ExternalReference/cbc:URI")
        restricted = walker.text(reference, "cbc:DocumentType") == "restricted-document"
        title = "Restricted procurement documents" if restricted else "Procurement documents"
        if url and url not in {d.url for d in walker.documents}:
            walker.documents.append(Document(title=title, url=url))


def _deadline(walker: Walker, lot: etree._Element, path: str) -> None:
    """Add the lot's deadline for receipt of tenders (BT-131) to the walker's."""
    period = walker.child(lot, _DEADLINE)
    day = walker.text(period, "cbc:EndDate")
    if day:
        try:
            walker.deadlines.append(xsd_datetime(day, walker.text(period, "cbc:EndTime")))
        except ValueError as error:
            walker.problem(f"{path}/TenderingProcess/TenderSubmissionDeadlinePeriod",
                           f"{day} {walker.text(period, 'cbc:EndTime')}: {error}")
