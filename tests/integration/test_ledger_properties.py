"""Model-based property test: the ledger does exactly what a small pure-Python book predicts.

The model keeps its own accounts (limits, status, the four sums), transfers (status as
recorded, expiry, who placed a hold and who may post it) and idempotency keys with the
first result each one stored. For every generated operation it predicts success, with the
resulting balances, or the exact refusal code; the ledger must agree, and after every
operation the stored invariants must hold. The clock is the model's (`now=` everywhere),
so holds time out without sleeping.

What the model knows about the ledger's internals is kept to one thing: an overdue hold
stays recorded as pending until something records its expiry (expire_holds, an attempt
to post or void it, or a write that locks an account the hold reserved on), and which one
of forbidden or invalid_state a restricted caller gets depends on it. The model tracks
that (with each account's earliest hold expiry, as the ledger keeps it) and the test
compares the recorded statuses with the table.
"""

import copy
import itertools
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import ledger
from ledger.core import model as core_model
from ledger.store.tables import transfers as transfers_table
from ledger.store.types import now_utc
from ledger.testing import invariant_problems, make_book

#: The bounds, as the rules state them (checked against the library's constants below).
MAX_MINOR = 10**17  # a posting carries less than this
MAX_TRANSFER = 10**18  # the postings of one transfer, per currency, add up to at most this
MAX_ACCOUNT_SUM = 4 * 10**18  # each stored sum of an account reaches at most this
BIG = MAX_MINOR - 1

#: The accounts of a book, by index: limits in minor units and owner. 0 is the system
#: account; 4 is an unbounded member account, which big amounts go through.
LIMITS = [(None, None), (0, None), (-100, 200), (0, 150), (None, None)]
OWNERS = [None, "member:0", "member:1", "member:2", "member:3"]
MEMBERS = range(len(LIMITS))
FOREIGN = len(LIMITS)  # the system account of another currency
UNKNOWN = FOREIGN + 1  # an account that does not exist
UNKNOWN_ID = 2**40
MISSING_ID = 2**40  # a transfer that does not exist

#: Amounts as a caller may send them; the valid texts with their minor units.
TEXTS = {"0.01": 1, "0.50": 50, "1.00": 100, "2.00": 200}
BAD_TEXTS = ["0.5", "1.999", "0.00", "-1.00", "1e2"]
EVERYONE = tuple(OWNERS[1:])

#: Random sequences per database, besides the explicit examples (about 10 s on PostgreSQL);
#: mutation testing, which runs the test once per mutant, asks for fewer.
EXAMPLES = int(os.environ.get("LEDGER_PROPERTY_EXAMPLES", "150"))

_codes = itertools.count()
#: Each example's clock starts a day after the last one ended: older holds are all overdue.
_clock = {"now": now_utc()}


def test_the_models_bounds_are_the_ledgers():
    assert (core_model.MAX_TRANSFER, core_model.MAX_ACCOUNT_SUM) == (MAX_TRANSFER,
                                                                    MAX_ACCOUNT_SUM)
    assert ledger.parse_amount(BIG, 2) == BIG


class Refused(Exception):
    """The model's prediction: this refusal, and nothing written."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Committed:
    """The model's prediction: this refusal, although what the model changed stands."""

    code: str


@dataclass
class MAccount:
    id: int
    currency: str
    low: int | None
    high: int | None
    owner: str | None
    status: str = "open"
    #: The earliest expiry among its holds, as the ledger keeps it (may be early, never late).
    hold_expires_at: datetime | None = None


@dataclass
class MTransfer:
    postings: list  # (source index, target index, minor units)
    status: str  # as recorded: pending, posted, voided or expired
    pending: bool
    expires_at: datetime | None = None
    placed_by: str | None = None
    post_by: str | None = None
    reverses: int | None = None  # model index
    reversed_by: int | None = None  # model index
    id: int | None = None

    def accounts(self) -> set[int]:
        return {a for s, t, _ in self.postings for a in (s, t)}

    def net(self) -> dict[int, int]:
        net: dict[int, int] = {}
        for s, t, m in self.postings:
            net[s] = net.get(s, 0) - m
            net[t] = net.get(t, 0) + m
        return net


