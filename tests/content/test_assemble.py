"""Values computed across files: expiry, shown status, related both ways, drafts."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from portal.content.assemble import add_term
from portal.model.values import PartialDate, Status, Term
from portal.pipeline import check_site
from tests.support.sites import AGREEMENT, write_site


def agreement_with(extra: str, status: str = "signed") -> str:
    text = AGREEMENT.replace("status: signed", f"status: {status}")
    return text.replace("---\nBody", textwrap.dedent(extra) + "---\nBody")


def test_term_counts_from_entry_into_force() -> None:
    assert add_term(PartialDate(2020, 1, 31), Term(1, "months")) == PartialDate(2020, 2, 29)
    assert add_term(PartialDate(2018, 10), Term(3, "years")) == PartialDate(2021, 10)
    assert add_term(PartialDate(2018), Term(2, "years")) == PartialDate(2020)
    # a start known only to the year counts from its first month
    assert add_term(PartialDate(2018), Term(11, "months")) == PartialDate(2018)
    assert add_term(PartialDate(2018), Term(12, "months")) == PartialDate(2019)


def test_expiry_from_term_and_shown_status_on_the_build_day(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": agreement_with(
                "effective: 2023-10-01\nterm: 3 years\n", status="in-force"
            ),
        },
    )
    before = check_site(content, dt.date(2026, 9, 30), shown_root="content")
    after = check_site(content, dt.date(2026, 10, 2), shown_root="content")
    assert before.site and after.site
    assert before.site.agreements[0].expiry == PartialDate(2026, 10, 1)
    assert before.site.agreements[0].shown_status is Status.IN_FORCE
    assert before.warnings == ()
    assert after.site.agreements[0].shown_status is Status.EXPIRED
    assert [str(w) for w in after.warnings] == [
        "content/agreements/estonia-mou.md:4: status: is `in-force` but the agreement expired "
        "on 1 October 2026; the site shows it as expired. Set `status: expired` (or correct "
        "the dates)"
    ]


# The expiry rules of docs/editing.md ("When an agreement ends"): an agreement is in force
# on its expiry day and shown as expired from the next day; a date known only to the month
# or the year expires at the end of that month or year.
@pytest.mark.parametrize(
    ("expires", "today", "shown"),
    [
        ("2026-10-01", "2026-09-30", "in-force"),  # the day before
        ("2026-10-01", "2026-10-01", "in-force"),  # the expiry day itself
        ("2026-10-01", "2026-10-02", "expired"),  # the day after
        ("2026-10", "2026-09-30", "in-force"),  # the day before the month
        ("2026-10", "2026-10-01", "in-force"),  # the first day of the month
        ("2026-10", "2026-10-31", "in-force"),  # the last day of the month
        ("2026-10", "2026-11-01", "expired"),  # the day after the month
        ("2026", "2025-12-31", "in-force"),  # the day before the year
        ("2026", "2026-01-01", "in-force"),  # the first day of the year
        ("2026", "2026-12-31", "in-force"),  # the last day of the year
        ("2026", "2027-01-01", "expired"),  # the day after the year
    ],
)
def test_the_shown_status_at_each_expiry_boundary(
    tmp_path: Path, expires: str, today: str, shown: str
) -> None:
    text = agreement_with(f"expires: {expires}\n", status="in-force")
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    result = check_site(content, dt.date.fromisoformat(today))
    assert result.site is not None, result.errors
    assert result.site.agreements[0].shown_status == Status(shown)
    assert len(result.warnings) == (shown == "expired")


def test_a_term_counts_to_the_same_day_and_the_agreement_runs_through_it(tmp_path: Path) -> None:
    text = agreement_with("effective: 2024-02-29\nterm: 2 years\n", status="in-force")
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    on_the_day = check_site(content, dt.date(2026, 2, 28))
    next_day = check_site(content, dt.date(2026, 3, 1))
    assert on_the_day.site and next_day.site
    assert on_the_day.site.agreements[0].expiry == PartialDate(2026, 2, 28)
    assert on_the_day.site.agreements[0].shown_status is Status.IN_FORCE
    assert next_day.site.agreements[0].shown_status is Status.EXPIRED


@pytest.mark.parametrize("status", ["proposed", "negotiating", "terminated", "superseded"])
def test_only_a_running_agreement_is_shown_as_expired(tmp_path: Path, status: str) -> None:
    extra = "expires: 2024-01-01\nterminated: 2023-12-01\nsuperseded_by: second\n"
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": agreement_with(extra, status=status),
            "agreements/second.md": agreement_with(""),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.site is not None, result.errors
    assert result.site.agreements[0].shown_status == Status(status)
    assert result.warnings == ()


def test_expires_wins_over_term(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": agreement_with("expires: 2030-01-01\nterm: 1 year\n"),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.site and result.site.agreements[0].expiry == PartialDate(2030, 1, 1)


def test_unknown_signing_date_satisfies_the_rule(tmp_path: Path) -> None:
    text = agreement_with("date_unknown: [signed]\nterm: 3 years\n").replace(
        "signed: 2023-09-14\n", ""
    )
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.errors == ()
    assert result.site and result.site.agreements[0].expiry is None


def test_related_is_shown_both_ways(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/second.md": agreement_with("related: [estonia-mou]\n"),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.site
    assert {a.slug: a.related_all for a in result.site.agreements} == {
        "estonia-mou": ("second",),
        "second": ("estonia-mou",),
    }


def test_drafts_are_left_out_of_a_published_build_but_not_a_preview(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"agreements/draft-one.md": agreement_with("draft: true\n")})
    published = check_site(content, dt.date(2025, 1, 1))
    preview = check_site(content, dt.date(2025, 1, 1), preview=True)
    assert published.site and preview.site
    assert [a.slug for a in published.site.agreements] == ["estonia-mou"]
    assert [a.slug for a in preview.site.agreements] == ["draft-one", "estonia-mou"]


def test_a_published_record_cannot_point_to_a_draft(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/draft-one.md": agreement_with("draft: true\n"),
            "agreements/second.md": agreement_with("related: [draft-one]\n"),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1), shown_root="content")
    assert [str(p) for p in result.errors] == [
        "content/agreements/second.md:13: related: `draft-one` is a draft, so a published "
        "record cannot point to it; publish it or remove the reference"
    ]


def test_a_draft_may_point_to_another_draft(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/draft-one.md": agreement_with("draft: true\n"),
            "agreements/draft-two.md": agreement_with("draft: true\nrelated: [draft-one]\n"),
        },
    )
    published = check_site(content, dt.date(2025, 1, 1))
    preview = check_site(content, dt.date(2025, 1, 1), preview=True)
    assert published.errors == () and preview.errors == ()
    assert published.site and preview.site
    assert [a.slug for a in published.site.agreements] == ["estonia-mou"]
    related = {a.slug: a.related_all for a in preview.site.agreements}
    assert related["draft-two"] == ("draft-one",)
    assert related["draft-one"] == ("draft-two",)


def test_partial_dates_are_accepted_quoted_or_not(tmp_path: Path) -> None:
    text = AGREEMENT.replace("signed: 2023-09-14", "signed: '2023-09'\neffective: 2024")
    result = check_site(
        write_site(tmp_path, {"agreements/estonia-mou.md": text}), dt.date(2025, 1, 1)
    )
    assert result.site
    agreement = result.site.agreements[0]
    assert (agreement.signed, agreement.effective) == (PartialDate(2023, 9), PartialDate(2024))
