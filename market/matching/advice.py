"""Advice to a buyer on a draft lot: reserve it, add an insertion clause, or neither, and why.

Pure and deterministic: the counts the matching engine finds around the lot and the
thresholds a network admin sets go in; a recommendation with its figures and its reasons
in French and English comes out. Integers only (money in cents, shares in percent).

- ``reserve`` when the best reservation has at least ``reserve_min_answers`` eligible
  answers (single structures and groupings). The best is the SIAE, disability or SIAE and
  disability reservation with the most answers, the narrowest on a tie: with as many
  answers it serves its social aim at no cost in competition. The ESS reservation
  (L2113-15) admits every network member, so it always has the most answers, yet it is
  lawful only for some health, social and cultural services and guarantees no insertion:
  it is advised only when none of the three has enough answers.
- otherwise ``clause`` when at least ``clause_min_answers`` structures with insertion
  employees reach the lot and its value gives at least 10 hours;
- otherwise ``neither``.

No "reserve and clause": a lot reserved to SIAE is performed by insertion work already, and
a clause on top would only narrow the few answers the reservation leaves.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from market.matching import texts
from market.matching.model import Text

#: The reservations weighed first, in the order that breaks a tie (narrowest first).
SOCIAL = ("siae", "disability", "both")
#: Every reservation the advice needs counts for.
RESERVATIONS = (*SOCIAL, "ess")
RESERVE, CLAUSE, NEITHER = "reserve", "clause", "neither"
RECOMMENDATIONS = (RESERVE, CLAUSE, NEITHER)
#: Clause hours are rounded down to a multiple of this; fewer make no clause.
HOURS_STEP = 10
#: Who a reserved lot is for (fr, en): "réservé aux SIAE", "reserved for SIAE".
FOR = {
    "siae": ("aux SIAE", "for work-integration enterprises (SIAE)"),
    "disability": ("aux EA, EATT et ESAT", "for disability-employment structures "
                   "(EA, EATT, ESAT)"),
    "both": ("aux SIAE, EA, EATT et ESAT", "for SIAE and disability-employment structures"),
    "ess": ("aux entreprises de l'ESS", "for social-economy (ESS) enterprises"),
}
PERCENT = 100


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What a network admin sets (market.procurement.outreach_models.ProcurementSettings)."""

    reserve_min_answers: int = 3
    clause_min_answers: int = 1
    labour_share_pct: int = 40
    insertion_share_pct: int = 7
    hourly_cost_cents: int = 3000

    def __post_init__(self) -> None:
        for name, low, high in (("reserve_min_answers", 1, None),
                                ("clause_min_answers", 0, None),
                                ("labour_share_pct", 1, PERCENT),
                                ("insertion_share_pct", 1, PERCENT),
                                ("hourly_cost_cents", 1, None)):
            _whole(getattr(self, name), name, low, high)


@dataclass(frozen=True, slots=True)
class LotFacts:
    """What the matching engine found around a lot, and the lot as it stands."""

    #: Reservation (siae, disability, both, ess) -> eligible single structures and
    #: groupings the engine finds if the lot were reserved so.
    answers: Mapping[str, int]
    #: Structures of any kind with insertion employees reaching the lot (able to carry a
    #: clause).
    clause_structures: int
    #: The lot's estimated value in euro cents; None when unknown (or not in euros).
    value_cents: int | None = None
    reservation: str = "none"
    insertion_hours: int | None = None

    def __post_init__(self) -> None:
        if set(self.answers) != set(RESERVATIONS):
            raise ValueError(f"answers must count exactly {', '.join(RESERVATIONS)}")
        for name, count in self.answers.items():
            _whole(count, f"answers[{name}]", 0)
        object.__setattr__(self, "answers", dict(self.answers))
        _whole(self.clause_structures, "clause_structures", 0)
        if self.value_cents is not None:
            _whole(self.value_cents, "value_cents", 0)
        if self.reservation not in ("none", *RESERVATIONS):
            raise ValueError(f"unknown reservation {self.reservation!r}")
        if self.insertion_hours is not None:
            _whole(self.insertion_hours, "insertion_hours", 0)


@dataclass(frozen=True, slots=True)
class Advice:
    """What to do with the lot, and each figure and threshold that says so."""

    recommendation: str  # reserve, clause, neither
    #: The reservation advised (``reserve``), else None.
    reservation: str | None
    #: The clause's hours advised (``clause``), else None.
    hours: int | None
    reasons: tuple[Text, ...]


def _whole(value, name: str, low: int, high: int | None = None) -> None:
    """Refuse anything but an integer within [low, high] (a float, a bool, a string)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be at least {low}" +
                         ("" if high is None else f" and at most {high}"))


def exact_hours(value_cents: int, t: Thresholds) -> int:
    """Value x labour share x insertion share / hourly cost, in whole hours (rounded down)."""
    return (value_cents * t.labour_share_pct * t.insertion_share_pct
            // (PERCENT * PERCENT * t.hourly_cost_cents))


def clause_hours(value_cents: int, t: Thresholds) -> int:
    """The clause's hours: the exact hours rounded down to a multiple of 10 (0: no clause)."""
    hours = exact_hours(value_cents, t)
    return hours - hours % HOURS_STEP


def best_reservation(answers: Mapping[str, int]) -> str:
    """The SIAE or disability reservation with the most answers, the narrowest on a tie."""
    return min(SOCIAL, key=lambda r: (-answers[r], SOCIAL.index(r)))


