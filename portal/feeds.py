"""Atom 1.0 feeds: `/feed.xml` for the whole register, `/partners/<slug>/feed.xml` per partner.

Deterministic: the same content gives the same bytes on any day.

- Each entry's `id` is a tag: URI (RFC 4151) made of base_url's host and path and the
  record's URL, `tag:example.org,2025:cooperation/agreements/<slug>`: a new title or new
  dates never change it. (Moving the site to another host does.)
- `updated` comes from the record's own dates (see `revised`), never from the build clock;
  a record with no date at all gets `EPOCH`, so it sorts last rather than pretending to
  be new. `published` is the signing date of an agreement or the date of an event.
- Entries are newest first (by `updated`, then `published`, then id), at most `LIMIT`
  of them: a feed announces what is new; the whole register is in /data/.
- Drafts are never in a feed, not even in a preview build.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal import urls
from portal.model import Agreement, Event, PartialDate, Partner, Site, SiteConfig
from portal.opendata import LICENCE_NAME, LICENCE_URL
from portal.output import OutputFile
from portal.render import RenderContext

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# The date in every tag: URI. It names the year the register's ids were minted; never
# change it, or every id (and every UID in the calendar) changes with it.
TAG_DATE = "2025"
EPOCH = dt.date(1970, 1, 1)
LIMIT = 50

Record = Agreement | Event


def tag_uri(config: SiteConfig, specific: str) -> str:
    """A stable id: `tag:<host>,<TAG_DATE>:<base path>/<specific>`."""
    parts = urlsplit(config.base_url)
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/")
    return f"tag:{host},{TAG_DATE}:{path + '/' if path else ''}{specific}"


def record_id(config: SiteConfig, record: Record) -> str:
    url = urls.agreement(record.slug) if isinstance(record, Agreement) else urls.event(record.slug)
    return tag_uri(config, url.rstrip("/"))


def own_dates(record: Record) -> list[PartialDate]:
    """The dates a record states about itself and its sources (not a future expiry)."""
    dates: list[PartialDate | None]
    if isinstance(record, Agreement):
        dates = [record.updated, record.signed, record.effective, record.terminated]
    else:
        dates = [record.date]
    dates.extend(source.date for source in record.sources)
    return [d for d in dates if d is not None]


def revised(record: Record) -> dt.date | None:
    """The last day the record is known to describe: the newest of its own dates."""
    dates = own_dates(record)
    return max(d.start for d in dates) if dates else None


def published(record: Record) -> PartialDate | None:
    return (record.signed or record.effective) if isinstance(record, Agreement) else record.date


def timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class Entry:
    record: Record
    id: str
    updated: dt.date
    published: dt.date | None


def entries(site: Site, records: Iterable[Record], limit: int = LIMIT) -> list[Entry]:
    """The newest `limit` records as feed entries, drafts left out, newest first."""
    result = [
        Entry(
            record,
            record_id(site.config, record),
            revised(record) or EPOCH,
            (p.start if (p := published(record)) else None),
        )
        for record in records
        if not record.draft
    ]
    result.sort(key=lambda e: (e.updated, e.published or EPOCH, e.id), reverse=True)
    return result[:limit]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _entry(context: RenderContext, parent: ET.Element, entry: Entry) -> None:
    site, record = context.site, entry.record
    config = site.config
    url = urls.agreement(record.slug) if isinstance(record, Agreement) else urls.event(record.slug)
    page = urls.absolute(config, url)
    element = _sub(parent, "entry", **{f"{{{XML_NS}}}base": page})
    _sub(element, "id", entry.id)
    _sub(element, "title", record.title, type="text")
    _sub(element, "updated", timestamp(entry.updated))
    if entry.published is not None:
        _sub(element, "published", timestamp(entry.published))
    _sub(element, "link", rel="alternate", type="text/html", href=page)
    _sub(element, "category", term=record.kind.value, label=record.kind.label)
    if isinstance(record, Agreement):
        status = record.shown_status or record.status
        _sub(element, "category", term=f"status:{status.value}", label=status.label)
        for slug in record.areas:
            _sub(element, "category", term=f"area:{slug}", label=config.area(slug).label)
    _sub(element, "summary", record.summary, type="text")
    body = context.bodies.get(record.path, "")
    if body.strip():
        _sub(element, "content", body, type="html")


def atom(
    context: RenderContext,
    url: str,
    page_url: str,
    title: str,
    subtitle: str,
    records: Sequence[Record],
) -> OutputFile:
    """One Atom feed published at `url`, about the page at `page_url`."""
    config = context.site.config
    items = entries(context.site, records)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {f"{{{XML_NS}}}lang": config.language})
    _sub(root, "id", tag_uri(config, url))
    _sub(root, "title", title, type="text")
    _sub(root, "subtitle", subtitle, type="text")
    _sub(root, "updated", timestamp(max((e.updated for e in items), default=EPOCH)))
    _sub(root, "link", rel="self", type="application/atom+xml", href=urls.absolute(config, url))
    _sub(root, "link", rel="alternate", type="text/html", href=urls.absolute(config, page_url))
    author = _sub(root, "author")
    _sub(author, "name", config.title)
    _sub(author, "uri", config.base_url)
    _sub(root, "rights", f"{LICENCE_NAME}, {LICENCE_URL}", type="text")
    _sub(root, "generator", "cooperation-portal")
    for entry in items:
        _entry(context, root, entry)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return OutputFile(url, ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode())


def site_feed(context: RenderContext) -> OutputFile:
    site = context.site
    return atom(
        context,
        urls.feed(),
        urls.home(),
        site.config.title,
        site.config.description,
        [*site.agreements, *site.events],
    )


def records_by_partner(site: Site) -> dict[str, list[Record]]:
    """For each partner, the agreements and events that name it (not its parent or children)."""
    index: dict[str, list[Record]] = {p.slug: [] for p in site.partners}
    records: list[Record] = [*site.agreements, *site.events]
    for record in records:
        for slug in record.partners:
            index.setdefault(slug, []).append(record)
    return index


def partner_feed(
    context: RenderContext, partner: Partner, records: Sequence[Record] | None = None
) -> OutputFile:
    site = context.site
    if records is None:
        records = records_by_partner(site)[partner.slug]
    return atom(
        context,
        urls.partner_feed(partner.slug),
        urls.partner(partner.slug),
        f"{partner.name} – {site.config.title}",
        f"Agreements and events with {partner.name}.",
        records,
    )


def render_feeds(context: RenderContext) -> Iterable[OutputFile]:
    """Render stage: the site feed and one feed per partner."""
    yield site_feed(context)
    index = records_by_partner(context.site)
    for partner in context.site.partners:
        yield partner_feed(context, partner, index[partner.slug])
