"""Notice saved files at once and batch them: the preview server's watcher.

watchfiles (Rust's `notify`) is told of each change by the operating system (inotify,
FSEvents, ReadDirectoryChangesW): a save is seen within milliseconds whatever the size
of the register, and watching costs nothing while nobody saves. A scan of the 6,500
files of a 4,000-agreement register takes 60 ms of a core, and in a process where a
build runs in another thread each of its system calls waits for its turn (seconds per
scan), so polling is only the fallback: where the system reports no changes (some
network shares, folders shared into a container or a virtual machine) `serve --poll`
asks for it, and it is used by itself when the system refuses to watch.

- Polling: `scan` takes a snapshot of the watched folders; `changes` compares two. A
  file saved twice within one tick of the file system clock keeps its time and maybe its
  size; for files saved in the last `RECENT` seconds the snapshot also holds a hash of
  the bytes, so that such a save is seen too (the poller of watchfiles compares times
  to the second, and missed such saves).
- `Watcher` calls back once per batch, in a thread of its own: a batch is due once no
  new change has come for `quiet` seconds (or `max_wait` after its first, when saves
  never stop), so several files saved at once give one batch. The callback runs in that
  thread; what changes while it runs is kept for the next batch. Hidden files and
  editors' temporary files are left out (`ignored`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import watchfiles

log = logging.getLogger("portal.watch")

READY_TIMEOUT = 10.0  # seconds to wait for the system to start watching
RECENT = 2.0  # seconds: polling compares files modified this recently by content too


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


def watched(path: str, roots: Sequence[Path]) -> bool:
    """Whether a change at `path` counts: no part of it below its root is `ignored`."""
    where = Path(path)
    for root in roots:
        if where == root or root in where.parents:
            return not any(ignored(part) for part in where.relative_to(root).parts)
    return not ignored(where.name)


class Watcher:
    """Calls `on_change(paths)` once per batch of saves under `roots`, in a thread.

    It watches from the moment it is made: what changes before `start()` (during a
    first build, say) is the first batch after it. With `polling` (or when the system
    refuses to watch) it scans the roots every `poll` seconds instead."""

    def __init__(
        self,
        roots: Sequence[Path],
        on_change: Callable[[frozenset[str]], None],
        poll: float = 0.3,
        quiet: float = 0.05,
        max_wait: float = 2.0,
        polling: bool = False,
    ) -> None:
        self.roots = tuple(Path(root).absolute() for root in roots if Path(root).exists())
        self.on_change = on_change
        self.poll, self.quiet, self.max_wait = poll, quiet, max_wait
        self.polling = polling
        self.batches = 0
        self._stop = threading.Event()
        self._started = threading.Event()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None
        if not self.roots:
            return
        if not polling:
            self._begin(self._notified)
            if self._failure is not None:
                where = ", ".join(str(root) for root in self.roots)
                log.warning(
                    "the system will not watch %s for saves (%s); looking for them every "
                    "%g s instead",
                    where,
                    self._failure,
                    poll,
                )
                self.polling = True
        if self.polling:
            self._snapshot = scan(self.roots)
            self._begin(self._polled)

    def _begin(self, run: Callable[[], None]) -> None:
        self._ready.clear()
        self._thread = threading.Thread(target=run, name="portal-watch", daemon=True)
        self._thread.start()
        self._ready.wait(READY_TIMEOUT)

    def start(self) -> None:
        """Start calling back (what changed since the watcher was made comes first)."""
        self._started.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._started.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    def _hand_over(self) -> None:
        """Call back with what is pending, once started."""
        if not self._pending or not self._started.is_set() or self._stop.is_set():
            return
        batch, self._pending = frozenset(self._pending), set()
        self.batches += 1
        try:
            self.on_change(batch)
        except Exception:  # the watcher must outlive any failure of a rebuild
            log.exception("rebuilding after a change failed")

    def _notified(self) -> None:
        """Told of changes by the system (watchfiles), which also batches them."""
        try:
            changes = watchfiles.watch(
                *self.roots,
                watch_filter=lambda _change, path: watched(path, self.roots),
                debounce=round(self.max_wait * 1000),
                step=max(1, round(self.quiet * 1000)),
                stop_event=self._stop,
                rust_timeout=max(1, round(self.quiet * 1000)),
                yield_on_timeout=True,  # an empty batch now and then: ready, or time to hand over
                raise_interrupt=False,
                force_polling=False,  # its poller misses saves within a second: see `polling`
            )
            for found in changes:
                self._ready.set()
                self._pending.update(path for _change, path in found)
                self._hand_over()
        except Exception as exc:  # cannot watch at all: polled instead, or said here
            self._failure = exc
            if self._ready.is_set():
                log.exception("the file watcher stopped; restart the preview to see new saves")
        finally:
            self._ready.set()

    def _polled(self) -> None:
        """Scan every `poll` seconds (never more than a fifth of the time) and batch."""
        self._ready.set()
        wait, first, last = self.poll, 0.0, 0.0
        while not self._stop.wait(wait):
            started = time.perf_counter()
            snapshot = scan(self.roots)
            found = changes(self._snapshot, snapshot)
            self._snapshot = snapshot
            wait = max(self.poll, 4 * (time.perf_counter() - started))
            now = time.monotonic()
            if found:
                first = first if self._pending else now
                last = now
                self._pending |= {path for path in found if watched(path, self.roots)}
            if now - last >= self.quiet or now - first >= self.max_wait:
                self._hand_over()
