"""What each HTML page shows, computed from the Site: grouping, sorting, counts, expiry.

Pure functions over `Site` that return frozen dataclasses; the templates only loop over
them and branch. Every ordering is deterministic: ties are broken by slug.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from portal.content.fields import country_name
from portal.model import (
    Agency,
    Agreement,
    Area,
    Event,
    Page,
    PartialDate,
    Partner,
    PartnerType,
    Site,
    Status,
    Vocabulary,
    once_per_site,
)
from portal.pages import urls

T = TypeVar("T")

LATEST = 5  # agreements and events listed on the home page
EXPIRING_WITHIN_DAYS = 365
RUNNING = frozenset({Status.SIGNED, Status.IN_FORCE})


# --- small pieces ---------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str


@dataclass(frozen=True)
class Count:
    """One line of a tally: `key` is the value counted (a status, a type), for anchors."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Tag:
    """A value of a vocabulary (a status, a kind) as a page shows it: `value` for classes
    and filters, `label` for the reader. Rows carry these rather than the enums, so that a
    long list reads plain attributes, not an enum property per row."""

    value: str
    label: str


def tag(value: Vocabulary) -> Tag:
    return Tag(value.value, value.label)


@dataclass(frozen=True)
class Day:
    """A date as a page shows it: `iso` for the datetime attribute, `text` for the reader."""

    iso: str
    text: str


def day(date: PartialDate) -> Day:
    return Day(date.iso(), date.display())


@dataclass(frozen=True)
class RowDate:
    """A date of an agreement's row: `day` None means the sources do not state it."""

    label: str
    day: Day | None


@dataclass(frozen=True)
class DateFact:
    """A dated fact about an agreement; `date` None means the sources do not state it."""

    label: str
    date: PartialDate | None
    note: str = ""


@dataclass(frozen=True)
class DocumentLink:
    """A document of an agreement: `url` is a site URL (for `href`) when `internal`."""

    title: str
    url: str
    internal: bool
    language: str | None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Filter:
    """One filter of the agreements index: `name` is its URL query parameter."""

    name: str
    label: str
    all_label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class PartnerRef:
    """A partner as other pages name it. Pages that list or link a record are handed refs
    and rows like this, never the record itself: what a page shows of another record is
    all that its cache key covers, so editing a record's body re-renders its own page only."""

    slug: str
    url: str
    name: str
    type: Tag


@dataclass(frozen=True)
class AgreementRef:
    """An agreement as a link: its page, its title and its shown status."""

    slug: str
    url: str
    title: str
    status: Tag  # the shown status


@dataclass(frozen=True)
class AgreementRow:
    """An agreement as a line of a list, with what the list shows and filters on."""

    slug: str
    url: str
    title: str
    kind: Tag
    status: Tag  # the shown status
    draft: bool
    partners: tuple[PartnerRef, ...]
    dates: tuple[RowDate, ...]
    year: str  # the year of its date, "" when it has none (for the year filter)
    partner_slugs: str  # for the partner filter, space-separated
    area_slugs: str  # for the area filter, space-separated


@dataclass(frozen=True)
class EventRow:
    """An event as a line of a list."""

    slug: str
    url: str
    title: str
    kind: Tag
    date: Day
    place: str | None
    draft: bool


@dataclass(frozen=True)
class PageRef:
    """A free page as a link, with its summary."""

    url: str
    title: str
    summary: str | None


@dataclass(frozen=True)
class PartnerItem:
    partner: PartnerRef
    country: str  # the country's name, "" when the partner has none
    agreements: int
    events: int


@dataclass(frozen=True)
class PartnerGroup:
    key: str  # anchor id
    label: str
    items: tuple[PartnerItem, ...]

    @property
    def count(self) -> int:
        return len(self.items)


