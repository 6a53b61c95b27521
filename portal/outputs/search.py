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

import base64
import contextlib
import hashlib
import importlib.metadata
import inspect
import json
import os
import selectors
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from portal.model import Agreement, Event, Page, PartialDate, Partner, Problem, Site
from portal.output import OutputFile, Placed
from portal.outputs import pagefind_stable
from portal.pages import urls
from portal.render import RenderContext, RenderError

if TYPE_CHECKING:
    from portal.cache.store import BodyCache

SEARCH_CACHE_VERSION = 2  # bump when the way bundles are cached changes
EARLY = "search"  # the key of the SearchInput in RenderContext.early

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SCRIPT = "search.js"
BUNDLE = "pagefind/"

#: The facets, in the order the search page shows them, with their headings.
FACETS: tuple[tuple[str, str], ...] = (
    ("type", "Record type"),
    ("partner", "Partner"),
    ("status", "Status"),
    ("kind", "Kind"),
    ("area", "Area"),
    ("agency", "Agency"),
    ("year", "Year"),
)

#: The one sort key: every record has it, so that sorting by date never drops a result
#: (Pagefind leaves out records without the key); undated records (partners, pages) sort
#: last, newest first. One key only: each costs every reader a list of all the records in
#: the metadata file (about 50 kB on a register of 10,000 agreements), so no "oldest first".
SORT_KEY = "date"
_UNDATED = "0000"

# What the browser needs from Pagefind's bundle: its search API, the WebAssembly per
# language, the entry and meta files and the index chunks. Pagefind's own UIs are not
# shipped: the search page has its own script (assets/search.js).
_SHIPPED_FILES = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
_SHIPPED_SUFFIXES = (".pf_meta", ".pagefind", ".pf_index", ".pf_fragment", ".pf_filter")


@dataclass(frozen=True)
class SearchData:
    """What a record's page tells Pagefind besides its text (see macros.html, search_data).

    `filters` are (facet of FACETS, value) pairs; `meta` (key, value) pairs are what a
    result shows; `sort` is the record's value of SORT_KEY, its date then its URL (so that
    no two records tie and the order never depends on Pagefind's numbering of pages);
    `aliases` is text indexed with the page that the page does not show (the other names
    of its partners).
    """

    filters: tuple[tuple[str, str], ...]
    meta: tuple[tuple[str, str], ...]
    sort: str
    aliases: str = ""

    @property
    def sort_key(self) -> str:
        return SORT_KEY


def _sort_value(date: PartialDate | None, url: str) -> str:
    return f"{date.iso() if date is not None else _UNDATED} {url}"


