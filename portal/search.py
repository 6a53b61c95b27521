"""Full-text search: a Pagefind index of the published records, and the /search/ page.

A post stage (see `render.post_stages`): it runs after the other stages and indexes only
the records whose page they produced, so a result never leads to a missing page. Index
pages (lists, the timeline, the home page) are not records and are never indexed.

Each record goes to Pagefind as a small HTML document written here, with explicit
content, filters, meta and sort keys, built from the site's data rather than parsed out
of the rendered pages: the index does not depend on the markup of the page templates,
and each facet holds exactly what the site shows (the shown status, not the recorded one).

Pagefind's Python API runs the binary that the `pagefind[bin]` package ships. The
documents and the bundle live in a temporary folder only while Pagefind runs; the bundle
is read back into OutputFiles under `pagefind/`, made byte-stable (`pagefind_stable`),
and the write stage writes them with the rest of the site.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import inspect
import struct
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from portal import pagefind_stable, urls
from portal.fields import country_name
from portal.model import Agreement, Event, Page, PartialDate, Partner, Problem, Site
from portal.output import OutputFile
from portal.render import RenderContext, RenderError

if TYPE_CHECKING:
    from pagefind.index import IndexConfig

    from portal.cache import BodyCache

SEARCH_CACHE_VERSION = 1  # bump when the way bundles are cached changes

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


#: Pagefind's Python service reads each answer whole, up to 2 MiB by default; the answer
#: to `get_files` carries the whole bundle (base64), tens of megabytes on a large register.
MAX_ANSWER = 1 << 30
#: A service that stops answering would otherwise hang the build.
TIMEOUT_SECONDS = 900.0


async def _index(source: Path, language: str) -> dict[str, bytes]:
    """Pagefind's bundle {path: bytes}, taken from the service in memory.

    Not through `PagefindIndex` as a context manager: leaving it writes the bundle to disk,
    and its `write_files` can answer before every file is written (under load some were
    read back empty, pagefind-entry.json among them: found by tests/test_reproducible.py);
    and `delete_index`, which avoids that write, also drops the service without stopping
    its process. The service as a context manager stops the process in every case.
    """
    from pagefind.service import PagefindService

    config: IndexConfig = {"force_language": language}
    async with PagefindService() as service:
        stdout = service._backend.stdout
        if stdout is not None and hasattr(stdout, "_limit"):
            stdout._limit = MAX_ANSWER
        index = await service.create_index(config)
        await index.add_directory(str(source))
        files = await index.get_files()
    return {str(file["path"]): bytes(file["content"]) for file in files}


async def _index_with_timeout(source: Path, language: str) -> dict[str, bytes]:
    try:
        return await asyncio.wait_for(_index(source, language), TIMEOUT_SECONDS)
    except TimeoutError:
        raise RuntimeError(f"no answer from Pagefind in {TIMEOUT_SECONDS:.0f} s") from None


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

    Each record becomes a small HTML document in a temporary folder, indexed in one call
    (`add_directory`): the Python API's service answers one message per 0.1 s, so a
    call per record would take minutes on a large register. With a `cache`, a bundle made
    from exactly the same documents (see `bundle_key`) is taken from it instead.
    """
    lang = pagefind_language(language)
    documents = {urls.output_path(r.url): r.document(language) for r in records}
    key = bundle_key(documents, lang)
    if cache is not None:
        blob = cache.lookup_outputs({BUNDLE: key}).get(BUNDLE)
        stored = _unpack(blob) if blob is not None else None
        if stored is not None:
            return [OutputFile(BUNDLE + rel, data) for rel, data in sorted(stored.items())]
    stable = _run_pagefind(documents, lang)
    if cache is not None:
        cache.store_outputs({BUNDLE: (key, _pack(stable))})
    return [OutputFile(BUNDLE + rel, data) for rel, data in sorted(stable.items())]


def _run_pagefind(documents: Mapping[str, str], lang: str) -> dict[str, bytes]:
    """Pagefind's bundle of `documents` ({output path: HTML}): the shipped files, stable."""
    with tempfile.TemporaryDirectory(prefix="portal-pagefind-") as tmp:
        source = Path(tmp) / "records"
        for rel, text in documents.items():
            target = source / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            bundle = asyncio.run(_index_with_timeout(source, lang))
        except (ImportError, FileNotFoundError) as exc:
            message = f"the search index needs Pagefind: pip install 'pagefind[bin]' ({exc})"
            raise RenderError([Problem(BUNDLE, 0, "", message)]) from exc
        except Exception as exc:
            raise RenderError([Problem(BUNDLE, 0, "", f"Pagefind failed: {exc}")]) from exc
    files = {rel: data for rel, data in bundle.items() if _shipped(rel)}
    return dict(pagefind_stable.stabilise(files))


# -- the post stage --------------------------------------------------------------------


def render_search(
    context: RenderContext, outputs: Mapping[str, OutputFile]
) -> Iterable[OutputFile]:
    """The index of every record whose page exists, the /search/ page and its script."""
    site = context.site
    published = [r for r in records(site, context.bodies) if urls.output_path(r.url) in outputs]
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
