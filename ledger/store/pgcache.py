"""Per-process state of the fast path: each account's currency, each currency's scale, and
the group commit that concurrent writers of the process share.

Kept per engine and process id (a forked worker starts afresh). An account's currency
never changes, nor a currency's scale, and `ledger_apply` checks both anyway: a stale
entry (a test that recreated its tables) only costs a fallback, and is then forgotten.
"""

import os
import threading
import weakref

from ledger.store.groupcommit import GroupCommit

#: Accounts whose currency is read at once on a miss: ids are created in runs.
ACCOUNT_PAGE = 1024
MAX_ACCOUNTS = 1_000_000
#: Larger ids cannot exist (pages must not overflow a bigint): the general path refuses them.
MAX_ID = 2**62

_ACCOUNTS = (
    "SELECT a.id, a.currency, c.scale FROM ledger_accounts a "
    "JOIN ledger_currencies c ON c.code = a.currency "
    "JOIN unnest(%s::bigint[]) AS p(page) "
    f"ON a.id >= p.page * {ACCOUNT_PAGE} AND a.id < (p.page + 1) * {ACCOUNT_PAGE}"
)


class Cache:
    """What one process knows of one database's accounts and currencies."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.currency: dict[int, str] = {}
        self.scales: dict[str, int] = {}
        #: Concurrent single transfers of this process share ledger_apply calls.
        self.group = GroupCommit()

    def learn(self, raw, account_ids) -> None:
        """Read the currency of the pages holding accounts not known yet."""
        missing = {a // ACCOUNT_PAGE for a in account_ids
                   if 0 < a < MAX_ID and self.scales.get(self.currency.get(a)) is None}
        if not missing:
            return
        rows = raw.execute(_ACCOUNTS, [sorted(missing)], prepare=True).fetchall()
        with self.lock:
            if len(self.currency) + len(rows) > MAX_ACCOUNTS:
                self.currency.clear()
            for account_id, currency, scale in rows:
                self.currency[account_id] = currency
                self.scales[currency] = scale

    def forget(self, account_ids) -> None:
        """Drop accounts, and their currencies' scales, whose cached facts proved wrong."""
        with self.lock:
            for account_id in account_ids:
                self.scales.pop(self.currency.pop(account_id, None), None)


_caches: "weakref.WeakKeyDictionary[object, Cache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(bind) -> Cache:
    """The caches of the engine behind `bind`, in this process (a fork starts afresh)."""
    engine = bind.engine
    cache = _caches.get(engine)
    if cache is None or cache.pid != os.getpid():
        with _caches_lock:
            cache = _caches.get(engine)
            if cache is None or cache.pid != os.getpid():
                cache = _caches[engine] = Cache()
    return cache
