"""Notice saved files at once and batch them: the preview server's watcher.

watchfiles (Rust's `notify`) is told of each change by the operating system (inotify,
FSEvents, ReadDirectoryChangesW): a save is seen within milliseconds whatever the size
of the register, and watching costs nothing while nobody saves. Polling was tried first:
a scan of the 6,500 files of a 4,000-agreement register takes 60 ms of a core, so it
could only run every quarter of a second, and in a process where a build runs in
another thread each of its system calls waited for its turn (seconds per scan). Where
the system reports no changes (some network shares and container mounts), set
`WATCHFILES_FORCE_POLLING=1`: watchfiles then polls, every `poll` seconds.

`Watcher` waits for changes in a thread of its own and calls back once per batch: a
batch is due once no new change has come for `quiet` seconds (or `max_wait` after its
first, when saves never stop), so several files saved at once give one batch. The
callback runs in that thread; what changes while it runs is kept for the next batch.
Hidden files and editors' temporary files are left out (`ignored`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

log = logging.getLogger("portal.watch")

READY_TIMEOUT = 10.0  # seconds to wait for the system to start watching


class WatchError(Exception):
    """The system would not watch the folders (what to do is in the message)."""


def ignored(name: str) -> bool:
    """Hidden files and editors' temporary files: `.x.swp`, `.#x`, `x~`, vim's `4913`."""
    return (
        name.startswith((".", "#"))
        or name.endswith(("~", ".swp", ".swx", ".tmp", ".part"))
        or name == "4913"
    )


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
    first build, say) is the first batch after it."""

    def __init__(
        self,
        roots: Sequence[Path],
        on_change: Callable[[frozenset[str]], None],
        poll: float = 0.05,
        quiet: float = 0.05,
        max_wait: float = 2.0,
    ) -> None:
        self.roots = tuple(Path(root).absolute() for root in roots if Path(root).exists())
        self.on_change = on_change
        self.poll, self.quiet, self.max_wait = poll, quiet, max_wait
        self.batches = 0
        self._stop = threading.Event()
        self._started = threading.Event()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None
        if self.roots:
            self._thread = threading.Thread(target=self._run, name="portal-watch", daemon=True)
            self._thread.start()
            self._ready.wait(READY_TIMEOUT)
            if self._failure is not None:
                where = ", ".join(str(root) for root in self.roots)
                raise WatchError(
                    f"cannot watch {where} for saves ({self._failure}); on a network share "
                    "or a folder shared into a container, set WATCHFILES_FORCE_POLLING=1"
                ) from self._failure

    def start(self) -> None:
        """Start calling back (what changed since the watcher was made comes first)."""
        self._started.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._started.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
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
                poll_delay_ms=max(1, round(self.poll * 1000)),
            )
            for found in changes:
                self._ready.set()
                self._pending.update(path for _change, path in found)
                if self._stop.is_set():
                    return
                if not self._pending or not self._started.is_set():
                    continue
                batch, self._pending = frozenset(self._pending), set()
                self.batches += 1
                try:
                    self.on_change(batch)
                except Exception:  # the watcher must outlive any failure of a rebuild
                    log.exception("rebuilding after a change failed")
        except Exception as exc:  # cannot watch at all: said where it is made, or here
            self._failure = exc
            if self._ready.is_set():
                log.exception("the file watcher stopped; restart the preview to see new saves")
        finally:
            self._ready.set()
