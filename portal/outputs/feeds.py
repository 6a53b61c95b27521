"""Atom 1.0 feeds: `/feed.xml` for the whole register, `/partners/<slug>/feed.xml` per partner.

Deterministic: the same content gives the same bytes on any day.

- Each entry's `id` is a tag: URI (RFC 4151) made of base_url's host and path and the
  record's URL, `tag:example.org,2025:cooperation/agreements/<slug>`: a new title or new
  dates never change it. (Moving the site to another host does.)
- `updated` comes from the record's own dates (see `revised`), or the day of the last
  commit that revised it when the site is built from git (portal.history), never from
  the build clock;
  a record with no date at all gets `EPOCH`, so it sorts last rather than pretending to
  be new. `published` is the signing date of an agreement or the date of an event.
- Entries are newest first (by `updated`, then `published`, then id), at most `LIMIT`
  of them: a feed announces what is new; the whole register is in /data/.
- Drafts are never in a feed, not even in a preview build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal.model.output import OutputFile
from portal.model.records import Agreement, Event, Partner, SiteConfig
from portal.model.site import Site, once_per_site
from portal.model.values import PartialDate
from portal.outputs.licence import LICENCE_NAME, LICENCE_URL
from portal.pages import urls
from portal.pages.context import RenderContext

ATOM = "http://www.w3.org/2005/Atom"
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


def entry(config: SiteConfig, record: Record, last_revised: dt.date | None = None) -> Entry:
    """A record's entry; `last_revised`, the day of its last commit (portal.history), when
    later than its own dates, is its `updated`."""
    return Entry(
        record,
        record_id(config, record),
        max(revised(record) or EPOCH, last_revised or EPOCH),
        (p.start if (p := published(record)) else None),
    )


def _last_revised(site: Site, record: Record) -> dt.date | None:
    history = site.history_of(record) if site.history else None
    return history.last_revised if history is not None else None


def entries(site: Site, records: Iterable[Record], limit: int = LIMIT) -> list[Entry]:
    """The newest `limit` records as feed entries, drafts left out, newest first."""
    result = [
        entry(site.config, record, _last_revised(site, record))
        for record in records
        if not record.draft
    ]
    result.sort(key=lambda e: (e.updated, e.published or EPOCH, e.id), reverse=True)
    return result[:limit]


@dataclass(frozen=True)
class FeedIndex:
    """Every feed's entries, newest first and at most LIMIT, made once per site: each
    record's entry is made once and sorted once, not again for every partner that it names."""

    site: tuple[Entry, ...]
    partners: Mapping[str, tuple[Entry, ...]]  # partner slug -> entries of records naming it


@once_per_site
def feed_index(site: Site) -> FeedIndex:
    """The entries of the site feed and of each partner's (the records naming the partner,
    not its parent or children)."""
    records: list[Record] = [*site.agreements, *site.events]
    newest = entries(site, records, limit=len(records))
    partners: dict[str, list[Entry]] = {p.slug: [] for p in site.partners}
    for item in newest:  # in order: each partner's list comes out newest first
        for slug in item.record.partners:
            partners.setdefault(slug, []).append(item)
    return FeedIndex(
        tuple(newest[:LIMIT]), {slug: tuple(found[:LIMIT]) for slug, found in partners.items()}
    )


# --- writing -----------------------------------------------------------------------
# By hand, in the layout ElementTree gave (ET.indent, then tostring): two spaces a level,
# `<tag ... />` for an element with no text, the same escapes. An entry is written once
# and its bytes put in every feed that holds it.


