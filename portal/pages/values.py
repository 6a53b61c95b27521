"""The frozen values the page templates are given: small pieces (a tag, a day, a partner's
or an agreement's reference, an agreement's row) and one view per page type. Data only,
but for the two small constructors `tag` and `day`."""

from __future__ import annotations

from dataclasses import dataclass

from portal.model.records import Agency, Agreement, Area, Event, Partner
from portal.model.values import PartialDate, Status, Vocabulary

# --- small pieces ---------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str


@dataclass(frozen=True)
class Count:
    """One line of a tally: `key` is the value counted (a status, a type), for anchors."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Tag:
    """A value of a vocabulary (a status, a kind) as a page shows it: `value` for classes
    and filters, `label` for the reader. Rows carry these rather than the enums, so that a
    long list reads plain attributes, not an enum property per row."""

    value: str
    label: str


def tag(value: Vocabulary) -> Tag:
    return Tag(value.value, value.label)


@dataclass(frozen=True)
class Day:
    """A date as a page shows it: `iso` for the datetime attribute, `text` for the reader."""

    iso: str
    text: str


def day(date: PartialDate) -> Day:
    return Day(date.iso(), date.display())


@dataclass(frozen=True)
class RowDate:
    """A date of an agreement's row: `day` None means the sources do not state it."""

    label: str
    day: Day | None


@dataclass(frozen=True)
class DateFact:
    """A dated fact about an agreement; `date` None means the sources do not state it."""

    label: str
    date: PartialDate | None
    note: str = ""


@dataclass(frozen=True)
class DocumentLink:
    """A document of an agreement: `url` is a site URL (for `href`) when `internal`."""

    title: str
    url: str
    internal: bool
    language: str | None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Filter:
    """One filter of the agreements index: `name` is its URL query parameter."""

    name: str
    label: str
    all_label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class PartnerRef:
    """A partner as other pages name it. Pages that list or link a record are handed refs
    and rows like this, never the record itself: what a page shows of another record is
    all that its cache key covers, so editing a record's body re-renders its own page only."""

    slug: str
    url: str
    name: str
    type: Tag


@dataclass(frozen=True)
class AgreementRef:
    """An agreement as a link: its page, its title and its shown status."""

    slug: str
    url: str
    title: str
    status: Tag  # the shown status


@dataclass(frozen=True)
class AgreementRow:
    """An agreement as a line of a list, with what the list shows and filters on."""

    slug: str
    url: str
    title: str
    kind: Tag
    status: Tag  # the shown status
    draft: bool
    partners: tuple[PartnerRef, ...]
    dates: tuple[RowDate, ...]
    year: str  # the year of its date, "" when it has none (for the year filter)
    partner_slugs: str  # for the partner filter, space-separated
    area_slugs: str  # for the area filter, space-separated


@dataclass(frozen=True)
class EventRow:
    """An event as a line of a list."""

    slug: str
    url: str
    title: str
    kind: Tag
    date: Day
    place: str | None
    draft: bool


@dataclass(frozen=True)
class PageRef:
    """A free page as a link, with its summary."""

    url: str
    title: str
    summary: str | None


@dataclass(frozen=True)
class PartnerItem:
    partner: PartnerRef
    country: str  # the country's name, "" when the partner has none
    agreements: int
    events: int


@dataclass(frozen=True)
class PartnerGroup:
    key: str  # anchor id
    label: str
    items: tuple[PartnerItem, ...]

    @property
    def count(self) -> int:
        return len(self.items)


# --- pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeView:
    about: PageRef | None  # the free page `about`, linked from the introduction
    latest_agreements: tuple[AgreementRow, ...]
    latest_events: tuple[EventRow, ...]
    expiring: tuple[tuple[AgreementRow, str], ...]  # the row and "expires in N days"
    status_counts: tuple[Count, ...]
    partner_type_counts: tuple[Count, ...]
    agreements: int
    partners: int
    events: int


@dataclass(frozen=True)
class AgreementsIndex:
    rows: tuple[AgreementRow, ...]
    filters: tuple[Filter, ...]


@dataclass(frozen=True)
class AgreementView:
    agreement: Agreement
    status: Status
    partners: tuple[PartnerRef, ...]
    agencies: tuple[Agency, ...]
    areas: tuple[Area, ...]
    dates: tuple[DateFact, ...]
    expiry_note: str  # "Expires in 30 days, on 14 September 2026", or ""
    documents: tuple[DocumentLink, ...]
    related: tuple[AgreementRow, ...]
    events: tuple[EventRow, ...]
    superseded_by: AgreementRef | None
    supersedes: tuple[AgreementRef, ...]


@dataclass(frozen=True)
class PartnersIndex:
    by_type: tuple[PartnerGroup, ...]
    by_country: tuple[PartnerGroup, ...]
    total: int


@dataclass(frozen=True)
class PartnerView:
    partner: Partner
    country: str
    parent: PartnerRef | None
    children: tuple[PartnerItem, ...]
    agreements: tuple[AgreementRow, ...]
    events: tuple[EventRow, ...]
    status_counts: tuple[Count, ...]


@dataclass(frozen=True)
class RecordsView:
    """The agreements and events of one area or one home agency."""

    agreements: tuple[AgreementRow, ...]
    events: tuple[EventRow, ...]
    status_counts: tuple[Count, ...]


@dataclass(frozen=True)
class EventView:
    event: Event
    partners: tuple[PartnerRef, ...]
    agencies: tuple[Agency, ...]
    agreements: tuple[AgreementRow, ...]
