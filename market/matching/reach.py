"""Who may bid for a lot: the kinds its reservation admits, and who reaches its place.

Reach rules (the Directory's indexes give the same answers, faster):
- "country": the structure works anywhere in France;
- "departments": it works in the departments it lists, and only there (its own department
  counts only if listed); a lot with no department is reached by none of these;
- "radius": it works within ``radius_km`` of its own coordinates, great-circle distance. A
  structure with no coordinates or no radius reaches nothing this way, and a lot with no
  coordinates is reached only by country and department reach.
"""

import math

from market.matching import texts
from market.matching.model import ADMITTED, Lot, Reason, Rules, Structure, Text

#: Mean Earth radius (IUGG), km.
EARTH_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points, in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_to(structure: Structure, lot: Lot) -> float | None:
    """How far the structure's place is from the lot's, or None when either is unknown."""
    if None in (structure.latitude, structure.longitude, lot.latitude, lot.longitude):
        return None
    return distance_km(structure.latitude, structure.longitude, lot.latitude, lot.longitude)


def same_department(structure: Structure, lot: Lot) -> bool:
    """Whether the structure is based in the lot's department (both known)."""
    return bool(structure.department) and structure.department == lot.department


def admits(reservation: str, kind: str) -> bool:
    """Whether a lot reserved so admits a structure of this kind (unknown reservation: no)."""
    admitted = ADMITTED.get(reservation, frozenset())
    return admitted is None or kind in admitted


def reaches(structure: Structure, lot: Lot) -> bool:
    """Whether the structure works at the lot's place of performance (rules above)."""
    if structure.reach == "country":
        return True
    if structure.reach == "departments":
        return bool(lot.department) and lot.department in structure.departments
    distance = distance_to(structure, lot)
    return distance is not None and structure.radius_km is not None \
        and distance <= structure.radius_km


def why_not(structure: Structure, lot: Lot, rules: Rules | None = None) -> list[Reason]:
    """Every reason the structure is not eligible for the lot; empty when it is."""
    rules = rules or Rules()
    reasons = []
    if not admits(lot.reservation, structure.kind):
        reasons.append(Reason("kind", _kind_text(structure.kind, lot.reservation)))
    if not reaches(structure, lot):
        reasons.append(Reason("reach", _reach_text(structure, lot)))
    if not structure.sectors & lot.sectors:
        reasons.append(Reason("sectors", Text("N'exerce dans aucun des secteurs du lot",
                                              "Works in none of the lot's sectors")))
    if rules.singles_need_capacity and lot.value_cents:
        share = rules.max_lot_share
        if lot.value_cents * share.denominator > (structure.turnover_cents or 0) * share.numerator:
            cap = texts.percent(float(share))
            reasons.append(Reason("capacity", Text(
                f"Le lot dépasserait {cap.fr} du chiffre d'affaires de la structure",
                f"The lot would exceed {cap.en} of the structure's turnover")))
    return reasons


def _kind_text(kind: str, reservation: str) -> Text:
    """Why this kind may not bid: the lot's reservation, named with its article."""
    fr_reserved, en_reserved = texts.RESERVED_FOR[reservation]
    if kind == "none":
        return Text(f"Une entreprise ordinaire n'est pas éligible : lot {fr_reserved}",
                    f"An ordinary enterprise is not eligible: lot {en_reserved}")
    return Text(f"Une structure de type {kind} n'est pas éligible : lot {fr_reserved}",
                f"A structure of kind {kind} is not eligible: lot {en_reserved}")


def _reach_text(structure: Structure, lot: Lot) -> Text:
    """Why the structure does not reach the lot's place, by kind of reach."""
    if structure.reach == "departments":
        where = lot.department or "?"
        return Text(f"Hors de portée : la structure n'intervient pas dans le département du "
                    f"lot ({where})",
                    f"Out of reach: the structure does not work in the lot's department "
                    f"({where})")
    if lot.latitude is None or lot.longitude is None:
        return Text("Hors de portée : le lot n'a pas de coordonnées et la structure "
                    "intervient dans un rayon autour d'elle",
                    "Out of reach: the lot has no coordinates and the structure works "
                    "within a radius of its place")
    distance = distance_to(structure, lot)
    if distance is None or structure.radius_km is None:
        return Text("Hors de portée : la structure n'a pas de coordonnées ou de rayon "
                    "d'intervention",
                    "Out of reach: the structure has no coordinates or no working radius")
    far, radius = texts.km(distance), texts.km(structure.radius_km)
    return Text(f"Hors de portée : le lieu d'exécution est à {far.fr}, au-delà du rayon "
                f"d'intervention de {radius.fr}",
                f"Out of reach: the place of performance is {far.en} away, beyond the "
                f"{radius.en} working radius")
