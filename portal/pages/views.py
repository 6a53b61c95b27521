"""What each HTML page shows, computed from the Site: grouping, sorting, counts, expiry.

Pure functions over `Site` that return frozen dataclasses; the templates only loop over
them and branch. Every ordering is deterministic: ties are broken by slug.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.content.fields import country_name
from portal.model.records import Agency, Agreement, Area, Event, Page, Partner
from portal.model.site import Site
from portal.model.values import PartnerType, Status
from portal.pages import urls
from portal.pages.rows import (
    RUNNING,
    agreement_dates,
    agreement_ref,
    event_row,
    event_rows,
    expiry_note,
    partner_ref,
    row,
    rows,
    site_index,
    status_counts,
)
from portal.pages.values import (
    AgreementRow,
    AgreementsIndex,
    AgreementView,
    Count,
    DocumentLink,
    EventView,
    Filter,
    HomeView,
    NavItem,
    Option,
    PageRef,
    PartnerGroup,
    PartnerItem,
    PartnersIndex,
    PartnerView,
    RecordsView,
)

LATEST = 5  # agreements and events listed on the home page
EXPIRING_WITHIN_DAYS = 365


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
    index = site_index(site)
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
    all_rows = tuple(row(site, a) for a in site_index(site).newest_agreements)
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
    index = site_index(site)
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
    index = site_index(site)
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
    index = site_index(site)
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
    index = site_index(site)
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
    index = site_index(site)
    agreements = index.agreements_of_agency.get(agency.slug, [])
    return RecordsView(
        agreements=rows(site, agreements),
        events=event_rows(site, index.events_of_agency.get(agency.slug, ())),
        status_counts=status_counts(agreements),
    )


def event_view(site: Site, event: Event) -> EventView:
    index = site_index(site)
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
