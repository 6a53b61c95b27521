"""The timeline: every dated step of every agreement and every event, and the overview chart.

Pure. `years` lists signings, entries into force, expiries, terminations and events as
dated entries grouped by year, newest first. `overview` lays out, at build time, the
SVG chart of the timeline page: one bar per agreement from its signing (or entry into
force) to its expiry or termination, grouped by partner. The geometry is computed here
in user units of the SVG's viewBox and rounded, so the same site gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from enum import StrEnum

from portal.model.records import Agreement
from portal.model.site import Site
from portal.model.values import PartialDate, Status
from portal.pages import rows, urls, values
from portal.pages.values import AgreementRef, Day, PartnerRef

# --- the list of dated entries --------------------------------------------------------


class Step(StrEnum):
    """What happened on an entry's date; the order breaks ties between entries of one day."""

    TERMINATED = "terminated"
    EXPIRY = "expiry"
    EFFECTIVE = "effective"
    SIGNED = "signed"
    EVENT = "event"


@dataclass(frozen=True)
class Entry:
    date: PartialDate
    day: Day  # the date as the page shows it
    step: Step
    label: str  # "Signed", "Entered into force", "Expires", "Expired", "Terminated", "Meeting"
    title: str
    url: str
    slug: str
    partners: tuple[PartnerRef, ...]
    upcoming: bool  # the date is after the build day


@dataclass(frozen=True)
class Year:
    year: int
    entries: tuple[Entry, ...]


def _agreement_entries(site: Site, agreement: Agreement) -> list[Entry]:
    partners = tuple(rows.partner_ref(site, s) for s in agreement.partners)
    url = urls.agreement(agreement.slug)
    steps: list[tuple[PartialDate, Step, str]] = []
    if agreement.signed:
        steps.append((agreement.signed, Step.SIGNED, "Signed"))
    if agreement.effective:
        steps.append((agreement.effective, Step.EFFECTIVE, "Entered into force"))
    if agreement.terminated:
        steps.append((agreement.terminated, Step.TERMINATED, "Terminated"))
    expiry = agreement.expiry
    ended_early = agreement.terminated is not None and expiry and agreement.terminated < expiry
    if expiry and not ended_early:
        label = "Expired" if expiry.end < site.today else "Expires"
        steps.append((expiry, Step.EXPIRY, label))
    return [
        Entry(
            date,
            values.day(date),
            step,
            label,
            agreement.title,
            url,
            agreement.slug,
            partners,
            date.start > site.today,
        )
        for date, step, label in steps
    ]


def entries(site: Site) -> tuple[Entry, ...]:
    """Every dated entry, newest first; ties by kind of step, then slug."""
    found: list[Entry] = []
    for agreement in site.agreements:
        found.extend(_agreement_entries(site, agreement))
    for event in site.events:
        found.append(
            Entry(
                event.date,
                values.day(event.date),
                Step.EVENT,
                event.kind.label,
                event.title,
                urls.event(event.slug),
                event.slug,
                tuple(rows.partner_ref(site, s) for s in event.partners),
                event.date.start > site.today,
            )
        )
    order = {step: i for i, step in enumerate(Step)}
    found.sort(key=lambda e: (order[e.step], e.slug))
    found.sort(key=lambda e: e.date.sort_key, reverse=True)  # stable: ties keep the order above
    return tuple(found)


def years(site: Site) -> tuple[Year, ...]:
    """The entries grouped by year, newest year first."""
    groups: dict[int, list[Entry]] = {}
    for entry in entries(site):
        groups.setdefault(entry.date.year, []).append(entry)
    return tuple(Year(year, tuple(items)) for year, items in groups.items())


def undated(site: Site) -> tuple[Agreement, ...]:
    """Agreements with no date at all (proposed ones, or dates the sources do not state)."""
    return tuple(
        a for a in site.agreements if not (a.signed or a.effective or a.terminated or a.expiry)
    )


# --- the overview chart ------------------------------------------------------------------

WIDTH = 760.0
LABEL_WIDTH = 190.0  # the partner names' column
RIGHT = 16.0
TOP = 34.0  # room for the year labels
ROW = 30.0
GROUP_GAP = 12.0
BAR = 14.0
CHAR = 6.4  # estimated width of a character of the 12-unit label font
BOTTOM = 12.0
NAME_CHARS = 26  # characters of a partner's name per line in the label column
LINE = 15.0  # line height of the partner's name


