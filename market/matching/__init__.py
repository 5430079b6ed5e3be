"""Procurement matching: which structures, alone or grouped, can answer a public lot, and why."""

from market.matching.engine import Directory, match_lot
from market.matching.model import (
                                   Criterion,
                                   Grouping,
                                   Lot,
                                   Match,
                                   Matches,
                                   Reason,
                                   Rules,
                                   Structure,
                                   Text,
                                   Weights,
)
from market.matching.reach import admits, distance_km, reaches, why_not

__all__ = ["Criterion", "Directory", "Grouping", "Lot", "Match", "Matches", "Reason", "Rules",
           "Structure", "Text", "Weights", "admits", "distance_km", "match_lot", "reaches",
           "why_not"]
