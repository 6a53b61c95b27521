"""What the pages show, computed in Python: dates, expiry, ordering, grouping, counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.model.site import Site
from portal.model.values import PartialDate, Status
from portal.pages import rows, values, views
from portal.pipeline import check_site
from tests.support.sites import write_site

TODAY = dt.date(2024, 1, 31)


def site_of(tmp_path: Path, files: dict[str, str], today: dt.date = TODAY) -> Site:
    result = check_site(write_site(tmp_path, files), today)
    assert result.site is not None, [str(p) for p in result.errors]
    return result.site


def agreement(slug: str, extra: str, partners: str = "[estonia]") -> dict[str, str]:
    """An agreement file with the required fields and `extra` front matter lines."""
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


def partner(slug: str, extra: str) -> dict[str, str]:
    return {
        f"partners/{slug}.md": f"""\
---
name: Partner {slug}
summary: About {slug}.
{extra}
---
"""
    }


def test_dates_keep_their_precision_and_unknown_ones_are_not_stated(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        agreement(
            "a",
            "status: signed\nsigned: 2023-09\neffective: 2023\ndate_unknown: [terminated]",
        ),
    )
    facts = rows.agreement_dates(site.agreement("a"))
    assert [(f.label, f.date.display() if f.date else None) for f in facts] == [
        ("Signed", "September 2023"),
        ("Entered into force", "2023"),
        ("Terminated", None),
    ]


def test_a_signing_date_the_sources_do_not_give_is_a_fact_without_a_date(tmp_path: Path) -> None:
    site = site_of(
        tmp_path, agreement("a", "status: signed\ndate_unknown: [signed]\nterm: 3 years")
    )
    facts = rows.agreement_dates(site.agreement("a"))
    assert facts == (
        values.DateFact("Signed", None),
        values.DateFact("Expires", None, "3 years after signing"),
    )


def test_an_expiry_computed_from_the_term_says_so(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        agreement(
            "a", "status: in-force\nsigned: 2023-01-10\neffective: 2023-02-01\nterm: 2 years"
        ),
    )
    expires = rows.agreement_dates(site.agreement("a"))[-1]
    assert expires == values.DateFact(
        "Expires", PartialDate(2025, 2, 1), "2 years after entry into force"
    )


def test_expiry_note_counts_the_days_from_the_build_day(tmp_path: Path) -> None:
    site = site_of(
        tmp_path, agreement("a", "status: in-force\nsigned: 2023-01-10\nexpires: 2024-03-01")
    )
    assert rows.expiry_note(site.agreement("a"), site.today) == (
        "Expires in 30 days, on 1 March 2024"
    )


def test_expiry_note_of_a_passed_expiry_gives_the_date(tmp_path: Path) -> None:
    site = site_of(
        tmp_path, agreement("a", "status: in-force\nsigned: 2020-01-10\nexpires: 2023-06-30")
    )
    a = site.agreement("a")
    assert a.shown_status is Status.EXPIRED
    assert rows.expiry_note(a, site.today) == "Expired on 30 June 2023"


def test_expiry_note_of_a_month_counts_to_its_end(tmp_path: Path) -> None:
    site = site_of(tmp_path, agreement("a", "status: signed\nsigned: 2021-02\nterm: 3 years"))
    assert rows.expiry_note(site.agreement("a"), site.today) == (
        "Expires in February 2024, within 29 days"
    )


def test_expiry_note_is_empty_for_terminated_and_undated_agreements(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **agreement(
                "a",
                "status: terminated\nsigned: 2020-01-01\n"
                "expires: 2025-01-01\nterminated: 2022-05-05",
            ),
            **agreement("b", "status: proposed"),
        },
    )
    assert rows.expiry_note(site.agreement("a"), site.today) == ""
    assert rows.expiry_note(site.agreement("b"), site.today) == ""
    assert rows.agreement_dates(site.agreement("a"))[1].label == "Was to expire"


def test_agreements_are_newest_first_undated_last_ties_by_slug(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **agreement("old", "status: signed\nsigned: 2019-05-01"),
            **agreement("month", "status: signed\nsigned: 2023-09"),
            **agreement("day", "status: signed\nsigned: 2023-09-14"),
            **agreement("also-month", "status: signed\nsigned: 2023-09"),
            **agreement("zz-proposed", "status: proposed"),
            **agreement("aa-proposed", "status: proposed"),
        },
    )
    order = [r.slug for r in views.agreements_index(site).rows]
    assert order == [
        "day",
        "estonia-mou",  # 2023-09-14 too: ties by slug
        "also-month",  # a month sorts at its start, so before the days in it
        "month",
        "old",
        "aa-proposed",
        "zz-proposed",
    ]


def test_agreement_filters_offer_only_the_values_present(tmp_path: Path) -> None:
    site = site_of(tmp_path, agreement("b", "status: proposed"))
    filters = {f.name: [o.value for o in f.options] for f in views.agreements_index(site).filters}
    assert filters == {
        "status": ["proposed", "signed"],
        "kind": ["agreement", "memorandum-of-understanding"],
        "partner": ["estonia"],
        "area": ["cybersecurity"],
        "year": ["2023", "none"],
    }


def test_rows_carry_the_values_the_filters_match(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **partner("acme", "type: company"),
            **agreement("b", "status: signed\nsigned: 2021", partners="[estonia, acme]"),
        },
    )
    row = rows.row(site, site.agreement("b"))
    assert (row.partner_slugs, row.area_slugs, row.year, row.status) == (
        "estonia acme",
        "cybersecurity",
        "2021",
        values.Tag("signed", "Signed"),
    )


def test_home_lists_agreements_expiring_within_a_year_soonest_first(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **agreement("later", "status: in-force\nsigned: 2023-01-01\nexpires: 2024-12-01"),
            **agreement("soon", "status: signed\nsigned: 2023-01-01\nexpires: 2024-02-10"),
            **agreement("far", "status: in-force\nsigned: 2023-01-01\nexpires: 2025-03-01"),
            **agreement("past", "status: in-force\nsigned: 2020-01-01\nexpires: 2023-03-01"),
            **agreement(
                "ended",
                "status: terminated\nsigned: 2023-01-01\n"
                "expires: 2024-03-01\nterminated: 2023-05-01",
            ),
        },
    )
    expiring = views.home(site).expiring
    assert [(r.slug, note) for r, note in expiring] == [
        ("soon", "Expires in 10 days, on 10 February 2024"),
        ("later", "Expires in 305 days, on 1 December 2024"),
    ]


def test_home_counts_agreements_by_shown_status_and_partners_by_type(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **partner("acme", "type: company"),
            **agreement("past", "status: in-force\nsigned: 2020-01-01\nexpires: 2023-03-01"),
            **agreement("p", "status: proposed", partners="[acme]"),
        },
    )
    home = views.home(site)
    assert [(c.label, c.count) for c in home.status_counts] == [
        ("Proposed", 1),
        ("Signed", 1),
        ("Expired", 1),
    ]
    assert [(c.key, c.count) for c in home.partner_type_counts] == [
        ("government", 1),
        ("company", 1),
    ]
    assert (home.agreements, home.partners, home.events) == (3, 2, 0)


def test_partners_are_grouped_by_type_and_by_country_with_counts(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **partner("us", "type: government\ncountry: US"),
            **partner("nsc", "type: government-agency\ncountry: US\nparent: us"),
            **partner("acme", "type: company"),
            **agreement("b", "status: proposed", partners="[acme]"),
        },
    )
    index = views.partners_index(site)
    assert [(g.key, g.label, [i.partner.slug for i in g.items]) for g in index.by_type] == [
        ("type-government", "Government", ["estonia", "us"]),
        ("type-government-agency", "Government agency", ["nsc"]),
        ("type-company", "Company", ["acme"]),
    ]
    assert [(g.label, g.count) for g in index.by_country] == [
        ("Estonia", 1),
        ("United States", 2),
        ("No country (companies and organisations)", 1),
    ]
    acme = index.by_type[2].items[0]
    assert (acme.agreements, acme.events, acme.country) == (1, 0, "")


def test_partner_view_has_parent_children_and_counts_by_status(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            **partner("nsc", "type: government-agency\ncountry: EE\nparent: estonia"),
            **agreement("b", "status: proposed"),
            **agreement("c", "status: signed\nsigned: 2020"),
            "events/meeting.md": """\
                ---
                title: A meeting
                date: 2022-05
                kind: meeting
                partners: [estonia]
                summary: They met.
                sources:
                  - title: A source
                    url: https://example.org/m
                ---
                """,
        },
    )
    estonia = views.partner_view(site, site.partner("estonia"))
    assert estonia.parent is None
    assert [c.partner.slug for c in estonia.children] == ["nsc"]
    assert [r.slug for r in estonia.agreements] == ["estonia-mou", "c", "b"]
    assert [e.slug for e in estonia.events] == ["meeting"]
    assert [(c.key, c.count) for c in estonia.status_counts] == [("proposed", 1), ("signed", 2)]
    nsc = views.partner_view(site, site.partner("nsc"))
    assert nsc.parent is not None and nsc.parent.slug == "estonia"
    assert nsc.country == "Estonia"


def test_related_agreements_show_both_ways(tmp_path: Path) -> None:
    site = site_of(tmp_path, agreement("b", "status: proposed\nrelated: [estonia-mou]"))
    back = views.agreement_view(site, site.agreement("estonia-mou"))
    forth = views.agreement_view(site, site.agreement("b"))
    assert [r.slug for r in back.related] == ["b"]
    assert [r.slug for r in forth.related] == ["estonia-mou"]


def test_area_events_are_those_of_its_agreements(tmp_path: Path) -> None:
    site = site_of(
        tmp_path,
        {
            "events/signing.md": """\
                ---
                title: The signing
                date: 2023-09-14
                kind: signing
                agreements: [estonia-mou]
                summary: Signed.
                sources:
                  - title: A source
                    url: https://example.org/s
                ---
                """,
            "events/other.md": """\
                ---
                title: Something else
                date: 2023
                kind: statement
                agencies: [dict]
                summary: Said.
                sources:
                  - title: A source
                    url: https://example.org/o
                ---
                """,
        },
    )
    area = views.area_view(site, site.config.area("cybersecurity"))
    agency = views.agency_view(site, site.config.agency("dict"))
    assert [e.slug for e in area.events] == ["signing"]
    assert [e.slug for e in agency.events] == ["other"]
    assert [r.slug for r in area.agreements] == ["estonia-mou"]


def test_nav_has_the_sections_then_menu_pages_in_order(tmp_path: Path) -> None:
    page = "---\ntitle: {title}\nmenu: {menu}\n---\nText.\n"
    site = site_of(
        tmp_path,
        {
            "pages/method.md": page.format(title="Method", menu=2),
            "pages/about.md": page.format(title="About", menu=1),
            "pages/hidden.md": "---\ntitle: Hidden\n---\nText.\n",
        },
    )
    assert [(i.url, i.label) for i in views.nav(site)] == [
        ("agreements/", "Agreements"),
        ("partners/", "Partners"),
        ("timeline/", "Timeline"),
        ("about/", "About"),
        ("method/", "Method"),
    ]


@pytest.mark.parametrize(
    ("expires", "today", "note"),
    [
        ("2024-03-01", "2024-02-29", "Expires in 1 day, on 1 March 2024"),
        ("2024-03-01", "2024-03-01", "Expires today, 1 March 2024"),
        ("2024-03-01", "2024-03-02", "Expired on 1 March 2024"),
        ("2024-03", "2024-02-29", "Expires in March 2024, within 31 days"),
        ("2024-03", "2024-03-31", "Expires today"),
        ("2024-03", "2024-04-01", "Expired in March 2024"),
        ("2024", "2023-12-31", "Expires in 2024, within 366 days"),
        ("2024", "2024-12-31", "Expires today"),
        ("2024", "2025-01-01", "Expired in 2024"),
    ],
)
def test_expiry_note_at_each_boundary(tmp_path: Path, expires: str, today: str, note: str) -> None:
    day = dt.date.fromisoformat(today)
    site = site_of(
        tmp_path, agreement("a", f"status: in-force\nsigned: 2020-01-10\nexpires: {expires}"), day
    )
    assert rows.expiry_note(site.agreement("a"), day) == note
