"""Group commit: concurrent threads share flushes, and each gets its own result or error."""

import threading
import time

import pytest

from ledger.store.groupcommit import GroupCommit


def echo(items):
    return [f"done {item}" for item in items]


def run_while_first_flush_waits(group: GroupCommit, items: list, flush_error=None):
    """Start `items[0]`, whose flush waits until every other item is queued behind it."""
    calls, release, results = [], threading.Event(), {}

    def flush(batch):
        calls.append(list(batch))
        if len(calls) == 1:
            release.wait(5)
        if flush_error is not None:
            raise flush_error
        return echo(batch)

    def submit(item):
        try:
            results[item] = group.run(item, flush)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[item] = exc

    first = threading.Thread(target=submit, args=(items[0],))
    first.start()
    wait_for(lambda: calls)
    others = []
    for item in items[1:]:  # one at a time, so that they queue in this order
        others.append(threading.Thread(target=submit, args=(item,)))
        others[-1].start()
        wait_for(lambda: len(group._waiting) >= len(others))
    release.set()
    for thread in [first, *others]:
        thread.join(30)
        assert not thread.is_alive()
    return calls, results


def wait_for(check, seconds: float = 30.0) -> None:
    """Wait until ``check()`` is true; fail past ``seconds`` rather than hang."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the threads never got there"
        time.sleep(0.001)


def test_a_thread_alone_flushes_its_item_at_once():
    calls = []
    group = GroupCommit()
    assert group.run("a", lambda batch: calls.append(batch) or echo(batch)) == "done a"
    assert calls == [["a"]]


def test_items_that_arrive_during_a_flush_share_the_next_one():
    calls, results = run_while_first_flush_waits(GroupCommit(), ["a", "b", "c", "d"])
    assert calls == [["a"], ["b", "c", "d"]]
    assert results == {item: f"done {item}" for item in "abcd"}


def test_a_group_holds_at_most_its_limit():
    calls, results = run_while_first_flush_waits(GroupCommit(limit=2), list("abcde"))
    assert calls == [["a"], ["b", "c"], ["d", "e"]]
    assert results == {item: f"done {item}" for item in "abcde"}


def test_an_error_reaches_every_thread_of_the_group_and_the_next_group_still_runs():
    boom = RuntimeError("database went away")
    calls, results = run_while_first_flush_waits(GroupCommit(), ["a", "b", "c"], boom)
    assert calls == [["a"], ["b", "c"]]
    assert all(results[item] is boom for item in "abc")
    group = GroupCommit()
    with pytest.raises(RuntimeError):
        group.run("x", lambda batch: (_ for _ in ()).throw(boom))
    assert group.run("y", echo) == "done y"  # the lead was handed back
