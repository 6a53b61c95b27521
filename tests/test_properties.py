"""Property tests: whatever an editor writes, the checks answer with problems that point into
the file, never a traceback; dates and expiry follow their rules for any day.

In CI the examples are fixed (the `ci` profile in tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.content.assemble import add_term, shown_status
from portal.content.config import parse_config
from portal.content.fields import partial_date
from portal.content.frontmatter import normalise
from portal.content.load import RawFile
from portal.content.validate import (
    AGREEMENT_FIELDS,
    EVENT_FIELDS,
    PARTNER_FIELDS,
    TABLES,
    parse_record,
)
from portal.model.records import Agreement
from portal.model.values import Kind, PartialDate, Status, Term

KEYS = sorted({*AGREEMENT_FIELDS, *PARTNER_FIELDS, *EVENT_FIELDS, "statsu", "title "})
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2023-09-14",
            "2023-09",
            "2023",
            "2023-02-30",
            "3 years",
            "NO",
            "in-force",
            "estonia",
            "https://example.org/",
            "2023-09-14T10:00:00+08:00",
            "[x]",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["title", "url", "date", "publisher", "x"]), children, max_size=4
        ),
    ),
    max_leaves=12,
)
FRONT_MATTER = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=12)
SECTIONS = st.sampled_from(["agreements", "partners", "events", "pages"])


def as_file(front_matter: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(front_matter, allow_unicode=True) + "---\nBody\n"


@settings(max_examples=300, deadline=None)
@given(front_matter=FRONT_MATTER, section=SECTIONS)
def test_any_front_matter_gives_a_record_or_problems(
    front_matter: dict[str, Any], section: str
) -> None:
    text = as_file(front_matter)
    parsed = parse_record(RawFile(section, "a-record", "x.md", text))
    assert (parsed.record is None) == bool(parsed.problems)
    lines = text.count("\n")
    for problem in parsed.problems:
        assert problem.path == "x.md" and problem.message
        # each problem points at a line of the front matter and names a field of the file or
        # of its section's table (`sources[2].url` and `agencies.dict.name` are under the first
        # name), or none for the file
        assert 1 <= problem.line < lines, problem
        assert re.split(r"[.[]", problem.field)[0] in {"", *front_matter, *TABLES[section]}, problem


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), section=SECTIONS)
def test_any_text_gives_a_record_or_problems(text: str, section: str) -> None:
    parsed = parse_record(RawFile(section, "a-record", "x.md", normalise(text)))
    assert (parsed.record is None) == bool(parsed.problems)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("-:[]{}&*!|>'\"#%@` \n\tabc123\\")), max_size=80))
def test_yaml_punctuation_in_front_matter_never_raises(text: str) -> None:
    parsed = parse_record(RawFile("agreements", "a", "x.md", "---\n" + text + "\n---\n"))
    assert parsed.record is None or not parsed.problems


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_any_site_yaml_gives_a_config_or_problems(text: str) -> None:
    config, problems = parse_config(normalise(text), "site.yaml")
    assert (config is None) == bool(problems)


DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(DAYS)
    precision = draw(st.sampled_from(["day", "month", "year"]))
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate.of(day)


@settings(max_examples=200, deadline=None)
@given(date=partial_dates())
def test_a_date_reads_back_from_what_the_site_publishes(date: PartialDate) -> None:
    assert partial_date(date.iso()) == date
    assert date.start <= date.end
    assert date.start.isoformat().startswith(date.iso())
    assert date.end.isoformat().startswith(date.iso())
    assert (date.end + dt.timedelta(days=1)).isoformat()[: len(date.iso())] != date.iso()


def running_agreement(expiry: PartialDate) -> Agreement:
    return Agreement(
        slug="a",
        path="a.md",
        title="A",
        kind=Kind.AGREEMENT,
        status=Status.IN_FORCE,
        partners=("estonia",),
        agencies=("dict",),
        areas=("cybersecurity",),
        summary="A.",
        sources=(),
        body="",
        expires=expiry,
    )


@settings(max_examples=300, deadline=None)
@given(expiry=partial_dates(), today=DAYS)
def test_an_agreement_is_expired_only_once_every_day_of_its_expiry_has_passed(
    expiry: PartialDate, today: dt.date
) -> None:
    # every day that the expiry may stand for: one day, a month's or a year's days
    days_it_may_mean = {
        day
        for offset in range(366)
        if (day := expiry.start + dt.timedelta(days=offset)).isoformat().startswith(expiry.iso())
    }
    shown = shown_status(running_agreement(expiry), expiry, today)
    assert (shown is Status.EXPIRED) == all(day < today for day in days_it_may_mean)


@settings(max_examples=200, deadline=None)
@given(start=partial_dates(), years=st.integers(min_value=1, max_value=50))
def test_a_term_in_years_is_the_same_term_in_months(start: PartialDate, years: int) -> None:
    in_years = add_term(start, Term(years, "years"))
    assert in_years == add_term(start, Term(12 * years, "months"))
    assert in_years.precision == start.precision
    assert in_years.year == start.year + years and in_years.month == start.month
