"""Single values: dates and partial dates, terms, country codes, web addresses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from portal.content.fields import (
    DOCUMENT_FIELDS,
    SOURCE_FIELDS,
    Field,
    FieldError,
    boolean,
    choice,
    country,
    country_name,
    document_url,
    found,
    http_url,
    integer,
    language,
    mapping_list,
    nonempty,
    partial_date,
    plain_text,
    read,
    slug,
    slug_list,
    term,
    text,
    text_list,
)
from portal.content.yamlsafe import parse_yaml
from portal.model.records import Document, Source
from portal.model.values import PartialDate, Problem, Status, Term


@pytest.mark.parametrize(
    ("value", "expected", "shown"),
    [
        ("2023-09-14", PartialDate(2023, 9, 14), "14 September 2023"),
        ("2023-09", PartialDate(2023, 9), "September 2023"),
        (2023, PartialDate(2023), "2023"),
        ("2023", PartialDate(2023), "2023"),
        ("1868-01-03", PartialDate(1868, 1, 3), "3 January 1868"),
        (1000, PartialDate(1000), "1000"),  # the first year of four digits
        ("2023-12", PartialDate(2023, 12), "December 2023"),
    ],
)
def test_full_and_partial_dates(value: object, expected: PartialDate, shown: str) -> None:
    assert partial_date(value) == expected
    assert expected.display() == shown


def test_partial_dates_sort_at_the_start_of_their_period() -> None:
    dates = [PartialDate(2023, 9, 1), PartialDate(2023), PartialDate(2023, 9), PartialDate(2022)]
    assert sorted(dates) == [
        PartialDate(2022),
        PartialDate(2023),
        PartialDate(2023, 9),
        PartialDate(2023, 9, 1),
    ]


def test_a_partial_date_covers_its_whole_period() -> None:
    assert (PartialDate(2024, 2).start.isoformat(), PartialDate(2024, 2).end.isoformat()) == (
        "2024-02-01",
        "2024-02-29",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-9-14", "`2023-9-14` is not a date; write 2023-09-14, 2023-09 or 2023"),
        ("14/09/2023", "`14/09/2023` is not a date; write 2023-09-14, 2023-09 or 2023"),
        ("2023-00", "`2023-00` has no month 0"),
        (999, "`999`: write the year with four digits"),
        ("23-09-14", "`23-09-14`: write the year with four digits"),
        ("2023-09-31", "`2023-09-31` is not a day of the calendar"),
        (True, "must be a date like 2023-09-14, 2023-09 or 2023, found `true` (a yes/no value)"),
        (2023.5, "must be a date like 2023-09-14, 2023-09 or 2023, found the number `2023.5`"),
        (
            "2023-09-14T00:00:00Z",
            "`2023-09-14T00:00:00Z` has a time; dates are calendar days: write `2023-09-14`",
        ),
    ],
)
def test_bad_dates(value: object, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        partial_date(value)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3 years", Term(3, "years")),
        ("1 year", Term(1, "years")),
        ("18 months", Term(18, "months")),
    ],
)
def test_terms(value: str, expected: Term) -> None:
    assert term(value) == expected


def test_country_codes_come_from_iso_3166() -> None:
    assert country("NO") == "NO"
    assert country_name("NO") == "Norway"
    with pytest.raises(FieldError, match="write country codes in capitals, `EE`"):
        country("ee")


def test_web_addresses_must_be_http() -> None:
    assert http_url("https://example.org/a") == "https://example.org/a"
    with pytest.raises(FieldError):
        http_url("ftp://example.org/a")


def test_an_unknown_field_with_no_near_name_lists_the_known_ones() -> None:
    problems: list[Problem] = []
    read(parse_yaml("title: A\nurl: https://example.org/\nby: me\n"), SOURCE_FIELDS, "x", problems)
    assert [str(p) for p in problems] == [
        "x:3: by: unknown field; known fields: title, url, publisher, date"
    ]


# --- what each parser refuses, and how it says so -----------------------------------------


def built(factory: Callable[..., Callable[[Any], Any]], *args: Any) -> Callable[[Any], Any]:
    """The parser `factory(*args)` (`plain_text(400)`, `choice(Status)`), built each time it
    is used: mutmut changes a function only while a test runs, so a parser built when the
    tests are collected, like the tables' own, would hide every change to its factory."""
    return lambda value: factory(*args)(value)


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (text, "   ", "is empty; write the text"),
        (text, 12, "must be text, found the number `12`; put it in quotes to make it text"),
        (text, 1.5, "must be text, found the number `1.5`; put it in quotes to make it text"),
        (
            text,
            False,
            "must be text, found `false` (a yes/no value); put it in quotes to make it text",
        ),
        (text, ["a"], "must be text, found a list"),
        (text, {"a": 1}, "must be text, found a set of `key: value` lines"),
        (text, None, "must be text, found nothing"),
        (text, dt.date(2023, 9, 14), "must be text, found date"),
        (
            built(plain_text),
            "One.\r\n\r\nTwo.",
            "must be one paragraph; remove the blank line",
        ),
        (
            built(plain_text, 5),
            "abcdef",
            "is 6 characters long; the limit is 5. Shorten it and put the detail in the body",
        ),
        (
            built(choice, Status),
            "sigend",
            "`sigend` is not one of the allowed values; did you mean `signed`? (allowed: "
            "proposed, negotiating, signed, in-force, expired, terminated, superseded)",
        ),
        (
            built(choice, Status),
            7,
            "the number `7` is not one of the allowed values (allowed: "
            "proposed, negotiating, signed, in-force, expired, terminated, superseded)",
        ),
        (slug, 7, "must be a slug, found the number `7`"),
        (
            slug,
            "Estonia",
            "`Estonia` is not a valid slug: use lowercase letters a-z, digits and single "
            "hyphens, like `dict-kaspersky-2018`",
        ),
        (slug, "a" * 81, f"`{'a' * 81}` is 81 characters long; the limit is 80"),
        (slug_list, "estonia", "must be a list, found `estonia`; write it as `[estonia]`"),
        (slug_list, 7, "must be a list of slugs, found the number `7`"),
        (slug_list, ["a", "b", "a"], "lists `a` twice"),
        (slug_list, ["a", None], "must be a slug, found nothing"),
        (built(nonempty, slug_list), [], "must list at least one"),
        (text_list, "Eesti", "must be a list of text, found `Eesti`"),
        (
            text_list,
            ["Eesti", 7],
            "must be text, found the number `7`; put it in quotes to make it text",
        ),
        (boolean, "yes", "must be `true` or `false`, found `yes`"),
        (boolean, 1, "must be `true` or `false`, found the number `1`"),
        (integer, True, "must be a whole number, found `true` (a yes/no value)"),
        (integer, 1.0, "must be a whole number, found the number `1.0`"),
        (
            http_url,
            "https://a.org/ https://b.org/",
            "`https://a.org/ https://b.org/` holds more than one address; a url is one address: "
            "give each its own entry (for sources, one `- title: ... url: ...` per address)",
        ),
        (
            http_url,
            "https://a.org/x y",
            "`https://a.org/x y` has a space in it, and a web address has none; remove it, or "
            "write it as `%20` where the address really has one",
        ),
        (
            http_url,
            "https:///path",
            "`https:///path` is not a web address; it must start with https:// or http://",
        ),
        (
            http_url,
            "example.org",
            "`example.org` is not a web address; it must start with https:// or http://",
        ),
        (document_url, "/static/../x.pdf", "`/static/../x.pdf` must not contain `..`"),
        (
            document_url,
            "texts/x.pdf",
            "`texts/x.pdf` is neither a web address (https://...) nor a file in content/static/ "
            "(static/...)",
        ),
        (
            document_url,
            "https://a.org/ https://b.org/",
            "`https://a.org/ https://b.org/` holds more than one address; a url is one address: "
            "give each its own entry (for sources, one `- title: ... url: ...` per address)",
        ),
        (country, 7, "must be a two-letter ISO 3166-1 country code, found the number `7`"),
        (country, " ee ", "`ee`: write country codes in capitals, `EE`"),
        (country, "XX", "`XX` is not an ISO 3166-1 alpha-2 country code (such as PH, US, EE)"),
        (country, "EST", "`EST` is not an ISO 3166-1 alpha-2 country code (such as PH, US, EE)"),
        (country, "É1", "`É1` is not an ISO 3166-1 alpha-2 country code (such as PH, US, EE)"),
        (language, "english!", "`english!` is not a language tag such as `en`, `fil` or `pt-BR`"),
        (term, "0 years", "`0 years` is not a term; write `3 years` or `18 months`"),
        (term, True, "`true` (a yes/no value) is not a term; write `3 years` or `18 months`"),
        (term, ["3 years"], "a list is not a term; write `3 years` or `18 months`"),
    ],
)
def test_what_each_parser_refuses_and_its_message(parse: Any, value: object, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse(value)
    assert caught.value.message == message


def test_a_long_value_is_shown_cut_in_a_message() -> None:
    assert found("x" * 60) == f"`{'x' * 60}`"
    assert found("x" * 61) == f"`{'x' * 57}...`"


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (text, "  A title \n", "A title"),
        (built(plain_text, 18), " One\n line,\tfolded. ", "One line, folded."),
        (built(plain_text), "x" * 1000, "x" * 1000),
        (built(choice, Status), "in-force", Status.IN_FORCE),
        (slug, "a" * 80, "a" * 80),
        (slug_list, ["a", "b-2"], ("a", "b-2")),
        (built(nonempty, slug_list), ["a"], ("a",)),
        (text_list, [" Eesti "], ("Eesti",)),
        (boolean, False, False),
        (integer, 0, 0),
        (http_url, " HTTP://example.org/a%20b ", "HTTP://example.org/a%20b"),
        (document_url, "/static/texts/x.pdf", "static/texts/x.pdf"),
        (document_url, "https://example.org/x.pdf", "https://example.org/x.pdf"),
        (country, " EE ", "EE"),
        (language, "pt-BR", "pt-BR"),
        (term, 2, None),
        (term, " 100 months ", Term(100, "months")),
    ],
)
def test_what_each_parser_accepts(parse: Any, value: object, expected: object) -> None:
    if expected is None:
        with pytest.raises(FieldError):
            parse(value)
    else:
        assert parse(value) == expected