# --- pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeView:
    about: PageRef | None  # the free page `about`, linked from the introduction
    latest_agreements: tuple[AgreementRow, ...]
    latest_events: tuple[EventRow, ...]
    expiring: tuple[tuple[AgreementRow, str], ...]  # the row and "expires in N days"
    status_counts: tuple[Count, ...]
    partner_type_counts: tuple[Count, ...]
    agreements: int
    partners: int
    events: int


@dataclass(frozen=True)
class AgreementsIndex:
    rows: tuple[AgreementRow, ...]
    filters: tuple[Filter, ...]


@dataclass(frozen=True)
class AgreementView:
    agreement: Agreement
    status: Status
    partners: tuple[PartnerRef, ...]
    agencies: tuple[Agency, ...]
    areas: tuple[Area, ...]
    dates: tuple[DateFact, ...]
    expiry_note: str  # "Expires in 30 days, on 14 September 2026", or ""
    documents: tuple[DocumentLink, ...]
    related: tuple[AgreementRow, ...]
    events: tuple[EventRow, ...]
    superseded_by: AgreementRef | None
    supersedes: tuple[AgreementRef, ...]


@dataclass(frozen=True)
class PartnersIndex:
    by_type: tuple[PartnerGroup, ...]
    by_country: tuple[PartnerGroup, ...]
    total: int


@dataclass(frozen=True)
class PartnerView:
    partner: Partner
    country: str
    parent: PartnerRef | None
    children: tuple[PartnerItem, ...]
    agreements: tuple[AgreementRow, ...]
    events: tuple[EventRow, ...]
    status_counts: tuple[Count, ...]


@dataclass(frozen=True)
class RecordsView:
    """The agreements and events of one area or one home agency."""

    agreements: tuple[AgreementRow, ...]
    events: tuple[EventRow, ...]
    status_counts: tuple[Count, ...]


@dataclass(frozen=True)
class EventView:
    event: Event
    partners: tuple[PartnerRef, ...]
    agencies: tuple[Agency, ...]
    agreements: tuple[AgreementRow, ...]


# --- who refers to whom, indexed once per site ----------------------------------------


@dataclass(frozen=True)
class _Index:
    """The site's cross references, each list in the order of the site's records, so that
    a page's view needs no scan over every record (O(n) per site, not per page); and the
    refs and rows of every record, each made once per site and shared by every page."""

    published: dict[str, Agreement]
    events_of_agreement: dict[str, list[Event]]
    superseding: dict[str, list[Agreement]]  # slug -> the agreements it supersedes
    agreements_of_partner: dict[str, list[Agreement]]
    events_of_partner: dict[str, list[Event]]
    children: dict[str, list[Partner]]
    agreements_of_area: dict[str, list[Agreement]]
    agreements_of_agency: dict[str, list[Agreement]]
    events_of_agency: dict[str, list[Event]]
    # The site's agreements (events) newest first, and the position of each in that order
    # by slug: sorting some of them by it gives the order `newest_first` gives them.
    newest_agreements: tuple[Agreement, ...]
    newest_events: tuple[Event, ...]
    agreement_rank: dict[str, int]
    event_rank: dict[str, int]
    partner_refs: dict[str, PartnerRef]
    agencies: dict[str, Agency]  # the configuration's, by slug
    areas: dict[str, Area]
    rows: dict[str, AgreementRow]  # by slug, of every agreement
    event_rows: dict[str, EventRow]  # by slug, of every event


