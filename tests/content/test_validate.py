"""One file checked on its own: the record it gives, or its problems (file, line, field and
message), and the rules between an agreement's dates (what a schema cannot see).

Dates known only to the month or year are compared generously: `effective: 2023-09` may
be any day of September, so it is not before `signed: 2023-09-14`.
"""

from __future__ import annotations

import pytest

from portal.content.load import RawFile
from portal.content.validate import Parsed, check_file, parse_record
from portal.markdown.reading import LEGACY_MESSAGE
from portal.model.records import Agreement, Event, Page, Partner
from portal.model.values import Problem, Severity

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


# --- one file to one record: what parse_record and check_file give ----------------------

PARTNER = """\
---
name: Estonia
type: {type}
{extra}summary: The Republic of Estonia.
---
"""


def parse(section: str, slug: str, text: str) -> Parsed:
    return parse_record(RawFile(section, slug, f"{section}/{slug}.md", text))


def shown(parsed: Parsed) -> list[str]:
    return [str(p) for p in parsed.problems]


def test_a_valid_agreement_gives_its_record_fields_and_body() -> None:
    text = SIGNED.format(status="signed", extra="place: Tallinn") + "Body text.\n"
    parsed = parse("agreements", "estonia-mou", text)
    assert (parsed.section, parsed.slug, parsed.path) == (
        "agreements",
        "estonia-mou",
        "agreements/estonia-mou.md",
    )
    assert parsed.problems == ()
    assert isinstance(parsed.record, Agreement)
    assert (parsed.record.slug, parsed.record.path, parsed.record.body) == (
        "estonia-mou",
        "agreements/estonia-mou.md",
        "Body text.\n",
    )
    assert (parsed.record.title, parsed.record.place) == (
        "Memorandum on digital cooperation",
        "Tallinn",
    )
    assert parsed.meta is not None and parsed.meta.line_of("place") == 13
    assert parsed.values["partners"] == ("estonia",)
    assert (parsed.body, parsed.body_line) == ("Body text.\n", 15)


@pytest.mark.parametrize(
    ("section", "text", "kind"),
    [
        ("partners", PARTNER.format(type="company", extra="") + "About.\n", Partner),
        (
            "events",
            "---\ntitle: Meeting\ndate: 2023-09\nkind: meeting\nsummary: Officials met.\n"
            "sources:\n  - title: Report\n    url: https://example.org/report\n---\nAbout.\n",
            Event,
        ),
        ("pages", "---\ntitle: About\nmenu: 2\n---\nAbout.\n", Page),
    ],
)
def test_each_section_gives_its_own_kind_of_record(section: str, text: str, kind: type) -> None:
    parsed = parse(section, "one", text)
    assert parsed.problems == ()
    assert type(parsed.record) is kind
    assert (parsed.record.slug, parsed.record.path, parsed.record.body) == (
        "one",
        f"{section}/one.md",
        "About.\n",
    )


def test_a_file_with_a_problem_keeps_its_valid_fields_for_the_checks_across_files() -> None:
    text = SIGNED.format(status="signed", extra="place: [Tallinn]") + "Body text.\n"
    parsed = parse("agreements", "estonia-mou", text)
    assert shown(parsed) == ["agreements/estonia-mou.md:13: place: must be text, found a list"]
    assert parsed.record is None
    assert (parsed.section, parsed.slug, parsed.path) == (
        "agreements",
        "estonia-mou",
        "agreements/estonia-mou.md",
    )
    assert parsed.meta is not None and parsed.meta.line_of("partners") == 6
    assert parsed.values["partners"] == ("estonia",)
    assert "place" not in parsed.values
    assert (parsed.body, parsed.body_line) == ("Body text.\n", 15)