def advise(facts: LotFacts, t: Thresholds) -> Advice:
    """Reserve, clause or neither for the lot, with the reasons."""
    best = best_reservation(facts.answers)
    reasons = [reservation_why(best, facts.answers[best], t.reserve_min_answers)]
    if facts.answers[best] >= t.reserve_min_answers:
        if best == "siae":
            reasons.append(Text("Un lot réservé aux SIAE est déjà exécuté par des salariés en "
                                "insertion : pas besoin d'une clause d'insertion en plus",
                                "A lot reserved for SIAE is already performed by insertion "
                                "employees: no insertion clause is needed on top"))
        return Advice(RESERVE, best, None, (*reasons, current_why(facts)))
    ess = facts.answers["ess"]
    reasons.append(reservation_why("ess", ess, t.reserve_min_answers))
    if ess >= t.reserve_min_answers:
        reasons.append(Text("La réservation à l'ESS (article L2113-15 du code de la commande "
                            "publique) ne vaut que pour certains services de santé, sociaux "
                            "et culturels : vérifiez que le lot en relève",
                            "The ESS reservation (article L2113-15) is lawful only for some "
                            "health, social and cultural services: check that the lot is one"))
        return Advice(RESERVE, "ess", None, (*reasons, current_why(facts)))
    enough = facts.clause_structures >= t.clause_min_answers
    reasons.append(clause_structures_why(facts.clause_structures, t.clause_min_answers))
    if facts.value_cents is None:
        reasons.append(Text("Valeur estimée du lot inconnue : les heures d'une clause "
                            "d'insertion ne peuvent pas être calculées",
                            "The lot's estimated value is unknown: the hours of an "
                            "insertion clause cannot be worked out"))
        return Advice(NEITHER, None, None, (*reasons, current_why(facts)))
    hours = clause_hours(facts.value_cents, t)
    reasons.append(hours_why(facts.value_cents, t))
    if enough and hours:
        return Advice(CLAUSE, None, hours, (*reasons, current_why(facts)))
    return Advice(NEITHER, None, None, (*reasons, current_why(facts)))


def reservation_why(reservation: str, answers: int, needed: int) -> Text:
    """How many answers a reservation leaves, against the threshold to reserve."""
    to_fr, to_en = FOR[reservation]
    found_fr = texts.plural(answers, "structure ou groupement éligible",
                            "structures et groupements éligibles")
    found_en = texts.en_plural(answers, "structure or grouping", "structures and groupings")
    return Text(f"{answers} {found_fr} dans la zone pour un lot réservé {to_fr}, au moins "
                f"{needed} requis pour réserver le lot",
                f"{answers} eligible {found_en} in the area for a lot reserved {to_en}, at "
                f"least {needed} needed to reserve the lot")


def clause_structures_why(found: int, needed: int) -> Text:
    """How many structures could carry a clause, against the threshold to propose one."""
    return Text(f"{found} {texts.plural(found, 'structure', 'structures')} avec des salariés "
                f"en insertion dans la zone pour porter une clause d'insertion, au moins "
                f"{needed} {texts.plural(needed, 'requise', 'requises')} pour en proposer une",
                f"{found} {texts.en_plural(found, 'structure', 'structures')} with insertion "
                f"employees in the area to carry an insertion clause, at least {needed} "
                "needed to propose one")


def hours_why(value_cents: int, t: Thresholds) -> Text:
    """The clause's hours worked out from the lot's value and the settings."""
    value, cost = money(value_cents), money(t.hourly_cost_cents)
    exact, hours = texts.number(exact_hours(value_cents, t)), clause_hours(value_cents, t)
    labour, share = t.labour_share_pct, t.insertion_share_pct
    fr = (f"{value.fr} × {labour}{texts.NNBSP}% de main-d'œuvre × {share}{texts.NNBSP}% "
          f"pour l'insertion ÷ {cost.fr} de l'heure = {exact.fr} h")
    en = (f"{value.en} × {labour}% labour × {share}% for insertion ÷ {cost.en} an hour = "
          f"{exact.en} h")
    if not hours:
        return Text(f"{fr} : moins de {HOURS_STEP} h, trop peu pour une clause d'insertion",
                    f"{en}: under {HOURS_STEP} h, too few for an insertion clause")
    rounded = texts.number(hours)
    return Text(f"{fr}, soit {rounded.fr} h arrondies à la dizaine inférieure",
                f"{en}, so {rounded.en} h rounded down to a multiple of {HOURS_STEP}")


def current_why(facts: LotFacts) -> Text:
    """The lot as it stands: its reservation and its clause."""
    if facts.reservation == "none":
        fr, en = "Aujourd'hui le lot n'est pas réservé", "The lot is not reserved today"
    else:
        to_fr, to_en = FOR[facts.reservation]
        fr, en = f"Aujourd'hui le lot est réservé {to_fr}", f"The lot is reserved {to_en} today"
    if facts.insertion_hours:
        hours = texts.number(facts.insertion_hours)
        return Text(f"{fr}, avec une clause d'insertion de {hours.fr} h",
                    f"{en}, with an insertion clause of {hours.en} h")
    return Text(f"{fr}, sans clause d'insertion", f"{en}, with no insertion clause")


def money(cents: int) -> Text:
    """Euros, with cents only when there are some: "30 €", "30,50 €", "€30.50"."""
    whole, rest = divmod(cents, 100)
    amount = texts.number(whole)
    fr, en = (amount.fr, amount.en) if not rest else (f"{amount.fr},{rest:02d}",
                                                      f"{amount.en}.{rest:02d}")
    return Text(f"{fr}{texts.NNBSP}€", f"€{en}")
