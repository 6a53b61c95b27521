"""The site's data: frozen dataclasses and enums only, no I/O."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, total_ordering
from typing import TypeVar

MONTHS = tuple(calendar.month_name)  # ("", "January", ...), independent of locale


class Vocabulary(StrEnum):
    """A controlled vocabulary of the content model; `label` is how the site shows a value."""

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class Kind(Vocabulary):
    MEMORANDUM_OF_UNDERSTANDING = "memorandum-of-understanding"
    AGREEMENT = "agreement"
    TREATY = "treaty"
    JOINT_STATEMENT = "joint-statement"
    LETTER_OF_INTENT = "letter-of-intent"
    EXCHANGE_OF_NOTES = "exchange-of-notes"
    ACTION_PLAN = "action-plan"
    ARRANGEMENT = "arrangement"


class Status(Vocabulary):
    PROPOSED = "proposed"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    IN_FORCE = "in-force"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    SUPERSEDED = "superseded"


class PartnerType(Vocabulary):
    GOVERNMENT = "government"
    GOVERNMENT_AGENCY = "government-agency"
    STATE_OWNED_ENTERPRISE = "state-owned-enterprise"
    COMPANY = "company"
    INTERNATIONAL_ORGANISATION = "international-organisation"
    ACADEMIC = "academic"
    CIVIL_SOCIETY = "civil-society"


class EventKind(Vocabulary):
    MEETING = "meeting"
    VISIT = "visit"
    CONFERENCE = "conference"
    SIGNING = "signing"
    ANNOUNCEMENT = "announcement"
    STATEMENT = "statement"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A calendar date known to the day, the month or only the year.

    Ordering is by the start of the period, then coarser before finer, so a
    partial date sorts at the start of its period.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> dt.date:
        if self.month is None:
            return dt.date(self.year, 12, 31)
        if self.day is None:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return self.start

    @property
    def sort_key(self) -> tuple[dt.date, int]:
        """The start of the period, coarser first: 2023 < 2023-01 < 2023-01-01."""
        return self.start, (self.month is not None) + (self.day is not None)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self.sort_key < other.sort_key

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def iso(self) -> str:
        """`2023-09-14`, `2023-09` or `2023`."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self) -> str:
        """`14 September 2023`, `September 2023` or `2023`."""
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTHS[self.month]} {self.year}"
        return f"{self.day} {MONTHS[self.month]} {self.year}"

    def __str__(self) -> str:
        return self.iso()

    @classmethod
    def of(cls, day: dt.date) -> PartialDate:
        return cls(day.year, day.month, day.day)


@dataclass(frozen=True)
class Term:
    """A duration written as `N years` or `N months`."""

    count: int
    unit: str  # "years" | "months"

    @property
    def months(self) -> int:
        return self.count * 12 if self.unit == "years" else self.count

    def display(self) -> str:
        unit = self.unit[:-1] if self.count == 1 else self.unit
        return f"{self.count} {unit}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, reported as `path:line: field: message`."""

    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    publisher: str | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Document:
    title: str
    url: str
    language: str | None = None


@dataclass(frozen=True)
class Agency:
    slug: str
    name: str
    acronym: str | None = None
    url: str | None = None

    @property
    def short(self) -> str:
        return self.acronym or self.name


@dataclass(frozen=True)
class Area:
    slug: str
    label: str
    description: str | None = None


@dataclass(frozen=True)
class Home:
    name: str
    country: str


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str
    base_url: str  # absolute, always ends with "/"
    home: Home
    agencies: tuple[Agency, ...]
    areas: tuple[Area, ...]
    language: str = "en"
    time_zone: str = "UTC"  # an IANA name: the days of the records' history are its days

    @property
    def base_path(self) -> str:
        """The path part of base_url: `/portal/` for `https://example.org/portal/`."""
        rest = self.base_url.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"

    def agency(self, slug: str) -> Agency:
        return next(a for a in self.agencies if a.slug == slug)

    def area(self, slug: str) -> Area:
        return next(a for a in self.areas if a.slug == slug)


@dataclass(frozen=True)
class Agreement:
    slug: str
    path: str
    title: str
    kind: Kind
    status: Status
    partners: tuple[str, ...]
    agencies: tuple[str, ...]
    areas: tuple[str, ...]
    summary: str
    sources: tuple[Source, ...]
    body: str = ""
    signed: PartialDate | None = None
    effective: PartialDate | None = None
    expires: PartialDate | None = None
    term: Term | None = None
    terminated: PartialDate | None = None
    superseded_by: str | None = None
    place: str | None = None
    documents: tuple[Document, ...] = ()
    related: tuple[str, ...] = ()
    draft: bool = False
    updated: PartialDate | None = None
    date_unknown: tuple[str, ...] = ()
    # Computed by assemble: the expiry that the dates give, the status the site
    # shows on the build day, and `related` made symmetric.
    expiry: PartialDate | None = None
    shown_status: Status | None = None
    related_all: tuple[str, ...] = ()

    @property
    def start(self) -> PartialDate | None:
        """The date the agreement counts from: entry into force, else signing."""
        return self.effective or self.signed

    @property
    def sort_date(self) -> PartialDate | None:
        return self.signed or self.effective or self.updated


