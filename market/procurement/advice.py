"""Advice to a lot's buyer (reserve, clause or neither) from today's directory, and the
network's procurement settings a network admin changes."""

from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from market.matching import advice as engine
from market.procurement import matches
from market.procurement.models import Lot
from market.procurement.outreach_models import ProcurementSettings, settings
from market.web.errors import ValidationError

#: Largest value of an integer column (PostgreSQL's integer).
INT_MAX = 2**31 - 1
#: Each setting's allowed values, as the table's CHECK constraints say (and integer columns).
RANGES = {
    "batch_size": (1, 1000),
    "enough_interested": (1, 1000),
    "reserve_min_answers": (1, 1000),
    "clause_min_answers": (0, 1000),
    "labour_share_pct": (1, 100),
    "insertion_share_pct": (1, 100),
    "hourly_cost_minor": (1, INT_MAX),
    "catalogue_threshold_minor": (0, INT_MAX),
}


@dataclass(frozen=True)
class LotAdvice:
    """The advice for a lot, with the figures and thresholds it was made of."""

    lot: Lot
    facts: engine.LotFacts
    thresholds: engine.Thresholds
    advice: engine.Advice


def thresholds(found: ProcurementSettings) -> engine.Thresholds:
    """The engine's thresholds from the network's settings."""
    return engine.Thresholds(
        reserve_min_answers=found.reserve_min_answers,
        clause_min_answers=found.clause_min_answers,
        labour_share_pct=found.labour_share_pct, insertion_share_pct=found.insertion_share_pct,
        hourly_cost_cents=found.hourly_cost_minor)


def lot_facts(session, lot: Lot) -> engine.LotFacts:
    """What the directory holds around ``lot``: answers under each reservation, and the
    structures with insertion employees that reach it whatever their kind."""
    directory = matches.directory(session)
    seen = matches.engine_lot(lot)
    answers = {}
    for reservation in engine.RESERVATIONS:
        found = directory.match(replace(seen, reservation=reservation))
        # Every eligible single (the engine returns the best 20 only; ``candidates``
        # counts them all, none being set aside for capacity) and each grouping returned.
        answers[reservation] = found.candidates + len(found.groupings)
    reaching = directory.candidates(replace(seen, reservation="none"))
    able = sum(1 for c in reaching if (directory.structures[c.index].insertion_headcount or 0) > 0)
    return engine.LotFacts(answers=answers, clause_structures=able, value_cents=seen.value_cents,
                           reservation=lot.reservation, insertion_hours=lot.insertion_hours)


def lot_advice(session, lot: Lot) -> LotAdvice:
    """Reserve, clause or neither for ``lot``, under the network's thresholds."""
    facts = lot_facts(session, lot)
    limits = thresholds(settings(session))
    return LotAdvice(lot, facts, limits, engine.advise(facts, limits))


def update_settings(session, changes: dict) -> ProcurementSettings:
    """Change some settings (already checked against RANGES); the first change saves the
    defaults' row. The caller commits."""
    for name, value in changes.items():
        low, high = RANGES[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError({name: [_("Entre %(low)s et %(high)s.", low=low,
                                            high=high)]})
    if not changes:
        return settings(session)
    row = session.get(ProcurementSettings, 1, with_for_update=True)
    if row is None:
        row = settings(session)
        try:
            with session.begin_nested():  # another admin's first change may insert it too
                session.add(row)
        except IntegrityError:
            row = session.get(ProcurementSettings, 1, with_for_update=True,
                              populate_existing=True)
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    return row
