"""Group commit: threads of one process that write at the same time share one statement.

A thread that finds no write in flight leads: it writes its own item together with those
that arrived while the previous group was being written, and hands the lead to the next
waiting thread. Under load a group holds several transfers for the price of one round
trip, one function call and one commit; alone, a thread writes at once and waits for
nothing. Each thread flushes with its own connection, so no connection is shared. Under
gunicorn's gevent workers the threads are greenlets (the threading module is patched).
"""

import threading
from collections.abc import Callable
from typing import Any

#: Most items written by one statement; a larger queue is served by the next leader.
MAX_GROUP = 32


class _Slot:
    __slots__ = ("item", "done", "lead", "result", "error")

    def __init__(self, item) -> None:
        self.item = item
        self.done: threading.Event | None = None  # made only for a thread that waits
        self.lead = False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """Write concurrent items in groups, one flush per group, results back to each thread."""

    def __init__(self, limit: int = MAX_GROUP) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._waiting: list[_Slot] = []
        self._busy = False

    def run(self, item, flush: Callable[[list], list]):
        """Return `flush(items)`'s result for `item`, written alone or with others' items.

        `flush` gets the group's items in arrival order (this thread's first) and returns
        one result per item; what it raises is raised in every thread of the group.
        """
        slot = _Slot(item)
        with self._lock:
            if self._busy:
                slot.done = threading.Event()
                self._waiting.append(slot)
            else:
                self._busy = slot.lead = True
        if not slot.lead:
            slot.done.wait()
            if not slot.lead:
                if slot.error is not None:
                    raise slot.error
                return slot.result
        return self._lead(slot, flush)

    def _lead(self, slot: _Slot, flush: Callable[[list], list]):
        with self._lock:
            group = [slot] + self._waiting[:self.limit - 1]
            del self._waiting[:self.limit - 1]
        try:
            results = flush([s.item for s in group])
        except BaseException as exc:
            for other in group[1:]:
                other.error = exc
            raise
        else:
            for other, result in zip(group[1:], results[1:], strict=True):
                other.result = result
        finally:
            for other in group[1:]:
                other.done.set()
            self._hand_over()
        return results[0]

    def _hand_over(self) -> None:
        """Wake the first waiting thread to lead the next group, or stand down."""
        with self._lock:
            if self._waiting:
                following = self._waiting.pop(0)
                following.lead = True
                following.done.set()
            else:
                self._busy = False