def _text(text: str) -> str:
    """Character data escaped: &, < and >."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


ATTRIBUTE_ESCAPES = (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _attribute(value: str) -> str:
    """An attribute value escaped: as character data, and quotes, line ends and tabs."""
    value = _text(value)
    for char, entity in ATTRIBUTE_ESCAPES:
        if char in value:
            value = value.replace(char, entity)
    return value


def _element(tag: str, text: str | None = None, **attrs: str) -> str:
    """An element with no children."""
    written = "".join(f' {name}="{_attribute(value)}"' for name, value in attrs.items())
    if text:
        return f"<{tag}{written}>{_text(text)}</{tag}>"
    return f"<{tag}{written} />"


def _entry(context: RenderContext, entry: Entry) -> bytes:
    """An entry as the child of a feed: a line break and indent first."""
    record, config = entry.record, context.site.config
    url = urls.agreement(record.slug) if isinstance(record, Agreement) else urls.event(record.slug)
    page = urls.absolute(config, url)
    children = [
        _element("id", entry.id),
        _element("title", record.title, type="text"),
        _element("updated", timestamp(entry.updated)),
    ]
    if entry.published is not None:
        children.append(_element("published", timestamp(entry.published)))
    children.append(_element("link", rel="alternate", type="text/html", href=page))
    children.append(_element("category", term=record.kind.value, label=record.kind.label))
    if isinstance(record, Agreement):
        status = record.shown_status or record.status
        children.append(_element("category", term=f"status:{status.value}", label=status.label))
        for slug in record.areas:
            label = config.area(slug).label
            children.append(_element("category", term=f"area:{slug}", label=label))
    children.append(_element("summary", record.summary, type="text"))
    body = context.bodies.get(record.path, "")
    if body.strip():
        children.append(_element("content", body, type="html"))
    inside = "\n    ".join(children)
    return f'\n  <entry xml:base="{_attribute(page)}">\n    {inside}\n  </entry>'.encode()


def write_entries(context: RenderContext, feeds: Iterable[Sequence[Entry]]) -> dict[str, bytes]:
    """The XML of every entry in `feeds`, by id: written once, however many feeds hold it."""
    unique = {item.id: item for items in feeds for item in items}
    return {id_: _entry(context, item) for id_, item in unique.items()}


def atom(
    context: RenderContext,
    url: str,
    page_url: str,
    title: str,
    subtitle: str,
    items: Sequence[Entry],
    written: Mapping[str, bytes] | None = None,
) -> OutputFile:
    """One Atom feed published at `url`, about the page at `page_url`, holding `items`;
    `written` has their XML (see `write_entries`), else it is written here."""
    config = context.site.config
    if written is None:
        written = write_entries(context, [items])
    head = [
        _element("id", tag_uri(config, url)),
        _element("title", title, type="text"),
        _element("subtitle", subtitle, type="text"),
        _element("updated", timestamp(max((e.updated for e in items), default=EPOCH))),
        _element("link", rel="self", type="application/atom+xml", href=urls.absolute(config, url)),
        _element("link", rel="alternate", type="text/html", href=urls.absolute(config, page_url)),
        "<author>",
        "  " + _element("name", config.title),
        "  " + _element("uri", config.base_url),
        "</author>",
        _element("rights", f"{LICENCE_NAME}, {LICENCE_URL}", type="text"),
        _element("generator", "cooperation-portal"),
    ]
    start = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="{ATOM}" xml:lang="{_attribute(config.language)}">'
    )
    parts = [(start + "".join("\n  " + line for line in head)).encode()]
    parts += [written[item.id] for item in items]
    parts.append(b"\n</feed>\n")
    return OutputFile(url, b"".join(parts))


def site_feed(
    context: RenderContext,
    index: FeedIndex | None = None,
    written: Mapping[str, bytes] | None = None,
) -> OutputFile:
    config = context.site.config
    items = (index or feed_index(context.site)).site
    return atom(context, urls.feed(), urls.home(), config.title, config.description, items, written)


def partner_feed(
    context: RenderContext,
    partner: Partner,
    index: FeedIndex | None = None,
    written: Mapping[str, bytes] | None = None,
) -> OutputFile:
    site = context.site
    return atom(
        context,
        urls.partner_feed(partner.slug),
        urls.partner(partner.slug),
        f"{partner.name} – {site.config.title}",
        f"Agreements and events with {partner.name}.",
        (index or feed_index(site)).partners[partner.slug],
        written,
    )


def render_feeds(context: RenderContext) -> Iterable[OutputFile]:
    """Render stage: the site feed and one feed per partner."""
    index = feed_index(context.site)
    written = write_entries(context, [index.site, *index.partners.values()])
    yield site_feed(context, index, written)
    for partner in context.site.partners:
        yield partner_feed(context, partner, index, written)