def _build_index(site: Site) -> _Index:
    newest_agreements = agreements_newest_first(site.agreements)
    newest_events = events_newest_first(site.events)
    refs = {
        p.slug: PartnerRef(p.slug, urls.partner(p.slug), p.name, tag(p.type)) for p in site.partners
    }
    index = _Index(
        published={a.slug: a for a in site.agreements},
        events_of_agreement={},
        superseding={},
        agreements_of_partner={},
        events_of_partner={},
        children={},
        agreements_of_area={},
        agreements_of_agency={},
        events_of_agency={},
        newest_agreements=newest_agreements,
        newest_events=newest_events,
        agreement_rank={a.slug: i for i, a in enumerate(newest_agreements)},
        event_rank={e.slug: i for i, e in enumerate(newest_events)},
        partner_refs=refs,
        agencies={a.slug: site.config.agency(a.slug) for a in site.config.agencies},
        areas={a.slug: site.config.area(a.slug) for a in site.config.areas},
        rows={a.slug: _row(refs, a) for a in site.agreements},
        event_rows={e.slug: _event_row(e) for e in site.events},
    )
    for agreement in site.agreements:
        if agreement.superseded_by:
            index.superseding.setdefault(agreement.superseded_by, []).append(agreement)
        for slug in dict.fromkeys(agreement.partners):
            index.agreements_of_partner.setdefault(slug, []).append(agreement)
        for slug in dict.fromkeys(agreement.areas):
            index.agreements_of_area.setdefault(slug, []).append(agreement)
        for slug in dict.fromkeys(agreement.agencies):
            index.agreements_of_agency.setdefault(slug, []).append(agreement)
    for event in site.events:
        for slug in dict.fromkeys(event.agreements):
            index.events_of_agreement.setdefault(slug, []).append(event)
        for slug in dict.fromkeys(event.partners):
            index.events_of_partner.setdefault(slug, []).append(event)
        for slug in dict.fromkeys(event.agencies):
            index.events_of_agency.setdefault(slug, []).append(event)
    for partner in site.partners:
        if partner.parent:
            index.children.setdefault(partner.parent, []).append(partner)
    return index


# The index of a site, made at its first use and kept while the site lives.
_index = once_per_site(_build_index)


# --- sorting and dates ---------------------------------------------------------------


def newest_first(
    items: Iterable[T], date: Callable[[T], PartialDate | None], slug: Callable[[T], str]
) -> tuple[T, ...]:
    """Dated items newest first (a partial date counts from the start of its period), then
    undated ones; ties by slug."""
    ordered = sorted(items, key=slug)
    dated = [(d.sort_key, item) for item in ordered if (d := date(item)) is not None]
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties stay in slug order
    return (*(item for _, item in dated), *(item for item in ordered if date(item) is None))


def agreements_newest_first(agreements: Iterable[Agreement]) -> tuple[Agreement, ...]:
    return newest_first(agreements, lambda a: a.sort_date, lambda a: a.slug)


def events_newest_first(events: Iterable[Event]) -> tuple[Event, ...]:
    return newest_first(events, lambda e: e.date, lambda e: e.slug)


def _ranked(items: Iterable[T], rank: dict[str, int], slug: Callable[[T], str]) -> list[T]:
    """`items` of the site in the site's order `rank` (see _Index)."""
    return sorted(items, key=lambda item: rank[slug(item)])


def agreement_dates(agreement: Agreement) -> tuple[DateFact, ...]:
    """Signed, entered into force, expires and terminated, as far as the record gives them.

    A field listed in `date_unknown` is shown as not stated; an expiry computed from the
    term says so, and a term whose start is unknown gives an expiry that is not stated.
    """
    facts: list[DateFact] = []
    unknown = set(agreement.date_unknown)
    for field, label in (("signed", "Signed"), ("effective", "Entered into force")):
        value: PartialDate | None = getattr(agreement, field)
        if value is not None or field in unknown:
            facts.append(DateFact(label, value))
    ended = agreement.terminated
    expires = (
        "Was to expire" if ended and agreement.expiry and ended < agreement.expiry else "Expires"
    )
    if agreement.expires is not None:
        facts.append(DateFact(expires, agreement.expires))
    elif agreement.term is not None:
        start = "entry into force" if agreement.effective else "signing"
        note = f"{agreement.term.display()} after {start}"
        facts.append(DateFact(expires, agreement.expiry, note))
    if agreement.terminated is not None or "terminated" in unknown:
        facts.append(DateFact("Terminated", agreement.terminated))
    return tuple(facts)


