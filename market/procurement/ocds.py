"""Read and write contract notices as OCDS release packages (OCDS for eForms, lots extension).

parse() validates the package against the shipped schemas (ocds_schema), then maps each
release to a Notice; export() (in ocds_export) writes a Notice as a package that the same
validation accepts, and parse(export(n)) gives back n in every field OCDS carries.

Mapping: ocid = identifier (a notice without one gets OCID_PREFIX + "-" + its identifier, so an
eForms notice comes back with the prefixed id); tender.id = reference; tender.title and
description; tender.procurementMethodDetails (the eForms procedure code on export) or else
procurementMethod = procedure; the party the release's buyer names, or else the first with the
role "buyer": name, identifier.id (scheme FR-SIRET when it is a valid SIRET) and
address.country; tender.tenderPeriod.startDate = published_on, endDate = deadline;
tender.documents (those with a url). Each tender.lots[] is a lot: title (else the tender's),
description, value in minor units (Decimal, never float), contractPeriod.durationInDays (or
the days between its dates), otherRequirements.reservedParticipation (shelteredWorkshop:
"both", publicServiceMissionOrganization: "ess"), awardCriteria.criteria[] (type price, cost
or quality; the weight is the number whose weight is a percentage), sustainability[].goal (the
social ones, as eForms social objectives). Its CPV codes and place are on the items whose
relatedLot is its id (items without relatedLot when there is one lot): the first CPV
classification is the main one, the others additional; the first delivery address gives the
place (region holds the NUTS code, which gives a French department and centroid) and the first
Point of deliveryLocations its coordinates. A tender without lots is one lot, "LOT-0000".

Intercoop extension (OCDS lets publishers add fields; other readers ignore these):
  tender.lots[].intercoop:insertionHours             hours of work for people in insertion;
  tender.lots[].intercoop:reservation                "siae" or "disability", which
                                                     reservedParticipation cannot tell apart;
  tender.lots[].awardCriteria.criteria[].intercoop:kind  "social" (exported as type quality);
  tender.items[].deliveryAddresses[].intercoop:department  the French department code.
Multiple releases give one notice each, in the package's order (releases are not merged).
"""

import json
from datetime import datetime
from decimal import Decimal

from market.procurement import codes
from market.procurement.notice import Document, Notice, NoticeError, NoticeLot
from market.procurement.ocds_export import OCID_PREFIX, export
from market.procurement.ocds_lots import LotReader, aware_datetime
from market.procurement.ocds_schema import validate

__all__ = ["OCID_PREFIX", "export", "parse", "validate"]


def parse(data: bytes) -> list[Notice]:
    """Return the notices an OCDS release package holds; NoticeError naming every problem."""
    problems = validate(_load(data, float))
    if problems:
        raise NoticeError("not a valid OCDS release package", problems)
    package = _load(data, Decimal)  # amounts and weights as Decimal, never float
    notices, problems = [], []
    for index, release in enumerate(package["releases"]):
        notice = _Release(release, f"releases/{index}", problems).notice()
        if notice is not None:
            notices.append(notice)
    if problems:
        raise NoticeError("not an acceptable OCDS contract notice", problems)
    return notices


def _load(data: bytes, parse_float) -> dict:
    """Return the JSON document, checked to be a release package; NoticeError otherwise."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not a JSON number")
    try:
        document = json.loads(bytes(data), parse_float=parse_float, parse_constant=refuse)
    except (ValueError, RecursionError) as error:
        raise NoticeError(f"not a JSON document: {error}") from None
    if isinstance(document, dict) and "releases" not in document:
        if "records" in document:
            raise NoticeError("an OCDS record package: send a release package")
        if "ocid" in document:
            raise NoticeError("a single OCDS release: send it in a release package "
                              '({"uri": ..., "releases": [...]})')
    return document


class _Release:
    """Map one release, recording problems under its path."""

    def __init__(self, release: dict, path: str, problems: list[str]) -> None:
        self.release, self.path, self.problems = release, path, problems
        self.tender = release.get("tender") or {}

    def problem(self, path: str, message: str) -> None:
        """Record that what is at ``path`` (below the release) is wrong."""
        self.problems.append(f"{self.path}/{path}: {message}")

    def notice(self) -> Notice | None:
        """Return the release's notice, or None when it has no tender."""
        tender = self.tender
        if not tender:
            self.problem("tender", "no tender: a contract notice is a tender release")
            return None
        if not tender.get("title"):
            self.problem("tender/title", "no title")
        name, identifier, country = self.buyer()
        period = tender.get("tenderPeriod") or {}
        return Notice(
            source="ocds", identifier=self.release["ocid"], reference=str(tender["id"]),
            title=tender.get("title") or "", description=tender.get("description") or "",
            procedure=tender.get("procurementMethodDetails") or tender.get(
                "procurementMethod") or "",
            buyer_name=name, buyer_identifier=identifier, buyer_country=country,
            published_on=self.moment(period.get("startDate"), "tender/tenderPeriod/startDate",
                                     day=True),
            deadline=self.moment(period.get("endDate"), "tender/tenderPeriod/endDate"),
            documents=[Document(title=d.get("title") or "", url=d["url"])
                       for d in tender.get("documents") or [] if d.get("url")],
            lots=self.lots())

    def moment(self, text: str | None, where: str, day: bool = False):
        """Return the date-time at ``where`` (its date when ``day``), or None."""
        if not text:
            return None
        try:
            return datetime.fromisoformat(text).date() if day else aware_datetime(text)
        except ValueError as error:
            what = "a date" if day else "a date-time with a timezone"
            self.problem(where, f"{text!r} is not {what} ({error})")
            return None

    def buyer(self) -> tuple[str, str, str]:
        """Return the buyer's name, identifier and country."""
        reference = self.release.get("buyer") or {}
        parties = self.release.get("parties") or []
        party = next((p for p in parties if "id" in reference and p.get("id") == reference["id"]),
                     None) or next((p for p in parties if "buyer" in (p.get("roles") or [])), {})
        identifier = (party.get("identifier") or {}).get("id")
        return (party.get("name") or reference.get("name") or "",
                codes.identifier(None if identifier is None else str(identifier)),
                codes.country_alpha2((party.get("address") or {}).get("country")))

    def lots(self) -> list[NoticeLot]:
        """Return the tender's lots, or the tender as one lot when it has none."""
        tender = self.tender
        items = list(enumerate(tender.get("items") or []))
        lots = tender.get("lots") or []
        if not lots:
            single = {"id": "LOT-0000", "title": tender.get("title"), **{
                key: tender[key] for key in ("description", "value", "contractPeriod",
                                             "otherRequirements") if key in tender}}
            return [LotReader(self, single, "tender", items).lot()]
        result = []
        for index, lot in enumerate(lots):
            own = [(i, item) for i, item in items if item.get("relatedLot") == lot["id"]]
            if not own and len(lots) == 1:
                own = [(i, item) for i, item in items if not item.get("relatedLot")]
            result.append(LotReader(self, lot, f"tender/lots/{index}", own).lot())
        return result
