"""The records of the register and their parts: the site's configuration, agreements,
partners, events, pages, static files, and each record's revisions from git."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.model.values import EventKind, Kind, PartialDate, PartnerType, Status, Term


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
