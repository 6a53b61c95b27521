"""Property tests: whatever an editor writes, the checks answer with problems, never a traceback."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.config import parse_config
from portal.frontmatter import normalise
from portal.load import RawFile
from portal.validate import AGREEMENT_FIELDS, EVENT_FIELDS, PARTNER_FIELDS, parse_record

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
    parsed = parse_record(RawFile(section, "a-record", "x.md", as_file(front_matter)))
    assert (parsed.record is None) == bool(parsed.problems)
    for problem in parsed.problems:
        assert problem.path == "x.md" and problem.message


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
