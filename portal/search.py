"""Full-text search: a Pagefind index of the published records, and the /search/ page.

A post stage (see `render.post_stages`): it runs after the other stages and indexes only
the records whose page they produced, so a result never leads to a missing page. Index
pages (lists, the timeline, the home page) are not records and are never indexed.

Each record goes to Pagefind as a small HTML document written here, with explicit
content, filters, meta and sort keys, built from the site's data rather than parsed out
of the rendered pages: the index does not depend on the markup of the page templates,
and each facet holds exactly what the site shows (the shown status, not the recorded one).

Pagefind runs as the service of the program that the `pagefind[bin]` package ships, in
its own process, started before the page stages so that it indexes while they render.
The documents go to it over a pipe, in a fixed order, and the bundle comes back the same
way, into OutputFiles under `pagefind/`, made byte-stable (`pagefind_stable`); the write
stage writes them with the rest of the site. With the cache, a bundle made
from exactly the same documents is reused.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import inspect
import json
import os
import selectors
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, TYPE_CHECKING

from portal import pagefind_stable, urls
from portal.fields import country_name
from portal.model import Agreement, Event, Page, PartialDate, Partner, Problem, Site
from portal.output import OutputFile
from portal.render import RenderContext, RenderError

if TYPE_CHECKING:
    from portal.cache import BodyCache

SEARCH_CACHE_VERSION = 1  # bump when the way bundles are cached changes
EARLY = "search"  # the key of the early IndexRun in RenderContext.early

ASSETS = Path(__file__).resolve().parent.parent / "assets"
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
class SearchRecord:
    """One search result: what Pagefind indexes for one published record.

    `url` is relative to base_url (`agreements/x/`). The indexed text is the title, then
    `aliases` (weighted like the title), `lines` (plain text: summary, partners, ...) and
    the record's sanitised body. `filters` maps a facet of FACETS to its values; `meta` is
    what a result shows; `date` orders results by date.
    """

    url: str
    title: str
    lines: tuple[str, ...] = ()
    body_html: str = ""
    aliases: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)
    date: PartialDate | None = None

    @property
    def sort(self) -> dict[str, str]:
        return {SORT_KEY: self.date.iso() if self.date is not None else _UNDATED}

    @property
    def text(self) -> str:
        """Everything indexed, as plain text."""
        return _join(self.title, "; ".join(self.aliases), *self.lines, html_to_text(self.body_html))

    def document(self, language: str) -> str:
        """The HTML document Pagefind indexes for this record (never published).

        Filters, meta and sort keys sit in an element Pagefind does not index as text
        (`data-pagefind-ignore`), each value as an element's text, so that any character
        (commas, colons) is safe in a value.
        """
        tags = [f'<span data-pagefind-meta="title">{escape(self.title)}</span>']
        tags += [
            f'<span data-pagefind-meta="{key}">{escape(value)}</span>'
            for key, value in sorted(self.meta.items())
            if key != "title"
        ]
        tags += [
            f'<span data-pagefind-filter="{key}">{escape(value)}</span>'
            for key, values in sorted(self.filters.items())
            for value in values
        ]
        tags += [
            f'<span data-pagefind-sort="{key}">{escape(value)}</span>'
            for key, value in sorted(self.sort.items())
        ]
        body = [f"<h1>{escape(self.title)}</h1>"]
        if self.aliases:
            body.append(f'<p data-pagefind-weight="7">{escape("; ".join(self.aliases))}</p>')
        body += [f"<p>{escape(line)}</p>" for line in self.lines]
        body.append(self.body_html)
        return (
            f'<!doctype html>\n<html lang="{escape(language)}">\n<head><meta charset="utf-8">'
            f"<title>{escape(self.title)}</title></head>\n<body>\n"
            f"<div data-pagefind-ignore>{''.join(tags)}</div>\n"
            + "\n".join(body)
            + "\n</body>\n</html>\n"
        )


# -- records ---------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset(
        {
            *("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr"),
            *("td", "th", "blockquote", "pre", "br", "hr", "dt", "dd", "figure", "figcaption"),
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text of sanitised HTML: one line per block, spaces collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _join(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def _partner_names(site: Site, slugs: Iterable[str]) -> tuple[str, ...]:
    return tuple(site.partner(slug).name for slug in slugs)


def _partner_line(site: Site, slugs: Sequence[str]) -> str:
    """`Partners: JUSMAG-P (JUSMAG, ...); ...`: so that an alias finds the records too."""
    names = []
    for slug in slugs:
        partner = site.partner(slug)
        aliases = f" ({', '.join(partner.aliases)})" if partner.aliases else ""
        names.append(partner.name + aliases)
    return "Partners: " + "; ".join(names) if names else ""


def _agencies(site: Site, slugs: Iterable[str]) -> tuple[str, ...]:
    return tuple(site.config.agency(slug).short for slug in slugs)


def agreement_record(site: Site, agreement: Agreement, body_html: str) -> SearchRecord:
    config = site.config
    status = agreement.shown_status or agreement.status
    date = agreement.signed or agreement.effective
    partners = _partner_names(site, agreement.partners)
    lines = (
        agreement.summary,
        _partner_line(site, agreement.partners),
        "Agencies: "
        + "; ".join(
            f"{a.name} ({a.acronym})" if a.acronym else a.name
            for a in (config.agency(slug) for slug in agreement.agencies)
        ),
        "Areas: " + "; ".join(config.area(slug).label for slug in agreement.areas),
        f"Place: {agreement.place}" if agreement.place else "",
    )
    filters: dict[str, tuple[str, ...]] = {
        "type": ("Agreement",),
        "partner": partners,
        "status": (status.label,),
        "kind": (agreement.kind.label,),
        "area": tuple(config.area(slug).label for slug in agreement.areas),
        "agency": _agencies(site, agreement.agencies),
    }
    if date is not None:
        filters["year"] = (str(date.year),)
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
    return SearchRecord(
        url=urls.agreement(agreement.slug),
        title=agreement.title,
        lines=tuple(line for line in lines if line),
        body_html=body_html,
        filters=filters,
        meta={k: v for k, v in meta.items() if v},
        date=date,
    )


def partner_record(site: Site, partner: Partner, body_html: str) -> SearchRecord:
    parent = site.partner(partner.parent).name if partner.parent else None
    lines = (
        partner.type.label,
        country_name(partner.country) if partner.country else "",
        f"Part of {parent}" if parent else "",
        partner.summary,
    )
    meta = {"title": partner.name, "type": "Partner", "kind": partner.type.label}
    if partner.aliases:
        meta["aliases"] = ", ".join(partner.aliases)
    return SearchRecord(
        url=urls.partner(partner.slug),
        title=partner.name,
        lines=tuple(line for line in lines if line),
        body_html=body_html,
        aliases=partner.aliases,
        filters={
            "type": ("Partner",),
            "partner": (partner.name,),
            "kind": (partner.type.label,),
        },
        meta=meta,
    )


def event_record(site: Site, event: Event, body_html: str) -> SearchRecord:
    partners = _partner_names(site, event.partners)
    lines = (
        event.summary,
        _partner_line(site, event.partners),
        f"Place: {event.place}" if event.place else "",
    )
    filters: dict[str, tuple[str, ...]] = {
        "type": ("Event",),
        "kind": (event.kind.label,),
        "year": (str(event.date.year),),
    }
    if partners:
        filters["partner"] = partners
    if event.agencies:
        filters["agency"] = _agencies(site, event.agencies)
    meta = {
        "title": event.title,
        "type": "Event",
        "kind": event.kind.label,
        "partners": ", ".join(partners),
        "date": event.date.display(),
    }
    return SearchRecord(
        url=urls.event(event.slug),
        title=event.title,
        lines=tuple(line for line in lines if line),
        body_html=body_html,
        filters=filters,
        meta={k: v for k, v in meta.items() if v},
        date=event.date,
    )


def page_record(page: Page, body_html: str) -> SearchRecord:
    return SearchRecord(
        url=urls.page(page.slug),
        title=page.title,
        lines=(page.summary,) if page.summary else (),
        body_html=body_html,
        filters={"type": ("Page",)},
        meta={"title": page.title, "type": "Page"},
    )


def records(site: Site, bodies: Mapping[str, str]) -> list[SearchRecord]:
    """Every record the search covers: agreements, partners, events and free pages.

    Drafts only in a preview build (where the site shows them). Sorted by URL, so that
    the same site always gives the same index.
    """

    def shown(record: Agreement | Event | Page) -> bool:
        return site.preview or not record.draft

    found = [
        *(agreement_record(site, a, bodies[a.path]) for a in site.agreements if shown(a)),
        *(partner_record(site, p, bodies[p.path]) for p in site.partners),
        *(event_record(site, e, bodies[e.path]) for e in site.events if shown(e)),
        *(page_record(p, bodies[p.path]) for p in site.pages if shown(p)),
    ]
    return sorted(found, key=lambda r: r.url)


# -- the index -------------------------------------------------------------------------


def pagefind_language(language: str) -> str:
    """Pagefind's language code for a BCP 47 tag: `en-GB` -> `en`."""
    return language.split("-", 1)[0].lower() or "en"


