"""The render context: what every render stage (pages/, outputs/) is given, and the
rendering of pages through it.

Pages are rendered in batches (`RenderContext.pages`): with a cache (a warm build), each
page's key (portal.pages.keys) is a hash of every input of its rendering; a page whose key
is in the cache is taken from it. Pages that are rendered go to worker processes (fork)
when there are many of them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jinja2

from portal.model.output import OutputFile
from portal.model.site import Site
from portal.model.values import Problem
from portal.pages import urls
from portal.pages.keys import Digests, page_key
from portal.pages.task import PageTask, TemplateSite
from portal.runtime.cancel import checkpoint
from portal.runtime.cores import map_on_cores

if TYPE_CHECKING:
    from portal.cache.store import BodyCache

PARALLEL_MIN_PAGES = 300  # fewer pages than this render in this process
CHECK_EVERY = 256  # items of a long loop between two checkpoints (portal.runtime.cancel)
PAGES_PER_BATCH = 1024  # pages rendered (or taken from the cache) and held at a time


class RenderError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class RenderContext:
    site: Site
    env: jinja2.Environment
    bodies: dict[str, str]  # record path -> sanitised HTML of its body
    cache: BodyCache | None = None  # pages are taken from it and stored in it
    fingerprint: str = ""  # of everything but the values that decides a page (with cache)
    # What a post stage collected while the stages ran (the search index's pages), by name.
    early: dict[str, object] = field(default_factory=dict)
    # When not None, the search stage leaves the index out and puts here the pages it
    # would have indexed (output path -> SHA-256 of the page's bytes), for the caller to
    # index afterwards (`serve` does, after reloading).
    search_later: dict[str, bytes] | None = None
    record_digests: Digests = field(default_factory=dict)  # for page keys

    def page(self, url: str, template: str, **values: object) -> OutputFile:
        """Render one HTML page published at `url`."""
        return self.pages([PageTask(url, template, values)])[0]

    def pages(self, tasks: Sequence[PageTask]) -> list[OutputFile]:
        """Render many pages: from the cache when it has them, in worker processes when
        many are left. Raise RenderError with every template error."""
        return list(self.iter_pages(tasks))

    def iter_pages(self, tasks: Sequence[PageTask]) -> Iterator[OutputFile]:
        """The pages of `tasks`, in their order, made batch by batch (see `pages`): only
        one batch of pages is in memory at a time."""
        for start in range(0, len(tasks), PAGES_PER_BATCH):
            yield from self._batch(tasks[start : start + PAGES_PER_BATCH])

    def _batch(self, tasks: Sequence[PageTask]) -> list[OutputFile]:
        paths = [urls.output_path(task.url) for task in tasks]
        shown = TemplateSite(self.site.config)
        keys: dict[str, str] = {}
        found: dict[str, bytes] = {}
        if self.cache is not None and self.fingerprint:
            for number, (path, task) in enumerate(zip(paths, tasks, strict=True)):
                if number % CHECK_EVERY == 0:
                    checkpoint()
                key = page_key(self.fingerprint, task, self.record_digests)
                if key is not None:
                    keys[path] = key
            found = self.cache.lookup_outputs(keys)
        todo = [i for i, path in enumerate(paths) if path not in found]
        rendered = _render_tasks(self.env, shown, [tasks[i] for i in todo])
        problems = [r for r in rendered if isinstance(r, Problem)]
        if problems:
            raise RenderError(problems)
        new: dict[str, tuple[str, bytes]] = {}
        for i, data in zip(todo, rendered, strict=True):
            assert isinstance(data, bytes)
            found[paths[i]] = data
            if paths[i] in keys:
                new[paths[i]] = (keys[paths[i]], data)
        if self.cache is not None:
            self.cache.store_outputs(new)
        return [OutputFile(path, found[path]) for path in paths]


def _render_one(env: jinja2.Environment, site: TemplateSite, task: PageTask) -> bytes | Problem:
    try:
        html = env.get_template(task.template).render(site=site, url=task.url, **task.values)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or task.template
        line = getattr(exc, "lineno", None) or 0
        return Problem(str(where), line, "", f"template error: {exc}")
    return html.encode("utf-8")


# The batch a forked worker renders: set in the parent just before the fork, never pickled.
def _render_tasks(
    env: jinja2.Environment, site: TemplateSite, tasks: Sequence[PageTask]
) -> list[bytes | Problem]:
    """Each task's page as bytes, or the Problem of its template error; the same results
    in worker processes (many pages, several cores) as here."""
    if len(tasks) >= PARALLEL_MIN_PAGES:
        # Compile every template here first, so that the workers share the compiled code.
        for name in sorted({task.template for task in tasks}):
            env.get_template(name)
    return map_on_cores(functools.partial(_render_one, env, site), tasks, PARALLEL_MIN_PAGES)