@pytest.mark.parametrize(
    ("stem", "valid"),
    [("a" * 80, True), ("a" * 81, False), ("Estonia-MOU", False), ("a--b", False)],
)
def test_the_file_name_must_be_a_slug(stem: str, valid: bool) -> None:
    text = "---\ntitle: About\n---\n"
    parsed = parse_record(RawFile("pages", stem, f"pages/{stem}.md", text))
    # a problem of the whole file: no line, no field
    assert parsed.problems == (
        ()
        if valid
        else (
            Problem(
                f"pages/{stem}.md",
                0,
                "",
                f"the file name `{stem}` is not a valid slug: use at most 80 lowercase letters "
                "a-z, digits and single hyphens, like `dict-kaspersky-2018.md`",
            ),
        )
    )


def test_a_control_character_stops_the_check_of_the_file_at_its_line() -> None:
    parsed = parse_record(
        RawFile("pages", "Bad_Name", "pages/Bad_Name.md", "---\ntitle: A\x07\n---\n")
    )
    assert parsed.record is None and parsed.meta is None and parsed.body_line == 0
    assert parsed.problems[1:] == (
        Problem(
            "pages/Bad_Name.md",
            2,
            "",
            "contains the invisible control character U+0007; delete it (it often comes from "
            "copying out of a PDF or a word processor)",
        ),
    )
    assert (parsed.section, parsed.slug, parsed.path) == ("pages", "Bad_Name", "pages/Bad_Name.md")


def test_front_matter_that_cannot_be_read_stops_the_check_of_the_file() -> None:
    parsed = parse_record(RawFile("pages", "Bad_Name", "pages/Bad_Name.md", "title: A\n"))
    assert parsed.record is None and parsed.meta is None and parsed.body_line == 0
    assert shown(parsed)[1:] == [
        "pages/Bad_Name.md:1: the file must start with a `---` line that opens the front matter"
    ]
    assert (parsed.section, parsed.slug, parsed.path) == ("pages", "Bad_Name", "pages/Bad_Name.md")
    nested = parse("pages", "a", "---\ntitle: A\nmenu:\n  a: 1\n  a: 2\n---\n")
    assert shown(nested) == ["pages/a.md:5: menu: `a` is given twice (first on line 4); keep one"]


@pytest.mark.parametrize("kind", ["government", "government-agency", "state-owned-enterprise"])
def test_a_government_partner_needs_a_country(kind: str) -> None:
    for extra in ("", "country:\n"):
        parsed = parse("partners", "estonia", PARTNER.format(type=kind, extra=extra))
        assert shown(parsed) == [
            f"partners/estonia.md:3: country: is required when type is `{kind}`"
        ]
    given = parse("partners", "estonia", PARTNER.format(type=kind, extra="country: EE\n"))
    assert given.problems == ()


def test_a_bad_country_is_reported_once() -> None:
    parsed = parse("partners", "estonia", PARTNER.format(type="government", extra="country: XX\n"))
    assert [p.field for p in parsed.problems] == ["country"]


def test_a_partner_cannot_be_its_own_parent() -> None:
    text = PARTNER.format(type="company", extra="parent: estonia\n")
    assert shown(parse("partners", "estonia", text)) == [
        "partners/estonia.md:4: parent: a partner cannot be its own parent"
    ]
    assert parse("partners", "other", text).problems == ()


def test_check_file_gives_the_body_lines_of_python_markdown_leftovers_as_warnings() -> None:
    text = "---\ntitle: About\n---\nFirst.\n\nPara\n{: .evil-class }\n"
    checked = check_file(RawFile("pages", "about", "pages/about.md", text))
    assert checked.parsed.record is not None
    assert [(str(w), w.severity) for w in checked.warnings] == [
        (
            f"pages/about.md:7: body: {LEGACY_MESSAGE.format(found='{: .evil-class }')}",
            Severity.WARNING,
        )
    ]


def test_check_file_gives_the_body_links() -> None:
    text = "---\ntitle: About\n---\nSee [the partner](/partners/estonia/).\n"
    checked = check_file(RawFile("pages", "about", "pages/about.md", text))
    assert [link.href for link in checked.links] == ["/partners/estonia/"]
    unread = check_file(RawFile("pages", "about", "pages/about.md", "no front matter"))
    assert (unread.links, unread.warnings) == ((), ())
    assert [str(p) for p in unread.parsed.problems] == [
        "pages/about.md:1: the file must start with a `---` line that opens the front matter"
    ]
