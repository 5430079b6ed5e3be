"""The sector taxonomy: about twenty groups of sectors, each mapped to the CPV codes of its work.

The data ships with the package in market/data/sectors.json and is read once. Each sector lists
CPV divisions (the first two digits of a code, the coarse fallback) and CPV prefixes: the groups,
classes and categories of the CPV 2008 hierarchy that are its work ("7731", "909112").
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: The CPV 2008 divisions (first two digits of a CPV code) and their English names.
CPV_DIVISIONS = {
    "03": "Agricultural, farming, fishing, forestry and related products",
    "09": "Petroleum products, fuel, electricity and other sources of energy",
    "14": "Mining, basic metals and related products",
    "15": "Food, beverages, tobacco and related products",
    "16": "Agricultural machinery",
    "18": "Clothing, footwear, luggage articles and accessories",
    "19": "Leather and textile fabrics, plastic and rubber materials",
    "22": "Printed matter and related products",
    "24": "Chemical products",
    "30": "Office and computing machinery, equipment and supplies",
    "31": "Electrical machinery, apparatus, equipment and consumables; lighting",
    "32": "Radio, television, communication, telecommunication and related equipment",
    "33": "Medical equipments, pharmaceuticals and personal care products",
    "34": "Transport equipment and auxiliary products to transportation",
    "35": "Security, fire-fighting, police and defence equipment",
    "37": "Musical instruments, sport goods, games, toys, handicraft, art materials",
    "38": "Laboratory, optical and precision equipments (excl. glasses)",
    "39": "Furniture, furnishings, domestic appliances and cleaning products",
    "41": "Collected and purified water",
    "42": "Industrial machinery",
    "43": "Machinery for mining, quarrying, construction equipment",
    "44": "Construction structures and materials; auxiliary products to construction",
    "45": "Construction work",
    "48": "Software package and information systems",
    "50": "Repair and maintenance services",
    "51": "Installation services (except software)",
    "55": "Hotel, restaurant and retail trade services",
    "60": "Transport services (excl. waste transport)",
    "63": "Supporting and auxiliary transport services; travel agencies services",
    "64": "Postal and telecommunications services",
    "65": "Public utilities",
    "66": "Financial and insurance services",
    "70": "Real estate services",
    "71": "Architectural, construction, engineering and inspection services",
    "72": "IT services: consulting, software development, Internet and support",
    "73": "Research and development services and related consultancy services",
    "75": "Administration, defence and social security services",
    "76": "Services related to the oil and gas industry",
    "77": "Agricultural, forestry, horticultural, aquacultural and apicultural services",
    "79": "Business services: law, marketing, consulting, recruitment, printing and security",
    "80": "Education and training services",
    "85": "Health and social work services",
    "90": "Sewage, refuse, cleaning and environmental services",
    "92": "Recreational, cultural and sporting services",
    "98": "Other community, social and personal services",
}


@dataclass(frozen=True)
class Sector:
    """One sector: a stable code ("green.maintenance"), labels, its CPV divisions and prefixes."""

    code: str
    group: str
    label_fr: str
    label_en: str
    cpv_divisions: tuple[str, ...]
    cpv_prefixes: tuple[str, ...] = ()

    def label(self, language: str = "fr") -> str:
        """Return the label in ``language`` (French unless English is asked for)."""
        return self.label_en if language == "en" else self.label_fr


@dataclass(frozen=True)
class SectorGroup:
    """A group of sectors ("green": espaces verts & environnement)."""

    code: str
    label_fr: str
    label_en: str
    sectors: tuple[Sector, ...]

    def label(self, language: str = "fr") -> str:
        """Return the label in ``language`` (French unless English is asked for)."""
        return self.label_en if language == "en" else self.label_fr


def parse_taxonomy(raw: dict) -> tuple[SectorGroup, ...]:
    """Build the groups and sectors from the JSON document's structure."""
    groups = []
    for g in raw["groups"]:
        sectors = tuple(
            Sector(s["code"], g["code"], s["label_fr"], s["label_en"],
                   tuple(s["cpv_divisions"]), tuple(s.get("cpv_prefixes", ())))
            for s in g["sectors"])
        groups.append(SectorGroup(g["code"], g["label_fr"], g["label_en"], sectors))
    return tuple(groups)


@cache
def groups() -> tuple[SectorGroup, ...]:
    """Return every sector group, in the order of the data file (read once)."""
    text = resources.files("market").joinpath("data/sectors.json").read_text("utf-8")
    return parse_taxonomy(json.loads(text))


@cache
def sectors_by_code() -> dict[str, Sector]:
    """Return every sector keyed by its code."""
    return {s.code: s for g in groups() for s in g.sectors}


@cache
def groups_by_code() -> dict[str, SectorGroup]:
    """Return every group keyed by its code."""
    return {g.code: g for g in groups()}


def get_sector(code: str) -> Sector | None:
    """Return the sector with ``code``, or None when the taxonomy has no such sector."""
    return sectors_by_code().get(code)


def is_sector(code: str) -> bool:
    """Tell whether ``code`` names a sector of the taxonomy."""
    return code in sectors_by_code()


def group_sector_codes(group_code: str) -> list[str]:
    """Return the codes of the sectors in group ``group_code`` (empty if unknown)."""
    group = groups_by_code().get(group_code)
    return [s.code for s in group.sectors] if group else []


@cache
def _sectors_by_prefix() -> dict[str, tuple[Sector, ...]]:
    """Return the sectors listing each CPV prefix, in the order of the data file."""
    found: dict[str, list[Sector]] = {}
    for sector in sectors_by_code().values():
        for prefix in sector.cpv_prefixes:
            found.setdefault(prefix, []).append(sector)
    return {prefix: tuple(sectors) for prefix, sectors in found.items()}


def sectors_for_cpv(cpv_code: str) -> list[Sector]:
    """Return the sectors whose work CPV code ``cpv_code`` ("77310000" or "77310000-6") is.

    Those listing the longest CPV prefix the code starts with, every sector tied at that length:
    77341000 (tree pruning) goes to the sector listing "77341", not to one listing "773". When
    no prefix matches, the sectors whose first CPV division is the code's division; when no
    sector has it first, every sector listing it; else none. In the order of the data file.
    """
    digits = cpv_code.strip().partition("-")[0]
    by_prefix = _sectors_by_prefix()
    # Longest first: a category (77341) says more about the work than its group (773).
    for length in range(min(len(digits), 8), 1, -1):
        if found := by_prefix.get(digits[:length]):
            return list(found)
    division = digits[:2]
    sectors = sectors_by_code().values()
    first = [s for s in sectors if s.cpv_divisions[:1] == (division,)]
    return first or [s for s in sectors if division in s.cpv_divisions]


def sector_codes_for_cpv(cpv_code: str) -> frozenset[str]:
    """Return the codes of the sectors ``sectors_for_cpv`` finds for ``cpv_code``."""
    return frozenset(s.code for s in sectors_for_cpv(cpv_code))
