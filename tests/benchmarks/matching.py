"""The procurement matching engine at scale: time and memory per lot, next to a greedy floor.

    .venv/bin/python tests/benchmarks/matching.py [--sizes 1000,10000,50000] [--lots 200]
        [--seed 20240601]

Each size runs in a child process of its own, so that its peak memory is its own. The child
builds, with a seeded generator, a directory of that many structures: kinds mostly SIAE (ACI,
EI, AI, ETTI, EITI) with some EA, EATT, ESAT, GEIQ and ordinary enterprises; 1 to 3 sectors
of market/data/sectors.json, skewed towards the trades of work integration (green spaces,
cleaning, reuse, building...); places over metropolitan France (department centroids of
static/geo/departements-simplifie.geojson, weighted by population, jittered); reaches mixed
(radius 20-150 km, the own and nearest departments, all of France); turnovers of 50 k€ to
5 M€, log-spread; insertion headcounts, past awards and marketplace references; and one
persistent grouping (3 to 23 members of a department) per 200 structures. Then the lots: 1 to
4 sectors drawn with the same skew, values of 10 k€ to 2 M€, every reservation, insertion
clauses, a few without coordinates.

Timed per lot, after a warm-up of 10 lots:
  match     Directory.match: the full answer, singles and groupings, explained
  index     the floor with the engine's indexes: Directory.candidates (eligible structures
            in reach holding a needed sector, scored alone) and a greedy set cover
  scan      the naive floor: a scan of every structure with admits/reaches, then the same
            greedy set cover (largest number of uncovered sectors first, capacity topped up)
and once: building the Directory. Memory: the tracemalloc peak while building the directory
and matching 20 lots (the engine's own allocations, the generated data excluded), and the
child's ru_maxrss (everything, the generated data included).

Prints one table: p50/p95 ms of each, how p50 grew against the number of structures (linear
or better when the time ratio is no larger than the size ratio), the share of lots answered
by a grouping (engine) and by a greedy cover, and whether the targets hold at 10,000
structures (match p95 <= 200 ms, ru_maxrss <= 300 MB). Exits 0; the targets are reported.
"""

import argparse
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# The engine alone: market/__init__.py builds the Flask app (some 80 MB of imports), which the
# engine never imports; a bare parent package lets market.matching load without it.
sys.modules.setdefault("market", types.ModuleType("market")).__path__ = [str(ROOT / "market")]
RSS_AT_START_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from market.matching import Directory, Grouping, Lot, Rules, Structure, admits, reaches  # noqa: E402, I001

TARGET_SIZE, TARGET_P95_MS, TARGET_MB = 10_000, 200.0, 300.0
WARM_UP = 10
EUROS = 100  # cents
KINDS = [("ACI", 32), ("EI", 18), ("AI", 12), ("ETTI", 8), ("EITI", 4), ("EA", 9),
         ("EATT", 1), ("ESAT", 7), ("GEIQ", 2), ("none", 7)]
SIAE = {"ACI", "EI", "AI", "ETTI", "EITI"}
#: How common each group of trades is among the structures (and in what buyers reserve).
GROUPS = {"green": 10, "cleaning": 10, "reuse": 7, "construction": 6, "logistics": 5,
          "food": 4, "textile": 4, "agri": 4, "wood": 3, "personal": 3, "business": 3,
          "print": 2, "mobility": 2, "energy": 2, "digital": 2}  # the others: 1
REACHES = [("radius", 57), ("departments", 35), ("country", 8)]
RESERVATIONS = [("none", 25), ("siae", 35), ("disability", 15), ("both", 15), ("ess", 10)]
#: Departments with a large town weigh more: structures and lots are where people are.
BUSY = {"75": 6, "69": 4, "13": 4, "33": 3, "31": 3, "59": 3, "44": 3, "35": 3, "67": 2,
        "34": 2, "06": 2, "38": 2, "93": 2, "92": 2, "64": 2, "76": 2}


def weighted(rng: random.Random, pairs):
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def log_uniform(rng: random.Random, low: int, high: int) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


# --- The generated directory and lots -----------------------------------------------------

