"""The SIAE directory from a CSV file: each row checked, rejected rows told with their line
and reason, the others created or updated by SIRET (members, their reach and activities).

Columns (UTF-8, a header line): siret, name, kind, postcode, city, latitude, longitude,
cpv (space-separated CPV codes, with or without their check digit), reach (country,
radius or departments), radius_km, departments (space-separated codes), turnover_eur,
insertion_headcount. CPV codes become the sectors of the taxonomy whose CPV prefixes name
that work (``sectors_of_cpv``).
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from market.members import taxonomy
from market.members.identifiers import InvalidIdentifier, clean_siret
from market.members.models import InclusionKind, Member, MemberSector, MemberStatus
from market.offers import places
from market.procurement import cpv, nuts
from market.procurement.models import (
    ServiceKind,
    Structure,
    StructureActivity,
    StructureDepartment,
    StructureReach,
)

COLUMNS = ("siret", "name", "kind", "postcode", "city", "latitude", "longitude", "cpv",
           "reach", "radius_km", "departments", "turnover_eur", "insertion_headcount")
#: Rows written per flush: the ORM's unit of work stays small on large directories.
CHUNK = 500
MAX_RADIUS_KM = 1000
MAX_TURNOVER_EUR = Decimal(10) ** 12
#: Staffing kinds provide workers rather than deliver a service.
STAFFING = {"AI", "ETTI", "GEIQ"}
_POSTCODE = re.compile(r"\d{5}")


class RowError(ValueError):
    """What is wrong with one row (in English: the command's report is for operators)."""


@dataclass(frozen=True)
class Row:
    """A checked directory row."""

    siret: str
    name: str
    kind: str
    postcode: str
    city: str
    department: str
    latitude: Decimal | None
    longitude: Decimal | None
    sectors: tuple[str, ...]
    reach: str
    radius_km: int | None
    departments: tuple[str, ...]
    turnover_cents: int | None
    insertion_headcount: int | None


@dataclass
class Report:
    """What an import did: rows created and updated, and each rejected line's reason."""

    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def sectors_of_cpv(code: str) -> list[str]:
    """The sectors whose work a CPV code is: those of its longest CPV prefix in the taxonomy,
    else of its division (``taxonomy.sectors_for_cpv``)."""
    return [s.code for s in taxonomy.sectors_for_cpv(code)]


def known_departments() -> frozenset[str]:
    """Every French department code (metropolitan and overseas)."""
    return frozenset(d.code for d in nuts.departments())


def department_of(postcode: str) -> str:
    """The department of a French postcode (Corsica's 20 splits into 2A and 2B)."""
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode[:3] in ("200", "201") else "2B"
    return postcode[:2]


def _decimal(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{name} {text!r} is not a number") from None
    if not value.is_finite():
        raise RowError(f"{name} {text!r} is not a number")
    return value


def _integer(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise RowError(f"{name} {text!r}: a whole number from {low} to {high}")
    return int(text)


def check_row(raw: dict[str, str], departments: frozenset[str]) -> Row:
    """The row ``raw`` checked, or RowError naming its first problem."""
    value = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    try:
        siret = clean_siret(value["siret"])
    except InvalidIdentifier as error:
        raise RowError(f"siret {value['siret']!r}: {error}") from None
    if not 1 <= len(value["name"]) <= 200:
        raise RowError("name: 1 to 200 characters")
    kind = value["kind"].upper()
    if kind not in {k.value for k in InclusionKind} - {"none"}:
        raise RowError(f"kind {value['kind']!r}: one of ACI, AI, EI, ETTI, EITI, GEIQ, EA, "
                       "EATT, ESAT")
    if not _POSTCODE.fullmatch(value["postcode"]):
        raise RowError(f"postcode {value['postcode']!r}: 5 digits")
    department = department_of(value["postcode"])
    if department not in departments:
        raise RowError(f"postcode {value['postcode']!r}: no French department")
    latitude = longitude = None
    if value["latitude"] or value["longitude"]:
        latitude = _decimal(value["latitude"], "latitude")
        longitude = _decimal(value["longitude"], "longitude")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise RowError("latitude and longitude: out of range")
        latitude, longitude = round(latitude, 6), round(longitude, 6)
    sectors: dict[str, None] = {}
    codes = value["cpv"].split()
    if not codes:
        raise RowError("cpv: at least one CPV code")
    for code in codes:
        try:
            normal = cpv.normalise(code)
        except ValueError as error:
            raise RowError(f"cpv {code!r}: {error}") from None
        sectors.update(dict.fromkeys(sectors_of_cpv(normal)))
    if not sectors:
        raise RowError(f"cpv {value['cpv']!r}: no sector of the taxonomy does this work")
    reach = value["reach"].lower()
    if reach not in {r.value for r in StructureReach}:
        raise RowError(f"reach {value['reach']!r}: country, radius or departments")
    radius = None
    if reach == StructureReach.radius:
        radius = _integer(value["radius_km"], "radius_km", 1, MAX_RADIUS_KM)
    listed = tuple(dict.fromkeys(d.upper() for d in value["departments"].split()))
    if reach == StructureReach.departments:
        if not listed:
            raise RowError("departments: at least one department code for reach departments")
        unknown = [d for d in listed if d not in departments]
        if unknown:
            raise RowError(f"departments: unknown code(s) {' '.join(unknown)}")
    turnover = None
    if value["turnover_eur"]:
        euros = _decimal(value["turnover_eur"], "turnover_eur")
        if not 0 <= euros < MAX_TURNOVER_EUR or euros != round(euros, 2):
            raise RowError(f"turnover_eur {value['turnover_eur']!r}: euros, at most 2 decimals")
        turnover = int(euros * 100)
    headcount = None
    if value["insertion_headcount"]:
        headcount = _integer(value["insertion_headcount"], "insertion_headcount", 0, 100_000)
    return Row(siret, value["name"], kind, value["postcode"], value["city"], department,
               latitude, longitude, tuple(sectors), reach, radius,
               listed if reach == StructureReach.departments else (), turnover, headcount)


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """(line, raw row, None) for each data line, or (line, None, reason) when the line
    cannot be read as the columns."""
    reader = csv.DictReader(io.StringIO(text), restkey="_extra")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RowError(f"header: missing column(s) {', '.join(missing)}")
    for raw in reader:
        line = reader.line_num
        if raw.get("_extra"):
            yield line, None, "more fields than the header has"
        else:
            yield line, raw, None


def import_directory(session, text: str, *, progress: Callable[[int], None] | None = None
                     ) -> Report:
    """Create or update a member (active, its inclusion kind), its structure's reach and
    its activities for each valid row of ``text``; the caller commits."""
    report = Report()
    departments = known_departments()
    checked: dict[str, tuple[int, Row]] = {}
    for line, raw, reason in read_rows(text):
        if raw is not None:
            try:
                row = check_row(raw, departments)
            except RowError as error:
                reason = str(error)
            else:
                if row.siret in checked:
                    reason = f"siret {row.siret} already on line {checked[row.siret][0]}"
                else:
                    checked[row.siret] = (line, row)
        if reason:
            report.rejected.append((line, reason))
        if progress:
            progress(1)
    rows = [row for _line, row in checked.values()]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        existing = {m.siret: m for m in session.scalars(
            select(Member).where(Member.siret.in_([r.siret for r in chunk])))}
        structures = {s.member_id: s for s in session.scalars(select(Structure).where(
            Structure.member_id.in_([m.id for m in existing.values()])))}
        for row in chunk:
            member = existing.get(row.siret)
            if member is None:
                member = Member(siret=row.siret, siren=row.siret[:9],
                                status=MemberStatus.active)
                session.add(member)
                report.created += 1
            else:
                report.updated += 1
            fill_member(member, row)
            structure = structures.get(member.id) if member.id else None
            if structure is None:
                structure = Structure(member=member)
                session.add(structure)
            fill_structure(structure, row)
        session.flush()
    return report


def fill_member(member: Member, row: Row) -> None:
    """The member's name, kind, place and capacity from the row."""
    member.name, member.inclusion_kind = row.name, row.kind
    member.postcode, member.city, member.department = row.postcode, row.city, row.department
    member.country = "FR"
    latitude, longitude = row.latitude, row.longitude
    centre = places.department_point(row.department)
    if latitude is None and centre is not None:
        # No coordinates given: the department's centre, so that radius reach still works.
        latitude, longitude = (round(Decimal(str(c)), 6) for c in (centre.latitude,
                                                                     centre.longitude))
    member.latitude, member.longitude = latitude, longitude
    if centre is not None:
        member.region = centre.region
    member.turnover_cents = row.turnover_cents
    member.insertion_headcount = row.insertion_headcount
    # The directory adds the sectors it knows; those the member chose itself stay.
    held = {link.sector_code for link in member.sector_links}
    member.sector_links += [MemberSector(sector_code=code) for code in row.sectors
                            if code not in held]


def fill_structure(structure: Structure, row: Row) -> None:
    """The structure's reach and activities from the row."""
    structure.reach, structure.radius_km = row.reach, row.radius_km
    structure.department_links = [StructureDepartment(department=d) for d in row.departments]
    service = ServiceKind.staffing if row.kind in STAFFING else ServiceKind.services
    structure.activities = [StructureActivity(sector_code=code, service_kind=service)
                            for code in row.sectors]