def _pairs(mapping: Mapping[str, str | tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for key, values in mapping.items():
        for value in (values,) if isinstance(values, str) else values:
            if value:
                pairs.append((key, value))
    return tuple(pairs)


def _partner_names(site: Site, slugs: Iterable[str]) -> tuple[str, ...]:
    return tuple(site.partner(slug).name for slug in slugs)


def _partner_aliases(site: Site, slugs: Sequence[str]) -> str:
    """`Also known as: JUSMAG, ...`: so that a partner's other names find its records too."""
    aliases = [alias for slug in slugs for alias in site.partner(slug).aliases]
    return "Also known as: " + ", ".join(aliases) if aliases else ""


def _agencies(site: Site, slugs: Iterable[str]) -> tuple[str, ...]:
    return tuple(site.config.agency(slug).short for slug in slugs)


def agreement_data(site: Site, agreement: Agreement) -> SearchData:
    config = site.config
    status = agreement.shown_status or agreement.status
    date = agreement.signed or agreement.effective
    partners = _partner_names(site, agreement.partners)
    filters: dict[str, str | tuple[str, ...]] = {
        "type": "Agreement",
        "partner": partners,
        "status": status.label,
        "kind": agreement.kind.label,
        "area": tuple(config.area(slug).label for slug in agreement.areas),
        "agency": _agencies(site, agreement.agencies),
        "year": str(date.year) if date is not None else "",
    }
    when = ""
    if agreement.signed is not None:
        when = f"Signed {agreement.signed.display()}"
    elif agreement.effective is not None:
        when = f"In force from {agreement.effective.display()}"
    meta = {
        "title": agreement.title,
        "type": "Agreement",
        "kind": agreement.kind.label,
        "status": status.label,
        "partners": ", ".join(partners),
        "date": when,
    }
    return SearchData(
        _pairs(filters),
        _pairs(meta),
        _sort_value(date, urls.agreement(agreement.slug)),
        _partner_aliases(site, agreement.partners),
    )


def partner_data(partner: Partner) -> SearchData:
    meta = {
        "title": partner.name,
        "type": "Partner",
        "kind": partner.type.label,
        "aliases": ", ".join(partner.aliases),
    }
    filters = {"type": "Partner", "partner": partner.name, "kind": partner.type.label}
    return SearchData(_pairs(filters), _pairs(meta), _sort_value(None, urls.partner(partner.slug)))


def event_data(site: Site, event: Event) -> SearchData:
    partners = _partner_names(site, event.partners)
    filters: dict[str, str | tuple[str, ...]] = {
        "type": "Event",
        "partner": partners,
        "kind": event.kind.label,
        "agency": _agencies(site, event.agencies),
        "year": str(event.date.year),
    }
    meta = {
        "title": event.title,
        "type": "Event",
        "kind": event.kind.label,
        "partners": ", ".join(partners),
        "date": event.date.display(),
    }
    return SearchData(
        _pairs(filters),
        _pairs(meta),
        _sort_value(event.date, urls.event(event.slug)),
        _partner_aliases(site, event.partners),
    )


def page_data(page: Page) -> SearchData:
    meta = {"title": page.title, "type": "Page"}
    return SearchData(
        _pairs({"type": "Page"}), _pairs(meta), _sort_value(None, urls.page(page.slug))
    )


def search_data(site: Site, record: Agreement | Partner | Event | Page) -> SearchData | None:
    """What the page of `record` gives the index; None when it is not indexed (a draft,
    but in a preview build, where the site shows drafts)."""
    if isinstance(record, Partner):
        return partner_data(record)
    if record.draft and not site.preview:
        return None
    if isinstance(record, Agreement):
        return agreement_data(site, record)
    if isinstance(record, Event):
        return event_data(site, record)
    return page_data(record)


def indexed_paths(site: Site) -> frozenset[str]:
    """The output paths of every page the index covers (those with `search_data`)."""
    found: set[str] = set()
    for record in site.records.values():
        if search_data(site, record) is None:
            continue
        if isinstance(record, Agreement):
            found.add(urls.output_path(urls.agreement(record.slug)))
        elif isinstance(record, Partner):
            found.add(urls.output_path(urls.partner(record.slug)))
        elif isinstance(record, Event):
            found.add(urls.output_path(urls.event(record.slug)))
        else:
            found.add(urls.output_path(urls.page(record.slug)))
    return frozenset(found)


# -- the index -------------------------------------------------------------------------


def pagefind_language(language: str) -> str:
    """Pagefind's language code for a BCP 47 tag: `en-GB` -> `en`."""
    return language.split("-", 1)[0].lower() or "en"


#: A Pagefind that never finishes would otherwise hang the build.
TIMEOUT_SECONDS = 900.0


def _shipped(rel: str) -> bool:
    return rel in _SHIPPED_FILES or rel.endswith(_SHIPPED_SUFFIXES)


def _pagefind_version() -> str:
    """The versions of Pagefind's Python package and of the binary it runs."""
    found = []
    for distribution in ("pagefind", "pagefind_bin", "pagefind_bin_extended"):
        try:
            found.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{distribution} none")
    try:  # the binary it runs (PAGEFIND_BINARY_PATH may name another)
        from pagefind.service import get_executable

        binary = get_executable()
        if binary is not None:
            stat = binary.stat()
            found.append(f"{binary} {stat.st_size} {stat.st_mtime_ns}")
    except (ImportError, OSError):
        found.append("no binary")
    return ", ".join(found)


def bundle_key(digests: Mapping[str, bytes], language: str) -> str:
    """A hash of everything Pagefind is given: every page (its path and a digest of its
    bytes) and the language, with Pagefind's version and the code of this module and
    pagefind_stable."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        f"search-cache {SEARCH_CACHE_VERSION}",
        f"pagefind {_pagefind_version()}",
        language,
        inspect.getsource(pagefind_stable),
        inspect.getsource(sys.modules[__name__]),
    ):
        data = part.encode("utf-8")
        digest.update(b"%d:" % len(data) + data)
    for rel in sorted(digests):
        for data in (rel.encode("utf-8"), digests[rel]):
            digest.update(b"%d:" % len(data) + data)
    return "search:" + digest.hexdigest()


def _pack(files: Mapping[str, bytes]) -> bytes:
    """{name: bytes} as one blob: per file, the name's and the data's lengths, then both."""
    parts: list[bytes] = []
    for name in sorted(files):
        raw = name.encode("utf-8")
        parts += [struct.pack(">IQ", len(raw), len(files[name])), raw, files[name]]
    return b"".join(parts)


def _unpack(blob: bytes) -> dict[str, bytes] | None:
    """The files of a `_pack`ed blob, or None if it is not one."""
    files: dict[str, bytes] = {}
    offset, header = 0, struct.calcsize(">IQ")
    try:
        while offset < len(blob):
            size_name, size_data = struct.unpack_from(">IQ", blob, offset)
            offset += header
            end = offset + size_name + size_data
            if end > len(blob):
                return None
            name = blob[offset : offset + size_name].decode("utf-8")
            files[name] = blob[offset + size_name : end]
            offset = end
    except (struct.error, UnicodeDecodeError):
        return None
    return files


def _problem(message: str) -> RenderError:
    return RenderError([Problem(BUNDLE, 0, "", message)])


def _executable() -> Path:
    try:
        from pagefind.service import get_executable
    except ImportError as exc:
        message = f"the search index needs Pagefind: pip install 'pagefind[bin]' ({exc})"
        raise _problem(message) from exc
    binary = get_executable()
    if binary is None:
        raise _problem("the search index needs Pagefind: pip install 'pagefind[bin]'")
    return binary


@dataclass
class IndexRun:
    """Pagefind indexing pages in its own process while the build goes on, or the bundle
    taken from the cache. `result()` waits for it.

    Pagefind runs as its service (`pagefind --service`, what its Python API's
    `add_html_file` speaks: base64 JSON messages, each ended by a comma, on its standard
    input and output). It numbers pages in the order they come, so they go in the order
    of their paths, and the same pages make the same bundle on every machine (its
    directory indexing numbers them in the order the file system lists a folder, which
    differs between file systems, and renumbering them afterwards costs more than the
    indexing). All messages are written at once: Pagefind reads them into a queue as
    they arrive, so the pipe never fills while it works. The last asks for the bundle.
    """

    key: str
    cache: BodyCache | None
    bundle: dict[str, bytes] | None = None
    process: subprocess.Popen[bytes] | None = None
    folder: tempfile.TemporaryDirectory[str] | None = None  # its working folder and log
    last_message: int = 0
    sent: list[str] = field(default_factory=list)  # the pages sent, in order

    def send(self, rel: str, file: Path) -> None:
        """Send Pagefind the page at output path `rel`, read from `file`."""
        self._write(_add_file(len(self.sent) + 1, rel, file))
        self.sent.append(rel)

    def finish(self) -> None:
        """Ask for the bundle of the pages sent (`result()` waits for it)."""
        self.last_message = len(self.sent) + 1
        self._write(_message(self.last_message, {"type": "GetFiles", "index_id": 0}))
        if self.process is not None and self.process.stdin is not None:
            try:
                self.process.stdin.flush()
            except OSError as exc:
                raise self._failed(exc) from exc

    def _write(self, message: bytes) -> None:
        if self.process is None or self.process.stdin is None:
            raise _problem("Pagefind failed: it was stopped")
        try:
            self.process.stdin.write(message)
        except OSError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: OSError) -> RenderError:
        said = self._said()
        self.cancel()
        return _problem(f"Pagefind failed: {exc}. {said}".strip())

    def result(self) -> list[OutputFile]:
        if self.bundle is None:
            self.bundle = self._wait()
            if self.cache is not None:
                self.cache.store_outputs({BUNDLE: (self.key, _pack(self.bundle))})
        return [OutputFile(BUNDLE + rel, data) for rel, data in sorted(self.bundle.items())]

    def _wait(self) -> dict[str, bytes]:
        if self.process is None or self.process.stdout is None:
            raise _problem("Pagefind failed: it was stopped")
        try:
            files = _read_files(self.process.stdout, self.last_message, self._said)
        finally:
            self.cancel()
        shipped = {rel: data for rel, data in sorted(files.items()) if _shipped(rel)}
        return dict(pagefind_stable.stabilise(shipped))

    def _said(self) -> str:
        """What Pagefind wrote to its standard error (the last 2,000 characters)."""
        if self.folder is None:
            return ""
        log = Path(self.folder.name) / "pagefind.log"
        try:
            return log.read_text("utf-8", "replace").strip()[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop Pagefind from another thread: `result()` there then raises RenderError
        (and closes the rest itself)."""
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()

    def cancel(self) -> None:
        """Stop Pagefind if it still runs and remove its folder (done: a no-op)."""
        process, self.process = self.process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):  # what is left for a pipe it closed
                        stream.close()
            if process.poll() is None:
                process.kill()
            process.wait()
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


def _message(number: int, payload: Mapping[str, object]) -> bytes:
    """One message to Pagefind's service."""
    text = json.dumps({"message_id": number, "payload": payload}, ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")) + b","


def _add_file(number: int, rel: str, file: Path) -> bytes:
    """The message that adds the page at output path `rel` (read from `file`)."""
    url = "/" + rel.removesuffix("index.html")
    html = file.read_text("utf-8")
    return _message(number, {"type": "AddFile", "index_id": 0, "url": url, "file_contents": html})


def _read_files(stream: IO[bytes], last: int, said: Callable[[], str]) -> dict[str, bytes]:
    """Read Pagefind's answers until the one to message `last` (the bundle's files);
    raise RenderError on an answer that is an error, an early end or a timeout."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    pending: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while True:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                raise _problem(f"Pagefind failed: no result in {TIMEOUT_SECONDS:.0f} s")
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                raise _problem(f"Pagefind failed: it stopped before the end. {said()}".strip())
            *ended, rest = chunk.split(b",")
            for piece in ended:
                answer = json.loads(base64.b64decode(b"".join([*pending, piece])))
                pending = []
                payload = answer.get("payload") or {}
                if payload.get("type") == "Error":
                    raise _problem(f"Pagefind failed: {payload.get('message')}")
                if answer.get("message_id") == last:
                    return {f["path"]: base64.b64decode(f["content"]) for f in payload["files"]}
            pending.append(rest)


def launch(key: str, language: str, cache: BodyCache | None = None) -> IndexRun:
    """Start Pagefind's service with a new index, for pages to be `send` to it; the bundle
    is stored in `cache` under `key` once it comes."""
    binary = _executable()
    run = IndexRun(key, cache)
    # Pagefind reads settings from PAGEFIND_* variables and from a pagefind.yml in its
    # working folder: neither may change the index, so it gets neither.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    run.folder = tempfile.TemporaryDirectory(prefix="portal-pagefind-")
    root = Path(run.folder.name)
    try:
        with open(root / "pagefind.log", "wb") as log:
            run.process = subprocess.Popen(
                [str(binary), "--service"],
                cwd=root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
    except OSError as exc:
        raise run._failed(exc) from exc
    config = {"force_language": pagefind_language(language)}
    run._write(_message(0, {"type": "NewIndex", "config": config}))
    return run


def _cached(key: str, cache: BodyCache | None) -> IndexRun | None:
    """The run whose bundle the cache holds under `key`, if it does."""
    if cache is None:
        return None
    blob = cache.lookup_outputs({BUNDLE: key}).get(BUNDLE)
    bundle = _unpack(blob) if blob is not None else None
    return IndexRun(key, cache, bundle) if bundle is not None else None


def start_index(
    pages: Mapping[str, Path],
    digests: Mapping[str, bytes],
    language: str,
    cache: BodyCache | None = None,
) -> IndexRun:
    """Start Pagefind on `pages` (output path -> a file that holds the page), or take their
    bundle from `cache` (`digests`: output path -> SHA-256 of the page's bytes)."""
    key = bundle_key(digests, pagefind_language(language))
    found = _cached(key, cache)
    if found is not None:
        return found
    run = launch(key, language, cache)
    try:
        for rel in sorted(pages):
            run.send(rel, pages[rel])
        run.finish()
    except BaseException:
        run.cancel()
        raise
    return run


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
            self.run.send(output.path, file)
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
        found = _cached(key, cache)
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
