"""`/data/calendar.ics`: the agreements' dates as an iCalendar (RFC 5545) subscription.

One all-day event for each signing, entry into force, expiry and termination:

- a date known to the day is an event on that day;
- a date known only to the month spans that whole month, and says "day not stated" in
  its summary (it happened, or happens, on one day of it);
- a date known only to the year is left out: a year-long block would tell a subscriber
  nothing and fill every day of their calendar. The JSON and CSV files keep it.
- An expiry is left out once the agreement was terminated or superseded; otherwise it
  carries two reminders (VALARM), 90 and 30 days before its first possible day.

UIDs are tag: URIs, stable across titles and dates; DTSTAMP is the record's newest
own date (see feeds.revised), never the build clock, so the file is deterministic.
Written by hand: the rules that matter (escaping, CRLF, folding at 75 octets) are few.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from portal.model.output import OutputFile
from portal.model.records import Agreement
from portal.model.site import Site, once_per_site
from portal.model.values import PartialDate, Status
from portal.outputs.feeds import EPOCH, revised, tag_uri
from portal.pages import urls
from portal.pages.context import RenderContext

PRODID = "-//cooperation-portal//Agreement calendar//EN"
REMINDER_DAYS = (90, 30)
LINE_OCTETS = 75  # the longest content line, line break excluded
ENDED = {Status.TERMINATED, Status.SUPERSEDED}
# (key in the UID, summary prefix)
MOMENTS = {
    "signed": "Signed",
    "effective": "Enters into force",
    "expiry": "Expires",
    "terminated": "Terminated",
}


@dataclass(frozen=True)
class Moment:
    """One dated step in an agreement's life, as one calendar event."""

    agreement: Agreement
    key: str  # a key of MOMENTS
    date: PartialDate

    @property
    def first_day(self) -> dt.date:
        return self.date.start

    @property
    def end_exclusive(self) -> dt.date:
        return self.date.end + dt.timedelta(days=1)


def moments(site: Site) -> list[Moment]:
    """Every event the calendar holds, in date order. Drafts and year-only dates left out."""
    result: list[Moment] = []
    for agreement in site.agreements:
        if agreement.draft:
            continue
        dates = {
            "signed": agreement.signed,
            "effective": agreement.effective,
            "expiry": agreement.expiry if agreement.status not in ENDED else None,
            "terminated": agreement.terminated,
        }
        for key, date in dates.items():
            if date is not None and date.month is not None:
                result.append(Moment(agreement, key, date))
    result.sort(key=lambda m: (m.first_day, m.agreement.slug, list(MOMENTS).index(m.key)))
    return result


def escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line ends escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, never inside a character.

    The UTF-8 bytes are cut every 75 octets (74 after the first cut: a continuation line
    starts with a space); a cut that would split a character moves back to its start.
    """
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    parts: list[bytes] = []
    start, limit = 0, LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: inside a character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, LINE_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def _day(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def event_lines(site: Site, moment: Moment) -> list[str]:
    agreement, config = moment.agreement, site.config
    page = urls.absolute(config, urls.agreement(agreement.slug))
    label = MOMENTS[moment.key]
    if moment.date.day is None:
        label += f" (day not stated, {moment.date.display()})"
    summary = f"{label}: {agreement.title}"
    partners = ", ".join(site.partner(p).name for p in agreement.partners)
    description = f"{agreement.summary}\n\nPartners: {partners}\n{page}"
    stamp = revised(agreement) or EPOCH
    lines = [
        "BEGIN:VEVENT",
        f"UID:{tag_uri(config, urls.agreement(agreement.slug) + moment.key)}",
        f"DTSTAMP:{_day(stamp)}T000000Z",
        f"DTSTART;VALUE=DATE:{_day(moment.first_day)}",
        f"DTEND;VALUE=DATE:{_day(moment.end_exclusive)}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"URL:{page}",
        f"CATEGORIES:{escape(agreement.kind.label)}",
        "TRANSP:TRANSPARENT",
    ]
    if agreement.place and moment.key == "signed":
        lines.append(f"LOCATION:{escape(agreement.place)}")
    if moment.key == "expiry":
        for days in REMINDER_DAYS:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape(f'In {days} days: {summary}')}",
                f"TRIGGER;RELATED=START:-P{days}D",
                "END:VALARM",
            ]
    lines.append("END:VEVENT")
    return lines


@once_per_site  # the /data/ page gives its size
def calendar_file(site: Site) -> OutputFile:
    config = site.config
    name = f"{config.title}: agreement dates"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape(name)}",
        f"X-WR-CALNAME:{escape(name)}",
        f"DESCRIPTION:{escape(config.description)}",
        f"X-WR-CALDESC:{escape(config.description)}",
        f"URL:{urls.absolute(config, urls.data('calendar.ics'))}",
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D",
    ]
    for moment in moments(site):
        lines += event_lines(site, moment)
    lines.append("END:VCALENDAR")
    text = "".join(fold(line) + "\r\n" for line in lines)
    return OutputFile(urls.data("calendar.ics"), text.encode("utf-8"))


def render_calendar(context: RenderContext) -> Iterable[OutputFile]:
    """Render stage: the calendar."""
    yield calendar_file(context.site)