class BarKind(StrEnum):
    CLOSED = "closed"  # from its start to a known end (expiry or termination)
    OPEN = "open"  # started, no end stated: drawn to the end of the axis
    PROPOSED = "proposed"  # proposed or under negotiation, no date yet
    UNDATED = "undated"  # concluded, but the sources give no date to draw from


@dataclass(frozen=True)
class Bar:
    agreement: AgreementRef
    kind: BarKind
    start: Day | None  # the period the bar covers, as the table shows it
    end: Day | None
    x: float
    width: float
    y: float  # top of the bar
    height: float
    rx: float  # corner radius: markers without a date are drawn round
    arrow: str  # path data of the arrow that marks an open end, or ""
    label: str  # short text drawn next to the bar
    label_x: float
    label_y: float
    label_anchor: str  # "start" | "end"
    label_inside: bool  # no room beside the bar: the label is drawn on it
    description: str  # one sentence for the text alternative


@dataclass(frozen=True)
class Group:
    partner: PartnerRef
    name_lines: tuple[str, ...]  # the partner's name, wrapped to fit the label column
    name_y: float  # baseline of its first line
    line_height: float
    y: float  # top of the group
    height: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Overview:
    width: float
    height: float
    axis_y: float  # where the grid lines start, under the year labels
    tick_y: float  # baseline of the year labels
    chart_x: float  # left edge of the drawing area
    chart_right: float
    axis_start: int  # first year shown
    axis_end: int  # the year after the last one shown
    ticks: tuple[Tick, ...]
    today_x: float
    groups: tuple[Group, ...]
    summary: str  # for the SVG's <desc>

    @property
    def bars(self) -> tuple[Bar, ...]:
        return tuple(bar for group in self.groups for bar in group.bars)


def _end_of(agreement: Agreement) -> PartialDate | None:
    if agreement.terminated and (
        agreement.expiry is None or agreement.terminated < agreement.expiry
    ):
        return agreement.terminated
    return agreement.expiry


def _start_of(agreement: Agreement) -> PartialDate | None:
    return agreement.signed or agreement.effective


def _kind(agreement: Agreement) -> BarKind:
    if _start_of(agreement) is None:
        if agreement.status in (Status.PROPOSED, Status.NEGOTIATING):
            return BarKind.PROPOSED
        return BarKind.UNDATED
    return BarKind.CLOSED if _end_of(agreement) else BarKind.OPEN


def _span(start: PartialDate | None, end: PartialDate | None) -> str:
    if start and end:
        return f"{start.display()} to {end.display()}"
    if start:
        return f"from {start.display()}, no end stated"
    return ""


def _describe(
    agreement: Agreement, kind: BarKind, start: PartialDate | None, end: PartialDate | None
) -> tuple[str, str]:
    """The short label drawn next to a bar, and the sentence of the text alternative."""
    status = (agreement.shown_status or agreement.status).label.lower()
    if kind is BarKind.PROPOSED:
        return f"{status}, no date yet", f"{agreement.title}: {status}, no date yet."
    if kind is BarKind.UNDATED:
        return (
            f"{status}, date not stated",
            f"{agreement.title}: {status}; the sources do not state the date.",
        )
    assert start is not None
    years = f"{start.year}–{end.year}" if end else f"since {start.year}"
    return f"{years} · {status}", f"{agreement.title}: {_span(start, end)} ({status})."


def _round(value: float) -> float:
    return round(value, 1)


