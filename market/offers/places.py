"""Places for the reach search: distances, and French regions and departments from outlines.

The outlines are the simplified ones shipped for the map (static/geo, Licence Ouverte): a
point is placed in its region by ray casting, a department code gives its centroid. A
maintained geometry library (shapely) would do the same at the cost of a compiled
dependency for two functions over 109 polygons.
"""

import json
import math
from dataclasses import dataclass
from functools import cache

from market.platform.config import ROOT

GEO = ROOT / "static" / "geo"
#: Kilometres per degree of latitude (mean), and of longitude at the equator.
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320


@dataclass(frozen=True)
class Point:
    """A place of the search: coordinates, and the region and country they lie in."""

    latitude: float
    longitude: float
    region: str = ""
    country: str = ""


def lon_scale(latitude: float) -> float:
    """Kilometres per degree of longitude at ``latitude``: the plane the SQL distance uses."""
    return KM_PER_DEG_LON * math.cos(math.radians(latitude))


def _rings(geometry: dict) -> list[list[list[float]]]:
    """The outer rings of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def _inside(ring: list[list[float]], lon: float, lat: float) -> bool:
    """Ray casting: whether (lon, lat) lies inside ``ring``."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


@cache
def _outlines(name: str) -> tuple[tuple[str, str, tuple], ...]:
    """(code, name, outer rings) of each feature of a shipped outline file."""
    with open(GEO / name, encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return tuple((f["properties"]["code"], f["properties"]["nom"], tuple(_rings(f["geometry"])))
                 for f in features)


def region_at(latitude: float, longitude: float) -> str:
    """The French region holding the point, or "" outside metropolitan France."""
    for _code, name, rings in _outlines("regions-simplifie.geojson"):
        if any(_inside(ring, longitude, latitude) for ring in rings):
            return name
    return ""


@cache
def department_centroids() -> dict[str, tuple[float, float, str]]:
    """Department code -> (latitude, longitude, region) of its outline's centroid."""
    found = {}
    for code, _name, rings in _outlines("departements-simplifie.geojson"):
        ring = max(rings, key=len)
        lon = sum(p[0] for p in ring) / len(ring)
        lat = sum(p[1] for p in ring) / len(ring)
        found[code] = (lat, lon, region_at(lat, lon))
    return found


def point(latitude: float, longitude: float, region: str = "", country: str = "") -> Point:
    """A search point, its region and country found from the outlines when not given."""
    region = region or region_at(latitude, longitude)
    if region and not country and region in french_regions():
        country = "FR"
    return Point(latitude, longitude, region, country)


def french_regions() -> frozenset[str]:
    """The names of the regions of metropolitan France, as the outlines spell them."""
    return frozenset(name for _code, name, _rings in _outlines("regions-simplifie.geojson"))


def department_point(code: str) -> Point | None:
    """The centroid of a French department (64, 2A, 971...), or None if unknown."""
    found = department_centroids().get(code.upper())
    if found is None:
        return None
    lat, lon, region = found
    return Point(lat, lon, region, "FR")
