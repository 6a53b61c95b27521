"""The calendar, read back by the icalendar package: one all-day event per date, reminders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar

from portal.model.site import Site
from portal.outputs import ical
from portal.pipeline import check_site
from tests.support.sites import write_site

ROOT = Path(__file__).resolve().parents[2]


def agreement(slug: str, status: str, dates: str, extra: str = "") -> dict[str, str]:
    return {
        f"agreements/{slug}.md": f"---\ntitle: Agreement {slug}{extra}\n"
        "kind: agreement\n"
        f"status: {status}\n{dates}"
        "partners: [estonia]\nagencies: [dict]\nareas: [cybersecurity]\n"
        "summary: What it does, in short; with commas.\n"
        "sources:\n  - title: News\n    url: https://example.org/news\n"
        "---\n"
    }


FILES = {
    # estonia-mou, from the base site: signed 2023-09-14.
    **agreement(
        "full",
        "in-force",
        "signed: 2020-01-31\neffective: 2020-03-01\nexpires: 2024-02-29\nplace: Tallinn\n",
        extra=", with a long title; commas and ümlauts that fold across lines " * 2,
    ),
    **agreement(
        "ended",
        "terminated",
        "signed: 2019-05-02\nterm: 5 years\nterminated: 2021-07-15\n",
    ),
    **agreement("month", "signed", "signed: 2018-10\nterm: 3 years\n"),
    **agreement("year", "signed", "signed: 2017\nterm: 2 years\n"),
    **agreement("draft", "in-force", "signed: 2022-02-02\nexpires: 2030-01-01\ndraft: true\n"),
}
UID = "tag:example.org,2025:portal/agreements/"


def site_for(content: Path, today: dt.date = dt.date(2025, 6, 1)) -> Site:
    result = check_site(content, today, preview=True)  # preview: drafts are in the site
    assert result.errors == ()
    assert result.site is not None
    return result.site


def events(data: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0"
    return list(calendar.walk("VEVENT"))


def test_one_all_day_event_per_date(tmp_path: Path) -> None:
    data = ical.calendar_file(site_for(write_site(tmp_path, FILES))).data
    found = {
        str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
        for e in events(data)
    }
    day = dt.date
    assert {uid.removeprefix(UID): (start, end) for uid, (start, end, _) in found.items()} == {
        "estonia-mou/signed": (day(2023, 9, 14), day(2023, 9, 15)),
        "full/signed": (day(2020, 1, 31), day(2020, 2, 1)),
        "full/effective": (day(2020, 3, 1), day(2020, 3, 2)),
        "full/expiry": (day(2024, 2, 29), day(2024, 3, 1)),
        "ended/signed": (day(2019, 5, 2), day(2019, 5, 3)),
        "ended/terminated": (day(2021, 7, 15), day(2021, 7, 16)),
        # Known to the month: the event spans the month and says so.
        "month/signed": (day(2018, 10, 1), day(2018, 11, 1)),
        "month/expiry": (day(2021, 10, 1), day(2021, 11, 1)),
    }
    assert found[UID + "month/signed"][2] == (
        "Signed (day not stated, October 2018): Agreement month"
    )
    assert found[UID + "full/effective"][2].startswith("Enters into force: Agreement full, with")
    assert found[UID + "full/expiry"][2].endswith("ümlauts that fold across lines")


def test_expiries_carry_reminders_and_stamps_come_from_the_record(tmp_path: Path) -> None:
    data = ical.calendar_file(site_for(write_site(tmp_path, FILES))).data
    by_uid = {str(e["UID"]).removeprefix(UID): e for e in events(data)}
    expiry = by_uid["full/expiry"]
    alarms = expiry.walk("VALARM")
    assert [a.decoded("TRIGGER") for a in alarms] == [dt.timedelta(-90), dt.timedelta(-30)]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)
    assert by_uid["full/signed"].walk("VALARM") == []
    # DTSTAMP: the record's newest own date (its entry into force), never the clock.
    assert expiry.decoded("DTSTAMP") == dt.datetime(2020, 3, 1, tzinfo=dt.UTC)
    assert str(by_uid["full/signed"]["LOCATION"]) == "Tallinn"
    assert str(expiry["DESCRIPTION"]).startswith("What it does, in short; with commas.\n\n")
    assert str(expiry["URL"]) == "https://example.org/portal/agreements/full/"


def test_rfc5545_lines_and_deterministic_bytes(tmp_path: Path) -> None:
    content = write_site(tmp_path, FILES)
    data = ical.calendar_file(site_for(content)).data
    assert data == ical.calendar_file(site_for(content, today=dt.date(2040, 1, 1))).data
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    lines[-1].decode("utf-8")  # folding never splits a character
    for line in lines:
        line.decode("utf-8")


def test_drafts_year_only_dates_and_ended_expiries_are_left_out(tmp_path: Path) -> None:
    data = ical.calendar_file(site_for(write_site(tmp_path, FILES))).data
    uids = {str(e["UID"]) for e in events(data)}
    assert not any("/draft/" in uid or "/year/" in uid for uid in uids)
    assert UID + "ended/expiry" not in uids  # terminated before it could expire


def test_the_example_register_calendar_parses() -> None:
    site = site_for(ROOT / "content")
    found = events(ical.calendar_file(site).data)
    assert len(found) == len(ical.moments(site))
    assert len({str(e["UID"]) for e in found}) == len(found)


def test_a_line_of_at_most_75_octets_is_not_folded() -> None:
    assert ical.fold("") == ""
    assert ical.fold("x" * 75) == "x" * 75
    assert ical.fold("x" * 73 + "é") == "x" * 73 + "é"  # "é" is 2 octets: 75 in all


def test_a_longer_line_is_cut_at_75_octets_then_every_74_after_the_leading_space() -> None:
    assert ical.fold("x" * 76) == "x" * 75 + "\r\n x"
    assert ical.fold("x" * 150) == "x" * 75 + "\r\n " + "x" * 74 + "\r\n x"


def test_a_fold_never_splits_a_character() -> None:
    # 74 octets, then "é" (2 octets) would end at octet 76: it starts the next line.
    assert ical.fold("x" * 74 + "éy") == "x" * 74 + "\r\n éy"
    # 72 octets, then a 4-octet emoji: the same.
    assert ical.fold("x" * 72 + "😀") == "x" * 72 + "\r\n 😀"
    # 38 two-octet characters: 37 fill 74 octets, the last one goes on.
    assert ical.fold("é" * 38) == "é" * 37 + "\r\n é"
