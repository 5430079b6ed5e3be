"""The procurement matching engine on small hand-built directories whose answer is known."""

import ast
import pathlib
import random
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.matching import (
    Directory,
    Grouping,
    Lot,
    Rules,
    Structure,
    admits,
    match_lot,
    reaches,
    why_not,
)
from market.matching import engine as engine_module
from market.matching.model import DISABILITY_KINDS, KINDS, SIAE_KINDS
from market.matching.scoring import CRITERIA

GREEN, CLEAN, FOOD, PRINT, WOOD = ("green.maintenance", "cleaning.offices", "food.catering",
                                   "print.printing", "wood.joinery")
#: La Rochelle (17) and Niort (79), about 63 km apart.
LA_ROCHELLE, NIORT = (46.16, -1.15), (46.32, -0.46)
EUROS = 100  # cents


def structure(id, sectors=(GREEN,), kind="ACI", place=LA_ROCHELLE, department="17",
              reach="country", radius_km=None, departments=(), turnover=1_000_000 * EUROS,
              **more):
    lat, lon = place if place else (None, None)
    return Structure(id=id, name=f"Structure {id}", kind=kind, sectors=frozenset(sectors),
                     latitude=lat, longitude=lon, department=department, reach=reach,
                     radius_km=radius_km, departments=frozenset(departments),
                     turnover_cents=turnover, **more)


def lot(sectors=(GREEN,), reservation="none", value=50_000 * EUROS, place=LA_ROCHELLE,
        department="17", insertion_hours=2_000):
    lat, lon = place if place else (None, None)
    return Lot(id=1, sectors=frozenset(sectors), department=department, latitude=lat,
               longitude=lon, value_cents=value, reservation=reservation,
               insertion_hours=insertion_hours)


def single_ids(matches):
    return [m.structure_ids[0] for m in matches.structures]


def grouping_ids(matches):
    return [m.structure_ids for m in matches.groupings]


# --- Groupings -----------------------------------------------------------------------------

def test_a_lot_no_single_siae_covers_is_covered_by_a_grouping():
    found = match_lot(lot((GREEN, CLEAN)), [structure(1, (GREEN,)), structure(2, (CLEAN,))])
    assert single_ids(found) == [1, 2]
    assert all(m.explanation[0].points == 15.0 for m in found.structures)  # half the sectors
    [grouping] = found.groupings
    assert (grouping.kind, grouping.structure_ids) == ("grouping", (1, 2))
    assert dict(grouping.contributions) == {1: (GREEN,), 2: (CLEAN,)}
    assert grouping.explanation[0].points == 30.0
    assert grouping.score > max(m.score for m in found.structures)


def test_a_partial_cover_still_ranks_below_a_full_cover():
    found = match_lot(lot((GREEN, CLEAN)), [structure(1, (GREEN,)), structure(2, (GREEN, CLEAN))])
    assert single_ids(found) == [2, 1]
    assert "manque : cleaning.offices" in found.structures[1].explanation[0].why.fr


def test_a_grouping_too_small_for_the_lots_value_is_not_proposed():
    pair = [structure(1, (GREEN,), turnover=100_000 * EUROS),
            structure(2, (CLEAN,), turnover=100_000 * EUROS)]
    # 200 000 EUR together: a lot may be 60 000 EUR at most (30 %).
    assert grouping_ids(match_lot(lot((GREEN, CLEAN), value=60_000 * EUROS), pair)) == [(1, 2)]
    assert grouping_ids(match_lot(lot((GREEN, CLEAN), value=60_001 * EUROS), pair)) == []


def test_unknown_turnover_brings_no_capacity():
    pair = [structure(1, (GREEN,), turnover=None), structure(2, (CLEAN,), turnover=None)]
    assert match_lot(lot((GREEN, CLEAN)), pair).groupings == ()
    assert match_lot(lot((GREEN, CLEAN), value=None), pair).groupings != ()


def test_two_small_structures_may_group_for_capacity_on_a_single_sector():
    small = [structure(1, turnover=100_000 * EUROS), structure(2, turnover=100_000 * EUROS)]
    found = match_lot(lot(value=50_000 * EUROS), small)
    assert grouping_ids(found) == [(1, 2)]
    assert all(m.explanation[2].points == 0 for m in found.structures)  # too small alone


