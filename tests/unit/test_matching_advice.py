"""The advice engine on hand-made counts: each branch, the thresholds' edges, the hours."""

import ast
import pathlib
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.matching import advice
from market.matching.advice import CLAUSE, NEITHER, RESERVE, LotFacts, Thresholds, advise

EUROS = 100  # cents
#: 120,000 EUR: 120,000 x 40 % x 7 % / 30 EUR = 112 h.
VALUE = 120_000 * EUROS


def facts(siae=0, disability=0, both=None, ess=None, clause=0, value=VALUE, **lot):
    """Counts as the matching engine gives them: both >= siae, disability; ess >= all."""
    both = siae + disability if both is None else both
    ess = both if ess is None else ess
    return LotFacts({"siae": siae, "disability": disability, "both": both, "ess": ess},
                    clause, value, **lot)


def text(a) -> str:
    return " / ".join(r.fr for r in a.reasons)


def english(a) -> str:
    return " / ".join(r.en for r in a.reasons)


def test_the_default_thresholds_are_the_settings_defaults():
    t = Thresholds()
    assert (t.reserve_min_answers, t.clause_min_answers, t.labour_share_pct,
            t.insertion_share_pct, t.hourly_cost_cents) == (3, 1, 40, 7, 3000)


def test_enough_siae_answers_reserve_the_lot_to_siae_without_a_clause():
    found = advise(facts(siae=5, clause=5), Thresholds())
    assert (found.recommendation, found.reservation, found.hours) == (RESERVE, "siae", None)
    assert found.reasons[0].fr == ("5 structures et groupements éligibles dans la zone pour "
                                   "un lot réservé aux SIAE, au moins 3 requis pour réserver "
                                   "le lot")
    assert "pas besoin d'une clause" in text(found)
    assert "no insertion clause is needed" in english(found)


def test_answers_exactly_at_the_threshold_reserve_the_lot():
    found = advise(facts(siae=3, clause=3), Thresholds(reserve_min_answers=3))
    assert (found.recommendation, found.reservation) == (RESERVE, "siae")


def test_one_answer_under_the_threshold_does_not_reserve_the_lot():
    found = advise(facts(siae=2, clause=2), Thresholds(reserve_min_answers=3))
    assert found.recommendation == CLAUSE
    assert found.reasons[0].fr.startswith("2 structures et groupements éligibles")
    assert "au moins 3 requis" in found.reasons[0].fr


def test_the_reservation_with_the_most_answers_is_advised():
    found = advise(facts(siae=1, disability=4, clause=5), Thresholds())
    # Both admits the five: more answers than the disability reservation alone.
    assert (found.recommendation, found.reservation) == (RESERVE, "both")
    found = advise(facts(siae=1, disability=4, both=4, clause=5), Thresholds())
    assert found.reservation == "disability"  # a tie goes to the narrower reservation


def test_a_tie_between_siae_and_both_goes_to_siae():
    assert advise(facts(siae=3, both=3), Thresholds()).reservation == "siae"


def test_the_ess_reservation_is_advised_only_when_no_social_reservation_has_enough():
    found = advise(facts(siae=2, ess=9, clause=2), Thresholds())
    assert (found.recommendation, found.reservation) == (RESERVE, "ess")
    assert "L2113-15" in text(found) and "L2113-15" in english(found)
    # Even with more answers, ESS gives way to a social reservation with enough.
    assert advise(facts(siae=3, ess=9), Thresholds()).reservation == "siae"


def test_a_clause_is_advised_with_hours_rounded_down_to_ten():
    found = advise(facts(siae=1, clause=1), Thresholds())
    assert (found.recommendation, found.reservation, found.hours) == (CLAUSE, None, 110)
    assert ("120\u202f000\u202f€ × 40\u202f% de main-d'œuvre × 7\u202f% pour l'insertion ÷ "
            "30\u202f€ de l'heure = 112 h, soit 110 h arrondies à la dizaine inférieure"
            in text(found))
    assert "€120,000 × 40% labour × 7% for insertion ÷ €30 an hour = 112 h" in english(found)