def test_country_names_are_the_common_ones() -> None:
    assert country_name("TW") == "Taiwan"
    assert country_name("EE") == "Estonia"
    assert country_name("XX") == "XX"


# --- lists of `key: value` entries (sources, documents) --------------------------------


def read_sources(yaml_text: str) -> tuple[dict[str, Any], list[str]]:
    """`sources` read from `note: ...` and the text: an entry's problem without a line of
    its own is shown on the line of `sources`, not of the mapping (line 1)."""
    problems: list[Problem] = []
    # built here as fields.py builds `sources`, not taken from it (see `built`)
    table = {"note": Field(text), "sources": Field(mapping_list(SOURCE_FIELDS, as_source))}
    values = read(parse_yaml("note: n\n" + yaml_text), table, "a.md", problems)
    return values, [str(p) for p in problems]


def as_source(values: dict[str, Any]) -> Source:
    return Source(**values)


def test_sources_are_read_with_every_field() -> None:
    values, problems = read_sources(
        "sources:\n"
        "  - title: An article\n    url: https://example.org/a\n"
        "    publisher: Example News\n    date: 2023-09\n"
        "  - title: A report\n    url: https://example.org/b\n"
    )
    assert problems == []
    assert values == {
        "note": "n",
        "sources": (
            Source("An article", "https://example.org/a", "Example News", PartialDate(2023, 9)),
            Source("A report", "https://example.org/b"),
        ),
    }