def test_proposed_groupings_have_no_passenger():
    found = match_lot(lot((GREEN, CLEAN)), [
        structure(1, (GREEN,)), structure(2, (CLEAN,)), structure(3, (GREEN,)),
        structure(4, (GREEN, CLEAN))])  # 4 takes the lot alone
    assert sorted(grouping_ids(found)) == [(1, 2), (2, 3)]


def test_a_member_made_redundant_by_a_later_one_is_dropped():
    # 1 and 2 together are short of capacity; 3 holds both sectors but is short alone.
    directory = [structure(1, (GREEN,), turnover=100_000 * EUROS),
                 structure(2, (CLEAN,), turnover=100_000 * EUROS),
                 structure(3, (GREEN, CLEAN), turnover=150_000 * EUROS)]
    found = match_lot(lot((GREEN, CLEAN), value=66_000 * EUROS), directory)
    assert sorted(grouping_ids(found)) == [(1, 3), (2, 3)]


def test_a_proposals_lead_brings_the_most_sectors_then_the_largest_turnover():
    found = match_lot(lot((GREEN, CLEAN, FOOD)), [
        structure(1, (FOOD,), turnover=5_000_000 * EUROS), structure(2, (GREEN, CLEAN))])
    assert [(m.structure_ids, m.lead_id) for m in found.groupings] == [((1, 2), 2)]
    found = match_lot(lot((GREEN, CLEAN)), [
        structure(1, (GREEN,)), structure(2, (CLEAN,), turnover=2_000_000 * EUROS)])
    assert found.groupings[0].lead_id == 2


def test_singles_may_be_held_to_the_capacity_rule():
    directory = [structure(1, turnover=100_000 * EUROS), structure(2)]
    assert single_ids(match_lot(lot(), directory)) == [2, 1]
    strict = Rules(singles_need_capacity=True)
    assert single_ids(match_lot(lot(), directory, rules=strict)) == [2]
    assert [r.code for r in why_not(directory[0], lot(), strict)] == ["capacity"]


def test_grouping_sizes_respect_the_bounds():
    five = [structure(i, (sector,)) for i, sector in enumerate((GREEN, CLEAN, FOOD, PRINT,
                                                                 WOOD), 1)]
    needs_five = lot((GREEN, CLEAN, FOOD, PRINT, WOOD))
    assert match_lot(needs_five, five).groupings == ()
    assert grouping_ids(match_lot(needs_five, five, rules=Rules(max_grouping_size=5))) == [
        (1, 2, 3, 4, 5)]
    pairs = match_lot(lot((GREEN, CLEAN)), five[:2], rules=Rules(min_grouping_size=3))
    assert pairs.groupings == ()


# --- Reservations --------------------------------------------------------------------------

def test_a_siae_reserved_lot_excludes_disability_and_ordinary_kinds():
    kinds = ["ACI", "EA", "none", "GEIQ", "EI", "ESAT"]
    directory = [structure(i, (GREEN,), kind=k) for i, k in enumerate(kinds, 1)]
    directory += [structure(10 + i, (CLEAN,), kind=k) for i, k in enumerate(kinds, 1)]
    found = match_lot(lot((GREEN, CLEAN), reservation="siae"), directory)
    members = {i for m in found.structures + found.groupings for i in m.structure_ids}
    assert members == {1, 5, 11, 15}
    assert [r.code for r in why_not(directory[1], lot(reservation="siae"))] == ["kind"]
    assert "L2113-13" in why_not(directory[2], lot(reservation="siae"))[0].why.fr


def test_a_disability_reserved_lot_excludes_siae():
    directory = [structure(1, kind="ACI"), structure(2, kind="EA"), structure(3, kind="ESAT"),
                 structure(4, kind="EATT"), structure(5, kind="none")]
    assert single_ids(match_lot(lot(reservation="disability"), directory)) == [2, 3, 4]


