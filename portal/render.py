"""Site -> output files: every page, feed and data file. Pure but for reading templates.

Each part of the site is one stage, a function `(RenderContext) -> Iterable[OutputFile]`
in its own module; `stages()` lists them. Markdown bodies are rendered once, up front.
`render` hands each output to a sink (the write stage's staging folder) as soon as a stage
yields it, so that memory does not grow with the site; the record pages come first, and
go to the search index as well (see portal.outputs.search).

Pages are rendered in batches (`RenderContext.pages`): with a cache (a warm build), each
page's key is a hash of every input of its rendering, namely the template folder, the code
of this package, the versions of Jinja and the libraries the filters use, the settings and
globals of the environment, and the pickled values handed to the template. A page whose
key is in the cache is taken from it; the template only ever sees those values (`site` is a
`TemplateSite`, the configuration only), so the cached bytes are the ones rendering would
give. Pages that are rendered go to worker processes (fork) when there are many of them.
"""

from __future__ import annotations

import copyreg
import functools
import gc
import hashlib
import importlib.metadata
import io
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import jinja2

from portal.content import links
from portal.content.fields import country_name
from portal.model import Agreement, Event, Page, PartialDate, Partner, Problem, Site, SiteConfig
from portal.output import OutputFile, Placed
from portal.pages import urls, views
from portal.runtime.cancel import checkpoint
from portal.runtime.cores import map_on_cores

if TYPE_CHECKING:
    from portal.cache.store import BodyCache

PAGE_CACHE_VERSION = 1  # bump when the way page keys are made changes
PARALLEL_MIN_PAGES = 300  # fewer pages than this render in this process
CHECK_EVERY = 256  # items of a long loop between two checkpoints (portal.runtime.cancel)
PAGES_PER_BATCH = 1024  # pages rendered (or taken from the cache) and held at a time


class RenderError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class TemplateSite:
    """What a template sees as `site`: the configuration, nothing else. Everything else a
    page shows is handed to it as values (and so is part of its cache key)."""

    config: SiteConfig


@dataclass(frozen=True)
class PageTask:
    """One HTML page to render: published at `url`, from `template`, with `values`."""

    url: str
    template: str
    values: Mapping[str, object] = field(default_factory=dict)


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


# --- page keys ----------------------------------------------------------------------------


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _folder_digest(folder: Path, pattern: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
            name = path.relative_to(folder).as_posix().encode("utf-8")
            data = path.read_bytes()
            digest.update(b"%d:%s%d:" % (len(name), name, len(data)))
            digest.update(data)
    return digest.hexdigest()


PACKAGE = Path(__file__).resolve().parent


def page_fingerprint(templates: Path, env: jinja2.Environment, site: Site) -> str | None:
    """A hash of everything besides a page's own values that decides its bytes: every file
    of the template folder, the code of this package (views, filters, URLs), the versions
    of Python, Jinja, MarkupSafe and pycountry, and the environment's globals and settings.
    None when something cannot be hashed (then nothing is cached)."""
    try:
        settings = pickle.dumps(
            (
                PAGE_CACHE_VERSION,
                sys.version_info[:3],
                [_version(d) for d in ("jinja2", "markupsafe", "pycountry")],
                site.config,
                site.today,
                site.preview,
                env.globals.get("menu"),
                env.globals.get("build_day"),
                sorted(env.filters),
                sorted(k for k in env.globals),
                (env.autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline),
                _folder_digest(templates, "*"),
                _folder_digest(PACKAGE, "*.py"),
            ),
            protocol=5,
        )
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(settings, digest_size=20).hexdigest()


# Values that many pages share: records, and the rows that list them (made once per site).
_SHARED_TYPES = (Agreement, Partner, Event, Page, views.AgreementRow, views.EventRow)
Digests = dict[int, tuple[object, bytes]]  # id(value) -> (the value, digest of its pickle)


class _KeyPickler(pickle.Pickler):
    """Pickles a page's values with each shared value in them (a record: agreement, partner,
    event, page; an agreement's or an event's row) replaced by the digest of the value's own
    pickle, made once per build: a record or a row on many pages is pickled once, not once
    per page. The digest stands for every byte of the value, so the key still covers all
    of it."""

    def __init__(self, file: io.BytesIO, digests: Digests) -> None:
        super().__init__(file, protocol=5)
        self._digests = digests
        # Consulted only for objects of other than the built-in types: cheap.
        self.dispatch_table = copyreg.dispatch_table.copy()
        for kind in _SHARED_TYPES:
            self.dispatch_table[kind] = self._reduce_shared

    def _reduce_shared(self, obj: object) -> tuple[Callable[[bytes], None], tuple[bytes]]:
        entry = self._digests.get(id(obj))
        if entry is None or entry[0] is not obj:
            data = pickle.dumps(obj, protocol=5)
            entry = (obj, hashlib.blake2b(data, digest_size=20).digest())
            self._digests[id(obj)] = entry
        return _shared, (entry[1],)


def _shared(digest: bytes) -> None:
    """Stands for a shared value in a page key (keys are never unpickled)."""


def page_key(fingerprint: str, task: PageTask, digests: Digests | None = None) -> str | None:
    """The hash of the fingerprint and of the pickled values of one page; None when the
    values cannot be pickled (the page is then rendered every time). `digests` keeps the
    digests of shared values between calls (see _KeyPickler)."""
    buffer = io.BytesIO()
    try:
        pickler = _KeyPickler(buffer, {} if digests is None else digests)
        pickler.dump((task.url, task.template, sorted(task.values.items())))
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    digest = hashlib.blake2b(fingerprint.encode("ascii"), digest_size=20)
    digest.update(buffer.getbuffer())
    return "page:" + digest.hexdigest()


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


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process (the preview server rebuilds
    many times). Jinja checks each entry against a hash of the template's source, so an
    edited template is compiled afresh: the output is the same as without the cache."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


_BYTECODE = _MemoryBytecodeCache()


def make_env(templates: Path, site: Site) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=_BYTECODE,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build sees the templates it fingerprinted: no stat per page
    )
    config = site.config
    # Every page links the same few thousand URLs, many of them again and again.
    env.filters["href"] = functools.cache(lambda url: urls.href(config, url))
    env.filters["absolute"] = lambda url: urls.absolute(config, url)
    env.filters["country"] = country_name
    env.filters["date"] = lambda d: d.display() if isinstance(d, PartialDate) else str(d)
    env.globals["urls"] = urls
    # What the base layout shows on every page: the main navigation and the build day.
    env.globals["menu"] = views.nav(site)
    env.globals["build_day"] = views.day(PartialDate.of(site.today))
    return env