def test_documents_are_read_with_every_field() -> None:
    problems: list[Problem] = []
    meta = parse_yaml("documents:\n  - title: Text\n    url: static/t.pdf\n    language: fil\n")
    parse = mapping_list(DOCUMENT_FIELDS, lambda v: Document(**v))
    values = read(meta, {"documents": Field(parse)}, "a.md", problems)
    assert problems == []
    assert values == {"documents": (Document("Text", "static/t.pdf", "fil"),)}


def test_each_bad_entry_of_a_list_is_reported_at_its_line() -> None:
    _, problems = read_sources(
        "sources:\n"
        "  - title: Fine\n    url: https://example.org/a\n"
        "  - just text\n"
        "  - title: No address\n"
        "  - title: Bad address\n    url: example.org\n    by: me\n"
    )
    assert problems == [
        "a.md:2: sources: entry 2 must be a set of `key: value` lines, found `just text`",
        "a.md:6: sources[3].url: is required",
        "a.md:9: sources[4].by: unknown field; known fields: title, url, publisher, date",
        "a.md:8: sources[4].url: `example.org` is not a web address; it must start with "
        "https:// or http://",
    ]


def test_a_list_of_entries_must_be_a_list() -> None:
    _, problems = read_sources("sources: https://example.org/a\n")
    assert problems == [
        "a.md:2: sources: must be a list of entries starting with `- `, found "
        "`https://example.org/a`"
    ]


# --- applying a table of fields -------------------------------------------------------

TABLE = {"title": Field(text, required=True), "summary": Field(text), "menu": Field(integer)}


def read_table(yaml_text: str, prefix: str = "") -> tuple[dict[str, Any], list[str]]:
    problems: list[Problem] = []
    values = read(parse_yaml(yaml_text), TABLE, "p.md", problems, prefix)
    return values, [str(p) for p in problems]


def test_a_table_reads_its_fields_and_leaves_out_empty_ones() -> None:
    assert read_table("title: A\nsummary:\nmenu: 2\n") == ({"title": "A", "menu": 2}, [])


@pytest.mark.parametrize(
    ("yaml_text", "problem"),
    [
        ("summary: S\n", "p.md:1: title: is required"),  # missing: the mapping's line
        ("summary: S\ntitle:\n", "p.md:2: title: is required"),  # empty: its own line
        ("title: A\nmenus: 1\n", "p.md:2: menus: unknown field; did you mean `menu`?"),
        ("title: A\nxyz: 1\n", "p.md:2: xyz: unknown field; known fields: title, summary, menu"),
        ("title: A\nmenu: first\n", "p.md:2: menu: must be a whole number, found `first`"),
    ],
)
def test_a_table_reports_each_problem_at_its_field_and_line(yaml_text: str, problem: str) -> None:
    assert read_table(yaml_text)[1] == [problem]


def test_a_nested_table_names_its_fields_with_the_prefix() -> None:
    values, problems = read_table("title:\nmenux: 1\n", prefix="home.")
    assert values == {}
    assert problems == [
        "p.md:2: home.menux: unknown field; did you mean `menu`?",
        "p.md:1: home.title: is required",
    ]
