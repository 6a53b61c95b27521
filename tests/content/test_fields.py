"""Single values: dates and partial dates, terms, country codes, web addresses."""

from __future__ import annotations

import pytest

from portal.content.fields import (
    SOURCE_FIELDS,
    FieldError,
    country,
    country_name,
    http_url,
    partial_date,
    read,
    term,
)
from portal.content.yamlsafe import parse_yaml
from portal.model.values import PartialDate, Problem, Term


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