class World:
    """Department centroids and the sector taxonomy, with their weights."""

    def __init__(self) -> None:
        with open(ROOT / "static" / "geo" / "departements-simplifie.geojson",
                  encoding="utf-8") as handle:
            features = json.load(handle)["features"]
        self.centroids = {}
        for f in features:
            geometry = f["geometry"]
            rings = [geometry["coordinates"][0]] if geometry["type"] == "Polygon" else \
                [polygon[0] for polygon in geometry["coordinates"]]
            ring = max(rings, key=len)  # the mainland of a department with islands
            self.centroids[f["properties"]["code"]] = (sum(p[1] for p in ring) / len(ring),
                                                       sum(p[0] for p in ring) / len(ring))
        self.departments = sorted(self.centroids)
        self.weights = [BUSY.get(code, 1) for code in self.departments]
        self.nearest = {code: sorted(self.departments, key=lambda other: self._far(code, other))
                        for code in self.departments}
        with open(ROOT / "market" / "data" / "sectors.json", encoding="utf-8") as handle:
            groups = json.load(handle)["groups"]
        # Within a group the first trades are the common ones (Zipf-like).
        self.sectors = [(s["code"], GROUPS.get(g["code"], 1) / (rank + 1), g["code"])
                        for g in groups for rank, s in enumerate(g["sectors"])]
        self.by_group = {}
        for code, weight, group in self.sectors:
            self.by_group.setdefault(group, []).append((code, weight))

    def _far(self, a: str, b: str) -> float:
        (lat1, lon1), (lat2, lon2) = self.centroids[a], self.centroids[b]
        return (lat1 - lat2) ** 2 + ((lon1 - lon2) * 0.7) ** 2

    def place(self, rng: random.Random) -> tuple[str, float, float]:
        code = rng.choices(self.departments, self.weights)[0]
        lat, lon = self.centroids[code]
        return code, lat + rng.uniform(-0.25, 0.25), lon + rng.uniform(-0.35, 0.35)

    def sectors_for(self, rng: random.Random, count: int) -> frozenset[str]:
        """``count`` sectors, the later ones often of the first one's group (related trades)."""
        first, _, group = rng.choices(self.sectors, [w for _, w, _ in self.sectors])[0]
        chosen = {first}
        while len(chosen) < count:
            pool = self.by_group[group] if rng.random() < 0.6 else \
                [(c, w) for c, w, _ in self.sectors]
            chosen.add(rng.choices([c for c, _ in pool], [w for _, w in pool])[0])
        return frozenset(chosen)


def make_structures(world: World, rng: random.Random, n: int) -> list[Structure]:
    found = []
    for i in range(1, n + 1):
        kind = weighted(rng, KINDS)
        department, lat, lon = world.place(rng)
        reach = weighted(rng, REACHES)
        count = rng.choices((1, 2, 3), (50, 35, 15))[0]
        references = int(rng.expovariate(0.3))
        headcount = rng.randint(2, 80) if kind in SIAE else rng.randint(0, 8)
        found.append(Structure(
            id=i, name=f"Structure {i}", kind=kind, sectors=world.sectors_for(rng, count),
            latitude=lat, longitude=lon, department=department, reach=reach,
            radius_km=int(rng.triangular(20, 150, 40)) if reach == "radius" else None,
            departments=frozenset(world.nearest[department][:rng.randint(1, 5)])
            if reach == "departments" else frozenset(),
            turnover_cents=None if rng.random() < 0.03 else
            log_uniform(rng, 50_000 * EUROS, 5_000_000 * EUROS),
            insertion_headcount=None if rng.random() < 0.05 else headcount,
            past_awards=min(20, int(rng.expovariate(0.5))), references_count=references,
            references_mean=round(rng.uniform(2.5, 5.0), 1) if references else None))
    return found


def make_groupings(rng: random.Random, structures: list[Structure]) -> list[Grouping]:
    """One persistent grouping per 200 structures, of 3 to 23 SIAE of a department."""
    by_department = {}
    for s in structures:
        if s.kind in SIAE:
            by_department.setdefault(s.department, []).append(s.id)
    departments = sorted(d for d, ids in by_department.items() if len(ids) >= 3)
    found = []
    for g in range(1, len(structures) // 200 + 1):
        ids = by_department[rng.choice(departments)]
        members = tuple(sorted(rng.sample(ids, min(len(ids), rng.randint(3, 23)))))
        found.append(Grouping(g, f"GIE {g}", members, members[0],
                              past_awards=rng.randint(0, 10)))
    return found


def make_lots(world: World, rng: random.Random, n: int) -> list[Lot]:
    found = []
    for i in range(1, n + 1):
        department, lat, lon = world.place(rng)
        placed = rng.random() >= 0.08
        found.append(Lot(
            id=i, sectors=world.sectors_for(rng, rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]),
            department=department, latitude=lat if placed else None,
            longitude=lon if placed else None,
            value_cents=None if rng.random() < 0.05 else
            log_uniform(rng, 10_000 * EUROS, 2_000_000 * EUROS),
            reservation=weighted(rng, RESERVATIONS),
            insertion_hours=None if rng.random() < 0.4 else log_uniform(rng, 200, 10_000)))
    return found


