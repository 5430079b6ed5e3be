"""The one-round-trip path of new transfers on PostgreSQL: plan in Python, apply in one call.

Python prepares everything that needs no lock: postings in minor units (account currencies
come from a per-process cache), hashes, the transfers as they will be returned, and per
account the net deltas with the lowest and highest point the batch takes its limit figures
to. `ledger_apply` (ledger.store.pgfunctions) writes it all in one statement, or refuses;
a refusal, like any error found while planning, sends the request to the general path,
which re-checks under lock and names the precise error. Rules stay in ledger.core.
Single transfers without an idempotency key go through the process's group commit: the
transfers that threads send at the same time share one call (ledger.store.groupcommit).
"""

import json
from dataclasses import dataclass
from datetime import datetime

from ledger import writer
from ledger.core import rules
from ledger.core.errors import LedgerError
from ledger.core.model import AccountState
from ledger.serialize import transfer_dict
from ledger.store import pgfast


def usable(bind, requests: list) -> bool:
    """Tell whether the fast path may take these requests (no malformed item)."""
    return pgfast.usable(bind) and all(isinstance(r, dict) for r in requests)


@dataclass
class Plan:
    """Transfers checked and hashed in Python, waiting for ledger_apply to take their ids."""

    items: list
    rows: list[dict]
    shown: list[dict]
    known: dict
    scales: dict
    debit_owners: frozenset | None
    account_ids: list[int]
    now: datetime

    def finish(self, ids: list[int]) -> list[dict]:
        """The transfers as returned, with the ids ledger_apply gave them."""
        return [{**t, "id": tid} for tid, t in zip(ids, self.shown, strict=True)]


def run(bind, requests: list, atomic: bool, now: datetime, key: dict | None = None,
        one: bool = False, debit_owners=None) -> list | None:
    """Write normalised requests in one round trip; None when the general path must run.

    `key` (ledger.idempotency.fast_key) is stored with the writes and the result, which is
    one transfer (`one`), the list of transfers, or one {ok, transfer} per item.
    `debit_owners`: ledger_apply refuses a debited account owned by none of them.
    """
    account_ids = writer.account_ids(requests)
    if key is not None:
        key = {**key, "w": "one" if one else "list" if atomic else "items"}

    def make(cache):
        planned = _plan(requests, account_ids, cache, now, debit_owners)
        return None if planned is None else (document([planned], key), planned.finish)

    written = pgfast.run(bind, account_ids, make, now, keyed=key is not None)
    if written is None or atomic:
        return written
    return [{"ok": True, "transfer": item} for item in written]


def run_grouped(bind, request: dict, now: datetime, debit_owners=None) -> dict | None:
    """Write one transfer (no idempotency key), in a group with other threads' transfers.

    None when the general path must run. A group that ledger_apply refuses is written again
    one transfer at a time, so that one refusal never fails another caller's transfer.
    """
    account_ids = writer.account_ids([request])
    written = pgfast.run_grouped(
        bind, account_ids, lambda cache: _plan([request], account_ids, cache, now,
                                               debit_owners), document)
    return None if written is None else written[0]


def _plan(requests: list, account_ids: list[int], cache, now: datetime,
          debit_owners) -> Plan | None:
    """Check and hash the transfers with the cached currencies; None if not applicable."""
    known = {a: AccountState(a, cache.currency[a], "open", None, None)
             for a in account_ids if a in cache.currency}
    try:
        items = [_new_transfer(r, known, cache.scales, now) for r in requests]
    except (LedgerError, KeyError):
        # An unknown account, a bad amount...: the general path says which. The cached
        # currencies may be what was wrong (tables recreated): read them again next time.
        cache.forget(account_ids)
        return None
    rows = [writer.transfer_row(item, now) for item in items]
    # The transfers as returned, ids filled in once ledger_apply has taken them.
    shown = [transfer_dict({**r, "id": None}, item.postings, cache.scales, now)
             for r, item in zip(rows, items, strict=True)]
    owners = None if debit_owners is None else frozenset(debit_owners)
    return Plan(items, rows, shown, known, cache.scales, owners, account_ids, now)


def document(plans: list[Plan], key: dict | None = None) -> str:
    """The ledger_apply document writing the plans' transfers in order, as one batch."""
    rows = [(r, when) for plan in plans for when in (plan.now.isoformat(),) for r in plan.rows]
    items = [item for plan in plans for item in plan.items]
    doc = {
        "t": [{"p": r["pending"], "x": _iso(r["expires_at"]), "r": r["reference"],
               "d": r["description"], "m": json.dumps(r["metadata"]) if r["metadata"] else "{}",
               "h": r["hash"], "w": when, "b": r["placed_by"], "y": r["post_by"]}
              for r, when in rows],
        # A posting names its transfer by its 1-based place in the batch.
        "p": [{"t": n, "s": p.source, "d": p.target, "a": p.amount, "c": p.currency}
              for n, item in enumerate(items, 1) for p in item.postings],
        "a": _accounts(plans),
    }
    if key is not None:
        doc["k"] = {**key, "r": [t for plan in plans for t in plan.shown]}
    return json.dumps(doc)


def _new_transfer(request: dict, known: dict, scales: dict, now: datetime):
    """A transfer resolved with cached currencies: limits and states are the database's."""
    postings = rules.resolve_postings(request["postings"], known, scales)
    return writer.new_transfer(request, postings, now)


def _accounts(plans: list[Plan]) -> list[dict]:
    """Per touched account: net deltas, the extremes of its limit figures, hold expiry, and
    the owners it must have when debited (`o`, null for any).

    `lo` is the lowest the items take credits − debits − pending debits (checked against
    min_balance), `hi` the highest they take credits − debits + pending credits (against
    max_balance), each after any prefix of the items, as a batch checks them in order.
    Debited by several plans, an account must belong to an owner that each of them allows.
    """
    figures: dict[int, list] = {}
    owners: dict[int, frozenset] = {}
    known: dict = {}
    for plan in plans:
        known.update(plan.known)
        for item in plan.items:
            for p in item.postings:
                for a in (p.source, p.target):
                    figures.setdefault(a, [0, 0, 0, 0, 0, 0, 0, 0, None])
                if plan.debit_owners is not None:
                    allowed = owners.get(p.source, plan.debit_owners)
                    owners[p.source] = allowed & plan.debit_owners
            for account_id, d in rules.create_deltas(item.postings, item.pending).items():
                f = figures[account_id]
                f[0] += d.posted_debits
                f[1] += d.posted_credits
                f[2] += d.pending_debits
                f[3] += d.pending_credits
                f[6] += d.posted_credits - d.posted_debits - d.pending_debits
                f[7] += d.posted_credits - d.posted_debits + d.pending_credits
                f[4], f[5] = min(f[4], f[6]), max(f[5], f[7])
                if item.expires_at is not None and (f[8] is None or item.expires_at < f[8]):
                    f[8] = item.expires_at
    scales = plans[0].scales
    return [{"id": a, "c": known[a].currency, "s": scales[known[a].currency], "pd": f[0],
             "pc": f[1], "qd": f[2], "qc": f[3], "lo": f[4], "hi": f[5], "hx": _iso(f[8]),
             "o": sorted(owners[a]) if a in owners else None}
            for a, f in sorted(figures.items())]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