def expiry_note(agreement: Agreement, today: dt.date) -> str:
    """`Expires in 30 days, on 14 September 2026` or `Expired on 14 September 2021`.

    Only for an agreement that runs (or ran until its expiry) and whose expiry is known.
    A date known only to the month or year expires at the end of its period.
    """
    expiry = agreement.expiry
    status = agreement.shown_status or agreement.status
    if expiry is None or status not in RUNNING | {Status.EXPIRED}:
        return ""
    on = "on" if expiry.precision == "day" else "in"
    if expiry.end < today:
        return f"Expired {on} {expiry.display()}"
    days = (expiry.end - today).days
    if days == 0:
        return f"Expires today, {expiry.display()}" if on == "on" else "Expires today"
    count = "1 day" if days == 1 else f"{days} days"
    if expiry.precision == "day":
        return f"Expires in {count}, on {expiry.display()}"
    return f"Expires in {expiry.display()}, within {count}"


# --- refs and rows: made once per record of a site ---------------------------------------


def partner_ref(site: Site, slug: str) -> PartnerRef:
    return _index(site).partner_refs[slug]


def agreement_ref(agreement: Agreement) -> AgreementRef:
    return AgreementRef(
        agreement.slug,
        urls.agreement(agreement.slug),
        agreement.title,
        tag(agreement.shown_status or agreement.status),
    )


def row(site: Site, agreement: Agreement) -> AgreementRow:
    """The agreement of `site` as a line of a list (made once per site)."""
    return _index(site).rows[agreement.slug]


def _row(refs: dict[str, PartnerRef], agreement: Agreement) -> AgreementRow:
    date = agreement.sort_date
    return AgreementRow(
        slug=agreement.slug,
        url=urls.agreement(agreement.slug),
        title=agreement.title,
        kind=tag(agreement.kind),
        status=tag(agreement.shown_status or agreement.status),
        draft=agreement.draft,
        partners=tuple(refs[s] for s in agreement.partners),
        dates=tuple(
            RowDate(f.label, day(f.date) if f.date else None) for f in agreement_dates(agreement)
        ),
        year=str(date.year) if date else "",
        partner_slugs=" ".join(agreement.partners),
        area_slugs=" ".join(agreement.areas),
    )


def rows(site: Site, agreements: Iterable[Agreement]) -> tuple[AgreementRow, ...]:
    """Agreements of `site` as rows, newest first."""
    index = _index(site)
    ordered = _ranked(agreements, index.agreement_rank, lambda a: a.slug)
    return tuple(index.rows[a.slug] for a in ordered)


def event_row(site: Site, event: Event) -> EventRow:
    """The event of `site` as a line of a list (made once per site)."""
    return _index(site).event_rows[event.slug]


def _event_row(event: Event) -> EventRow:
    return EventRow(
        event.slug,
        urls.event(event.slug),
        event.title,
        tag(event.kind),
        day(event.date),
        event.place,
        event.draft,
    )


def event_rows(site: Site, events: Iterable[Event]) -> tuple[EventRow, ...]:
    """Events of `site` as rows, newest first."""
    index = _index(site)
    ordered = _ranked(events, index.event_rank, lambda e: e.slug)
    return tuple(index.event_rows[e.slug] for e in ordered)


def status_counts(agreements: Iterable[Agreement]) -> tuple[Count, ...]:
    """How many agreements each shown status has, in the order of the statuses; no zeros."""
    shown = [a.shown_status or a.status for a in agreements]
    return tuple(
        Count(status.value, status.label, shown.count(status))
        for status in Status
        if status in shown
    )


# --- site-wide -------------------------------------------------------------------------


def menu_pages(pages: Iterable[Page]) -> tuple[Page, ...]:
    return tuple(sorted((p for p in pages if p.menu is not None), key=lambda p: (p.menu, p.slug)))