@pytest.mark.parametrize(("reservation", "admitted"), [
    ("none", KINDS), ("ess", KINDS), ("siae", SIAE_KINDS), ("disability", DISABILITY_KINDS),
    ("both", SIAE_KINDS | DISABILITY_KINDS)])
def test_each_reservation_admits_its_kinds_only(reservation, admitted):
    assert {k for k in KINDS if admits(reservation, k)} == admitted


def test_a_persistent_grouping_with_an_ineligible_member_does_not_qualify():
    directory = [structure(1, (GREEN,)), structure(2, (CLEAN,)), structure(3, (CLEAN,), kind="EA")]
    gies = [Grouping(7, "GIE mixte", (1, 3), 1), Grouping(8, "GIE insertion", (1, 2), 2)]
    found = match_lot(lot((GREEN, CLEAN), reservation="siae"), directory, gies)
    assert [(m.kind, m.grouping_id) for m in found.groupings] == [("persistent_grouping", 8)]


# --- Persistent groupings ------------------------------------------------------------------

def test_a_persistent_grouping_that_qualifies_is_ranked_and_one_that_does_not_is_left_out():
    directory = [structure(i, (GREEN,)) for i in range(1, 4)] + [structure(4, (CLEAN,)),
                                                                 structure(5, (FOOD,))]
    big = Grouping(20, "GIE de 5", (1, 2, 3, 4, 5), 1)  # 5 members: beyond the proposals' 4
    no_cleaning = Grouping(21, "Sans propreté", (1, 5), 1)
    found = match_lot(lot((GREEN, CLEAN)), directory, [big, no_cleaning])
    persistent = [m for m in found.groupings if m.kind == "persistent_grouping"]
    assert [(m.grouping_id, m.structure_ids, m.lead_id) for m in persistent] == [
        (20, (1, 2, 3, 4, 5), 1)]
    assert dict(persistent[0].contributions) == {1: (GREEN,), 2: (GREEN,), 3: (GREEN,),
                                                 4: (CLEAN,)}


def test_a_persistent_grouping_counts_its_own_sectors_through_its_lead():
    directory = [structure(1, (GREEN,)), structure(2, (FOOD,))]
    gie = Grouping(30, "GIE", (1, 2), 2, sectors=frozenset({CLEAN}))
    found = match_lot(lot((GREEN, CLEAN)), directory, [gie])
    assert [m.grouping_id for m in found.groupings] == [30]
    assert dict(found.groupings[0].contributions) == {1: (GREEN,), 2: (CLEAN,)}


def test_a_persistent_grouping_too_small_for_the_value_does_not_qualify():
    directory = [structure(1, (GREEN,), turnover=10_000 * EUROS),
                 structure(2, (CLEAN,), turnover=10_000 * EUROS)]
    assert match_lot(lot((GREEN, CLEAN)), directory, [Grouping(1, "GIE", (1, 2), 1)]
                     ).groupings == ()


def test_a_grouping_naming_an_unknown_structure_or_a_member_twice_is_refused():
    with pytest.raises(ValueError, match="unknown structures"):
        Directory([structure(1)], [Grouping(1, "GIE", (1, 99), 1)])
    with pytest.raises(ValueError, match="twice"):
        Grouping(1, "GIE", (1, 2, 1), 1)
    with pytest.raises(ValueError, match="lead"):
        Grouping(1, "GIE", (1, 2), 3)


# --- Reach ---------------------------------------------------------------------------------

def test_a_radius_too_small_is_out_of_reach():
    near, far = (structure(1, place=NIORT, reach="radius", radius_km=70),
                 structure(2, place=NIORT, reach="radius", radius_km=50))
    assert single_ids(match_lot(lot(), [near, far])) == [1]
    [reason] = why_not(far, lot())
    assert reason.code == "reach" and "au-delà du rayon d'intervention de 50 km" in reason.why.fr


def test_a_department_list_without_the_lots_department_is_out_of_reach():
    listed = structure(1, reach="departments", departments=("17", "79"))
    elsewhere = structure(2, reach="departments", departments=("79", "86"), department="17")
    assert single_ids(match_lot(lot(), [listed, elsewhere])) == [1]
    assert "département du lot (17)" in why_not(elsewhere, lot())[0].why.fr