# --- The floor ------------------------------------------------------------------------------

def greedy_cover(candidates: list[Structure], lot: Lot, rules: Rules) -> list[int] | None:
    """Most uncovered sectors first (then turnover, then id), capacity topped up by turnover."""
    need, chosen = set(lot.sectors), []
    while need and len(chosen) < rules.max_grouping_size:
        best = max(candidates, key=lambda s: (len(s.sectors & need), s.turnover_cents or 0,
                                              -s.id), default=None)
        if best is None or not best.sectors & need:
            return None
        chosen.append(best)
        need -= best.sectors
    if need:
        return None
    share, value = rules.max_lot_share, lot.value_cents or 0
    taken = {s.id for s in chosen}
    rest = sorted((s for s in candidates if s.id not in taken),
                  key=lambda s: (-(s.turnover_cents or 0), s.id))
    while value * share.denominator > sum(s.turnover_cents or 0 for s in chosen) \
            * share.numerator:
        if not rest or len(chosen) >= rules.max_grouping_size:
            return None
        chosen.append(rest.pop(0))
    return [s.id for s in chosen]


def scan(structures: list[Structure], lot: Lot) -> list[Structure]:
    return [s for s in structures if s.sectors & lot.sectors and admits(lot.reservation, s.kind)
            and reaches(s, lot)]


# --- One size, in a child process ---------------------------------------------------------

def timed(function, lots) -> tuple[list[float], list]:
    for lot in lots[:WARM_UP]:
        function(lot)
    seconds, results = [], []
    for lot in lots:
        began = time.perf_counter()
        results.append(function(lot))
        seconds.append(time.perf_counter() - began)
    return seconds, results


def figures(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"p50": round(statistics.median(ms), 2),
            "p95": round(ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)], 2),
            "mean": round(statistics.fmean(ms), 2), "max": round(ms[-1], 2)}


def run_size(size: int, n_lots: int, seed: int) -> dict:
    world, rules = World(), Rules()
    rng = random.Random(seed)
    structures = make_structures(world, rng, size)
    groupings = make_groupings(rng, structures)
    lots = make_lots(world, random.Random(seed + 1), n_lots)
    began = time.perf_counter()
    directory = Directory(structures, groupings)
    build_s = time.perf_counter() - began

    match_s, answers = timed(lambda lot: directory.match(lot, rules), lots)
    index_s, index_covers = timed(lambda lot: greedy_cover(
        [structures[c.index] for c in directory.candidates(lot, rules)], lot, rules), lots)
    scan_s, scan_covers = timed(lambda lot: greedy_cover(scan(structures, lot), lot, rules),
                                lots)
    if index_covers != scan_covers:
        raise SystemExit(f"{size}: the index and the scan found different candidates")

    tracemalloc.start()
    traced = Directory(structures, groupings)
    index_mb = tracemalloc.get_traced_memory()[0] / 2**20
    for lot in lots[:20]:
        traced.match(lot, rules)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "size": size, "lots": n_lots, "groupings_in": len(groupings),
        "build_ms": round(build_s * 1000, 1), "match": figures(match_s),
        "index": figures(index_s), "scan": figures(scan_s),
        "candidates": round(statistics.mean(a.candidates for a in answers), 1),
        "singles": round(statistics.mean(len(a.structures) for a in answers), 1),
        "grouped": round(sum(1 for a in answers if a.groupings) / n_lots, 3),
        "greedy_grouped": round(sum(1 for c in scan_covers if c and len(c) > 1) / n_lots, 3),
        "greedy_any": round(sum(1 for c in scan_covers if c) / n_lots, 3),
        "persistent": round(statistics.mean(sum(m.kind == "persistent_grouping"
                                                for m in a.groupings) for a in answers), 2),
        "index_mb": round(index_mb, 1), "traced_peak_mb": round(peak_mb, 1),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_at_start_mb": round(RSS_AT_START_MB, 1),
    }


