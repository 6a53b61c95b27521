"""sitemap.xml and robots.txt. Pure.

The sitemap lists every HTML page the build produced (it runs as a post stage, after
every other stage, so it cannot miss a page or list one that is not there), with the
absolute URL under base_url and, where the register knows it, a real `<lastmod>`:

- an agreement: its `updated` date, else the latest of its dates that have come
  (signed, entry into force, termination, its sources' dates, and the expiry once it
  has passed, since the page then shows the agreement as expired);
- an event: the latest of its date and its sources' dates that have come;
- a partner, area or agency page: the latest of its agreements and events;
- the home page and the indexes (agreements, partners, timeline, search, data): the latest
  of every record;
- a free page has no date in its record, so no `<lastmod>`. Never the build time.

Dates keep the precision the sources give (`2023`, `2023-09`, `2023-09-14`), all of
which the sitemap protocol (W3C datetime) accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Set
from xml.sax.saxutils import escape

from portal.model.output import OutputFile
from portal.model.records import Agreement, Event
from portal.model.site import Site
from portal.model.values import PartialDate
from portal.pages import urls
from portal.pages.context import RenderContext

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
NOT_PAGES = frozenset({"404.html"})  # served for errors, never a page of its own
INDEXES = ("", "agreements/", "partners/", "timeline/", "search/", "data/")


def _latest(dates: Iterable[PartialDate | None]) -> PartialDate | None:
    present = [d for d in dates if d is not None]
    return max(present, key=lambda d: d.sort_key) if present else None


def _come(date: PartialDate | None, today: dt.date) -> PartialDate | None:
    return date if date is not None and date.start <= today else None


def agreement_lastmod(agreement: Agreement, today: dt.date) -> PartialDate | None:
    if agreement.updated is not None:
        return agreement.updated
    expiry = agreement.expiry if agreement.expiry and agreement.expiry.end < today else None
    dates = [agreement.signed, agreement.effective, agreement.terminated, expiry]
    dates.extend(source.date for source in agreement.sources)
    return _latest(_come(d, today) for d in dates)


def event_lastmod(event: Event, today: dt.date) -> PartialDate | None:
    dates = [event.date, *(source.date for source in event.sources)]
    return _latest(_come(d, today) for d in dates)


def lastmods(site: Site) -> dict[str, PartialDate]:
    """{page URL: its last modification}, for the pages whose records give one."""
    today = site.today
    by_agreement = {a.slug: agreement_lastmod(a, today) for a in site.agreements}
    by_event = {e.slug: event_lastmod(e, today) for e in site.events}
    found: dict[str, PartialDate | None] = {}
    found.update({urls.agreement(slug): d for slug, d in by_agreement.items()})
    found.update({urls.event(slug): d for slug, d in by_event.items()})

    # The dates of the records each partner, area and agency page lists, in one pass.
    listed: dict[str, list[PartialDate | None]] = {}
    for agreement in site.agreements:
        date = by_agreement[agreement.slug]
        for url in {
            *(urls.partner(slug) for slug in agreement.partners),
            *(urls.area(slug) for slug in agreement.areas),
            *(urls.agency(slug) for slug in agreement.agencies),
        }:
            listed.setdefault(url, []).append(date)
    for event in site.events:  # events have no areas
        date = by_event[event.slug]
        for url in {
            *(urls.partner(slug) for slug in event.partners),
            *(urls.agency(slug) for slug in event.agencies),
        }:
            listed.setdefault(url, []).append(date)
    for url in (
        *(urls.partner(p.slug) for p in site.partners),
        *(urls.area(a.slug) for a in site.config.areas),
        *(urls.agency(a.slug) for a in site.config.agencies),
    ):
        found[url] = _latest(listed.get(url, ()))
    everything = _latest([*by_agreement.values(), *by_event.values()])
    for url in INDEXES:
        found[url] = everything
    return {url: date for url, date in found.items() if date is not None}


def page_urls(outputs: Iterable[str]) -> list[str]:
    """The URLs of the HTML pages among output paths: `agreements/x/index.html` ->
    `agreements/x/`."""
    found = []
    for path in outputs:
        if not path.endswith(".html") or path in NOT_PAGES:
            continue
        found.append(
            path.removesuffix("index.html") if path.rsplit("/", 1)[-1] == "index.html" else path
        )
    return sorted(found)


def sitemap(site: Site, pages: Iterable[str]) -> bytes:
    dates = lastmods(site)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url in pages:
        loc = f"<loc>{escape(urls.absolute(site.config, url))}</loc>"
        date = dates.get(url)
        lastmod = f"<lastmod>{date.iso()}</lastmod>" if date is not None else ""
        lines.append(f"  <url>{loc}{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(site: Site) -> bytes:
    """Every crawler welcome, pointed at the sitemap; a preview (drafts) is not for indexing."""
    rule = "Disallow: /" if site.preview else "Disallow:"
    sitemap_url = urls.absolute(site.config, SITEMAP)
    return f"User-agent: *\n{rule}\n\nSitemap: {sitemap_url}\n".encode()


def render_seo(context: RenderContext, outputs: Set[str]) -> Iterable[OutputFile]:
    """Post stage: sitemap.xml over every page produced, and robots.txt."""
    yield OutputFile(SITEMAP, sitemap(context.site, page_urls(outputs)))
    yield OutputFile(ROBOTS, robots(context.site))
