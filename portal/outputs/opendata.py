"""Open data: `/data/*.json`, their JSON Schemas, `/data/agreements.csv` and the `/data/` page.

Every published record with every field, under the names of the content model. Dates
are ISO 8601 strings kept at the precision the editor gave (`2023-09-14`, `2023-09`,
`2023`); an absent optional field is `null` (a list: `[]`). Values the portal computes
rather than reads (the page URL, the expiry a term gives, the status shown on the build
day) sit apart, under `computed`. Drafts are never published here. A site built from
its git repository gives each agreement, partner and event its `history`: the commits
that changed its file, newest first, with their date, the first line of their message
and the fields they changed (see portal.history); the CSV's `last_revised` is the date
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

from portal.model.output import OutputFile
from portal.model.site import Site
from portal.outputs import feeds, ical
from portal.outputs.licence import LICENCE_NAME, LICENCE_URL
from portal.outputs.opendata_records import (
    Json,
    agreement_record,
    event_record,
    partner_records,
    published,
)
from portal.outputs.opendata_schemas import agreement_schema, event_schema, partner_schema
from portal.pages import urls
from portal.pages.context import RenderContext
from portal.runtime.cancel import checkpoint

LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