#: A Pagefind that never finishes would otherwise hang the build.
TIMEOUT_SECONDS = 900.0


def _shipped(rel: str) -> bool:
    return rel in _SHIPPED_FILES or rel.endswith(_SHIPPED_SUFFIXES)


def _pagefind_version() -> str:
    """The versions of Pagefind's Python API and of the binary it runs."""
    found = []
    for distribution in ("pagefind", "pagefind_bin", "pagefind_bin_extended"):
        try:
            found.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{distribution} none")
    try:  # the binary the service runs (PAGEFIND_BINARY_PATH may name another)
        from pagefind.service import get_executable

        binary = get_executable()
        if binary is not None:
            stat = binary.stat()
            found.append(f"{binary} {stat.st_size} {stat.st_mtime_ns}")
    except (ImportError, OSError):
        found.append("no binary")
    return ", ".join(found)


def bundle_key(documents: Mapping[str, str], language: str) -> str:
    """A hash of everything Pagefind is given: every document (by its path) and the
    language, with Pagefind's version and the code of this module and pagefind_stable."""
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
    for rel in sorted(documents):
        for data in (rel.encode("utf-8"), documents[rel].encode("utf-8")):
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


def build_index(
    records: Sequence[SearchRecord], language: str, cache: BodyCache | None = None
) -> list[OutputFile]:
    """Run Pagefind over `records`; return its bundle as files under `pagefind/`.

    With a `cache`, a bundle made from exactly the same documents (see `bundle_key`) is
    taken from it instead.
    """
    return start_index(records, language, cache).result()