def nav(site: Site) -> tuple[NavItem, ...]:
    """The main navigation: the register's sections, then free pages with `menu`, in order."""
    return (
        NavItem(urls.agreements(), "Agreements"),
        NavItem(urls.partners(), "Partners"),
        NavItem(urls.timeline(), "Timeline"),
        *(NavItem(urls.page(p.slug), p.title) for p in menu_pages(site.pages)),
    )


def home(site: Site) -> HomeView:
    index = _index(site)
    expiring: list[tuple[AgreementRow, str]] = []
    soon = sorted(
        (
            a
            for a in site.agreements
            if (a.shown_status or a.status) in RUNNING
            and a.expiry is not None
            and 0 <= (a.expiry.end - site.today).days <= EXPIRING_WITHIN_DAYS
        ),
        key=lambda a: (a.expiry.end if a.expiry else site.today, a.slug),
    )
    for agreement in soon:
        expiring.append((row(site, agreement), expiry_note(agreement, site.today)))
    about = next((p for p in site.pages if p.slug == "about"), None)
    partner_types = [p.type for p in site.partners]
    return HomeView(
        about=PageRef(urls.page(about.slug), about.title, about.summary) if about else None,
        latest_agreements=tuple(row(site, a) for a in index.newest_agreements[:LATEST]),
        latest_events=tuple(event_row(site, e) for e in index.newest_events[:LATEST]),
        expiring=tuple(expiring),
        status_counts=status_counts(site.agreements),
        partner_type_counts=tuple(
            Count(t.value, t.label, partner_types.count(t))
            for t in PartnerType
            if t in partner_types
        ),
        agreements=len(site.agreements),
        partners=len(site.partners),
        events=len(site.events),
    )


def agreements_index(site: Site) -> AgreementsIndex:
    agreements = site.agreements
    all_rows = tuple(row(site, a) for a in _index(site).newest_agreements)
    statuses = {a.shown_status or a.status for a in agreements}
    kinds = {a.kind for a in agreements}
    partners = {p.slug: p for r in all_rows for p in r.partners}
    areas = {s for a in agreements for s in a.areas}
    years = sorted({r.year for r in all_rows if r.year}, reverse=True)
    year_options = [Option(y, y) for y in years]
    if any(not r.year for r in all_rows):
        year_options.append(Option("none", "No date stated"))
    filters = (
        Filter(
            "status",
            "Status",
            "Any status",
            tuple(Option(s.value, s.label) for s in Status if s in statuses),
        ),
        Filter(
            "kind",
            "Kind",
            "Any kind",
            tuple(Option(k.value, k.label) for k in sorted(kinds, key=lambda k: k.label)),
        ),
        Filter(
            "partner",
            "Partner",
            "Any partner",
            tuple(
                Option(p.slug, p.name)
                for p in sorted(partners.values(), key=lambda p: (p.name.casefold(), p.slug))
            ),
        ),
        Filter(
            "area",
            "Area",
            "Any area",
            tuple(
                Option(a.slug, a.label)
                for a in sorted(
                    (site.config.area(s) for s in areas), key=lambda a: (a.label.casefold(), a.slug)
                )
            ),
        ),
        Filter("year", "Year", "Any year", tuple(year_options)),
    )
    return AgreementsIndex(all_rows, filters)


def agreement_view(site: Site, agreement: Agreement) -> AgreementView:
    index = _index(site)
    published = index.published
    superseded_by = published.get(agreement.superseded_by) if agreement.superseded_by else None
    return AgreementView(
        agreement=agreement,
        status=agreement.shown_status or agreement.status,
        partners=tuple(index.partner_refs[s] for s in agreement.partners),
        agencies=tuple(index.agencies[s] for s in agreement.agencies),
        areas=tuple(index.areas[s] for s in agreement.areas),
        dates=agreement_dates(agreement),
        expiry_note=expiry_note(agreement, site.today),
        documents=tuple(
            DocumentLink(d.title, d.url, d.url.startswith("static/"), d.language)
            for d in agreement.documents
        ),
        related=rows(site, (published[s] for s in agreement.related_all)),
        events=event_rows(site, index.events_of_agreement.get(agreement.slug, ())),
        superseded_by=agreement_ref(superseded_by) if superseded_by else None,
        supersedes=tuple(agreement_ref(a) for a in index.superseding.get(agreement.slug, ())),
    )