def overview(site: Site) -> Overview:
    """Lay out the chart: groups by partner (an agreement under its first partner), partners
    by name, bars within a group by start date then slug; undated ones last."""
    today = site.today
    dated = [a for a in site.agreements if _start_of(a)]
    first_years = [_start_of(a).year for a in dated]  # type: ignore[union-attr]
    last_years = [e.year for a in dated if (e := _end_of(a))]
    axis_start = min([*first_years, today.year]) - 1  # a year of room for labels
    axis_end = max([*last_years, today.year]) + 1
    if axis_end - axis_start < 3:
        axis_start = axis_end - 3
    chart_x = LABEL_WIDTH
    chart_right = WIDTH - RIGHT
    origin = dt.date(axis_start, 1, 1).toordinal()
    span = dt.date(axis_end, 1, 1).toordinal() - origin

    def x_of(day: dt.date) -> float:
        return chart_x + (day.toordinal() - origin) / span * (chart_right - chart_x)

    step = 1 if axis_end - axis_start <= 12 else 2 if axis_end - axis_start <= 24 else 5
    ticks = tuple(
        Tick(_round(x_of(dt.date(year, 1, 1))), str(year))
        for year in range(axis_start, axis_end)
        if (year - axis_start) % step == 0
    )

    by_partner: dict[str, list[Agreement]] = {}
    for agreement in site.agreements:
        by_partner.setdefault(agreement.partners[0], []).append(agreement)
    partners = sorted(
        (rows.partner_ref(site, slug) for slug in by_partner),
        key=lambda p: (p.name.casefold(), p.slug),
    )

    groups: list[Group] = []
    y = TOP
    for partner in partners:
        members = sorted(
            by_partner[partner.slug],
            key=lambda a: (_start_of(a) is None, (_start_of(a) or PartialDate(1)).sort_key, a.slug),
        )
        bars: list[Bar] = []
        for index, agreement in enumerate(members):
            kind = _kind(agreement)
            start, end = _start_of(agreement), _end_of(agreement)
            bar_y = y + index * ROW + (ROW - BAR) / 2
            if kind is BarKind.CLOSED:
                assert start and end
                x, x_end = x_of(start.start), x_of(end.end + dt.timedelta(days=1))
            elif kind is BarKind.OPEN:
                assert start
                x, x_end = x_of(start.start), chart_right
            else:  # a marker at the build day
                x, x_end = x_of(today) - BAR / 2, x_of(today) + BAR / 2
            width = max(x_end - x, 3.0)
            label, description = _describe(agreement, kind, start, end)
            text_width = len(label) * CHAR
            inside = False
            if x + width + 6 + text_width <= chart_right:
                label_x, anchor = x + width + 6, "start"
            elif x - 6 - text_width >= chart_x:
                label_x, anchor = x - 6, "end"
            else:
                label_x, anchor, inside = x + 6, "start", True
            arrow = ""
            if kind is BarKind.OPEN:
                half = (BAR + 4) / 2
                arrow = f"M{_round(chart_right - 8)} {_round(bar_y - 2)} l8 {half:g} l-8 {half:g}"
            bars.append(
                Bar(
                    agreement=rows.agreement_ref(agreement),
                    kind=kind,
                    start=values.day(start) if start else None,
                    end=values.day(end) if end else None,
                    x=_round(x),
                    width=_round(width),
                    y=_round(bar_y),
                    height=BAR,
                    rx=BAR / 2 if kind in (BarKind.PROPOSED, BarKind.UNDATED) else 2.0,
                    arrow=arrow,
                    label=label,
                    label_x=_round(label_x),
                    label_y=_round(bar_y + BAR - 3),
                    label_anchor=anchor,
                    label_inside=inside,
                    description=description,
                )
            )
        lines = tuple(textwrap.wrap(partner.name, NAME_CHARS)) or (partner.slug,)
        height = max(len(members) * ROW, len(lines) * LINE + ROW - LINE)
        groups.append(
            Group(partner, lines, _round(y + 19), LINE, _round(y), _round(height), tuple(bars))
        )
        y += height + GROUP_GAP

    count = len(site.agreements)
    summary = (
        f"A chart of {count} agreement{'s' if count != 1 else ''} grouped by partner, "
        f"on a time axis from {axis_start} to {axis_end - 1}, with the build day "
        f"{PartialDate.of(today).display()} marked. The table after the chart gives the same "
        "information as text."
    )
    return Overview(
        width=WIDTH,
        axis_y=TOP - 12,
        tick_y=TOP - 18,
        height=_round(y - GROUP_GAP + BOTTOM) if groups else TOP + BOTTOM,
        chart_x=chart_x,
        chart_right=chart_right,
        axis_start=axis_start,
        axis_end=axis_end,
        ticks=ticks,
        today_x=_round(x_of(today)),
        groups=tuple(groups),
        summary=summary,
    )