@dataclass(frozen=True)
class Partner:
    slug: str
    path: str
    name: str
    type: PartnerType
    summary: str
    body: str = ""
    country: str | None = None
    parent: str | None = None
    website: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    slug: str
    path: str
    title: str
    date: PartialDate
    kind: EventKind
    summary: str
    sources: tuple[Source, ...]
    body: str = ""
    partners: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    place: str | None = None
    draft: bool = False


@dataclass(frozen=True)
class Page:
    slug: str
    path: str
    title: str
    body: str = ""
    summary: str | None = None
    menu: int | None = None
    draft: bool = False


@dataclass(frozen=True)
class StaticFile:
    """A file under content/static/, published at static/<rel>."""

    rel: str
    source: str  # absolute path on disk, read by the write stage


@dataclass(frozen=True)
class Revision:
    """One commit that touched a record's file: its day in the site's time zone (None
    when git gives a date that cannot be one), the first line of its message, and what
    it changed (nothing for the first version)."""

    commit: str
    day: dt.date | None
    message: str
    changed: tuple[str, ...] = ()  # the fields it changed, `body` for the text
    said: tuple[str, ...] = ()  # what it changed, in words: "Status: signed → in force"
    renamed_from: str | None = None  # the file's earlier path, relative to content/
    unreadable: bool = False  # the version before (or this one) could not be read

    @property
    def day_iso(self) -> str | None:
        return self.day.isoformat() if self.day is not None else None

    @property
    def day_shown(self) -> str:
        return PartialDate.of(self.day).display() if self.day is not None else "date unknown"


@dataclass(frozen=True)
class RecordHistory:
    """A record's revisions, newest first, the last the first published version when
    `complete` (a shallow clone holds only the recent ones); `uncommitted` when the file
    on disk differs from its last commit (shown by the preview only)."""

    revisions: tuple[Revision, ...] = ()
    complete: bool = True
    uncommitted: bool = False

    @property
    def first(self) -> Revision | None:
        return self.revisions[-1] if self.revisions and self.complete else None

    @property
    def later(self) -> tuple[Revision, ...]:
        return self.revisions[:-1] if self.first is not None else self.revisions

    @property
    def last_revised(self) -> dt.date | None:
        return next((r.day for r in self.revisions if r.day is not None), None)


@dataclass(frozen=True)
class Site:
    """Everything a build publishes, checked and cross-referenced."""

    config: SiteConfig
    today: dt.date
    agreements: tuple[Agreement, ...]
    partners: tuple[Partner, ...]
    events: tuple[Event, ...]
    pages: tuple[Page, ...]
    static: tuple[StaticFile, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())
    preview: bool = False
    # Each record's history from git, by its path under content/ (`agreements/x.md`);
    # empty when the content is not in git or the build was asked for none.
    history: Mapping[str, RecordHistory] = field(default_factory=dict)

    def history_of(self, record: Agreement | Partner | Event | Page) -> RecordHistory | None:
        return self.history.get(history_key(record))

    def agreement(self, slug: str) -> Agreement:
        return self._agreements[slug]

    def partner(self, slug: str) -> Partner:
        return self._partners[slug]

    @cached_property
    def records(self) -> dict[str, Agreement | Partner | Event | Page]:
        """Every record (agreements, partners, events, pages, in that order) by its file."""
        every: list[Agreement | Partner | Event | Page] = [
            *self.agreements,
            *self.partners,
            *self.events,
            *self.pages,
        ]
        return {record.path: record for record in every}

    @cached_property
    def _agreements(self) -> dict[str, Agreement]:
        return {a.slug: a for a in self.agreements}

    @cached_property
    def _partners(self) -> dict[str, Partner]:
        return {p.slug: p for p in self.partners}


def history_key(record: Agreement | Partner | Event | Page) -> str:
    """A record's key in `Site.history`: its file's path under content/."""
    section = {Agreement: "agreements", Partner: "partners", Event: "events"}.get(
        type(record), "pages"
    )
    return f"{section}/{record.slug}.md"


T = TypeVar("T")


def once_per_site(make: Callable[[Site], T]) -> Callable[[Site], T]:
    """`make`, keeping what it made for the last site it was given while that site lives
    (a build makes one site): for what several pages or stages need from the whole site,
    such as the views' index, the feeds' entries or the calendar."""
    last: list[tuple[weakref.ref[Site], T]] = []
    lock = threading.Lock()

    @functools.wraps(make)
    def made(site: Site) -> T:
        with lock:
            if last and last[0][0]() is site:
                return last[0][1]
            value = make(site)
            last[:] = [(weakref.ref(site), value)]
            return value

    return made
