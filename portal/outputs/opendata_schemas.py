"""The JSON Schemas of the open data's records (`/data/schema/*.schema.json`)."""

from __future__ import annotations

from collections.abc import Iterable

from portal.model.site import Site
from portal.model.values import EventKind, Kind, PartnerType, Status
from portal.outputs.opendata_records import Json
from portal.pages import urls

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


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
