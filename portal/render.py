"""Site -> output files: every page, feed and data file. Pure but for reading templates.

Each part of the site is one stage, a function `(RenderContext) -> Iterable[OutputFile]`
in its own module (pages/, outputs/); `stages()` lists them. Markdown bodies are rendered
once, up front (portal.pages.bodies). `render` hands each output to a sink (the write
stage's staging folder) as soon as a stage yields it, so that memory does not grow with
the site; the record pages come first, and go to the search index as well (see
portal.outputs.search). Pages are rendered through the `RenderContext` of
portal.pages.context, from the cache when their key (portal.pages.keys) is in it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Set
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from portal.model.output import OutputFile, Placed
from portal.model.site import Site
from portal.model.values import Problem
from portal.outputs import feeds, ical, opendata, search, seo
from portal.pages import html as pages
from portal.pages import urls
from portal.pages.bodies import render_bodies
from portal.pages.context import RenderContext, RenderError
from portal.pages.environment import make_env
from portal.pages.keys import page_fingerprint
from portal.pages.search_data import indexed_paths
from portal.runtime.cancel import checkpoint
from portal.runtime.memory import release_freed_memory

if TYPE_CHECKING:
    from portal.cache.store import BodyCache


Stage = Callable[[RenderContext], Iterable[OutputFile]]
# A post stage runs after every stage and sees what they produced (e.g. the search index,
# which covers only pages that exist). It may add files, never replace one.
# It is given the paths of every file produced so far.
PostStage = Callable[[RenderContext, Set[str]], Iterable[OutputFile]]


class Sink(Protocol):
    """Where `render` puts each output as soon as it is made (the write stage's Staging)."""

    #: A folder on the file system of the files `add` returns, for links to them.
    folder: Path | None

    def add(self, output: OutputFile) -> Placed:
        """Take `output`; return the file that holds its bytes (and their digest)."""
        ...


def static_files(context: RenderContext) -> Iterable[OutputFile]:
    for item in context.site.static:
        yield OutputFile(urls.static(item.rel), source=item.source)


def stages() -> list[Stage]:
    return [
        pages.render_pages,
        pages.copy_assets,
        static_files,
        feeds.render_feeds,
        opendata.render_opendata,
        ical.render_calendar,
    ]


def post_stages() -> list[PostStage]:
    # seo last: its sitemap lists every page the stages before it produced.
    return [search.render_search, seo.render_seo]


def render(
    site: Site,
    templates: Path,
    bodies: Mapping[str, str] | None = None,
    cache: BodyCache | None = None,
    search_later: dict[str, bytes] | None = None,
    sink: Sink | None = None,
) -> list[OutputFile]:
    """Every output file, sorted by path. `bodies` are the bodies already rendered (record
    path -> HTML, as `render_bodies` gives them, e.g. from the body cache); without them
    they are rendered here. With a `cache`, pages (and the search bundle) whose inputs are
    unchanged come from it. With a `search_later` dict, the search index is left out and
    the pages it would cover are put in it (see `RenderContext.search_later`).
    With a `sink`, each output is handed to it as soon as it is made and not kept (the
    list returned is then empty): memory does not grow with the site. While Pagefind
    runs, the bodies are let go once the stages are done (`bodies` itself is not
    changed: a caller that keeps it keeps them).
    In a cancellable build (portal.runtime.cancel), Cancelled is raised between stages and in
    the long loops once the build is no longer wanted."""
    rendered = dict(bodies) if bodies is not None else render_bodies(site)
    del bodies  # a caller that hands over its only reference lets them go below
    env = make_env(templates, site)
    fingerprint = (page_fingerprint(templates, env, site) or "") if cache is not None else ""
    context = RenderContext(site, env, rendered, cache, fingerprint, search_later=search_later)
    kept: list[OutputFile] = []
    produced: set[str] = set()
    posts = post_stages()
    found: search.SearchInput | None = None
    if search.render_search in posts:
        # The record pages go to the search index as they are made (see SearchInput).
        near = sink.folder if sink is not None else None
        language = site.config.language if search_later is None else None
        found = search.SearchInput(indexed_paths(site), near, language)
        context.early[search.EARLY] = found

    def add(outputs: Iterable[OutputFile]) -> None:
        for output in outputs:
            if output.path in produced:
                raise RenderError(
                    [Problem(output.path, 0, "", "two parts of the site write this file")]
                )
            produced.add(output.path)
            placed = sink.add(output) if sink is not None else None
            if sink is None:
                kept.append(output)
            if found is not None:
                found.add(output, placed)
                if search_later is None and not found.started and found.complete:
                    found.start(site.config.language, cache)

    # The site and its bodies live until the end of the build: the garbage collector need
    # not go over them again each time the stages' many small objects set it off (nor
    # touch their pages of memory in the forked workers). Only its timing changes.
    gc.freeze()
    try:
        for stage in stages():
            checkpoint()
            add(stage(context))
        if found is not None and found.run is not None and found.run.process is not None:
            # Pagefind's peak of memory is still to come, while this waits for it: give
            # back what the stages freed (about 100 MB at 4,000 agreements) and the bodies,
            # which no post stage uses (55 MB more).
            rendered.clear()
            release_freed_memory()
        for post_stage in posts:
            checkpoint()
            add(list(post_stage(context, frozenset(produced))))
    finally:
        gc.unfreeze()
        if found is not None:
            found.close()
    return sorted(kept, key=lambda output: output.path)
