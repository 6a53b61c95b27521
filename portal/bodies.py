"""Render every Markdown body, each under a time limit, on every core.

Python-Markdown can run away on hostile text: tens of kilobytes of `[` take minutes
(its link parser is quadratic), a list nested hundreds deep raises RecursionError.
`render_bodies` stops a body after `TIME_LIMIT` seconds and reports it as a problem
on its file; every other body still renders.

Two ways to run, the same results:

- **Few, small bodies** (a small site, a test, a preview rebuild of one page) render
  in this process, each under a `SIGALRM` interval timer whose handler raises
  out of the Markdown parser (its runaway loops are Python code, so the signal gets
  through). This needs the main thread of a POSIX process; elsewhere the pool is used.
- **Otherwise** bodies go in chunks to worker processes, one per core
  (`fork` when this process has a single thread, else `forkserver` where available, else
  `spawn`: no `fork` of a threaded process, such as the preview server). A
  worker reports after each body, so the parent knows which body it is on and since
  when; a worker past the limit is killed, its body reported, the rest of its chunk
  handed to a fresh worker. A worker that dies (a C stack overflow) is reported the
  same way. In a process with threads (the preview server, which renders a body or two
  on each save) the workers are kept when they are done and used again by the next
  call: starting one from the fork server takes longer than rendering a body.

The function is pure in its inputs, `(path, markdown)` pairs -> `(html by path,
problems)`, so a cache keyed by a hash of each body can wrap it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from types import FrameType

from portal.markup import to_html
from portal.model import Problem

TIME_LIMIT = 10.0  # seconds per body; documented in README.md ("Limits")
IN_PROCESS_MAX_BODIES = 64  # at most this many bodies ...
IN_PROCESS_MAX_CHARS = 256 * 1024  # ... and this much text render without worker processes
MAX_WORKERS = 8
CHUNKS_PER_WORKER = 4  # small enough chunks to share the work evenly

Item = tuple[str, str]  # (path, markdown)
Progress = Callable[[int, int], None]  # (bodies done, bodies in all)


def timeout_message(limit: float) -> str:
    return (
        f"rendering the Markdown took longer than the limit of {limit:g} s and was stopped; "
        "a very long run of `[` or lists nested very deeply make the renderer run away: "
        "simplify the text"
    )


TOO_DEEP = (
    "the Markdown is nested too deeply to render (lists or quotes inside each other "
    "hundreds of levels deep); flatten it"
)


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return TOO_DEEP
    return f"the Markdown renderer failed: {type(exc).__name__}: {exc}"


def _render_one(source: str) -> tuple[bool, str]:
    """(True, html) or (False, message); never raises but for a time-out."""
    try:
        return True, to_html(source)
    except Exception as exc:  # RecursionError and anything else in the renderer
        return False, _error_message(exc)


# --- in this process ----------------------------------------------------------------


class _TimedOut(BaseException):
    """Raised by the SIGALRM handler; a BaseException so no `except Exception` in
    Python-Markdown swallows it."""


def _can_use_alarm() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    )


@contextmanager
def _alarm_handler() -> Iterator[None]:
    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _tell(progress: Progress | None, done: int, total: int) -> None:
    """Report progress about a hundred times in all, and at the end."""
    if progress is not None and (done == total or done % max(1, total // 100) == 0):
        progress(done, total)


def _render_here(
    items: Sequence[Item], limit: float, progress: Progress | None
) -> tuple[dict[str, str], list[Problem]]:
    html: dict[str, str] = {}
    problems: list[Problem] = []
    with _alarm_handler():
        for done, (path, source) in enumerate(items, start=1):
            try:
                signal.setitimer(signal.ITIMER_REAL, limit)
                try:
                    ok, text = _render_one(source)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except _TimedOut:
                ok, text = False, timeout_message(limit)
            if ok:
                html[path] = text
            else:
                problems.append(Problem(path, 0, "body", text))
            _tell(progress, done, len(items))
    return html, problems


# --- in worker processes --------------------------------------------------------------


def _worker_main(conn: Connection) -> None:
    """Receive chunks of (index, markdown); send (index, ok, text) after each body."""
    with conn:
        while True:
            try:
                chunk: list[tuple[int, str]] | None = conn.recv()
            except EOFError:
                return
            if chunk is None:
                return
            for index, source in chunk:
                ok, text = _render_one(source)
                conn.send((index, ok, text))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    chunk: list[tuple[int, str]] = field(default_factory=list)
    done: int = 0  # bodies of the chunk reported so far
    since: float = 0.0  # when the current body started
    closed: bool = False

    @property
    def busy(self) -> bool:
        return self.done < len(self.chunk)

    def give(self, chunk: list[tuple[int, str]]) -> None:
        self.chunk, self.done, self.since = chunk, 0, time.monotonic()
        self.conn.send(chunk)

    def stop(self, kill: bool) -> None:
        if self.closed:
            return
        self.closed = True
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.process.close()


def _context() -> ForkContext | ForkServerContext | SpawnContext:
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        # A process with one thread forks safely, and a forked worker starts at once: it
        # needs no new interpreter and no imports (forkserver: about 0.5 s per build).
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has already imported the renderer.
        context.set_forkserver_preload(["portal.markup"])
        return context
    return multiprocessing.get_context("spawn")


def _start(context: ForkContext | ForkServerContext | SpawnContext) -> _Worker:
    parent, child = context.Pipe()
    process = context.Process(target=_worker_main, args=(child,), daemon=True)
    process.start()
    child.close()
    return _Worker(process, parent)


# Workers of a process with threads, kept between calls (see the module's docstring).
_IDLE: list[_Worker] = []
_IDLE_LOCK = threading.Lock()
MAX_IDLE = MAX_WORKERS


def _take(context: ForkContext | ForkServerContext | SpawnContext) -> _Worker:
    """A worker kept by an earlier call, or a new one."""
    with _IDLE_LOCK:
        while _IDLE:
            worker = _IDLE.pop()
            if worker.process.is_alive():
                return worker
            worker.stop(kill=True)
    return _start(context)


def _release(worker: _Worker, keep: bool) -> None:
    """Keep a healthy, idle worker for the next call (when `keep`), else stop it."""
    if keep and not worker.busy and not worker.closed and worker.process.is_alive():
        with _IDLE_LOCK:
            if len(_IDLE) < MAX_IDLE:
                worker.chunk, worker.done = [], 0
                _IDLE.append(worker)
                return
    worker.stop(kill=worker.busy)


def warm_up(count: int = 1) -> None:
    """Start `count` workers now, for later calls to take: what a process about to start
    threads (the preview server) calls first, so that its first save does not wait for
    the fork server to start (a process with one thread forks in a moment)."""
    workers = [_start(_context()) for _ in range(count)]
    with _IDLE_LOCK:
        _IDLE.extend(workers)


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _chunks(count: int, workers: int) -> deque[list[int]]:
    size = max(1, -(-count // (workers * CHUNKS_PER_WORKER)))
    return deque(list(range(start, min(count, start + size))) for start in range(0, count, size))


def _render_in_workers(
    items: Sequence[Item], limit: float, workers: int, progress: Progress | None
) -> tuple[dict[str, str], list[Problem]]:
    results: dict[int, tuple[bool, str]] = {}
    queue = _chunks(len(items), workers)
    context = _context()
    keep = not isinstance(context, ForkContext)
    pool: list[_Worker] = []
    try:
        pool = [_take(context) for _ in range(min(workers, len(queue)))]
        while queue or any(w.busy for w in pool):
            for number, worker in enumerate(pool):
                if not worker.busy and queue:
                    chunk = [(i, items[i][1]) for i in queue.popleft()]
                    try:
                        worker.give(chunk)
                    except OSError:  # it died idle: a fresh one gets the chunk
                        worker.stop(kill=True)
                        pool[number] = worker = _start(context)
                        worker.give(chunk)
            busy = [w for w in pool if w.busy]
            deadline = min(w.since for w in busy) + limit
            ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for worker in busy:
                index = worker.chunk[worker.done][0]
                if worker.conn in ready:
                    try:
                        got, ok, text = worker.conn.recv()
                    except (EOFError, OSError):
                        code = worker.process.exitcode
                        results[index] = (False, f"the Markdown renderer crashed (exit {code})")
                    else:
                        results[got] = (ok, text)
                        worker.done += 1
                        worker.since = now
                        _tell(progress, len(results), len(items))
                        continue
                elif now - worker.since < limit:
                    continue
                else:
                    results[index] = (False, timeout_message(limit))
                _tell(progress, len(results), len(items))
                # Killed or dead in the middle of a chunk: its other bodies go back first.
                rest = [i for i, _source in worker.chunk[worker.done + 1 :]]
                if rest:
                    queue.appendleft(rest)
                worker.stop(kill=True)
                pool[pool.index(worker)] = _start(context)
    finally:
        for worker in pool:
            _release(worker, keep)
    html: dict[str, str] = {}
    problems: list[Problem] = []
    for index, (path, _source) in enumerate(items):
        ok, text = results[index]
        if ok:
            html[path] = text
        else:
            problems.append(Problem(path, 0, "body", text))
    return html, problems


def render_bodies(
    items: Sequence[Item],
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    in_process: bool | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, str], list[Problem]]:
    """Render each (path, markdown) to sanitised HTML, at most `time_limit` s per body
    (default TIME_LIMIT).

    Returns the HTML of every body that rendered, by path, and one Problem (field
    `body`, line 0: the caller knows where the body starts) for each that did not.
    `workers` defaults to the cores available; `in_process` forces or forbids rendering
    here (default: here when the bodies are few and small and a timer can be set).
    `progress(done, total)` is told how far it has got, about a hundred times in all.
    """
    if not items:
        return {}, []
    limit = TIME_LIMIT if time_limit is None else time_limit
    small = (
        len(items) <= IN_PROCESS_MAX_BODIES
        and sum(len(source) for _path, source in items) <= IN_PROCESS_MAX_CHARS
    )
    here = small if in_process is None else in_process
    if here and _can_use_alarm():
        return _render_here(items, limit, progress)
    count = workers or min(MAX_WORKERS, _cpu_count())
    return _render_in_workers(items, limit, max(1, count), progress)
