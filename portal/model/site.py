"""The `Site`: everything a build publishes, checked and cross-referenced; and what is
made once per site."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from portal.model.records import (
    Agreement,
    Event,
    Page,
    Partner,
    RecordHistory,
    SiteConfig,
    StaticFile,
)
from portal.model.values import Problem


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
