"""French NUTS 3 regions: the department each one is, its name and its centroid.

The table ships in market/data/procurement/nuts3-fr.json, built once by build_nuts3.py beside
it from the eForms NUTS code list and the departments' outlines, and is read once. The five
overseas departments have no outline there: their coordinates are None.
"""

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from market.procurement.notice import Place

#: Countries whose NUTS prefix is not their ISO 3166 code.
_NUTS_COUNTRIES = {"EL": "GR", "UK": "GB"}
#: The prefixes of NUTS codes (EU, EFTA and candidate countries, and the former UK codes).
_NUTS_PREFIXES = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "
    "CH IS LI NO AL ME MK RS TR UK".split())
_NUTS_CODE = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")


@dataclass(frozen=True)
class Department:
    """A French department as a NUTS 3 region: INSEE code, name and centroid (WGS 84)."""

    code: str  # "17", "2A", "974"
    name: str
    latitude: Decimal | None
    longitude: Decimal | None


@cache
def _departments() -> dict[str, Department]:
    """Return every French department keyed by its NUTS 3 code."""
    text = resources.files("market").joinpath("data/procurement/nuts3-fr.json").read_text("utf-8")
    # Decimal, not float: the coordinates keep the 6 decimals the file has.
    rows = json.loads(text, parse_float=Decimal)
    return {nuts: Department(row["department"], row["name"], row["latitude"], row["longitude"])
            for nuts, row in rows.items()}


def departments() -> list[Department]:
    """Every French department (metropolitan and overseas)."""
    return list(_departments().values())


def is_nuts(code: str) -> bool:
    """Tell whether ``code`` has the shape of a NUTS code ("FR", "FRD", "FRD22")."""
    return bool(_NUTS_CODE.fullmatch(code)) and code[:2] in _NUTS_PREFIXES


def country(nuts_code: str) -> str:
    """Return the ISO 3166-1 alpha-2 country of a NUTS code ("EL..." is Greece, "GR")."""
    prefix = nuts_code[:2].upper()
    return _NUTS_COUNTRIES.get(prefix, prefix)


def department(nuts_code: str) -> Department | None:
    """Return the French department that NUTS 3 code ``nuts_code`` is, or None."""
    return _departments().get(nuts_code.strip().upper())


def place_for(nuts_code: str) -> Place:
    """Return the Place a NUTS code names: its country, and its department and centroid."""
    code = nuts_code.strip().upper()
    found = department(code)
    if found is None:
        return Place(nuts=code, country=country(code) if is_nuts(code) else "")
    return Place(department=found.code, nuts=code, country="FR",
                 latitude=found.latitude, longitude=found.longitude)
