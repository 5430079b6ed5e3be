"""Property tests: whatever sequence of valid and invalid operations, the invariants hold."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import ledger
from ledger.store.tables import transfers
from ledger.testing import invariant_problems, make_book

LIMITS = ((None, None), (0, None), ("-1.00", "2.00"), (0, "1.50"))
_codes = itertools.count()

amounts = st.one_of(st.integers(min_value=-20, max_value=250),
                    st.sampled_from(["0.50", "1.00", "0.5", "1.999", 1.5]))
accounts = st.integers(min_value=0, max_value=len(LIMITS))
postings = st.lists(st.tuples(accounts, accounts, amounts), min_size=1, max_size=3)
operations = st.lists(st.one_of(
    st.tuples(st.just("transfer"), postings, st.booleans()),
    st.tuples(st.just("hold"), postings, st.booleans()),
    st.tuples(st.sampled_from(["post", "void", "reverse", "replay"]), st.integers(0, 20)),
    st.tuples(st.just("batch"), st.lists(postings, min_size=1, max_size=4), st.booleans()),
), min_size=1, max_size=12)


def count_transfers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(transfers)).scalar_one()


class Run:
    """Apply generated operations to a fresh book, remembering transfers and keyed requests."""

    def __init__(self, engine):
        self.engine = engine
        self.book = make_book(engine, f"P{next(_codes)}", limits=LIMITS)
        self.ids = [self.book.system, *self.book.members]
        self.created: list[int] = []
        self.keyed: list[tuple] = []

    def legs(self, spec):
        return [{"from": self.ids[s], "to": self.ids[t], "amount": a} for s, t, a in spec]

    def apply(self, op) -> None:
        try:
            self._apply(op)
        except ledger.LedgerError as error:
            assert error.code in {"insufficient_funds", "limit_exceeded", "invalid_amount",
                                  "validation_error", "invalid_state", "currency_mismatch"}

    def _apply(self, op) -> None:
        kind = op[0]
        if kind in ("transfer", "hold"):
            key = ledger.Idempotency(self.book.currency, str(len(self.keyed))) if op[2] else None
            if key:
                self.keyed.append((kind, op[1], key.key))
            result = ledger.transfer(self.engine, self.legs(op[1]), pending=kind == "hold",
                                     idempotency=key)
            self.created.append(result["id"])
        elif kind == "batch":
            items = [{"postings": self.legs(spec)} for spec in op[1]]
            for item in ledger.batch(self.engine, items, atomic=op[2]):
                if item.get("ok", True):
                    self.created.append(item.get("transfer", item)["id"])
        elif kind == "replay":
            self.replay(op[1])
        elif self.created:
            target = self.created[op[1] % len(self.created)]
            action = {"post": ledger.post_pending, "void": ledger.void_pending,
                      "reverse": ledger.reverse}[kind]
            self.created.append(action(self.engine, target)["id"])

    def replay(self, index: int) -> None:
        """Send a keyed request again: never a second transfer."""
        if not self.keyed:
            return
        kind, spec, key = self.keyed[index % len(self.keyed)]
        before = count_transfers(self.engine)
        try:
            ledger.transfer(self.engine, self.legs(spec), pending=kind == "hold",
                            idempotency=ledger.Idempotency(self.book.currency, key))
        finally:
            assert count_transfers(self.engine) == before


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_any_sequence_of_operations_keeps_the_ledger_balanced(db, ops):
    run = Run(db.engine)
    for op in ops:
        run.apply(op)
        assert invariant_problems(db.engine, run.book.currency) == []
    report = ledger.verify(db.engine)
    assert report["ok"], report["first_problem"]