def test_a_lot_without_coordinates_is_reached_by_country_and_department_reach_only():
    directory = [structure(1, reach="radius", radius_km=150), structure(2),
                 structure(3, reach="departments", departments=("17",))]
    found = match_lot(lot(place=None), directory)
    assert single_ids(found) == [2, 3]
    assert found.structures[0].explanation[1].why.fr.startswith("Distance inconnue")
    assert why_not(directory[0], lot(place=None))[0].code == "reach"


def test_why_not_gives_every_reason_and_none_for_an_eligible_structure():
    outsider = structure(1, (FOOD,), kind="none", reach="departments", departments=("33",))
    assert [r.code for r in why_not(outsider, lot(reservation="both"))] == [
        "kind", "reach", "sectors"]
    assert why_not(structure(2), lot(reservation="both")) == []


# --- Ranking and explanations --------------------------------------------------------------

def test_ties_are_broken_by_ids_whatever_the_input_order():
    twins = [structure(i) for i in (5, 3, 4)] + [structure(i, (CLEAN,)) for i in (9, 8)]
    first = match_lot(lot((GREEN, CLEAN)), twins)
    assert single_ids(first) == [3, 4, 5, 8, 9]
    assert grouping_ids(first)[0] == (3, 8)
    random.Random(1).shuffle(twins)
    assert match_lot(lot((GREEN, CLEAN)), twins) == first


def test_every_match_explains_each_criterion_in_french_and_english():
    directory = [structure(1, (GREEN,), insertion_headcount=1, past_awards=2,
                           references_count=3, references_mean=4.0),
                 structure(2, (CLEAN,), place=NIORT, insertion_headcount=None)]
    found = match_lot(lot((GREEN, CLEAN)), directory,
                      [Grouping(1, "GIE", (1, 2), 1, past_awards=1)])
    assert found.structures and found.groupings
    for m in found.structures + found.groupings:
        assert tuple(c.code for c in m.explanation) == CRITERIA
        for c in m.explanation:
            assert 0 <= c.points <= c.max_points
            assert c.why.fr and c.why.en and c.why.fr != c.why.en
            assert c.why["fr"] == c.why.fr
        assert m.score == pytest.approx(sum(c.points for c in m.explanation))


def test_insertion_points_compare_the_headcount_with_the_clause_hours():
    rules = Rules(insertion_hours_per_employee=1_000)
    found = match_lot(lot(insertion_hours=4_000), [structure(1, insertion_headcount=2)],
                      rules=rules)
    insertion = found.structures[0].explanation[3]
    assert insertion.points == 7.5  # 2 000 h of 4 000 h: half of 15
    assert "2 salariés en insertion" in insertion.why.fr


def test_french_explanations_use_french_number_style():
    found = match_lot(lot(value=450_000 * EUROS), [structure(1, turnover=2_000_000 * EUROS)])
    capacity = found.structures[0].explanation[2].why
    assert "450\u202f000\u202f€" in capacity.fr and "€450,000" in capacity.en
    assert "23\u202f%" in capacity.fr


# --- Data rules ----------------------------------------------------------------------------

def test_money_is_integer_cents_and_kinds_are_known():
    with pytest.raises(TypeError):
        structure(1, turnover=1000.0)
    with pytest.raises(TypeError):
        lot(value=12.5)
    with pytest.raises(ValueError):
        structure(1, kind="SCOP")
    assert Rules(max_lot_share=0.3).max_lot_share == Fraction(3, 10)


