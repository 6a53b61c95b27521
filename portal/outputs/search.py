"""Full-text search: a Pagefind index of the published record pages, and the /search/ page.

Pagefind indexes the built pages. The record templates mark what it indexes: the
record's `<article>` carries `data-pagefind-body`, and a hidden block holds the filters,
meta and sort key of `SearchData`, made here from the values the page shows (the shown
status, not the recorded one). Pages without `data-pagefind-body` (lists, the timeline,
the home page) are not indexed, and neither are drafts outside the preview.

The render stage hands each record page to a `SearchInput` as it is written into the
staging folder; once the last one is there, `SearchInput.start` starts Pagefind (the
program that the `pagefind[bin]` package ships) in its own process and sends it the
pages, so that it indexes while the other stages render (see `IndexRun`). The post stage
`render_search` then waits for the bundle: its files, made byte-stable
(`pagefind_stable`), go under `pagefind/` with the rest of the site. With the cache, the
bundle of exactly the same pages (by their bytes) is reused and Pagefind does not run.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Set
from pathlib import Path
from typing import TYPE_CHECKING

from portal.model.output import OutputFile, Placed
from portal.outputs.search_index import (
    BUNDLE,
    IndexRun,
    bundle_key,
    cached_run,
    launch,
    pagefind_language,
    start_index,
)
from portal.pages import urls
from portal.pages.context import RenderContext
from portal.pages.search_data import FACETS, indexed_paths

if TYPE_CHECKING:
    from portal.cache.store import BodyCache

EARLY = "search"  # the key of the SearchInput in RenderContext.early

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SCRIPT = "search.js"


def build_index(
    pages: Mapping[str, bytes], language: str, cache: BodyCache | None = None
) -> list[OutputFile]:
    """Pagefind's bundle of `pages` (output path -> the page's bytes), as files under
    `pagefind/`."""
    with tempfile.TemporaryDirectory(prefix="portal-pages-") as folder:
        found = SearchInput(frozenset(pages), near=Path(folder))
        try:
            for rel, data in sorted(pages.items()):
                found.add(OutputFile(rel, data))
            return found.start(language, cache).result()
        finally:
            found.close()


class SearchInput:
    """The pages the index covers (`paths`), collected as the render stage makes them.

    `add` is handed every output with where the write stage put it (the staging folder's
    file or the published one, and the SHA-256 of its bytes; without that, the bytes are
    written into a temporary folder of its own, in `near` if given). `start` then starts
    Pagefind on them (see `start_index`), or takes their bundle from the cache.

    As soon as a page comes that differs from the published one (every page, in a first
    build), the bundle of the last build cannot be reused: Pagefind starts then, with
    `language`, and is sent each page as it comes (in the order of their paths, as the
    pages stage renders them), indexing while the rest of the pages render. `start`
    still takes the bundle from the cache if it has this very one."""

    def __init__(
        self, paths: Set[str], near: Path | None = None, language: str | None = None
    ) -> None:
        self.paths = paths
        self.near = near
        self.language = language  # None: Pagefind starts only in `start`
        self.pages: dict[str, Path] = {}
        self.digests: dict[str, bytes] = {}
        self.run: IndexRun | None = None
        self.started = False  # `start` was called: no more pages go to Pagefind
        self._own: Path | None = None  # where pages without a file are written

    @property
    def complete(self) -> bool:
        """Whether every page of `paths` has come."""
        return len(self.pages) == len(self.paths)

    def add(self, output: OutputFile, placed: Placed | None = None) -> None:
        if output.path not in self.paths or output.source is not None:
            return
        if placed is not None and placed.digest is not None:
            file, digest = placed.file, placed.digest
        else:
            if self._own is None:
                self._own = Path(tempfile.mkdtemp(prefix="portal-pages-", dir=self.near))
            file = self._own / str(len(self.pages))
            file.write_bytes(output.data)
            digest = hashlib.sha256(output.data).digest()
        self.digests[output.path] = digest
        self.pages[output.path] = file
        if self.started:
            return
        if self.run is not None:
            self.run.send(output.path, file, output.data)
        elif self.language is not None and placed is not None and placed.fresh:
            # The index changes: start indexing now, with every page so far.
            self.run = launch("", self.language)
            for rel, path in self.pages.items():
                self.run.send(rel, path)

    def start(self, language: str, cache: BodyCache | None = None) -> IndexRun:
        """The run that makes the bundle of the pages that came, or that takes it from the
        cache (once: later calls return the same run)."""
        run = self.run
        if self.started and run is not None:
            return run
        self.started = True
        key = bundle_key(self.digests, pagefind_language(language))
        found = cached_run(key, cache)
        if run is not None and found is None and run.sent == sorted(self.pages):
            run.key, run.cache = key, cache
            run.finish()
            return run
        if run is not None:  # not needed, or not sent in order: not used
            run.cancel()
        self.run = found or start_index(self.pages, self.digests, language, cache)
        return self.run

    def close(self) -> None:
        """Stop Pagefind if it runs and remove what this wrote."""
        if self.run is not None:
            self.run.cancel()
        own, self._own = self._own, None
        if own is not None:
            shutil.rmtree(own, ignore_errors=True)


# -- the post stage --------------------------------------------------------------------


def render_search(context: RenderContext, outputs: Set[str]) -> Iterable[OutputFile]:
    """The index of every record page the stages made, the /search/ page and its script.

    With `context.search_later`, the index is left out and the pages it would cover are
    put there instead."""
    site = context.site
    found = context.early.get(EARLY)
    if not isinstance(found, SearchInput):  # no stage handed its pages over as it made them
        found = SearchInput(indexed_paths(site))
        context.early[EARLY] = found
    if context.search_later is not None:
        context.search_later.update(found.digests)
    else:
        yield from found.start(site.config.language, context.cache).result()
    yield context.page(
        urls.search(),
        "search.html",
        facets=FACETS,
        bundle=BUNDLE,
        script=urls.asset(SCRIPT),
    )
    # The asset stage, when there is one, copies assets/ whole; else ship the script here.
    if urls.asset(SCRIPT) not in outputs:
        yield OutputFile(urls.asset(SCRIPT), source=str(ASSETS / SCRIPT))
