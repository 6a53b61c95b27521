"""The rules between an agreement's dates, read from one file (what a schema cannot see).

Dates known only to the month or year are compared generously: `effective: 2023-09` may
be any day of September, so it is not before `signed: 2023-09-14`.
"""

from __future__ import annotations

import pytest

from portal.content.load import RawFile
from portal.content.validate import parse_record

SIGNED = """\
---
title: Memorandum on digital cooperation
kind: memorandum-of-understanding
status: {status}
signed: 2023-09-14
partners: [estonia]
agencies: [dict]
areas: [cybersecurity]
summary: Cooperation on e-governance.
sources:
  - title: An article
    url: https://example.org/article
{extra}
---
"""


def problems(extra: str, status: str = "signed") -> list[str]:
    text = SIGNED.format(status=status, extra=extra)
    raw = RawFile("agreements", "a", "a.md", text)
    return [str(p) for p in parse_record(raw).problems]


BEFORE = (
    "is before the signing date 2023-09-14; an agreement cannot enter into force before it is "
    "signed"
)
NOT_AFTER = "is not after the signing date 2023-09-14"


@pytest.mark.parametrize(
    ("extra", "found"),
    [
        ("effective: 2023-09-14", []),  # in force the day it is signed
        ("effective: 2023-09", []),  # some day of the month of signing
        ("effective: 2023", []),
        ("effective: 2023-09-13", [f"a.md:13: effective: 2023-09-13 {BEFORE}"]),
        ("effective: 2023-08", [f"a.md:13: effective: 2023-08 {BEFORE}"]),
        ("expires: 2023-09-15", []),
        ("expires: 2023-09", []),  # may be a day after the signing
        ("expires: 2023-09-14", [f"a.md:13: expires: 2023-09-14 {NOT_AFTER}"]),
        ("expires: 2023-08", [f"a.md:13: expires: 2023-08 {NOT_AFTER}"]),
        (
            "effective: 2024-01-01\nexpires: 2023-12-31",
            ["a.md:14: expires: 2023-12-31 is not after the entry into force date 2024-01-01"],
        ),
    ],
)
def test_entry_into_force_and_expiry_follow_the_signing(extra: str, found: list[str]) -> None:
    assert problems(extra) == found


@pytest.mark.parametrize(
    ("extra", "found"),
    [
        ("terminated: 2023-09-14", []),
        ("terminated: 2023-09", []),
        (
            "terminated: 2023-09-13",
            ["a.md:13: terminated: 2023-09-13 is before the signing date 2023-09-14"],
        ),
    ],
)
def test_a_termination_is_not_before_the_signing(extra: str, found: list[str]) -> None:
    assert problems(extra, status="terminated") == found


@pytest.mark.parametrize("status", ["signed", "in-force", "expired", "terminated", "superseded"])
def test_an_empty_signing_date_is_missing_when_the_status_needs_one(status: str) -> None:
    text = SIGNED.format(status=status, extra="terminated: 2024-01-01\nsuperseded_by: b")
    raw = RawFile("agreements", "a", "a.md", text.replace("signed: 2023-09-14", "signed:"))
    assert [str(p) for p in parse_record(raw).problems] == [
        f"a.md:4: signed: is required when status is `{status}`"
    ]


@pytest.mark.parametrize("status", ["proposed", "negotiating"])
def test_an_agreement_not_yet_signed_needs_no_signing_date(status: str) -> None:
    raw = RawFile(
        "agreements",
        "a",
        "a.md",
        SIGNED.format(status=status, extra="").replace("signed: 2023-09-14\n", ""),
    )
    assert parse_record(raw).problems == ()


def test_a_term_needs_a_start_unless_the_expiry_is_given() -> None:
    text = SIGNED.format(status="proposed", extra="term: 3 years").replace(
        "signed: 2023-09-14\n", ""
    )
    raw = RawFile("agreements", "a", "a.md", text)
    assert [str(p) for p in parse_record(raw).problems] == [
        "a.md:12: term: needs `signed` or `effective` to count from"
    ]
    with_expiry = RawFile("agreements", "a", "a.md", text.replace("term:", "expires: 2026\nterm:"))
    assert parse_record(with_expiry).problems == ()


PARTNER = """\
---
name: Estonia
type: {type}
{extra}summary: The Republic of Estonia.
---
"""


@pytest.mark.parametrize("kind", ["government", "government-agency", "state-owned-enterprise"])
def test_a_government_partner_needs_a_country(kind: str) -> None:
    for extra in ("", "country:\n"):
        text = PARTNER.format(type=kind, extra=extra)
        parsed = parse_record(RawFile("partners", "estonia", "partners/estonia.md", text))
        assert [str(p) for p in parsed.problems] == [
            f"partners/estonia.md:3: country: is required when type is `{kind}`"
        ]