def test_the_engine_imports_only_the_standard_library():
    package = pathlib.Path(engine_module.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.startswith("market.matching") \
                    or name.split(".")[0] in sys.stdlib_module_names, f"{path.name}: {name}"


# --- Properties ----------------------------------------------------------------------------

SECTORS = (GREEN, CLEAN, FOOD, PRINT)
DEPARTMENTS = ("17", "79", "86", "85")


@st.composite
def structures(draw, id):
    reach = draw(st.sampled_from(("country", "radius", "departments")))
    placed = draw(st.booleans()) or reach == "radius"
    return Structure(
        id=id, name=f"S{id}", kind=draw(st.sampled_from(sorted(KINDS))),
        sectors=frozenset(draw(st.sets(st.sampled_from(SECTORS), min_size=1, max_size=3))),
        latitude=draw(st.floats(45.5, 47.0)) if placed else None,
        longitude=draw(st.floats(-2.0, 0.5)) if placed else None,
        department=draw(st.sampled_from(DEPARTMENTS)), reach=reach,
        radius_km=draw(st.integers(5, 150)) if reach == "radius" else None,
        departments=frozenset(draw(st.sets(st.sampled_from(DEPARTMENTS), max_size=3))),
        turnover_cents=draw(st.none() | st.integers(0, 2_000_000 * EUROS)),
        insertion_headcount=draw(st.none() | st.integers(0, 40)),
        past_awards=draw(st.integers(0, 8)), references_count=draw(st.integers(0, 6)),
        references_mean=draw(st.none() | st.floats(1.0, 5.0)))


@st.composite
def cases(draw):
    directory = [draw(structures(i)) for i in range(1, draw(st.integers(2, 14)) + 1)]
    gies = [Grouping(100 + g, f"G{g}", tuple(ids), ids[0]) for g, ids in enumerate(
        draw(st.lists(st.lists(st.sampled_from([s.id for s in directory]), min_size=2,
                               max_size=6, unique=True), max_size=3)))]
    placed = draw(st.booleans())
    target = Lot(id=1, sectors=frozenset(draw(st.sets(st.sampled_from(SECTORS), min_size=1,
                                                       max_size=4))),
                 department=draw(st.sampled_from(DEPARTMENTS)),
                 latitude=draw(st.floats(45.5, 47.0)) if placed else None,
                 longitude=draw(st.floats(-2.0, 0.5)) if placed else None,
                 value_cents=draw(st.none() | st.integers(0, 400_000 * EUROS)),
                 reservation=draw(st.sampled_from(("none", "siae", "disability", "both",
                                                   "ess"))),
                 insertion_hours=draw(st.none() | st.integers(0, 10_000)))
    return directory, gies, target


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_returned_match_keeps_the_rules(case):
    directory, gies, target = case
    by_id = {s.id: s for s in directory}
    found = match_lot(target, directory, gies)
    share = Rules().max_lot_share
    for m in found.structures:
        s = by_id[m.structure_ids[0]]
        assert admits(target.reservation, s.kind) and reaches(s, target)
        assert s.sectors & target.sectors
    for m in found.groupings:
        members = [by_id[i] for i in m.structure_ids]
        assert all(admits(target.reservation, s.kind) for s in members)
        doers = [by_id[i] for i, _ in m.contributions]
        assert all(reaches(s, target) for s in doers)
        assert {sector for _, brought in m.contributions for sector in brought} == target.sectors
        turnover = sum(s.turnover_cents or 0 for s in members)
        assert (target.value_cents or 0) * share.denominator <= turnover * share.numerator
        if m.kind == "grouping":
            assert 2 <= len(m.structure_ids) <= 4 and doers == members
        assert all(0 <= c.points <= c.max_points for c in m.explanation)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_the_directory_finds_exactly_the_eligible_structures_in_reach(case):
    directory, _, target = case
    expected = sorted(s.id for s in directory if admits(target.reservation, s.kind)
                      and reaches(s, target) and s.sectors & target.sectors)
    assert [c.id for c in Directory(directory).candidates(target)] == expected
    assert all((not why_not(s, target)) == (s.id in expected) for s in directory)


def test_the_radius_index_agrees_with_the_distance_across_france():
    rng = random.Random(7)

    def place():
        return rng.uniform(41.3, 51.1), rng.uniform(-5.0, 9.6)

    directory = [structure(i, (GREEN,), place=place(), reach="radius",
                           radius_km=rng.choice((1, 20, 80, 150, 400, 700, 1200)))
                 for i in range(1, 401)]
    index = Directory(directory)
    for _ in range(200):
        target = lot(place=place())
        expected = [s.id for s in directory if reaches(s, target)]
        assert [c.id for c in index.candidates(target)] == expected