def test_structures_exactly_at_the_clause_threshold_get_a_clause():
    assert advise(facts(clause=2), Thresholds(clause_min_answers=2)).recommendation == CLAUSE


def test_one_structure_under_the_clause_threshold_gets_neither():
    found = advise(facts(clause=1), Thresholds(clause_min_answers=2))
    assert (found.recommendation, found.reservation, found.hours) == (NEITHER, None, None)
    assert ("1 structure avec des salariés en insertion dans la zone pour porter une clause "
            "d'insertion, au moins 2 requises pour en proposer une" in text(found))


def test_a_clause_threshold_of_zero_needs_no_structure():
    assert advise(facts(clause=0), Thresholds(clause_min_answers=0)).recommendation == CLAUSE


def test_an_unknown_value_gets_neither_since_no_hours_can_be_worked_out():
    found = advise(facts(clause=4, value=None), Thresholds())
    assert found.recommendation == NEITHER
    assert "Valeur estimée du lot inconnue" in text(found)
    assert "estimated value is unknown" in english(found)


def test_an_unknown_value_still_lets_the_lot_be_reserved():
    assert advise(facts(siae=3, value=None), Thresholds()).recommendation == RESERVE


def test_a_lot_too_small_for_ten_hours_gets_neither():
    # 10,000 EUR x 40 % x 7 % / 30 EUR = 9.3 h.
    found = advise(facts(clause=3, value=10_000 * EUROS), Thresholds())
    assert found.recommendation == NEITHER
    assert "= 9 h : moins de 10 h, trop peu pour une clause d'insertion" in text(found)


def test_nothing_around_the_lot_gets_neither_with_every_figure():
    found = advise(facts(), Thresholds())
    assert found.recommendation == NEITHER
    assert found.reasons[0].fr.startswith("0 structure ou groupement éligible")
    assert found.reasons[0].en.startswith("0 eligible structures and groupings")


@pytest.mark.parametrize(("value_eur", "labour", "share", "cost_cents", "hours"), [
    (120_000, 40, 7, 3000, 110),  # 112 h
    (107_143, 40, 7, 3000, 100),  # 100.0001 h
    (107_142, 40, 7, 3000, 90),  # 99.9997 h: rounded down, never up
    (1_000_000, 100, 100, 1, 100_000_000),
    (300, 100, 100, 3000, 10),  # exactly 10 h
    (299, 100, 100, 3000, 0),  # 9.97 h: no clause
])
def test_clause_hours_are_value_times_shares_over_cost_rounded_down_to_ten(
        value_eur, labour, share, cost_cents, hours):
    t = Thresholds(labour_share_pct=labour, insertion_share_pct=share,
                   hourly_cost_cents=cost_cents)
    assert advice.clause_hours(value_eur * EUROS, t) == hours


def test_an_hourly_cost_with_cents_is_written_with_them():
    t = Thresholds(hourly_cost_cents=3050)
    reason = advice.hours_why(VALUE, t)
    assert "30,50\u202f€ de l'heure" in reason.fr and "€30.50 an hour" in reason.en


def test_the_lot_as_it_stands_is_the_last_reason():
    found = advise(facts(siae=1, clause=1, reservation="siae", insertion_hours=1500),
                   Thresholds())
    assert found.reasons[-1].fr == ("Aujourd'hui le lot est réservé aux SIAE, avec une "
                                    "clause d'insertion de 1\u202f500 h")
    assert advise(facts(), Thresholds()).reasons[-1].en == ("The lot is not reserved today, "
                                                            "with no insertion clause")


def test_the_same_facts_give_the_same_advice():
    assert advise(facts(siae=2, clause=3), Thresholds()) == \
        advise(facts(siae=2, clause=3), Thresholds())


@pytest.mark.parametrize("bad", [
    {"reserve_min_answers": 0}, {"clause_min_answers": -1}, {"labour_share_pct": 0},
    {"labour_share_pct": 101}, {"insertion_share_pct": 101}, {"hourly_cost_cents": 0},
])
def test_thresholds_out_of_the_settings_ranges_are_refused(bad):
    with pytest.raises(ValueError):
        Thresholds(**bad)


