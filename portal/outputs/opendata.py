"""Open data: `/data/*.json`, their JSON Schemas, `/data/agreements.csv` and the `/data/` page.

Every published record with every field, under the names of the content model. Dates
are ISO 8601 strings kept at the precision the editor gave (`2023-09-14`, `2023-09`,
`2023`); an absent optional field is `null` (a list: `[]`). Values the portal computes
rather than reads (the page URL, the expiry a term gives, the status shown on the build
day) sit apart, under `computed`. Drafts are never published here. A site built from
its git repository gives each agreement, partner and event its `history`: the commits
that changed its file, newest first, with their date, the first line of their message
and the fields they changed (see portal.history.revisions); the CSV's `last_revised` is the date
of the newest.

The CSV has one row per agreement: UTF-8 with a byte order mark and CRLF line ends, so
that spreadsheets open it with the right encoding; list fields are joined with "; ";
computed columns are prefixed `computed_`; a cell starting with `=`, `+`, `-`, `@`, a tab
or a carriage return gets a leading `'`, so that a spreadsheet shows it as text instead
of running it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from portal.content.fields import country_name
from portal.model import (
    Agreement,
    Document,
    Event,
    EventKind,
    Kind,
    PartialDate,
    Partner,
    PartnerType,
    Site,
    Source,
    Status,
)
from portal.output import OutputFile
from portal.pages import urls
from portal.render import RenderContext
from portal.runtime.cancel import checkpoint

LICENCE_NAME = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

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


# --- JSON Schemas of the records ---------------------------------------------------


def _nullable(schema: Json) -> Json:
    return {"anyOf": [schema, {"type": "null"}]}


DATE_SCHEMA: Json = {
    "type": "string",
    "pattern": r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$",
    "description": "ISO 8601 calendar date at the precision the source gives: "
    "2023-09-14, 2023-09 or 2023",
}
FULL_DATE_SCHEMA: Json = {"type": "string", "format": "date"}
SLUG_SCHEMA: Json = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80}
TEXT_SCHEMA: Json = {"type": "string", "minLength": 1}
URL_SCHEMA: Json = {"type": "string", "format": "uri", "pattern": "^https?://"}


def _slugs(min_items: int = 0) -> Json:
    schema: Json = {"type": "array", "items": SLUG_SCHEMA, "uniqueItems": True}
    if min_items:
        schema["minItems"] = min_items
    return schema


def _object(properties: Json, description: str | None = None) -> Json:
    schema: Json = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


SOURCE_SCHEMA = _object(
    {
        "title": TEXT_SCHEMA,
        "url": URL_SCHEMA,
        "publisher": _nullable(TEXT_SCHEMA),
        "date": _nullable(DATE_SCHEMA),
    }
)
DOCUMENT_SCHEMA = _object(
    {
        "title": TEXT_SCHEMA,
        "url": {
            "type": "string",
            "description": "a web address, or a path into static/ relative to the site",
        },
        "language": _nullable(TEXT_SCHEMA),
    }
)
COMPUTED = "Values the portal computes rather than reads from the record."


def _enum(values: Iterable[object]) -> Json:
    return {"type": "string", "enum": [str(v) for v in values]}


REVISION_SCHEMA = _object(
    {
        "date": _nullable(FULL_DATE_SCHEMA),
        "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
        "message": {"type": "string", "description": "the first line of the commit message"},
        "changed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the fields the revision changed, `body` for the text; none for "
            "the first published version",
        },
    },
    "One commit that changed the record's file, its date in the site's time zone",
)
HISTORY_SCHEMA: Json = {
    "type": "array",
    "items": REVISION_SCHEMA,
    "description": "The record's revisions from the register's git repository, newest "
    "first; the last is its first publication when the repository holds all of it. "
    "Absent when the site was built without its history.",
}


def record_schema(site: Site, name: str, title: str, properties: Json, computed: Json) -> Json:
    schema: Json = {
        "$schema": SCHEMA_DIALECT,
        "$id": urls.absolute(site.config, urls.data(f"schema/{name}.schema.json")),
        "title": title,
        **_object(
            {
                **properties,
                "body": {"type": "string", "description": "the Markdown text of the record"},
                "computed": _object(computed, COMPUTED),
            }
        ),
    }
    if name != "page":  # optional: only a site built from git has it
        schema["properties"] = {**schema["properties"], "history": HISTORY_SCHEMA}
    return schema


def agreement_schema(site: Site) -> Json:
    return record_schema(
        site,
        "agreement",
        "An agreement in the register",
        {
            "slug": SLUG_SCHEMA,
            "title": TEXT_SCHEMA,
            "kind": _enum(Kind),
            "status": {**_enum(Status), "description": "the status the editor recorded"},
            "partners": _slugs(1),
            "agencies": _slugs(1),
            "areas": _slugs(1),
            "summary": {**TEXT_SCHEMA, "maxLength": 400},
            "sources": {"type": "array", "items": SOURCE_SCHEMA, "minItems": 1},
            "signed": _nullable(DATE_SCHEMA),
            "effective": _nullable(DATE_SCHEMA),
            "expires": _nullable(DATE_SCHEMA),
            "term": _nullable(
                {"type": "string", "pattern": r"^[1-9][0-9]{0,2} (year|years|month|months)$"}
            ),
            "terminated": _nullable(DATE_SCHEMA),
            "superseded_by": _nullable(SLUG_SCHEMA),
            "place": _nullable(TEXT_SCHEMA),
            "documents": {"type": "array", "items": DOCUMENT_SCHEMA},
            "related": _slugs(),
            "draft": {"const": False},
            "updated": _nullable(DATE_SCHEMA),
            "date_unknown": {
                "type": "array",
                "items": _enum(["signed", "effective", "terminated"]),
                "description": "date fields that the sources do not give",
            },
        },
        {
            "url": URL_SCHEMA,
            "shown_status": {
                **_enum(Status),
                "description": "the status the dates give on shown_status_as_of: an agreement "
                "whose expiry has passed is shown as expired",
            },
            "shown_status_as_of": FULL_DATE_SCHEMA,
            "expiry": {
                **_nullable(DATE_SCHEMA),
                "description": "`expires`, or entry into force (else signing) plus `term`",
            },
            "related_all": {**_slugs(), "description": "`related`, made symmetric"},
            "document_urls": {"type": "array", "items": URL_SCHEMA},
        },
    )


def partner_schema(site: Site) -> Json:
    return record_schema(
        site,
        "partner",
        "A partner: a government, agency, company or organisation",
        {
            "slug": SLUG_SCHEMA,
            "name": TEXT_SCHEMA,
            "type": _enum(PartnerType),
            "country": _nullable({"type": "string", "pattern": "^[A-Z]{2}$"}),
            "summary": TEXT_SCHEMA,
            "parent": _nullable(SLUG_SCHEMA),
            "website": _nullable(URL_SCHEMA),
            "aliases": {"type": "array", "items": TEXT_SCHEMA},
        },
        {
            "url": URL_SCHEMA,
            "feed": URL_SCHEMA,
            "country_name": _nullable(TEXT_SCHEMA),
            "agreements": _slugs(),
            "events": _slugs(),
        },
    )


def event_schema(site: Site) -> Json:
    return record_schema(
        site,
        "event",
        "An event: a meeting, visit, conference, signing, announcement or statement",
        {
            "slug": SLUG_SCHEMA,
            "title": TEXT_SCHEMA,
            "date": DATE_SCHEMA,
            "kind": _enum(EventKind),
            "summary": TEXT_SCHEMA,
            "sources": {"type": "array", "items": SOURCE_SCHEMA, "minItems": 1},
            "partners": _slugs(),
            "agencies": _slugs(),
            "agreements": _slugs(),
            "place": _nullable(TEXT_SCHEMA),
            "draft": {"const": False},
        },
        {"url": URL_SCHEMA},
    )


# --- files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Collection:
    """One JSON data file: its records and the schema they follow."""

    name: str  # "agreements"
    record: str  # "agreement"
    schema: Callable[[Site], Json]
    records: Callable[[Site], list[Json]]


COLLECTIONS = (
    Collection(
        "agreements",
        "agreement",
        agreement_schema,
        lambda site: [agreement_record(site, a) for a in published(site.agreements)],
    ),
    Collection(
        "partners",
        "partner",
        partner_schema,
        lambda site: partner_records(site),
    ),
    Collection(
        "events",
        "event",
        event_schema,
        lambda site: [event_record(site, e) for e in published(site.events)],
    ),
)


def schema_url(name: str) -> str:
    return urls.data(f"schema/{name}.schema.json")


def _json_bytes(value: Json) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# The records' histories (tens of thousands of revisions on a large register) are written
# by `_history_json`, three times as fast as json's indenting encoder (written in Python),
# and byte for byte as it would: each record's `history` goes through json.dumps as a
# placeholder, which is then replaced.
_PLACEHOLDER = re.compile(r'(?m)^( *)"history": "\\u0000(\d+)"')


def _history_json(history: list[Json], indent: int) -> str:
    """`json.dumps(history, ensure_ascii=False, indent=2)`, set at `indent` spaces."""
    if not history:
        return "[]"
    quote = json.encoder.encode_basestring
    pad, inner, field = " " * indent, " " * (indent + 2), " " * (indent + 4)
    keys: dict[str, str] = {}  # each key as it starts its line
    lists: dict[tuple[str, ...], str] = {}  # the same few lists of fields, again and again
    items = []
    for item in history:
        lines = []
        for key, value in item.items():
            start = keys.get(key)
            if start is None:
                start = keys[key] = f"{field}{quote(key)}: "
            if isinstance(value, list):
                shown = lists.get(tuple(value))
                if shown is None:
                    inside = ",\n".join(field + "  " + quote(v) for v in value)
                    shown = f"[\n{inside}\n{field}]" if value else "[]"
                    lists[tuple(value)] = shown
            else:
                shown = "null" if value is None else quote(value)
            lines.append(start + shown)
        items.append(inner + "{\n" + ",\n".join(lines) + "\n" + inner + "}")
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


def _records_json(document: Json, records: list[Json]) -> bytes:
    """`_json_bytes(document)`, whose records are `records`, their histories made fast."""
    histories: list[list[Json]] = []
    shown: list[Json] = []
    for record in records:
        if "history" in record:
            shown.append({**record, "history": f"\0{len(histories)}"})
            histories.append(record["history"])
        else:
            shown.append(record)
    if not histories:
        return _json_bytes(document)
    collection = next(key for key, value in document.items() if value is records)
    text = json.dumps({**document, collection: shown}, ensure_ascii=False, indent=2)

    def history(match: re.Match[str]) -> str:
        spaces = match.group(1)
        return f'{spaces}"history": ' + _history_json(histories[int(match.group(2))], len(spaces))

    return (_PLACEHOLDER.sub(history, text) + "\n").encode("utf-8")


def json_file(site: Site, collection: Collection, records: list[Json]) -> OutputFile:
    checkpoint()  # each file takes a while on a large site
    document: Json = {
        "title": f"{site.config.title}: {collection.name}",
        "source": site.config.base_url,
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "schema": urls.absolute(site.config, schema_url(collection.record)),
        "count": len(records),
        collection.name: records,
    }
    return OutputFile(urls.data(f"{collection.name}.json"), _records_json(document, records))


def schema_file(site: Site, collection: Collection) -> OutputFile:
    return OutputFile(schema_url(collection.record), _json_bytes(collection.schema(site)))


# --- CSV ---------------------------------------------------------------------------

CSV_COLUMNS = (
    "slug",
    "title",
    "kind",
    "status",
    "partners",
    "agencies",
    "areas",
    "summary",
    "signed",
    "effective",
    "expires",
    "term",
    "terminated",
    "superseded_by",
    "place",
    "related",
    "updated",
    "date_unknown",
    "source_urls",
    "document_urls",
    "computed_shown_status",
    "computed_shown_status_as_of",
    "computed_expiry",
    "computed_url",
    "last_revised",
)


def neutralise(cell: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_row(record: Json) -> list[str]:
    """An agreement's record (as in the JSON file) as a row of CSV_COLUMNS."""
    computed = record["computed"]
    values: dict[str, object] = {
        **record,
        "source_urls": [s["url"] for s in record["sources"]],
        "document_urls": computed["document_urls"],
        **{f"computed_{k}": v for k, v in computed.items()},
        "last_revised": next((r["date"] for r in record.get("history", ()) if r["date"]), None),
    }
    row = []
    for column in CSV_COLUMNS:
        value = values[column]
        if isinstance(value, list):
            text = LIST_SEPARATOR.join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        row.append(neutralise(text))
    return row


