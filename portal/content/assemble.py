"""Parsed records -> Site: the checks across files, and the values computed from them.

Pure. References must resolve (partners, agencies, areas, related, superseded_by,
parent, event links, static documents), partner parents form no cycle, no record
claims a URL the site already uses, and each agreement gets its expiry and the
status shown on the build day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
from dataclasses import replace

from portal.model.records import Agreement, Event, Page, Partner, SiteConfig, StaticFile
from portal.model.site import Site
from portal.model.values import PartialDate, Problem, Severity, Status, Term
from portal.content.validate import Parsed

# Top-level names the site itself publishes: a free page may not take them.
RESERVED = frozenset(
    {
        "agreements",
        "partners",
        "areas",
        "agencies",
        "timeline",
        "events",
        "search",
        "data",
        "static",
        "assets",
        "pagefind",
        "feed",
        "sitemap",
        "robots",
        "404",
    }
)
STILL_RUNNING = {Status.SIGNED, Status.IN_FORCE}


def add_term(start: PartialDate, term: Term) -> PartialDate:
    """The date `term` after `start`, at the precision of `start` (31 Jan + 1 month = 28/29 Feb)."""
    months = start.year * 12 + (start.month or 1) - 1 + term.months
    year, month = divmod(months, 12)
    month += 1
    if start.month is None:
        return PartialDate(year)
    if start.day is None:
        return PartialDate(year, month)
    return PartialDate(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def expiry_of(agreement: Agreement) -> PartialDate | None:
    if agreement.expires:
        return agreement.expires
    if agreement.term and agreement.start:
        return add_term(agreement.start, agreement.term)
    return None


def shown_status(agreement: Agreement, expiry: PartialDate | None, today: dt.date) -> Status:
    if agreement.status in STILL_RUNNING and expiry and expiry.end < today:
        return Status.EXPIRED
    return agreement.status


PLACEHOLDER = "TODO"
PLACEHOLDER_MESSAGE = (
    f"still has `{PLACEHOLDER}` placeholder text; replace it with what the sources say "
    "before the record is published"
)


def placeholder_warning(item: Parsed) -> Problem | None:
    """A published record that still holds `TODO` text (as `new` writes it) is worth a warning."""
    if item.record is None or item.values.get("draft") is True or item.meta is None:
        return None
    for key, value in item.meta.items():
        if PLACEHOLDER in repr(value):
            return Problem(
                item.path, item.meta.line_of(key), key, PLACEHOLDER_MESSAGE, Severity.WARNING
            )
    for offset, line in enumerate(item.body.split("\n")):
        if PLACEHOLDER in line:
            return Problem(
                item.path, item.body_line + offset, "body", PLACEHOLDER_MESSAGE, Severity.WARNING
            )
    return None


class _Checker:
    """Cross-file checks over every parsed file, valid or not, using the fields it has."""

    def __init__(self, config: SiteConfig, parsed: list[Parsed]) -> None:
        self.problems: list[Problem] = []
        self.parsed = parsed
        self.by_section: dict[str, dict[str, Parsed]] = {}
        for item in parsed:
            self.by_section.setdefault(item.section, {})[item.slug] = item
        self.vocabularies = {
            "agency": {a.slug for a in config.agencies},
            "area": {a.slug for a in config.areas},
        }

    def section(self, name: str) -> dict[str, Parsed]:
        return self.by_section.get(name, {})

    def report(self, item: Parsed, key: str, message: str) -> None:
        line = item.meta.line_of(key) if item.meta is not None else 0
        self.problems.append(Problem(item.path, line, key, message))

    def refs(self, item: Parsed, key: str, what: str) -> None:
        value = item.values.get(key)
        slugs = [value] if isinstance(value, str) else list(value or ())
        draft = bool(item.values.get("draft"))
        for ref in slugs:
            if what in self.vocabularies:
                known = self.vocabularies[what]
                if ref not in known:
                    self.report(
                        item,
                        key,
                        f"`{ref}` is not a known {what}; add it under `{key}` in site.yaml "
                        f"or use one of: {', '.join(sorted(known))}",
                    )
                continue
            folder = what + "s"
            target = self.section(folder).get(ref)
            if target is None:
                near = difflib.get_close_matches(ref, list(self.section(folder)), n=1)
                hint = f"did you mean `{near[0]}`? Otherwise " if near else ""
                self.report(
                    item,
                    key,
                    f"`{ref}` is not a known {what}; {hint}"
                    f"create content/{folder}/{ref}.md or fix the slug",
                )
            elif target.values.get("draft") and not draft:
                self.report(
                    item,
                    key,
                    f"`{ref}` is a draft, so a published record cannot "
                    "point to it; publish it or remove the reference",
                )

    def check_agreement(self, item: Parsed, static: set[str]) -> None:
        for key, what in (("partners", "partner"), ("agencies", "agency"), ("areas", "area")):
            self.refs(item, key, what)
        if item.slug in item.values.get("related", ()):
            self.report(item, "related", "an agreement cannot be related to itself")
        else:
            self.refs(item, "related", "agreement")
        if item.values.get("superseded_by") == item.slug:
            self.report(item, "superseded_by", "an agreement cannot supersede itself")
        else:
            self.refs(item, "superseded_by", "agreement")
        for document in item.values.get("documents", ()):
            if document.url.startswith("static/") and document.url[len("static/") :] not in static:
                self.report(
                    item,
                    "documents",
                    f"`{document.url}` is not a file in "
                    "content/static/; add the file or fix the path",
                )

    def check_event(self, item: Parsed) -> None:
        self.refs(item, "partners", "partner")
        self.refs(item, "agencies", "agency")
        self.refs(item, "agreements", "agreement")

    def check_partners(self) -> None:
        partners = self.section("partners")
        for item in partners.values():
            self.refs(item, "parent", "partner")
        reported: set[str] = set()
        for item in partners.values():
            chain = [item.slug]
            current = item
            while (parent := current.values.get("parent")) in partners:
                if parent in chain:
                    cycle = [*chain[chain.index(parent) :], parent]
                    if not reported & set(cycle):
                        self.report(item, "parent", f"partners form a cycle: {' -> '.join(cycle)}")
                    reported.update(cycle)
                    break
                chain.append(parent)
                current = partners[parent]

    def check_pages(self) -> None:
        for item in self.section("pages").values():
            if item.slug in RESERVED:
                self.problems.append(
                    Problem(
                        item.path,
                        0,
                        "",
                        f"the page would be published at /{item.slug}/, which the site already "
                        f"uses for its own {item.slug} page; rename the file",
                    )
                )


def assemble(
    config: SiteConfig,
    parsed: list[Parsed],
    static: tuple[StaticFile, ...],
    today: dt.date,
    preview: bool = False,
) -> tuple[Site | None, list[Problem], list[Problem]]:
    """Check references across files; return the site (drafts only in preview), errors, warnings."""
    checker = _Checker(config, parsed)
    static_rels = {f.rel for f in static}
    for item in checker.section("agreements").values():
        checker.check_agreement(item, static_rels)
    for item in checker.section("events").values():
        checker.check_event(item)
    checker.check_partners()
    checker.check_pages()
    records = [p.record for p in parsed if p.record is not None]
    agreements_in = [r for r in records if isinstance(r, Agreement)]
    meta = {p.path: p.meta for p in parsed}

    warnings: list[Problem] = [w for item in parsed if (w := placeholder_warning(item))]
    computed: list[Agreement] = []
    related_back: dict[str, set[str]] = {}
    for agreement in agreements_in:
        for other in agreement.related:
            related_back.setdefault(other, set()).add(agreement.slug)
    for agreement in agreements_in:
        expiry = expiry_of(agreement)
        shown = shown_status(agreement, expiry, today)
        if shown is not agreement.status and expiry is not None:
            item_meta = meta.get(agreement.path)
            warnings.append(
                Problem(
                    agreement.path,
                    item_meta.line_of("status") if item_meta else 0,
                    "status",
                    f"is `{agreement.status}` but the agreement expired on {expiry.display()}; "
                    "the site shows it as expired. Set `status: expired` (or correct the dates)",
                    Severity.WARNING,
                )
            )
        related_all = tuple(
            sorted(set(agreement.related) | related_back.get(agreement.slug, set()))
        )
        computed.append(
            replace(agreement, expiry=expiry, shown_status=shown, related_all=related_all)
        )

    if checker.problems:
        return None, checker.problems, warnings

    def published(record: Agreement | Event | Page) -> bool:
        return preview or not record.draft

    agreements = [a for a in computed if published(a)]
    visible = {a.slug for a in agreements}
    agreements = [
        replace(a, related_all=tuple(r for r in a.related_all if r in visible)) for a in agreements
    ]
    site = Site(
        config=config,
        today=today,
        agreements=tuple(sorted(agreements, key=lambda a: a.slug)),
        partners=tuple(
            sorted((r for r in records if isinstance(r, Partner)), key=lambda p: p.slug)
        ),
        events=tuple(
            sorted(
                (r for r in records if isinstance(r, Event) and published(r)), key=lambda e: e.slug
            )
        ),
        pages=tuple(
            sorted(
                (r for r in records if isinstance(r, Page) and published(r)), key=lambda p: p.slug
            )
        ),
        static=static,
        warnings=tuple(warnings),
        preview=preview,
    )
    return site, [], warnings
