"""Notice saved files quickly and batch them: the preview server's watcher.

Polling, not inotify: it works the same on every file system and in containers.
A scan stats every watched file (a few milliseconds for thousands of files), so
polling every 50 ms costs little. Three pieces, each testable on its own:

- `scan` takes a snapshot of the watched folders; `changes` compares two. A file
  saved twice within one tick of the file system clock keeps its time and maybe
  its size; for files saved in the last `RECENT` seconds the snapshot also holds
  a hash of the bytes, so that such a save is seen too.
- `Debouncer` turns a stream of changes into batches: a batch is due once no new
  change has been seen for `quiet` seconds (or `max_wait` after its first change,
  when saves never stop), so several files saved at once give one batch.
- `Watcher` is the thread that scans, debounces and calls back with each batch.
  The callback runs in this thread; saves made while it runs are compared with
  the snapshot taken before, so none is lost: they form the next batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RECENT = 2.0  # seconds: files modified this recently are also compared by content

log = logging.getLogger("portal.watch")


@dataclass(frozen=True)
class Stamp:
    mtime_ns: int
    size: int
    inode: int
    digest: bytes | None = None  # only for recently modified files

    def differs(self, other: Stamp) -> bool:
        if (self.mtime_ns, self.size, self.inode) != (other.mtime_ns, other.size, other.inode):
            return True
        return self.digest is not None and other.digest is not None and self.digest != other.digest


Snapshot = dict[str, Stamp]


def ignored(name: str) -> bool:
    """Hidden files and editors' temporary files: `.x.swp`, `.#x`, `x~`, vim's `4913`."""
    return (
        name.startswith((".", "#"))
        or name.endswith(("~", ".swp", ".swx", ".tmp", ".part"))
        or name == "4913"
    )


def _digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).digest()
    except OSError:
        return None


def scan(roots: Iterable[Path], now: float | None = None) -> Snapshot:
    """Every file under the roots (a root may be a single file, or absent)."""
    now = time.time() if now is None else now
    recent_ns = int((now - RECENT) * 1e9)
    snapshot: Snapshot = {}

    def add(path: str, st: os.stat_result) -> None:
        digest = _digest(path) if st.st_mtime_ns >= recent_ns else None
        snapshot[path] = Stamp(st.st_mtime_ns, st.st_size, st.st_ino, digest)

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if ignored(entry.name):
                continue
            try:
                if entry.is_dir():
                    walk(entry.path)
                elif entry.is_file():
                    add(entry.path, entry.stat())
            except OSError:
                continue  # removed while we looked: the next scan will tell

    for root in roots:
        try:
            st = os.stat(root)
        except OSError:
            continue
        if os.path.isdir(root):
            walk(str(root))
        else:
            add(str(root), st)
    return snapshot


def changes(old: Snapshot, new: Snapshot) -> set[str]:
    """Paths added, removed or modified between two snapshots."""
    found = set(old.keys() ^ new.keys())
    found.update(path for path in old.keys() & new.keys() if old[path].differs(new[path]))
    return found


@dataclass
class Debouncer:
    """Collects changed paths; `due` hands them over once saving has paused."""

    quiet: float = 0.1
    max_wait: float = 2.0
    pending: set[str] = field(default_factory=set)
    first: float = 0.0
    last: float = 0.0

    def add(self, paths: Iterable[str], now: float) -> None:
        paths = set(paths)
        if not paths:
            return
        if not self.pending:
            self.first = now
        self.pending |= paths
        self.last = now

    def due(self, now: float) -> frozenset[str] | None:
        if not self.pending:
            return None
        if now - self.last < self.quiet and now - self.first < self.max_wait:
            return None
        batch = frozenset(self.pending)
        self.pending = set()
        return batch


class Watcher:
    """A thread that polls `roots` and calls `on_change(paths)` once per batch of saves."""

    def __init__(
        self,
        roots: Sequence[Path],
        on_change: Callable[[frozenset[str]], None],
        poll: float = 0.05,
        quiet: float = 0.1,
        max_wait: float = 2.0,
    ) -> None:
        self.roots = tuple(roots)
        self.on_change = on_change
        self.base_poll = self.poll = poll
        self.debouncer = Debouncer(quiet, max_wait)
        self.batches = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Taken now, so that saves made before the thread starts (during a first
        # build, say) are seen.
        self._snapshot = scan(self.roots)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="portal-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def step(self, now: float) -> frozenset[str] | None:
        """One poll: scan, note changes, and return a batch when one is due."""
        started = time.perf_counter()
        snapshot = scan(self.roots)
        self.debouncer.add(changes(self._snapshot, snapshot), now)
        self._snapshot = snapshot
        # Keep polling cheap on a large site: never spend more than a quarter of the time scanning.
        self.poll = max(self.base_poll, 4 * (time.perf_counter() - started))
        return self.debouncer.due(now)

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            batch = self.step(time.monotonic())
            if batch is None:
                continue
            self.batches += 1
            try:
                self.on_change(batch)
            except Exception:  # the watcher must outlive any failure of a rebuild
                log.exception("rebuilding after a change failed")