def _problem(message: str) -> RenderError:
    return RenderError([Problem(BUNDLE, 0, "", message)])


@dataclass
class IndexRun:
    """Pagefind indexing `records` (each as its `document`) in its own process while the
    build goes on, or the bundle taken from the cache. `result()` waits for it.

    Pagefind runs as its service (`pagefind --service`: base64 JSON messages, each ended by
    a comma, on its standard input and output). It handles the messages one after another,
    in the order they come, so the documents are sent in the order of their paths and it
    numbers them the same way on every machine (its command line numbers them in the order
    the file system lists a folder, which differs between file systems). All messages are
    written at once: Pagefind reads them into a queue as they arrive, so the pipe never
    fills while it works. The last message asks for the bundle's files.
    """

    records: tuple[SearchRecord, ...]
    key: str
    cache: BodyCache | None
    bundle: dict[str, bytes] | None = None
    process: subprocess.Popen[bytes] | None = None
    folder: tempfile.TemporaryDirectory[str] | None = None  # its working folder and log
    last_message: int = 0

    def result(self) -> list[OutputFile]:
        if self.bundle is None:
            self.bundle = self._wait()
            if self.cache is not None:
                self.cache.store_outputs({BUNDLE: (self.key, _pack(self.bundle))})
        return [OutputFile(BUNDLE + rel, data) for rel, data in sorted(self.bundle.items())]

    def _wait(self) -> dict[str, bytes]:
        assert self.process is not None and self.process.stdout is not None
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


def _messages(documents: Mapping[str, str], language: str) -> list[bytes]:
    """A new index, every document in the order of its path, then a request for the
    bundle's files (the last message)."""
    config = {"force_language": language}
    out = [_message(0, {"type": "NewIndex", "config": config})]
    for number, rel in enumerate(sorted(documents), start=1):
        url = "/" + rel.removesuffix("index.html")
        add = {"type": "AddFile", "index_id": 0, "url": url, "file_contents": documents[rel]}
        out.append(_message(number, add))
    out.append(_message(len(out), {"type": "GetFiles", "index_id": 0}))
    return out


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


def start_index(
    records: Sequence[SearchRecord], language: str, cache: BodyCache | None = None
) -> IndexRun:
    """Start indexing `records` (or take their bundle from `cache`); see IndexRun."""
    lang = pagefind_language(language)
    documents = {urls.output_path(r.url): r.document(language) for r in records}
    key = bundle_key(documents, lang)
    run = IndexRun(tuple(records), key, cache)
    if cache is not None:
        blob = cache.lookup_outputs({BUNDLE: key}).get(BUNDLE)
        run.bundle = _unpack(blob) if blob is not None else None
        if run.bundle is not None:
            return run
    binary = _executable()
    messages = _messages(documents, lang)
    run.last_message = len(messages) - 1
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
        assert run.process.stdin is not None
        run.process.stdin.write(b"".join(messages))
        run.process.stdin.flush()
    except OSError as exc:
        said = run._said()
        run.cancel()
        raise _problem(f"Pagefind failed: {exc}. {said}".strip()) from exc
    except BaseException:
        run.cancel()
        raise
    return run


def start_early(context: RenderContext) -> IndexRun:
    """Start indexing every record the site publishes, before the stages render their
    pages (Pagefind then works on another core while they do); `render_search` uses the
    run if the records whose page exists turn out to be exactly these."""
    site = context.site
    return start_index(records(site, context.bodies), site.config.language, context.cache)


# -- the post stage --------------------------------------------------------------------


def render_search(
    context: RenderContext, outputs: Mapping[str, OutputFile]
) -> Iterable[OutputFile]:
    """The index of every record whose page exists, the /search/ page and its script."""
    site = context.site
    early = context.early.get(EARLY)
    found = early.records if isinstance(early, IndexRun) else records(site, context.bodies)
    published = [r for r in found if urls.output_path(r.url) in outputs]
    if context.search_later is not None:
        context.search_later.extend(published)
    elif isinstance(early, IndexRun) and len(published) == len(early.records):
        yield from early.result()
    else:
        if isinstance(early, IndexRun):
            early.cancel()
        yield from build_index(published, site.config.language, context.cache)
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