@pytest.mark.parametrize("bad", [{"hourly_cost_cents": 30.0}, {"reserve_min_answers": True}])
def test_thresholds_must_be_integers(bad):
    with pytest.raises(TypeError):
        Thresholds(**bad)


def test_facts_must_count_every_reservation_and_hold_integer_cents():
    with pytest.raises(ValueError):
        LotFacts({"siae": 1}, 0)
    with pytest.raises(TypeError):
        facts(value=1000.0)
    with pytest.raises(ValueError):
        facts(siae=-1)
    with pytest.raises(ValueError):
        facts(reservation="elsewhere")


counts = st.integers(min_value=0, max_value=50)
thresholds = st.builds(Thresholds, st.integers(1, 1000), st.integers(0, 1000),
                       st.integers(1, 100), st.integers(1, 100), st.integers(1, 2**31 - 1))


@given(value=st.integers(0, 2**31 - 1), t=thresholds)
def test_clause_hours_are_a_multiple_of_ten_within_ten_of_the_exact_hours(value, t):
    hours = advice.clause_hours(value, t)
    work, hour = value * t.labour_share_pct * t.insertion_share_pct, 10_000 * t.hourly_cost_cents
    assert hours % 10 == 0 and hours * hour <= work < (hours + 10) * hour


@given(siae=counts, disability=counts, extra=counts, clause=counts,
       value=st.none() | st.integers(0, 10**10), t=thresholds)
def test_the_lot_is_reserved_exactly_when_a_reservation_has_enough_answers(
        siae, disability, extra, clause, value, t):
    both = siae + disability
    found = advise(facts(siae, disability, both, both + extra, clause, value), t)
    assert (found.recommendation == RESERVE) == (both + extra >= t.reserve_min_answers)
    assert (found.hours is not None) == (found.recommendation == CLAUSE)
    assert found.hours is None or (found.hours >= 10 and clause >= t.clause_min_answers)
    assert all(r.fr and r.en for r in found.reasons)


def test_the_advice_engine_imports_only_the_standard_library():
    tree = ast.parse(pathlib.Path(advice.__file__).read_text())
    roots = {(node.module or "").split(".")[0] for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom)}
    roots |= {alias.name.split(".")[0] for node in ast.walk(tree)
              if isinstance(node, ast.Import) for alias in node.names}
    assert roots - {"market"} <= set(sys.stdlib_module_names)


# -- the words of each reason, exactly: they are what the buyer reads ----------------------

def reasons_of(found) -> list[tuple[str, str]]:
    return [(r.fr, r.en) for r in found.reasons]


def test_a_lot_reserved_to_siae_says_in_so_many_words_why_no_clause_is_added():
    found = advise(facts(siae=5, clause=5), Thresholds())
    assert reasons_of(found)[1] == (
        "Un lot réservé aux SIAE est déjà exécuté par des salariés en insertion : pas besoin "
        "d'une clause d'insertion en plus",
        "A lot reserved for SIAE is already performed by insertion employees: no insertion "
        "clause is needed on top")


def test_ess_answers_exactly_at_the_threshold_reserve_the_lot_to_the_ess_with_its_caveat():
    found = advise(facts(siae=1, ess=3), Thresholds(reserve_min_answers=3))
    assert (found.recommendation, found.reservation, found.hours) == (RESERVE, "ess", None)
    assert reasons_of(found)[1:] == [
        ("3 structures et groupements éligibles dans la zone pour un lot réservé aux "
         "entreprises de l'ESS, au moins 3 requis pour réserver le lot",
         "3 eligible structures and groupings in the area for a lot reserved for "
         "social-economy (ESS) enterprises, at least 3 needed to reserve the lot"),
        ("La réservation à l'ESS (article L2113-15 du code de la commande publique) ne vaut "
         "que pour certains services de santé, sociaux et culturels : vérifiez que le lot en "
         "relève",
         "The ESS reservation (article L2113-15) is lawful only for some health, social and "
         "cultural services: check that the lot is one"),
        ("Aujourd'hui le lot n'est pas réservé, sans clause d'insertion",
         "The lot is not reserved today, with no insertion clause")]
    fewer = advise(facts(siae=1, ess=2), Thresholds(reserve_min_answers=3))
    assert fewer.reservation != "ess"


