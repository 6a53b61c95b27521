"""The timeline's dated entries and the geometry of its SVG overview."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from portal.model.site import Site
from portal.model.values import PartialDate
from portal.pages import timeline, values
from portal.pages.timeline import BarKind, Step
from portal.pipeline import check_site
from tests.support.sites import write_site

TODAY = dt.date(2024, 1, 31)


def site_of(tmp_path: Path, files: dict[str, str], today: dt.date = TODAY) -> Site:
    result = check_site(write_site(tmp_path, files), today)
    assert result.site is not None, [str(p) for p in result.errors]
    return result.site


def agreement(slug: str, extra: str, partners: str = "[estonia]") -> dict[str, str]:
    return {
        f"agreements/{slug}.md": f"""\
---
title: Agreement {slug}
kind: agreement
partners: {partners}
agencies: [dict]
areas: [cybersecurity]
summary: About {slug}.
sources:
  - title: A source
    url: https://example.org/{slug}
{extra}
---
"""
    }


EVENT = """\
---
title: A meeting
date: 2023-09
kind: meeting
partners: [estonia]
summary: They met.
sources:
  - title: A source
    url: https://example.org/m
---
"""


def test_each_step_of_an_agreement_and_each_event_is_its_own_entry(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **agreement(
                "estonia-mou",
                "status: in-force\nsigned: 2022-03-01\neffective: 2022-04\nexpires: 2025-04-30",
            ),
            "events/meeting.md": EVENT,
        },
    )
    entries = [(e.date.iso(), e.step, e.label, e.slug) for e in timeline.entries(site)]
    assert entries == [
        ("2025-04-30", Step.EXPIRY, "Expires", "estonia-mou"),
        ("2023-09", Step.EVENT, "Meeting", "meeting"),
        ("2022-04", Step.EFFECTIVE, "Entered into force", "estonia-mou"),
        ("2022-03-01", Step.SIGNED, "Signed", "estonia-mou"),
    ]
    assert timeline.entries(site)[0].upcoming
    assert timeline.entries(site)[0].url == "agreements/estonia-mou/"
    assert timeline.entries(site)[1].url == "events/meeting/"


def test_entries_are_grouped_by_year_newest_first(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {**agreement("old", "status: signed\nsigned: 2019-05"), "events/meeting.md": EVENT},
    )
    years = timeline.years(site)
    assert [(y.year, [e.slug for e in y.entries]) for y in years] == [
        (2023, ["estonia-mou", "meeting"]),  # 14 September, then September (its start)
        (2019, ["old"]),
    ]


def test_a_passed_expiry_is_expired_and_termination_replaces_a_later_expiry(
    tmp_path: Path,
) -> None:
    site = site_of(
        tmp_path,
        {
            **agreement("ran-out", "status: expired\nsigned: 2019-01-01\nexpires: 2022-01-01"),
            **agreement(
                "ended",
                "status: terminated\nsigned: 2020-01-01\nexpires: 2026-01-01\n"
                "terminated: 2021-06-15",
            ),
        },
    )
    steps = {(e.slug, e.label) for e in timeline.entries(site) if e.slug != "estonia-mou"}
    assert steps == {
        ("ran-out", "Signed"),
        ("ran-out", "Expired"),
        ("ended", "Signed"),
        ("ended", "Terminated"),
    }


def test_undated_agreements_are_listed_apart(tmp_path: Path) -> None:
    site = site_of(tmp_path, agreement("plan", "status: proposed"))
    assert [a.slug for a in timeline.undated(site)] == ["plan"]
    assert all(e.slug != "plan" for e in timeline.entries(site))


def test_overview_draws_a_bar_from_signing_to_expiry_on_a_year_axis(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {**agreement("estonia-mou", "status: in-force\nsigned: 2021-01-01\nexpires: 2022-12-31")},
    )
    overview = timeline.overview(site)
    # A year of room before the first signing; the year after the build day's at the end.
    assert (overview.axis_start, overview.axis_end) == (2020, 2025)
    assert [t.label for t in overview.ticks] == ["2020", "2021", "2022", "2023", "2024"]
    year = (overview.chart_right - overview.chart_x) / 5
    (bar,) = overview.bars
    assert bar.kind is BarKind.CLOSED
    # The axis counts days, so a leap year is a little wider than the others.
    assert abs(bar.x - (overview.chart_x + year)) < 0.5
    assert abs(bar.width - 2 * year) < 0.5  # two whole years: 2021 and 2022
    assert bar.arrow == ""
    assert bar.label == "2021–2022 · expired"  # the shown status


def test_a_partial_end_date_is_drawn_to_the_end_of_its_period(tmp_path: Path) -> None:
    site = site_of(
        tmp_path, agreement("estonia-mou", "status: signed\nsigned: 2021\nterm: 2 years")
    )
    (bar,) = timeline.overview(site).bars
    assert (bar.start, bar.end) == (values.day(PartialDate(2021)), values.day(PartialDate(2023)))
    overview = timeline.overview(site)
    year = (overview.chart_right - overview.chart_x) / (overview.axis_end - overview.axis_start)
    assert abs(bar.width - 3 * year) < 0.5  # 2021, 2022 and 2023 whole


def test_open_ended_and_proposed_agreements_are_marked(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **agreement("estonia-mou", "status: signed\nsigned: 2022-06-01"),
            **agreement("plan", "status: proposed"),
            **agreement("secret", "status: signed\ndate_unknown: [signed]"),
        },
    )
    overview = timeline.overview(site)
    bars = {b.agreement.slug: b for b in overview.bars}
    assert bars["estonia-mou"].kind is BarKind.OPEN
    assert bars["estonia-mou"].x + bars["estonia-mou"].width == overview.chart_right
    assert bars["estonia-mou"].arrow.startswith("M")
    assert bars["plan"].kind is BarKind.PROPOSED
    assert bars["plan"].label == "proposed, no date yet"
    assert bars["secret"].kind is BarKind.UNDATED
    assert "the sources do not state the date" in bars["secret"].description
    # Markers without a date stand at the build day.
    assert bars["plan"].x + bars["plan"].width / 2 == overview.today_x


def test_overview_groups_bars_under_their_first_partner_by_name(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            "partners/acme.md": "---\nname: Acme\ntype: company\nsummary: A firm.\n---\n",
            **agreement("b", "status: signed\nsigned: 2020", partners="[acme, estonia]"),
            **agreement("c", "status: signed\nsigned: 2019"),
        },
    )
    groups = timeline.overview(site).groups
    assert [(g.partner.slug, [b.agreement.slug for b in g.bars]) for g in groups] == [
        ("acme", ["b"]),
        ("estonia", ["c", "estonia-mou"]),  # by start date
    ]
    assert groups[1].y > groups[0].y + groups[0].height
    assert groups[1].bars[1].y > groups[1].bars[0].y


def test_a_long_partner_name_is_wrapped_in_the_label_column(tmp_path: Path) -> None:
    name = "Joint United States Military Assistance Group for the Philippines"
    site = site_of(
        tmp_path,
        {
            "partners/estonia.md": f"---\nname: {name}\ntype: government\ncountry: EE\n"
            "summary: S.\n---\n"
        },
    )
    (group,) = timeline.overview(site).groups
    assert len(group.name_lines) > 1
    assert " ".join(group.name_lines) == name
    assert group.height >= len(group.name_lines) * group.line_height


def test_overview_geometry_is_the_same_for_the_same_site(tmp_path: Path) -> None:
    site = site_of(tmp_path, agreement("b", "status: signed\nsigned: 2020-02-29\nterm: 1 year"))
    assert timeline.overview(site) == timeline.overview(site)
    assert all(b.x == round(b.x, 1) for b in timeline.overview(site).bars)
