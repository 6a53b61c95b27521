"""What a record's page tells Pagefind besides its text: the filters, meta and sort key of
`SearchData`, made from the values the page shows (the shown status, not the recorded
one), which the record templates put in a hidden block; and which pages the index covers.
Pages without it (lists, the timeline, the home page) are not indexed, and neither are
drafts outside the preview.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from portal.model.records import Agreement, Event, Page, Partner
from portal.model.site import Site
from portal.model.values import PartialDate
from portal.pages import urls

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