# --- The table ------------------------------------------------------------------------------

def print_table(rows: list[dict]) -> None:
    def pair(f):
        return f"{f['p50']:.1f}/{f['p95']:.1f}"

    head = (f"{'structures':>10} {'build ms':>8} {'match p50/p95':>14} {'index p50/p95':>14} "
            f"{'scan p50/p95':>14} {'growth p50/p95':>19} {'cands':>6} {'grouped':>8} "
            f"{'greedy':>7} {'index MB':>8} {'peak MB':>7} {'RSS MB':>7}")
    print("\n" + head)
    print("-" * len(head))
    previous = None
    for r in rows:
        growth = "" if previous is None else (
            f"x{ratio(previous, r, 'p50'):.1f}/x{ratio(previous, r, 'p95'):.1f} "
            f"for x{r['size'] / previous['size']:.0f}")
        print(f"{r['size']:>10,} {r['build_ms']:>8.0f} {pair(r['match']):>14} "
              f"{pair(r['index']):>14} {pair(r['scan']):>14} {growth:>19} "
              f"{r['candidates']:>6.0f} {r['grouped']:>8.0%} {r['greedy_grouped']:>7.0%} "
              f"{r['index_mb']:>8.1f} {r['traced_peak_mb']:>7.1f} {r['maxrss_mb']:>7.1f}")
        previous = r
    print(f"(ms per lot, {rows[0]['lots']} lots after {WARM_UP} warm-up ones; growth: match "
          "p50 and p95 against the previous size; cands: mean eligible structures "
          "in reach per lot; grouped: lots answered by at least one grouping, engine and "
          "greedy cover of 2+; index MB: tracemalloc of the Directory; peak MB: tracemalloc "
          "peak building it and matching 20 lots; RSS: the child's ru_maxrss, generated "
          f"data included; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")


def ratio(a: dict, b: dict, figure: str) -> float:
    """How many times longer ``figure`` of the match took at b's size than at a's."""
    return b["match"][figure] / max(a["match"][figure], 1e-9)


def print_growth(rows: list[dict]) -> None:
    """Time ratio over size ratio (1.0: linear), step by step and from first to last size.

    A small directory leaves the grouping search little to do (few candidates per sector):
    its cost rises until each needed sector has its pool full, then stays put, and only the
    filtering and scoring of candidates grows with the directory. So an early step may grow
    faster than the directory while the whole range does not; both are printed.
    """
    steps = list(zip(rows, rows[1:], strict=False))
    steps += [(rows[0], rows[-1])] if len(rows) > 2 else []
    verdicts = []
    for a, b in steps:
        sized = b["size"] / a["size"]
        found = {f: ratio(a, b, f) / sized for f in ("p50", "p95", "mean")}
        verdicts.append(max(found.values()) <= 1.0)
        print(f"  {a['size']:>6,} -> {b['size']:>6,}: time ratio / size ratio "
              + ", ".join(f"{f} {v:.2f}" for f, v in found.items()))
    print("time grows no faster than the directory, over the whole range: "
          f"{'yes' if verdicts[-1] else 'NO'}; at the largest step: "
          f"{'yes' if verdicts[len(rows) - 2] else 'NO'}; at every step: "
          f"{'yes' if all(verdicts) else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--lots", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_size(args.child, args.lots, args.seed)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        began = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--child", str(size), "--lots",
                               str(args.lots), "--seed", str(args.seed)],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.splitlines()[-1]))
        print(f"  {size:,} structures: {time.perf_counter() - began:.0f} s", flush=True)
    print_table(rows)
    at_target = [r for r in rows if r["size"] == TARGET_SIZE]
    for r in at_target:
        ok = r["match"]["p95"] <= TARGET_P95_MS and r["maxrss_mb"] <= TARGET_MB
        print(f"\ntargets at {TARGET_SIZE:,} structures (match p95 <= {TARGET_P95_MS:.0f} ms, "
              f"RSS <= {TARGET_MB:.0f} MB): {'hold' if ok else 'NOT held'}")
    if len(rows) > 1:
        print_growth(rows)
    for r in rows:
        print(json.dumps({"case": f"matching_{r['size']}", **r}))


if __name__ == "__main__":
    main()
