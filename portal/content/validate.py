"""One content file -> one record (Agreement, Partner, Event, Page): the per-file checks.

Pure: text in, a typed record and problems out. Checks that need other files
(does the partner exist?) belong to assemble; whether a body's links point to
something, to links. `check_file` is everything learnt from one file on its own,
which a cache may keep (see portal.cache.store: its key covers this module's source and
that of every module it imports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.markdown import markup
from portal.content.fields import (
    SLUG,
    SLUG_MAX,
    Field,
    FieldError,
    boolean,
    choice,
    country,
    documents,
    found,
    http_url,
    integer,
    nonempty,
    partial_date,
    plain_text,
    read,
    slug,
    slug_list,
    sources,
    term,
    text,
    text_list,
)
from portal.content.frontmatter import FrontMatterError, find_control_character, split
from portal.markdown.reading import Link
from portal.content.load import RawFile
from portal.model.records import Agreement, Event, Page, Partner
from portal.model.values import EventKind, Kind, PartnerType, Problem, Severity, Status
from portal.content.yamlsafe import Mapping

Record = Agreement | Partner | Event | Page

DATE_FIELDS_MAYBE_UNKNOWN = ("signed", "effective", "terminated")


def date_unknown(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise FieldError(
            "must list the date fields the sources do not give, like `[signed]`, "
            f"found {found(value)}"
        )
    for item in value:
        if item not in DATE_FIELDS_MAYBE_UNKNOWN:
            raise FieldError(
                f"{found(item)} cannot be unknown; list only {', '.join(DATE_FIELDS_MAYBE_UNKNOWN)}"
            )
    return tuple(value)


AGREEMENT_FIELDS = {
    "title": Field(text, required=True),
    "kind": Field(choice(Kind), required=True),
    "status": Field(choice(Status), required=True),
    "partners": Field(nonempty(slug_list), required=True),
    "agencies": Field(nonempty(slug_list), required=True),
    "areas": Field(nonempty(slug_list), required=True),
    "summary": Field(plain_text(400), required=True),
    "sources": Field(nonempty(sources), required=True),
    "signed": Field(partial_date),
    "effective": Field(partial_date),
    "expires": Field(partial_date),
    "term": Field(term),
    "terminated": Field(partial_date),
    "superseded_by": Field(slug),
    "place": Field(text),
    "documents": Field(documents),
    "related": Field(slug_list),
    "draft": Field(boolean),
    "updated": Field(partial_date),
    "date_unknown": Field(date_unknown),
}

PARTNER_FIELDS = {
    "name": Field(text, required=True),
    "type": Field(choice(PartnerType), required=True),
    "country": Field(country),
    "summary": Field(plain_text(), required=True),
    "parent": Field(slug),
    "website": Field(http_url),
    "aliases": Field(text_list),
}

EVENT_FIELDS = {
    "title": Field(text, required=True),
    "date": Field(partial_date, required=True),
    "kind": Field(choice(EventKind), required=True),
    "summary": Field(plain_text(), required=True),
    "sources": Field(nonempty(sources), required=True),
    "partners": Field(slug_list),
    "agencies": Field(slug_list),
    "agreements": Field(slug_list),
    "place": Field(text),
    "draft": Field(boolean),
}

PAGE_FIELDS = {
    "title": Field(text, required=True),
    "summary": Field(plain_text()),
    "menu": Field(integer),
    "draft": Field(boolean),
}

TABLES = {
    "agreements": AGREEMENT_FIELDS,
    "partners": PARTNER_FIELDS,
    "events": EVENT_FIELDS,
    "pages": PAGE_FIELDS,
}

NEEDS_SIGNED = {
    Status.SIGNED,
    Status.IN_FORCE,
    Status.EXPIRED,
    Status.TERMINATED,
    Status.SUPERSEDED,
}
NEEDS_COUNTRY = {
    PartnerType.GOVERNMENT,
    PartnerType.GOVERNMENT_AGENCY,
    PartnerType.STATE_OWNED_ENTERPRISE,
}


@dataclass(frozen=True)
class Parsed:
    """One file checked on its own. `values` holds the fields that were valid, so that
    assemble can check references even in a file that has other problems."""

    section: str
    slug: str
    path: str
    record: Record | None
    problems: tuple[Problem, ...]
    meta: Mapping | None = None
    values: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 0  # the line the body starts on; 0 when the file could not be split


def _agreement_rules(values: dict[str, Any], meta: Mapping, path: str) -> list[Problem]:
    problems: list[Problem] = []
    unknown = values.get("date_unknown", ())

    def need(name: str, why: str) -> None:
        if meta.get(name) is None and name not in unknown:
            problems.append(Problem(path, meta.line_of("status"), name, f"is required {why}"))

    def given_and_unknown(name: str) -> None:
        if name in values and name in unknown:
            problems.append(
                Problem(
                    path,
                    meta.line_of("date_unknown"),
                    "date_unknown",
                    f"lists `{name}`, but `{name}` is given; remove one",
                )
            )

    status = values.get("status")
    if status in NEEDS_SIGNED:
        need("signed", f"when status is `{status}`")
    if status is Status.TERMINATED:
        need("terminated", "when status is `terminated`")
    if status is Status.SUPERSEDED and meta.get("superseded_by") is None:
        problems.append(
            Problem(
                path,
                meta.line_of("status"),
                "superseded_by",
                "is required when status is `superseded`",
            )
        )
    for name in DATE_FIELDS_MAYBE_UNKNOWN:
        given_and_unknown(name)

    signed, effective = values.get("signed"), values.get("effective")
    expires, terminated = values.get("expires"), values.get("terminated")
    if signed and effective and effective.end < signed.start:
        problems.append(
            Problem(
                path,
                meta.line_of("effective"),
                "effective",
                f"{effective.iso()} is before the signing date {signed.iso()}; "
                "an agreement cannot enter into force before it is signed",
            )
        )
    base = effective or signed
    if expires and base and expires.end <= base.start:
        which = "entry into force" if effective else "signing"
        problems.append(
            Problem(
                path,
                meta.line_of("expires"),
                "expires",
                f"{expires.iso()} is not after the {which} date {base.iso()}",
            )
        )
    if terminated and signed and terminated.end < signed.start:
        problems.append(
            Problem(
                path,
                meta.line_of("terminated"),
                "terminated",
                f"{terminated.iso()} is before the signing date {signed.iso()}",
            )
        )
    if "term" in values and not base and "expires" not in values and not unknown:
        problems.append(
            Problem(
                path,
                meta.line_of("term"),
                "term",
                "needs `signed` or `effective` to count from",
            )
        )
    return problems


def _check_slug(raw: RawFile) -> Problem | None:
    if SLUG.match(raw.stem) and len(raw.stem) <= SLUG_MAX:
        return None
    return Problem(
        raw.path,
        0,
        "",
        f"the file name `{raw.stem}` is not a valid slug: use at most {SLUG_MAX} lowercase "
        "letters a-z, digits and single hyphens, like `dict-kaspersky-2018.md`",
    )


def parse_record(raw: RawFile) -> Parsed:
    """Check one content file; return its record when it has no problem."""
    problems: list[Problem] = []
    bad_slug = _check_slug(raw)
    if bad_slug:
        problems.append(bad_slug)
    control = find_control_character(raw.text)
    if control:
        line, message = control
        problems.append(Problem(raw.path, line, "", message))
        return Parsed(raw.section, raw.stem, raw.path, None, tuple(problems))
    try:
        document = split(raw.text)
    except FrontMatterError as exc:
        problems.append(Problem(raw.path, exc.line, exc.field, exc.message))
        return Parsed(raw.section, raw.stem, raw.path, None, tuple(problems))

    meta = document.meta
    values = read(meta, TABLES[raw.section], raw.path, problems)
    if raw.section == "agreements":
        problems.extend(_agreement_rules(values, meta, raw.path))
    if raw.section == "partners":
        # An empty `country:` is no country (as an empty `signed:` is no signing date).
        if values.get("type") in NEEDS_COUNTRY and meta.get("country") is None:
            problems.append(
                Problem(
                    raw.path,
                    meta.line_of("type"),
                    "country",
                    f"is required when type is `{values['type']}`",
                )
            )
        if values.get("parent") == raw.stem:
            problems.append(
                Problem(
                    raw.path, meta.line_of("parent"), "parent", "a partner cannot be its own parent"
                )
            )
    if problems:
        return Parsed(
            raw.section,
            raw.stem,
            raw.path,
            None,
            tuple(problems),
            meta,
            values,
            document.body,
            document.body_line,
        )

    common: dict[str, Any] = {"slug": raw.stem, "path": raw.path, "body": document.body}
    record: Record
    if raw.section == "agreements":
        record = Agreement(**common, **values)
    elif raw.section == "partners":
        record = Partner(**common, **values)
    elif raw.section == "events":
        record = Event(**common, **values)
    else:
        record = Page(**common, **values)
    return Parsed(
        raw.section, raw.stem, raw.path, record, (), meta, values, document.body, document.body_line
    )


@dataclass(frozen=True)
class Checked:
    """One content file checked on its own: its record and problems, its body's links
    (what they point to is checked across files, by links.check_item) and warnings."""

    parsed: Parsed
    links: tuple[Link, ...]
    warnings: tuple[Problem, ...] = ()


def check_file(raw: RawFile) -> Checked:
    """Everything the check finds in one file without looking at another."""
    parsed = parse_record(raw)
    if not parsed.body_line:
        return Checked(parsed, ())
    reading = markup.read(parsed.body)
    warnings = tuple(
        Problem(raw.path, parsed.body_line + old.line - 1, "body", old.message, Severity.WARNING)
        for old in reading.legacy
    )
    return Checked(parsed, reading.links, warnings)