def body_sources(site: Site) -> dict[str, str]:
    """Every record's Markdown body, by record path."""
    return {path: record.body for path, record in site.records.items()}


BodyProgress = Callable[[int, int], None]  # (bodies done, bodies in all)


def render_sources(
    sources: Mapping[str, str], base_path: str, progress: BodyProgress | None = None
) -> dict[str, str]:
    """{record path: Markdown} -> {record path: the body as its page shows it: sanitised
    HTML, links pointed under `base_path`}. Pure (the body cache wraps it).

    In this process: cmark-gfm renders a body in well under a millisecond, and the
    hostile ones (benchmarks/hostile_bodies.py) in milliseconds, a 4 MiB text in about
    a second. `progress(done, total)` is told how far it has got, about a hundred times.
    """
    html: dict[str, str] = {}
    total = len(sources)
    every = max(1, total // 100)
    for done, (path, source) in enumerate(sources.items(), start=1):
        if done % CHECK_EVERY == 1:
            checkpoint()
        html[path] = links.to_html(source, path, base_path)
        if progress is not None and (done == total or done % every == 0):
            progress(done, total)
    return html


def render_bodies(site: Site) -> dict[str, str]:
    return render_sources(body_sources(site), site.config.base_path)


def static_files(context: RenderContext) -> Iterable[OutputFile]:
    for item in context.site.static:
        yield OutputFile(urls.static(item.rel), source=item.source)


def stages() -> list[Stage]:
    from portal.outputs import feeds, ical, opendata
    from portal.pages import html as pages

    return [
        pages.render_pages,
        pages.copy_assets,
        static_files,
        feeds.render_feeds,
        opendata.render_opendata,
        ical.render_calendar,
    ]


def post_stages() -> list[PostStage]:
    from portal.outputs import search, seo

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
    list returned is then empty): memory does not grow with the site.
    In a cancellable build (portal.runtime.cancel), Cancelled is raised between stages and in
    the long loops once the build is no longer wanted."""
    rendered = dict(bodies) if bodies is not None else render_bodies(site)
    env = make_env(templates, site)
    fingerprint = (page_fingerprint(templates, env, site) or "") if cache is not None else ""
    context = RenderContext(site, env, rendered, cache, fingerprint, search_later=search_later)
    kept: list[OutputFile] = []
    produced: set[str] = set()

    from portal.outputs import search

    posts = post_stages()
    found: search.SearchInput | None = None
    if search.render_search in posts:
        # The record pages go to the search index as they are made (see SearchInput).
        near = sink.folder if sink is not None else None
        language = site.config.language if search_later is None else None
        found = search.SearchInput(search.indexed_paths(site), near, language)
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
        for post_stage in posts:
            checkpoint()
            add(list(post_stage(context, frozenset(produced))))
    finally:
        gc.unfreeze()
        if found is not None:
            found.close()
    return sorted(kept, key=lambda output: output.path)
