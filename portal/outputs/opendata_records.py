"""Records -> the JSON values of the open data (portal.outputs.opendata writes them).

Every published record with every field, under the names of the content model; dates as
ISO 8601 strings at the precision the editor gave; values the portal computes under
`computed`; each agreement's, partner's and event's `history` (portal.history).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from portal.content.fields import country_name
from portal.model.records import Agreement, Document, Event, Partner, Source
from portal.model.site import Site
from portal.model.values import PartialDate
from portal.pages import urls

Json = dict[str, Any]


# --- records -------------------------------------------------------------------


def _date(value: PartialDate | None) -> str | None:
    return value.iso() if value is not None else None


def _source(source: Source) -> Json:
    return {
        "title": source.title,
        "url": source.url,
        "publisher": source.publisher,
        "date": _date(source.date),
    }


def _document(document: Document) -> Json:
    return {"title": document.title, "url": document.url, "language": document.language}


def document_url(site: Site, document: Document) -> str:
    """A document's address as a full URL (files in static/ are published with the site)."""
    if document.url.startswith("static/"):
        return urls.absolute(site.config, document.url)
    return document.url


def history_records(site: Site, record: Agreement | Partner | Event) -> list[Json] | None:
    """A record's revisions, newest first, when the site has a history (from git)."""
    if not site.history:
        return None
    history = site.history_of(record)
    if history is None:
        return []
    return [
        {
            "date": revision.day_iso,
            "commit": revision.commit,
            "message": revision.message,
            "changed": list(revision.changed),
        }
        for revision in history.revisions
    ]


def with_history(site: Site, record: Agreement | Partner | Event, data: Json) -> Json:
    history = history_records(site, record)
    if history is not None:
        data["history"] = history
    return data


def agreement_record(site: Site, agreement: Agreement) -> Json:
    return with_history(site, agreement, _agreement_record(site, agreement))


def _agreement_record(site: Site, agreement: Agreement) -> Json:
    shown = agreement.shown_status or agreement.status
    return {
        "slug": agreement.slug,
        "title": agreement.title,
        "kind": agreement.kind.value,
        "status": agreement.status.value,
        "partners": list(agreement.partners),
        "agencies": list(agreement.agencies),
        "areas": list(agreement.areas),
        "summary": agreement.summary,
        "sources": [_source(s) for s in agreement.sources],
        "signed": _date(agreement.signed),
        "effective": _date(agreement.effective),
        "expires": _date(agreement.expires),
        "term": agreement.term.display() if agreement.term else None,
        "terminated": _date(agreement.terminated),
        "superseded_by": agreement.superseded_by,
        "place": agreement.place,
        "documents": [_document(d) for d in agreement.documents],
        "related": list(agreement.related),
        "draft": agreement.draft,
        "updated": _date(agreement.updated),
        "date_unknown": list(agreement.date_unknown),
        "body": agreement.body.strip(),
        "computed": {
            "url": urls.absolute(site.config, urls.agreement(agreement.slug)),
            "shown_status": shown.value,
            "shown_status_as_of": site.today.isoformat(),
            "expiry": _date(agreement.expiry),
            "related_all": list(agreement.related_all),
            "document_urls": [document_url(site, d) for d in agreement.documents],
        },
    }


def partner_record(
    site: Site, partner: Partner, agreements: Sequence[str], events: Sequence[str]
) -> Json:
    return with_history(site, partner, _partner_record(site, partner, agreements, events))


def _partner_record(
    site: Site, partner: Partner, agreements: Sequence[str], events: Sequence[str]
) -> Json:
    return {
        "slug": partner.slug,
        "name": partner.name,
        "type": partner.type.value,
        "country": partner.country,
        "summary": partner.summary,
        "parent": partner.parent,
        "website": partner.website,
        "aliases": list(partner.aliases),
        "body": partner.body.strip(),
        "computed": {
            "url": urls.absolute(site.config, urls.partner(partner.slug)),
            "feed": urls.absolute(site.config, urls.partner_feed(partner.slug)),
            "country_name": country_name(partner.country) if partner.country else None,
            "agreements": list(agreements),
            "events": list(events),
        },
    }


def partner_records(site: Site) -> list[Json]:
    """Every partner, with the published agreements and events that name it."""
    agreements: dict[str, list[str]] = {p.slug: [] for p in site.partners}
    events: dict[str, list[str]] = {p.slug: [] for p in site.partners}
    for agreement in published(site.agreements):
        for slug in agreement.partners:
            agreements[slug].append(agreement.slug)
    for event in published(site.events):
        for slug in event.partners:
            events[slug].append(event.slug)
    return [partner_record(site, p, agreements[p.slug], events[p.slug]) for p in site.partners]


def event_record(site: Site, event: Event) -> Json:
    return with_history(site, event, _event_record(site, event))


def _event_record(site: Site, event: Event) -> Json:
    return {
        "slug": event.slug,
        "title": event.title,
        "date": event.date.iso(),
        "kind": event.kind.value,
        "summary": event.summary,
        "sources": [_source(s) for s in event.sources],
        "partners": list(event.partners),
        "agencies": list(event.agencies),
        "agreements": list(event.agreements),
        "place": event.place,
        "draft": event.draft,
        "body": event.body.strip(),
        "computed": {"url": urls.absolute(site.config, urls.event(event.slug))},
    }


R = TypeVar("R", Agreement, Event)


def published(records: Iterable[R]) -> list[R]:
    """Drafts left out: a preview build shows them, published data never does."""
    return [r for r in records if not r.draft]