def minor_of(raw) -> int | None:
    """What an amount is worth in minor units, or None when it is invalid."""
    if isinstance(raw, bool) or isinstance(raw, float):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < MAX_MINOR else None
    return TEXTS.get(raw)


def fmt(minor: int | None) -> str | None:
    if minor is None:
        return None
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def valid_shape(legs, pending: bool, timeout, post_by) -> bool:
    """What the ledger checks before anything else (a refusal stored under a key like any
    other: test_ledger_hold_rules.py, test_a_refusal_of_a_malformed_transfer_binds...)."""
    if (timeout is not None or post_by is not None) and not pending:
        return False
    return all(s != t for s, t, _ in legs)


class Model:
    """The book as it should be."""

    def __init__(self, accounts: list[MAccount], now: datetime):
        self.accounts = accounts
        self.transfers: list[MTransfer] = []
        self.now = now
        #: key -> (request signature, first result as the ledger gave it)
        self.keys: dict[str, tuple] = {}

    # What the book holds.

    def overdue(self, t: MTransfer) -> bool:
        return t.status == "pending" and t.expires_at is not None and t.expires_at <= self.now

    def shown_status(self, t: MTransfer) -> str:
        return "expired" if self.overdue(t) else t.status

    def sums(self, recorded: bool = False) -> dict[int, list[int]]:
        """Posted debits, posted credits, pending debits and pending credits per account:
        what is in force, or (`recorded`) what is stored, overdue reservations included."""
        sums = {a: [0, 0, 0, 0] for a in range(len(self.accounts))}
        for t in self.transfers:
            if t.status == "posted":
                for s, d, m in t.postings:
                    sums[s][0] += m
                    sums[d][1] += m
            elif t.status == "pending" and (recorded or not self.overdue(t)):
                for a, n in t.net().items():
                    sums[a][2 if n < 0 else 3] += abs(n)
        return sums

    def by_id(self, accounts) -> list[int]:
        return sorted(accounts, key=lambda a: self.accounts[a].id)

    # Recording expiries.

    def expire(self, expired: list[MTransfer]) -> None:
        if not expired:
            return
        for t in expired:
            t.status = "expired"
        for a in {a for t in expired for a in t.accounts()}:
            self.accounts[a].hold_expires_at = min(
                (t.expires_at for t in self.transfers if t.status == "pending"
                 and t.expires_at is not None and a in t.accounts()), default=None)

    def expire_due(self, locked: set[int]) -> None:
        """A write locks accounts, and first records the expiry of the overdue holds on
        those whose earliest hold expiry has come."""
        due = {a for a in locked if (at := self.accounts[a].hold_expires_at) is not None
               and at <= self.now}
        if due:
            self.expire([t for t in self.transfers if self.overdue(t) and t.accounts() & due])

    # Checking one new transfer against a state that the items before it changed.

    def check_item(self, legs, pending: bool, timeout, post_by, placed_by,
                   state: dict) -> MTransfer:
        postings = []
        for s, d, raw in legs:
            if UNKNOWN in (s, d):
                raise Refused("validation_error")
            if self.accounts[s].currency != self.accounts[d].currency:
                raise Refused("currency_mismatch")
            if (minor := minor_of(raw)) is None:
                raise Refused("invalid_amount")
            postings.append((s, d, minor))
        if sum(m for _, _, m in postings) > MAX_TRANSFER:
            raise Refused("invalid_amount")
        t = MTransfer(postings, "pending" if pending else "posted", pending,
                      self.now + timedelta(seconds=timeout) if timeout else None,
                      placed_by, (post_by or "placer") if pending else None)
        self.check_movable(t.accounts())
        self.check_limits(t.net(), state)
        self.reserve(t, state)
        return t

    def check_movable(self, accounts) -> None:
        if any(self.accounts[a].status != "open" for a in accounts):
            raise Refused("invalid_state")

    def check_limits(self, net: dict[int, int], state: dict) -> None:
        for a in self.by_id(net):
            account, (pd, pc, qd, qc), n = self.accounts[a], state[a], net[a]
            if n < 0 and account.low is not None and pc - pd - qd + n < account.low:
                raise Refused("insufficient_funds")
            if n > 0 and account.high is not None and pc - pd + qc + n > account.high:
                raise Refused("limit_exceeded")

    def reserve(self, t: MTransfer, state: dict) -> None:
        """Apply a new transfer to `state`, refusing it if a stored sum would pass its bound."""
        deltas: dict[int, list[int]] = {}
        if t.pending:
            for a, n in t.net().items():
                if n:
                    deltas.setdefault(a, [0, 0, 0, 0])[2 if n < 0 else 3] += abs(n)
        else:
            for s, d, m in t.postings:
                deltas.setdefault(s, [0, 0, 0, 0])[0] += m
                deltas.setdefault(d, [0, 0, 0, 0])[1] += m
        self.check_sums(deltas, state)
        for a, delta in deltas.items():
            state[a] = [x + y for x, y in zip(state[a], delta, strict=True)]
        if t.expires_at is not None:
            for a in deltas:
                at = self.accounts[a].hold_expires_at
                if at is None or t.expires_at < at:
                    self.accounts[a].hold_expires_at = t.expires_at

    @staticmethod
    def check_sums(deltas: dict, state: dict) -> None:
        for a, delta in deltas.items():
            if any(x + y > MAX_ACCOUNT_SUM for x, y in zip(state[a], delta, strict=True)):
                raise Refused("invalid_amount")

    # The use cases. Each one changes the model and returns what the ledger should answer,
    # or raises Refused (the caller then puts the model back as it was).

    def transfer(self, legs, pending, timeout, post_by, placed_by) -> MTransfer:
        self.expire_due({a for s, d, _ in legs for a in (s, d)} - {UNKNOWN})
        t = self.check_item(legs, pending, timeout, post_by, placed_by, self.sums())
        self.transfers.append(t)
        return t

    def batch(self, items, atomic: bool, placed_by) -> list:
        shaped = [valid_shape(*item) for item in items]
        self.expire_due({a for item, ok in zip(items, shaped, strict=True) if ok
                         for s, d, _ in item[0] for a in (s, d)} - {UNKNOWN})
        state, results = self.sums(), []
        for item, ok in zip(items, shaped, strict=True):
            if not ok:
                results.append("validation_error")
                continue
            try:
                t = self.check_item(*item, placed_by, state)
            except Refused as refusal:
                if atomic:
                    raise
                results.append(refusal.code)
            else:
                results.append(t)
        self.transfers += [r for r in results if isinstance(r, MTransfer)]
        return results

    def resolve(self, index: int | None, action: str, by, controls):
        if index is None:
            raise Refused("not_found")
        t = self.transfers[index]
        if controls is not None and t.status == "pending":
            rule = (t.post_by or "placer") if action == "post" else "placer"
            side = [d if rule == "creditor" else s for s, d, _ in t.postings]
            controlled = all(self.accounts[a].owner in controls for a in side)
            if rule == "placer":
                allowed = by is not None and by == t.placed_by and (action == "void"
                                                                     or controlled)
            else:
                allowed = controlled
            if not allowed:
                raise Refused("forbidden")
        if t.status != "pending":
            raise Refused("invalid_state")
        if self.overdue(t):
            self.expire([t])
            return Committed("invalid_state")
        if action == "post":
            self.check_movable(t.accounts())
            deltas: dict[int, list[int]] = {}
            for s, d, m in t.postings:
                deltas.setdefault(s, [0, 0, 0, 0])[0] += m
                deltas.setdefault(d, [0, 0, 0, 0])[1] += m
            self.check_sums(deltas, self.sums(recorded=True))
        t.status = "posted" if action == "post" else "voided"
        return t

    def reverse(self, index: int | None) -> MTransfer:
        if index is None:
            raise Refused("not_found")
        original = self.transfers[index]
        if original.status != "posted" or original.reversed_by is not None:
            raise Refused("invalid_state")
        t = MTransfer([(d, s, m) for s, d, m in original.postings], "posted", False,
                      reverses=index)
        self.expire_due(t.accounts())
        state = self.sums()
        self.check_movable(t.accounts())
        self.check_limits(t.net(), state)
        self.reserve(t, state)
        original.reversed_by = len(self.transfers)
        self.transfers.append(t)
        return t

    def change_status(self, a: int, action: str) -> str:
        account = self.accounts[a]
        status = {("open", "freeze"): "frozen", ("frozen", "unfreeze"): "open",
                  ("open", "close"): "closed", ("frozen", "close"): "closed"}.get(
                      (account.status, action))
        if status is None:
            raise Refused("invalid_state")
        pd, pc, qd, qc = self.sums(recorded=True)[a]
        if status == "closed" and (pc - pd or qd or qc):
            raise Refused("invalid_state")
        account.status = status
        return status

    def expire_holds(self) -> int:
        due = [t for t in self.transfers if self.overdue(t)]
        self.expire(due)
        return len(due)