def _partner_item(site: Site, partner: Partner) -> PartnerItem:
    index = _index(site)
    return PartnerItem(
        partner=index.partner_refs[partner.slug],
        country=country_name(partner.country) if partner.country else "",
        agreements=len(index.agreements_of_partner.get(partner.slug, ())),
        events=len(index.events_of_partner.get(partner.slug, ())),
    )


def _by_name(items: Iterable[PartnerItem]) -> tuple[PartnerItem, ...]:
    return tuple(sorted(items, key=lambda i: (i.partner.name.casefold(), i.partner.slug)))


def partners_index(site: Site) -> PartnersIndex:
    """Partners grouped by type (in the order of the types) and by country (by name; the
    partners without a country last)."""
    pairs = [(p, _partner_item(site, p)) for p in site.partners]
    by_type = tuple(
        PartnerGroup(f"type-{t.value}", t.label, _by_name(i for p, i in pairs if p.type is t))
        for t in PartnerType
        if any(p.type is t for p, _ in pairs)
    )
    countries = sorted(
        {(i.country, p.country or "") for p, i in pairs if i.country},
        key=lambda c: (c[0].casefold(), c[1]),
    )
    by_country = [
        PartnerGroup(
            f"country-{code.lower()}", name, _by_name(i for p, i in pairs if p.country == code)
        )
        for name, code in countries
    ]
    stateless = _by_name(i for _, i in pairs if not i.country)
    if stateless:
        by_country.append(
            PartnerGroup("country-none", "No country (companies and organisations)", stateless)
        )
    return PartnersIndex(by_type, tuple(by_country), len(pairs))


def partner_view(site: Site, partner: Partner) -> PartnerView:
    index = _index(site)
    agreements = index.agreements_of_partner.get(partner.slug, [])
    return PartnerView(
        partner=partner,
        country=country_name(partner.country) if partner.country else "",
        parent=partner_ref(site, partner.parent) if partner.parent else None,
        children=_by_name(_partner_item(site, p) for p in index.children.get(partner.slug, ())),
        agreements=rows(site, agreements),
        events=event_rows(site, index.events_of_partner.get(partner.slug, ())),
        status_counts=status_counts(agreements),
    )


def area_view(site: Site, area: Area) -> RecordsView:
    """An area's agreements, and the events that concern them (events have no areas)."""
    index = _index(site)
    agreements = index.agreements_of_area.get(area.slug, [])
    events = {
        id(e): e for a in agreements for e in index.events_of_agreement.get(a.slug, ())
    }.values()
    return RecordsView(
        agreements=rows(site, agreements),
        events=event_rows(site, events),
        status_counts=status_counts(agreements),
    )


def agency_view(site: Site, agency: Agency) -> RecordsView:
    index = _index(site)
    agreements = index.agreements_of_agency.get(agency.slug, [])
    return RecordsView(
        agreements=rows(site, agreements),
        events=event_rows(site, index.events_of_agency.get(agency.slug, ())),
        status_counts=status_counts(agreements),
    )


def event_view(site: Site, event: Event) -> EventView:
    index = _index(site)
    published = index.published
    return EventView(
        event=event,
        partners=tuple(index.partner_refs[s] for s in event.partners),
        agencies=tuple(index.agencies[s] for s in event.agencies),
        # an event may concern a draft agreement, which a published build leaves out
        agreements=rows(
            site,
            (published[s] for s in dict.fromkeys(event.agreements) if s in published),
        ),
    )
