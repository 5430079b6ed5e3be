"""Build nuts3-fr.json: each French NUTS 3 code with its department code, name and centroid.

Run once, by hand, when a source changes (it is not run by the app or the tests):

    .venv/bin/python market/data/procurement/build_nuts3.py \
        --nuts /work/shared/data/procurement/codelists/nuts_nuts-fra-lvl3.gc \
        --outlines /work/shared/data/geo/departements-simplifie.geojson

Sources: the eForms SDK's NUTS 3 code list for France (Genericode, CC BY 4.0) gives the codes
and the departments' names; gregoiredavid/france-geojson's simplified outlines (Licence
Ouverte, from IGN Admin Express) give each metropolitan department's code and outline. Names
are matched after folding accents, case, apostrophes and hyphens. The centroid is the
area-weighted centroid of the department's polygons, computed in the plane of longitude and
latitude (departments are small enough for that), rounded to 6 decimals.

The outlines cover metropolitan France only: the five overseas departments get their INSEE
code from OVERSEAS below and null coordinates. FRZZZ (Extra-Regio) is not a department and is
left out.
"""

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
#: Overseas NUTS 3 codes and their INSEE department codes (no outline in the geojson).
OVERSEAS = {"FRY10": "971", "FRY20": "972", "FRY30": "973", "FRY40": "974", "FRY50": "976"}
#: NUTS 3 codes that name no department.
NOT_DEPARTMENTS = {"FRZZZ"}


def fold(name: str) -> str:
    """Fold a name for matching: no accents, no case, apostrophes and hyphens as spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for mark in "'’-":
        text = text.replace(mark, " ")
    return " ".join(text.split())


def read_nuts(path: Path) -> dict[str, str]:
    """Return {NUTS 3 code: French label} from the Genericode file."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    rows = etree.parse(str(path), parser).getroot().iterfind(".//SimpleCodeList/Row")
    codes = {}
    for row in rows:
        values = {v.get("ColumnRef"): v.findtext("SimpleValue") for v in row.iterfind("Value")}
        codes[values["code"]] = values.get("fra_label") or values["Name"]
    return codes


def ring_moments(ring: list[list[float]]) -> tuple[float, float, float]:
    """Return a ring's signed area and its first moments (shoelace formula)."""
    area = mx = my = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        mx += (x0 + x1) * cross
        my += (y0 + y1) * cross
    return area / 2, mx / 6, my / 6


def centroid(geometry: dict) -> tuple[float, float]:
    """Return the area-weighted (latitude, longitude) of a Polygon or MultiPolygon."""
    polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                else [geometry["coordinates"]])
    total = sx = sy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area, mx, my = ring_moments([point[:2] for point in ring])
            # Rings may be wound either way: the outer ring adds, holes subtract.
            sign = (1 if index == 0 else -1) * (1 if area > 0 else -1)
            total += sign * area
            sx += sign * mx
            sy += sign * my
    return round(sy / total, 6), round(sx / total, 6)


def build(nuts_path: Path, outlines_path: Path) -> tuple[dict, list[str]]:
    """Return the table keyed by NUTS code, and the NUTS labels that matched no outline."""
    outlines = json.loads(outlines_path.read_text("utf-8"))["features"]
    by_name = {fold(f["properties"]["nom"]): f for f in outlines}
    table, unmatched = {}, []
    for code, label in sorted(read_nuts(nuts_path).items()):
        if code in NOT_DEPARTMENTS:
            continue
        feature = by_name.pop(fold(label), None)
        if feature is not None:
            lat, lon = centroid(feature["geometry"])
            table[code] = {"department": feature["properties"]["code"], "name": label,
                           "latitude": lat, "longitude": lon}
        elif code in OVERSEAS:
            table[code] = {"department": OVERSEAS[code], "name": label,
                           "latitude": None, "longitude": None}
        else:
            unmatched.append(f"{code} {label}")
    unmatched += [f"outline {f['properties']['code']} {f['properties']['nom']}"
                  for f in by_name.values()]
    return table, unmatched


def main() -> int:
    """Build the table, write it beside this script, report what did not match."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--nuts", type=Path, required=True, help="nuts_nuts-fra-lvl3.gc")
    args.add_argument("--outlines", type=Path, required=True,
                      help="departements-simplifie.geojson")
    args.add_argument("--output", type=Path, default=HERE / "nuts3-fr.json")
    options = args.parse_args()
    table, unmatched = build(options.nuts, options.outlines)
    metropolitan = sum(1 for row in table.values() if row["latitude"] is not None)
    print(f"{len(table)} departments, {metropolitan} metropolitan with a centroid")
    for line in unmatched:
        print(f"unmatched: {line}", file=sys.stderr)
    options.output.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 1 if unmatched or metropolitan != 96 else 0


if __name__ == "__main__":
    sys.exit(main())