# Operations, as hypothesis draws them.

#: (source, target) pairs: mostly two accounts of the book, sometimes malformed.
FUNDING = [(0, 1), (0, 2), (0, 3), (0, 4)]
PAIRS = [(s, t) for s in MEMBERS for t in MEMBERS if s != t]
BAD_PAIRS = [(1, 1), (2, FOREIGN), (FOREIGN, 0), (UNKNOWN, 1), (3, UNKNOWN)]
pair = st.one_of(*[st.sampled_from(FUNDING)] * 3, *[st.sampled_from(PAIRS)] * 4,
                 st.sampled_from(BAD_PAIRS))
small_amount = st.one_of(
    *[st.sampled_from([1, 20, 50, 99, 100, 101, 149, 150, 151, 200, 201, *TEXTS])] * 7,
    st.sampled_from([0, -1, 1.5, MAX_MINOR, *BAD_TEXTS]))
legs = st.lists(st.builds(lambda p, a: (*p, a), pair, small_amount), min_size=1, max_size=3)
big_legs = st.lists(st.builds(lambda pair, amount: (*pair, amount),
                              st.sampled_from([(0, 4), (4, 0)]),
                              st.sampled_from([BIG, BIG, BIG // 2, MAX_MINOR, 41, 1])),
                    min_size=1, max_size=12)
placers = st.sampled_from([None, "user:1", "user:2"])
keyed = st.booleans()
#: (legs, pending, timeout_seconds, post_by): mostly well-formed, sometimes not.
immediate = st.tuples(legs, st.just(False), st.sampled_from([None] * 6 + [5]),
                      st.sampled_from([None] * 6 + ["debtor"]))
held = st.tuples(legs, st.just(True), st.sampled_from([None, 5, 30]),
                 st.sampled_from([None, "placer", "debtor", "creditor"]))
item = st.one_of(immediate, held)
controls = st.sampled_from([None, None, (), ("member:0",), ("member:1",),
                            ("member:0", "member:1"), ("member:1", "member:2"), EVERYONE])
target = st.one_of(*[st.integers(min_value=0, max_value=8)] * 5, st.just(-1))

operations = st.lists(st.one_of(
    st.builds(lambda i, p, k: ("transfer", *i, p, k), item, placers, keyed),
    st.builds(lambda i, p, k: ("transfer", *i, p, k), item, placers, keyed),
    st.builds(lambda i, p, k: ("transfer", *i, p, k), held, placers, keyed),
    st.tuples(st.just("transfer"), big_legs, st.booleans(), st.just(None), st.just(None),
              st.just(None), keyed),
    st.tuples(st.just("batch"), st.lists(item, min_size=1, max_size=4), st.booleans(),
              placers, keyed),
    st.tuples(st.sampled_from(["post", "void"]), target, placers, controls, keyed),
    st.tuples(st.sampled_from(["post", "void"]), target, placers, controls, keyed),
    st.tuples(st.just("reverse"), target, keyed),
    st.tuples(st.sampled_from(["replay", "conflict"]), st.integers(0, 15)),
    st.tuples(st.just("replay"), st.integers(0, 15)),
    st.tuples(st.just("tick"), st.sampled_from([1, 4, 5, 25, 30])),
    st.tuples(st.sampled_from(["freeze", "unfreeze", "unfreeze", "close"]),
              st.sampled_from(list(MEMBERS))),
    st.tuples(st.just("expire")),
), min_size=4, max_size=30)


class Run:
    """Apply operations to the ledger and to the model, and compare what each did."""

    def __init__(self, engine):
        self.engine = engine
        code = f"P{next(_codes)}"
        book = make_book(engine, code, limits=((0, None), ("-1.00", "2.00"), (0, "1.50"),
                                               (None, None)))
        foreign = make_book(engine, f"{code}Q", limits=())
        self.code = code
        ids = [book.system, *book.members, foreign.system]
        accounts = [MAccount(ids[a], code, *LIMITS[a], OWNERS[a]) for a in MEMBERS]
        accounts.append(MAccount(foreign.system, foreign.currency, None, None, None))
        self.ids = [*ids, UNKNOWN_ID]
        start = _clock["now"] + timedelta(days=1)
        ledger.expire_holds(engine, now=start)  # the holds of earlier examples
        self.model = Model(accounts, start)
        with engine.connect() as conn:
            self.first_id = conn.execute(select(func.coalesce(
                func.max(transfers_table.c.id), 0))).scalar_one()
        #: Keyed requests made so far: (key, signature, call, shape check, model work).
        self.keyed: list[tuple] = []

    def close(self) -> None:
        _clock["now"] = self.model.now

    # Turning model values into the ledger's.

    def postings(self, legs) -> list[dict]:
        return [{"from": self.ids[s], "to": self.ids[d], "amount": a} for s, d, a in legs]

    def shown(self, t: MTransfer) -> dict:
        """What the ledger returns for a transfer, as far as the model knows it."""
        return {"status": self.model.shown_status(t), "pending": t.pending,
                "postings": [{"from": self.ids[s], "to": self.ids[d], "amount": fmt(m),
                              "currency": self.model.accounts[s].currency}
                             for s, d, m in t.postings],
                "expires_at": iso(t.expires_at), "placed_by": t.placed_by,
                "post_by": t.post_by,
                "reverses": None if t.reverses is None else self.model.transfers[t.reverses].id}

    def matches(self, got: dict, t: MTransfer) -> None:
        assert {k: got[k] for k in self.shown(t)} == self.shown(t)
        if t.id is None:
            t.id = got["id"]
        assert got["id"] == t.id

    def target(self, n: int) -> int | None:
        """The model index of the n-th latest transfer (None: one that does not exist)."""
        if n < 0 or not self.model.transfers:
            return None
        return len(self.model.transfers) - 1 - n % len(self.model.transfers)

    # Running one operation.

    def apply(self, op) -> None:
        note(repr(op))
        self.kind = op[0]
        getattr(self, f"do_{op[0]}")(*op[1:])

    def do_transfer(self, legs, pending, timeout, post_by, placed_by, keyed,
                    description=""):
        shape = valid_shape(legs, pending, timeout, post_by)
        signature = ("transfer", tuple(legs), pending, timeout,
                     (post_by or "placer") if pending else None, placed_by, description)

        def call(idem):
            return ledger.transfer(self.engine, self.postings(legs), pending=pending,
                                   timeout_seconds=timeout, post_by=post_by,
                                   placed_by=placed_by, description=description,
                                   idempotency=idem, now=self.model.now)

        def work():
            t = self.model.transfer(legs, pending, timeout, post_by, placed_by)
            return t, lambda got: self.matches(got, t)

        self.run(keyed, signature, call, shape, work)

    def do_batch(self, items, atomic, placed_by, keyed):
        shapes = [valid_shape(*i) for i in items]
        signature = ("batch", atomic, tuple(
            (tuple(i[0]), i[1], i[2], (i[3] or "placer") if i[1] else None) if ok else None
            for i, ok in zip(items, shapes, strict=True)), placed_by)

        def call(idem):
            bodies = [{"postings": self.postings(i[0]), "pending": i[1],
                       "timeout_seconds": i[2], "post_by": i[3]} for i in items]
            return ledger.batch(self.engine, bodies, atomic=atomic, placed_by=placed_by,
                                idempotency=idem, now=self.model.now)

        def work():
            results = self.model.batch(items, atomic, placed_by)

            def check(got):
                assert len(got) == len(results)
                for one, expected in zip(got, results, strict=True):
                    if atomic:
                        self.matches(one, expected)
                    elif isinstance(expected, MTransfer):
                        assert one["ok"] is True
                        self.matches(one["transfer"], expected)
                    else:
                        assert (one["ok"], one["error"]["code"]) == (False, expected)
            return results, check

        self.run(keyed, signature, call, all(shapes) or not atomic, work)

    def do_post(self, n, by, controls, keyed, action="post"):
        index = self.target(n)
        transfer_id = MISSING_ID if index is None else self.model.transfers[index].id
        resolve = ledger.post_pending if action == "post" else ledger.void_pending

        def call(idem):
            return resolve(self.engine, transfer_id, by=by,
                           controls=None if controls is None else list(controls),
                           idempotency=idem, now=self.model.now)

        def work():
            t = self.model.resolve(index, action, by, controls)
            if isinstance(t, Committed):
                return t, None
            return t, lambda got: self.matches(got, t)

        self.run(keyed, (action, transfer_id), call, True, work)

    def do_void(self, n, by, controls, keyed):
        self.do_post(n, by, controls, keyed, action="void")

    def do_reverse(self, n, keyed):
        index = self.target(n)
        transfer_id = MISSING_ID if index is None else self.model.transfers[index].id

        def call(idem):
            return ledger.reverse(self.engine, transfer_id, idempotency=idem,
                                  now=self.model.now)

        def work():
            t = self.model.reverse(index)
            return t, lambda got: self.matches(got, t)

        self.run(keyed, ("reverse", transfer_id, None), call, True, work)

    def do_replay(self, n):
        """Send a keyed request again, exactly as the first time (but later)."""
        if self.keyed:
            self.send(*self.keyed[n % len(self.keyed)])

    def do_conflict(self, n):
        """Send another request with the key of an earlier one."""
        if self.keyed:
            key = self.keyed[n % len(self.keyed)][0]
            self.do_transfer([(0, 1, "1.00")], False, None, None, None, key,
                             description="another request")

    def do_tick(self, seconds):
        self.model.now += timedelta(seconds=seconds)

    def do_freeze(self, a, action="freeze"):
        change = {"freeze": ledger.freeze_account, "unfreeze": ledger.unfreeze_account,
                  "close": ledger.close_account}[action]

        def work():
            status = self.model.change_status(a, action)

            def check(got):
                assert (got["id"], got["status"]) == (self.ids[a], status)
            return status, check

        expected = self.predict(work)
        self.settle(expected, self.attempt(lambda: change(self.engine, self.ids[a])))
        event(f"{action}: {expected[0] if expected[0] == 'ok' else expected[1]}")

    def do_unfreeze(self, a):
        self.do_freeze(a, "unfreeze")

    def do_close(self, a):
        self.do_freeze(a, "close")

    def do_expire(self):
        expected = self.model.expire_holds()
        assert ledger.expire_holds(self.engine, now=self.model.now) == expected
        event(f"expire: {min(expected, 2)}")

    # Keys, predictions and answers.

    def run(self, keyed, signature, call, shape_ok: bool, work) -> None:
        """Run a request, keyed or not, after predicting its answer.

        `keyed` is False, True (a new key) or the key to use; `shape_ok` False means the
        request is malformed: refused before its use case, the refusal kept under its key.
        """
        key = None
        if keyed:
            key = keyed if isinstance(keyed, str) else f"k{len(self.keyed)}"
            if not isinstance(keyed, str):
                self.keyed.append((key, signature, call, shape_ok, work))
        self.send(key, signature, call, shape_ok, work)

    def send(self, key, signature, call, shape_ok, work) -> None:
        idem = None if key is None else ledger.Idempotency(self.code, key)
        if key is not None and key in self.model.keys:
            first_signature, first = self.model.keys[key]
            if first_signature != signature:
                expected = ("error", "idempotency_conflict", None)
            else:
                got = self.attempt(lambda: call(idem))
                assert got == first, f"replayed {got}, first was {first}"
                assert idem.replayed is True
                event(f"{self.kind}: replayed {first[0]}")
                return
        elif not shape_ok:
            expected = ("error", "validation_error", None)
        else:
            expected = self.predict(work)
        got = self.attempt(lambda: call(idem))
        self.settle(expected, got)
        event(f"{self.kind}: {expected[0] if expected[0] == 'ok' else expected[1]}")
        if idem is not None:
            assert idem.replayed is False
            if expected[1] != "idempotency_conflict":
                self.model.keys[key] = (signature, got)

    def predict(self, work):
        """("ok", value, check) or ("error", code, None); a refusal leaves the model as it
        was, a committed refusal keeps what the model changed."""
        saved = copy.deepcopy((self.model.accounts, self.model.transfers))
        try:
            value, check = work()
        except Refused as refusal:
            self.model.accounts, self.model.transfers = saved
            return ("error", refusal.code, None)
        if isinstance(value, Committed):
            return ("error", value.code, None)
        return ("ok", value, check)

    @staticmethod
    def attempt(call):
        """The ledger's answer: ("ok", value) or ("error", (code, message, details))."""
        try:
            return ("ok", call())
        except ledger.LedgerError as error:
            return ("error", (error.code, error.message, error.details))

    @staticmethod
    def settle(expected, got) -> None:
        if expected[0] == "error":
            assert got[0] == "error" and got[1][0] == expected[1], \
                f"expected {expected[1]}, got {got}"
        else:
            assert got[0] == "ok", f"expected success, got {got}"
            if expected[2] is not None:
                expected[2](got[1])

    # What the whole book must look like after each operation.

    def check(self) -> None:
        m = self.model
        sums = m.sums()
        found = {a["id"]: a for a in ledger.list_accounts(self.engine, currency=self.code,
                                                          now=m.now)}
        for a in MEMBERS:
            account, (pd, pc, qd, qc) = m.accounts[a], sums[a]
            got = found[account.id]
            expected = {"status": account.status, "balance": fmt(pc - pd),
                        "posted_debits": fmt(pd), "posted_credits": fmt(pc),
                        "pending_debits": fmt(qd), "pending_credits": fmt(qc),
                        "available": None if account.low is None
                        else fmt(pc - pd - qd - account.low)}
            assert {k: got[k] for k in expected} == expected, f"account {a}"
        listed = ledger.list_transfers(self.engine, cursor=self.first_id, limit=500,
                                       now=m.now)["items"]
        assert [t["id"] for t in listed] == [t.id for t in m.transfers]
        for got, t in zip(listed, m.transfers, strict=True):
            assert got["status"] == m.shown_status(t)
            reversed_by = None if t.reversed_by is None else m.transfers[t.reversed_by].id
            assert got["reversed_by"] == reversed_by
        with self.engine.connect() as conn:
            recorded = conn.execute(select(transfers_table.c.status)
                                    .where(transfers_table.c.id > self.first_id)
                                    .order_by(transfers_table.c.id)).scalars().all()
        assert recorded == [t.status for t in m.transfers]
        assert invariant_problems(self.engine, self.code) == []


#: Examples that always run: both gross bounds reached exactly, on both sides.
FILL = [(0, 4, BIG)] * 10  # 10 * (10**17 - 1): just under a transfer's bound
BOUNDS = [
    ("transfer", FILL, False, None, None, None, False),
    # 10**18 + 1 in one transfer is refused, 10**18 exactly is not
    ("transfer", [(0, 4, BIG)] * 10 + [(0, 4, 11)], False, None, None, None, True),
    ("transfer", [(0, 4, BIG)] * 10 + [(0, 4, 10)], False, None, None, None, True),
    ("transfer", FILL, False, None, None, None, False),
    ("transfer", FILL, False, None, None, None, False),
    ("transfer", [(0, 4, 20)], False, None, None, None, False),
    # posted credits of account 4 (and debits of 0): 4 * 10**18 - 10; 10 fit, 11 do not
    ("transfer", [(0, 4, 11)], False, None, None, None, False),
    ("transfer", [(0, 4, 10)], False, None, None, None, True),
    ("replay", 1),
    ("transfer", [(0, 4, 1)], True, None, None, None, False),  # reserving is not posting
    ("post", 0, None, None, False),
    ("void", 0, None, None, False),
    ("transfer", [(4, 0, 1)], False, None, None, None, False),
    ("reverse", 0, False),
    ("transfer", [(4, 0, BIG)] * 10, True, None, None, None, False),
    ("post", 0, None, None, False),
]
#: Postings that cancel out pass the limits whatever their size, but not the gross bound.
ZERO_NET = [
    ("transfer", [(1, 2, BIG), (2, 1, BIG)] * 5, False, None, None, None, False),
    ("transfer", [(1, 2, BIG), (2, 1, BIG)] * 5 + [(1, 2, 6), (2, 1, 5)], True, 5, None,
     None, False),
    ("transfer", [(1, 2, BIG), (2, 1, BIG)] * 5, True, 5, "creditor", "user:1", True),
    ("post", 0, "user:1", ("member:0",), False),
    ("tick", 5),
    ("post", 0, None, ("member:1",), True),
    ("post", 0, None, ("member:0", "member:1"), True),
    ("replay", 0),
    ("replay", 2),
    ("expire",),
]
#: A hold times out and is posted before anything else touches its accounts; a
#: restricted caller is refused before the expiry is looked at.
TIMEOUTS = [
    ("transfer", [(0, 1, "2.00")], False, None, None, None, False),
    ("transfer", [(1, 3, "1.00")], True, 5, "debtor", "user:1", True),
    ("transfer", [(1, 2, "0.50")], True, 30, None, "user:2", False),
    ("tick", 4),
    ("freeze", 3),
    ("post", 1, "user:2", ("member:2",), False),
    ("tick", 1),
    ("post", 1, "user:1", ("member:2",), True),
    ("post", 1, None, ("member:0",), True),
    ("replay", 1),
    ("post", 1, None, None, False),
    ("unfreeze", 3),
    ("void", 0, "user:1", ("member:0",), False),
    ("void", 0, "user:2", (), False),
    ("conflict", 0),
    ("replay", 2),
    ("batch", [([(1, 2, "0.50")], False, None, None), ([(1, 2, "2.00")], False, None, None),
               ([(2, 2, "0.01")], False, None, None)], False, None, True),
    ("batch", [([(1, 2, "0.50")], False, None, None), ([(1, 2, "2.00")], False, None, None)],
     True, None, True),
    ("replay", 3),
    ("replay", 4),
    ("tick", 30),
    ("expire",),
    ("close", 3),
]


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ops=operations)
@example(ops=BOUNDS)
@example(ops=ZERO_NET)
@example(ops=TIMEOUTS)
def test_the_ledger_does_exactly_what_the_model_predicts(db, ops):
    run = Run(db.engine)
    try:
        for op in ops:
            run.apply(op)
            run.check()
    finally:
        run.close()
    report = ledger.verify(db.engine)
    assert report["ok"], report["first_problem"]