def test_one_ess_answer_reads_in_the_singular():
    found = advise(facts(ess=1, clause=1), Thresholds(reserve_min_answers=3))
    assert reasons_of(found)[1] == (
        "1 structure ou groupement éligible dans la zone pour un lot réservé aux entreprises "
        "de l'ESS, au moins 3 requis pour réserver le lot",
        "1 eligible structure or grouping in the area for a lot reserved for social-economy "
        "(ESS) enterprises, at least 3 needed to reserve the lot")


def test_an_unknown_value_gives_neither_saying_the_hours_cannot_be_worked_out():
    found = advise(facts(clause=4, value=None), Thresholds())
    assert found.recommendation == NEITHER
    assert (
        "Valeur estimée du lot inconnue : les heures d'une clause d'insertion ne peuvent pas "
        "être calculées",
        "The lot's estimated value is unknown: the hours of an insertion clause cannot be "
        "worked out") in reasons_of(found)


@pytest.mark.parametrize(("found", "needed", "fr", "en"), [
    (1, 1, "1 structure avec des salariés en insertion dans la zone pour porter une clause "
           "d'insertion, au moins 1 requise pour en proposer une",
     "1 structure with insertion employees in the area to carry an insertion clause, at "
     "least 1 needed to propose one"),
    (2, 2, "2 structures avec des salariés en insertion dans la zone pour porter une clause "
           "d'insertion, au moins 2 requises pour en proposer une",
     "2 structures with insertion employees in the area to carry an insertion clause, at "
     "least 2 needed to propose one")])
def test_the_clause_structures_read_in_the_singular_and_the_plural(found, needed, fr, en):
    why = advice.clause_structures_why(found, needed)
    assert (why.fr, why.en) == (fr, en)


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: Thresholds(reserve_min_answers=0), ValueError,
     "reserve_min_answers must be at least 1"),
    (lambda: Thresholds(labour_share_pct=101), ValueError,
     "labour_share_pct must be at least 1 and at most 100"),
    (lambda: Thresholds(hourly_cost_cents=30.0), TypeError,
     "hourly_cost_cents must be an integer, not float"),
    (lambda: facts(clause=-1), ValueError, "clause_structures must be at least 0"),
    (lambda: facts(value=-1), ValueError, "value_cents must be at least 0"),
    (lambda: facts(insertion_hours=-1), ValueError, "insertion_hours must be at least 0"),
    (lambda: facts(siae=-1, both=0, ess=0), ValueError, "answers[siae] must be at least 0"),
    (lambda: LotFacts({"siae": 1}, 0), ValueError,
     "answers must count exactly siae, disability, both, ess"),
    (lambda: facts(reservation="all"), ValueError, "unknown reservation 'all'")])
def test_bad_facts_and_thresholds_are_refused_saying_which_and_why(make, error, message):
    with pytest.raises(error) as caught:
        make()
    assert str(caught.value) == message


def test_zero_is_a_value_and_a_clause_of_zero_hours_a_lot_can_have():
    assert advise(facts(clause=1, value=0, insertion_hours=0), Thresholds()).recommendation \
        == NEITHER


def test_the_exact_hours_are_whole_hours_rounded_down():
    value = 100_000 * EUROS  # 100,000 x 40 % x 7 % / 30 EUR = 93.3 h
    assert advice.exact_hours(value, Thresholds()) == 93
    assert advice.clause_hours(value, Thresholds()) == 90


def test_the_lot_as_it_stands_tells_its_reservation_and_its_clause():
    why = advice.current_why(facts(reservation="siae", insertion_hours=1200))
    assert (why.fr, why.en) == (
        "Aujourd'hui le lot est réservé aux SIAE, avec une clause d'insertion de 1\u202f200 h",
        "The lot is reserved for work-integration enterprises (SIAE) today, with an insertion "
        "clause of 1,200 h")
