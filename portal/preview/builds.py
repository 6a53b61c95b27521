"""The preview's builds: what one gives (`Outcome`), what it is handed (`Control`), and
`PipelineBuilder`, the normal pipeline with drafts plus quick rebuilds of record edits."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from portal.cache.store import BodyCache
from portal.model.values import Problem
from portal.pipeline import SearchLater, build_site
from portal.preview.quick import Basis, checked_pages, quick_pages
from portal.publish.write import write

# -- builds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one build gave: problems, or the base path the good build is served under."""

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    base_path: str | None = None
    summary: str = ""
    search_later: SearchLater | None = None  # the search index, made after the reload
    cancelled: bool = False  # stopped for a newer save: it wrote nothing, shows nothing
    pages_changed: bool = True  # it wrote or removed an HTML page (open pages reload)


@dataclass(frozen=True)
class Control:
    """Handed to each build: `cancelled()` turns true once a newer save makes the build
    useless (it stops within milliseconds); it writes the preview folder only while it
    holds `lock`, which the server also holds while it publishes a build."""

    cancelled: Callable[[], bool]
    lock: AbstractContextManager[object]


class Builder(Protocol):
    """A full build. One may also have `quick(changed, control)`: the pages of an edit
    that needs no full build, written at once; None when it needs one."""

    def __call__(self, control: Control) -> Outcome: ...


QuickBuilder = Callable[[frozenset[str], Control], "Outcome | None"]


def few(names: list[str]) -> str:
    """`a, b, c and 4 more`: names for a line of the log."""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


class PipelineBuilder:
    """Builds of `content` with drafts into `out` by the normal pipeline (which renders
    only bodies not in `cache` and writes only files whose bytes changed), and quick
    rebuilds of record edits (portal.preview.quick) from the last good build."""

    def __init__(
        self,
        content: Path,
        out: Path,
        today: Callable[[], dt.date],
        templates: Path,
        shown_root: str | None = None,
        cache: BodyCache | None = None,
        history: bool = True,
    ) -> None:
        self.content, self.out, self.today, self.templates = content, out, today, templates
        self.shown_root, self.cache, self.history = shown_root, cache, history
        self._lock = threading.Lock()
        self._basis: Basis | None = None
        self._saved: set[str] = set()  # every file saved since the basis build started
        self._started: set[str] = set()  # ... since the build running now started

    def __call__(self, control: Control) -> Outcome:
        started = time.perf_counter()
        with self._lock:
            self._started = set()
        result = build_site(
            self.content,
            self.out,
            self.today(),
            self.templates,
            preview=True,
            shown_root=self.shown_root,
            cache=self.cache,
            search_later=True,
            cancelled=control.cancelled,
            write_lock=control.lock,
            history=self.history,
        )
        if result.cancelled:
            return Outcome((), cancelled=True)
        if result.site is None or result.report is None or result.known is None:
            return Outcome(result.errors, result.warnings)
        with self._lock:
            basis = (self.content, self.shown_root, self.templates)
            self._basis = Basis(*basis, result.site, result.checked, result.known)
            self._saved = self._started
        r = result.report
        return Outcome(
            (),
            result.warnings,
            result.site.config.base_path,
            f"{r.written} files written, {r.unchanged} unchanged, {r.removed} removed "
            f"in {time.perf_counter() - started:.2f} s",
            result.search_later,
            pages_changed=any(path.endswith(".html") for path in r.changed),
        )

    def quick(self, changed: frozenset[str], control: Control) -> Outcome | None:
        """The pages of the records saved since the last good build, written at once (or
        the content's problems); None when the saves since then need a full build first.
        See portal.preview.quick."""
        started = time.perf_counter()
        with self._lock:
            self._saved |= changed
            self._started |= changed
            basis, saved = self._basis, set(self._saved)
        if basis is None:
            return None
        paths = [Path(p) for p in saved]
        found = quick_pages(basis, paths, self.cache) or checked_pages(basis, paths, self.cache)
        if found is None:
            return None
        if found.errors:
            return Outcome(found.errors, found.warnings)
        pages = list(found.pages)
        with control.lock:
            if control.cancelled():
                return None
            report = write(pages, self.out, remove=False)
        names = few([page.path for page in pages])
        return Outcome(
            (),
            found.warnings,
            basis.site.config.base_path,
            f"{names} ({report.written} written) in {time.perf_counter() - started:.2f} s; "
            "the rest of the site follows",
            pages_changed=True,
        )
