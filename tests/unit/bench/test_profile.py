"""Collapsed py-spy stacks to shares: idle and start-up samples are left out."""

from __future__ import annotations

from bench.profile import shares

STACKS = [
    # the timed section, in the event loop
    "main (bench/worker.py:90);measure (bench/worker.py:70);_push_one (adapter/sync/push.py:120)"
    ";dumps (json/__init__.py:231) 6",
    # a ledger call in a worker thread
    "_bootstrap (threading.py:1);_WorkItem.run (concurrent/futures/thread.py:58)"
    ";_plan (adapter/sync/push.py:160);do_execute (sqlalchemy/engine/default.py:9) 3",
    # idle event loop and module imports do not count
    "measure (bench/worker.py:70);run_forever (asyncio/base_events.py:1)"
    ";EpollSelector.select (selectors.py:468) 50",
    "<module> (bench/worker.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 40",
    "not a stack line",
]


def test_shares_count_busy_samples_by_leaf_package_and_inclusive_function():
    total, packages, inclusive = shares(STACKS)
    assert total == 9
    assert packages == {"json": 6, "sqlalchemy": 3}
    assert inclusive["_push_one (adapter/sync/push.py)"] == 6
    assert inclusive["_plan (adapter/sync/push.py)"] == 3
    assert "EpollSelector.select (selectors.py)" not in inclusive