def csv_file(agreements: Iterable[Json]) -> OutputFile:
    """The agreements' records (as in the JSON file) as a spreadsheet."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(record) for record in agreements)
    return OutputFile(urls.data("agreements.csv"), out.getvalue().encode("utf-8-sig"))


def data_files(site: Site) -> list[OutputFile]:
    records = {c.name: c.records(site) for c in COLLECTIONS}  # once, for the JSON and the CSV
    return [
        *(json_file(site, c, records[c.name]) for c in COLLECTIONS),
        *(schema_file(site, c) for c in COLLECTIONS),
        csv_file(records["agreements"]),
    ]


# --- the /data/ page ---------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A row of the data page."""

    url: str
    title: str
    format: str
    description: str
    size: int
    schema: str | None = None

    @property
    def size_label(self) -> str:
        if self.size < 1000:
            return f"{self.size} bytes"
        return f"{self.size / 1000:.1f} kB"


def listing(context: RenderContext, files: Sequence[OutputFile]) -> list[Listed]:
    from portal.outputs import feeds, ical

    size = {f.path: len(f.data) for f in files}
    size[urls.feed()] = len(feeds.site_feed(context).data)
    size[urls.data("calendar.ics")] = len(ical.calendar_file(context.site).data)

    def row(url: str, title: str, fmt: str, description: str, schema: str | None = None) -> Listed:
        return Listed(url, title, fmt, description, size[url], schema)

    return [
        row(
            urls.data("agreements.json"),
            "Agreements",
            "JSON",
            "Every agreement with every field; what the register computes is under “computed”.",
            schema_url("agreement"),
        ),
        row(
            urls.data("agreements.csv"),
            "Agreements (spreadsheet)",
            "CSV",
            "One row per agreement. UTF-8 with a byte order mark; lists joined with "
            "“; ”; columns starting computed_ are computed; a cell that would start with "
            "=, +, - or @ starts with an apostrophe.",
        ),
        row(
            urls.data("partners.json"),
            "Partners",
            "JSON",
            "Every partner, with the agreements and events that name it.",
            schema_url("partner"),
        ),
        row(
            urls.data("events.json"),
            "Events",
            "JSON",
            "Every meeting, visit, conference and announcement.",
            schema_url("event"),
        ),
        row(
            urls.data("calendar.ics"),
            "Calendar",
            "iCalendar",
            "Signings, entries into force, expiries and terminations, with reminders "
            "before an expiry. Dates known only to the month span that month; dates known "
            "only to the year are left out.",
        ),
        row(
            urls.feed(),
            "News feed",
            "Atom",
            "The 50 newest agreements and events; each partner has its own feed.",
        ),
    ]


def render_opendata(context: RenderContext) -> Iterable[OutputFile]:
    """Render stage: the JSON and CSV files, their schemas and the /data/ page."""
    files = data_files(context.site)
    yield from files
    yield context.page(
        urls.data(""),
        "data.html",
        files=listing(context, files),
        licence_name=LICENCE_NAME,
        licence_url=LICENCE_URL,
    )
