"""The small values records are made of: the controlled vocabularies, dates known to the
day, month or year, terms, and the problems a check finds."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering

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
