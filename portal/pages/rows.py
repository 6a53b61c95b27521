"""The parts many pages share, made from the Site: who refers to whom (indexed once per
site), orderings and dates, and the references and rows made once per record. Pure;
every ordering is deterministic: ties are broken by slug."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from portal.model.records import Agency, Agreement, Area, Event, Partner
from portal.model.site import Site, once_per_site
from portal.model.values import PartialDate, Status
from portal.pages import urls
from portal.pages.values import (
    AgreementRef,
    AgreementRow,
    Count,
    DateFact,
    EventRow,
    PartnerRef,
    RowDate,
    day,
    tag,
)

T = TypeVar("T")

RUNNING = frozenset({Status.SIGNED, Status.IN_FORCE})  # agreements that may expire


# --- who refers to whom, indexed once per site ----------------------------------------


@dataclass(frozen=True)
class SiteIndex:
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


def _build_index(site: Site) -> SiteIndex:
    newest_agreements = agreements_newest_first(site.agreements)
    newest_events = events_newest_first(site.events)
    refs = {
        p.slug: PartnerRef(p.slug, urls.partner(p.slug), p.name, tag(p.type)) for p in site.partners
    }
    index = SiteIndex(
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
site_index = once_per_site(_build_index)


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
    """`items` of the site in the site's order `rank` (see SiteIndex)."""
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
    return site_index(site).partner_refs[slug]


def agreement_ref(agreement: Agreement) -> AgreementRef:
    return AgreementRef(
        agreement.slug,
        urls.agreement(agreement.slug),
        agreement.title,
        tag(agreement.shown_status or agreement.status),
    )


def row(site: Site, agreement: Agreement) -> AgreementRow:
    """The agreement of `site` as a line of a list (made once per site)."""
    return site_index(site).rows[agreement.slug]


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
    index = site_index(site)
    ordered = _ranked(agreements, index.agreement_rank, lambda a: a.slug)
    return tuple(index.rows[a.slug] for a in ordered)


def event_row(site: Site, event: Event) -> EventRow:
    """The event of `site` as a line of a list (made once per site)."""
    return site_index(site).event_rows[event.slug]


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
    index = site_index(site)
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
