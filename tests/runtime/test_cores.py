"""map_on_cores: the results of a loop, in order, from forked workers when it may fork."""

from __future__ import annotations

import os
import threading

import pytest

from portal.runtime.cores import WORKER_NICENESS, can_fork, cpu_count, map_on_cores


def doubled_with_pid(item: int) -> tuple[int, int]:
    return item * 2, os.getpid()


def test_small_jobs_run_here() -> None:
    results = map_on_cores(doubled_with_pid, [1, 2, 3], min_items=10)
    assert results == [(2, os.getpid()), (4, os.getpid()), (6, os.getpid())]


@pytest.mark.skipif(cpu_count() < 2 or not can_fork(), reason="needs two cores and fork")
def test_large_jobs_run_in_workers_with_the_results_of_a_loop() -> None:
    items = list(range(500))
    results = map_on_cores(doubled_with_pid, items, min_items=10)
    assert [value for value, _ in results] == [item * 2 for item in items]
    assert {pid for _, pid in results} - {os.getpid()}, "no worker process ran"


def niceness(item: int) -> int:
    return os.nice(0)


@pytest.mark.skipif(cpu_count() < 2 or not can_fork(), reason="needs two cores and fork")
def test_workers_run_at_a_lower_priority_than_their_parent() -> None:
    # So that Pagefind, indexing pages one at a time alongside, gets its core first.
    results = map_on_cores(niceness, list(range(50)), min_items=10)
    assert set(results) == {min(19, os.nice(0) + WORKER_NICENESS)}


def test_a_process_with_threads_never_forks() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        results = map_on_cores(doubled_with_pid, list(range(500)), min_items=10)
    finally:
        stop.set()
        thread.join()
    assert {pid for _, pid in results} == {os.getpid()}
