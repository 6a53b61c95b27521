"""Run a pure function over many items on every core, with the same results as a loop.

Worker processes are forked from this one, so they start in milliseconds with the
items (and everything else) already in memory: only the index ranges go to them, and
only the results come back, pickled. A process may fork only while it has one thread
(a forked copy of another thread's lock can hang), so the preview server, which has
several, and small jobs, where starting workers costs more than it saves, run the loop
here instead.

The workers run at a lower priority than this process (WORKER_NICENESS): when they
compete for the cores with Pagefind, which indexes the pages as they come, one at a
time, and whose end is the end of a cold build, Pagefind gets its core first (measured
at 4,000 agreements: the cold build faster in each of six pairs of runs, by 5 s at the
median). With nothing else running, priorities change nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 8
# Checking a content file takes about a millisecond: below this many, forking workers
# and sending their results back costs more than it saves.
PARALLEL_MIN_FILES = 200
CHUNKS_PER_WORKER = 4  # a few chunks each, so that a worker with long items is caught up
WORKER_NICENESS = 10  # how much lower the workers' priority is (see above)

# The job of the forked workers: set just before the fork, so they inherit it.
_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def cpu_count() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork workers: POSIX, and one thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _lower_priority() -> None:
    """Run this worker at WORKER_NICENESS below its parent, at least (once, as it starts)."""
    with contextlib.suppress(OSError):  # a system without priorities: no matter
        os.nice(WORKER_NICENESS)


def _run_range(bounds: tuple[int, int]) -> list[Any]:
    assert _JOB is not None
    function, items = _JOB
    return [function(item) for item in items[bounds[0] : bounds[1]]]


def map_on_cores(function: Callable[[T], R], items: Sequence[T], min_items: int) -> list[R]:
    """[function(item) for item in items], in forked workers when there are at least
    `min_items` items, several cores, and this process may fork. `function` must be
    pure, and its results picklable."""
    global _JOB
    workers = min(MAX_WORKERS, cpu_count())
    if len(items) < min_items or workers < 2 or not can_fork():
        return [function(item) for item in items]
    size = max(1, -(-len(items) // (workers * CHUNKS_PER_WORKER)))
    bounds = [(start, min(len(items), start + size)) for start in range(0, len(items), size)]
    _JOB = (function, items)
    try:
        with multiprocessing.get_context("fork").Pool(workers, _lower_priority) as pool:
            parts = pool.map(_run_range, bounds, chunksize=1)
    finally:
        _JOB = None
    return [result for part in parts for result in part]
