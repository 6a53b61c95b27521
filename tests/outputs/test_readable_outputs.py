"""Whatever text `check` accepts in a title or a summary, every output a program reads
stays readable by a real parser: the Atom feeds parse as XML, the calendar with
`icalendar`, the JSON and the CSV give the text back as it was checked.

The text reaches YAML as a double-quoted string in which every character that YAML
itself cannot hold is written as an escape (`\\x0b`, `\\ud800`, `\\uffff`): that is how
characters no reader may see get past a check of the typed file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import icalendar
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.content.assemble import assemble
from portal.content.config import parse_config
from portal.content.load import RawFile
from portal.content.validate import parse_record
from portal.model.site import Site
from portal.outputs.feeds import render_feeds
from portal.outputs.ical import calendar_file
from portal.outputs.opendata import data_files
from portal.pages.bodies import render_bodies
from portal.pages.context import RenderContext
from portal.pages.environment import make_env
from tests.support.sites import PARTNER, SITE_YAML

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TODAY = dt.date(2024, 6, 1)
ATOM = "{http://www.w3.org/2005/Atom}"

# Text the check accepts, with the troublesome characters it lets through drawn often:
# every assigned code point, markup and quoting characters, tab, line feed, the line
# separator and the byte order mark.
READABLE = st.one_of(
    st.characters(exclude_categories=("Cc", "Cs", "Cn")),
    st.sampled_from(["\t", "\n", "\u2028", "\ufeff", "<", ">", "&", '"', "'", "]", ";", ","]),
    st.sampled_from(["\\", "=", "北", "Ё", "😀", "\u00a0", "\u200b", "\U0001f1f5"]),
)
# What the check refuses (control characters, lone surrogates, noncharacters), however
# written: now and then one (one character in fifty), to keep the boundary in the draw;
# most texts with one are refused and left out by `assume`, so more would leave too few
# accepted texts to test (test_text_the_check_refuses_never_reaches_the_outputs takes
# those).
UNREADABLE = st.sampled_from(
    ["\x00", "\x0b", "\x1b", "\r", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe"]
)
UNREADABLE |= st.sampled_from(["\uffff", "\ufdd0", "\U0001fffe"])
ANY_CHARACTER = st.integers(0, 49).flatmap(lambda n: UNREADABLE if n == 0 else READABLE)
TEXT = st.lists(st.one_of(ANY_CHARACTER, st.just("]]>")), min_size=1, max_size=40).map("".join)


def yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar: printable characters as they are, the rest
    (which YAML would refuse typed) as escapes."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F or (code >= 0xA0 and char.isprintable() and char != "\ufeff"):
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def agreement(title: str, summary: str) -> str:
    return (
        "---\n"
        f"title: {yaml_quoted(title)}\n"
        "kind: memorandum-of-understanding\n"
        "status: in-force\n"
        "signed: 2023-09-14\n"
        "effective: 2023-10-01\n"
        "term: 3 years\n"
        "partners: [estonia]\n"
        "agencies: [dict]\n"
        "areas: [cybersecurity]\n"
        f"summary: {yaml_quoted(summary)}\n"
        "sources:\n"
        "  - title: An article\n"
        "    url: https://example.org/article\n"
        "---\n"
        "Body text.\n"
    )


def checked_site(title: str, summary: str) -> Site | None:
    """The site of one agreement and its partner, or None when `check` refuses the text."""
    config, problems = parse_config(SITE_YAML, "content/site.yaml")
    assert config is not None and not problems
    files = [
        RawFile("partners", "estonia", "content/partners/estonia.md", PARTNER),
        RawFile("agreements", "mou", "content/agreements/mou.md", agreement(title, summary)),
    ]
    parsed = [parse_record(raw) for raw in files]
    if any(item.problems for item in parsed):
        return None
    site, errors, _ = assemble(config, parsed, (), TODAY)
    return site if not errors else None


def in_csv(text: str) -> str:
    """A cell as the README says: a leading `'` keeps a spreadsheet from running a formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def outputs(site: Site) -> dict[str, bytes]:
    context = RenderContext(site, make_env(TEMPLATES, site), render_bodies(site))
    files = [*render_feeds(context), *data_files(site), calendar_file(site)]
    return {output.path: output.data for output in files}


@settings(max_examples=150, deadline=None)
@given(title=TEXT, summary=TEXT)
def test_accepted_text_leaves_every_output_readable(title: str, summary: str) -> None:
    site = checked_site(title, summary)
    assume(site is not None)
    assert site is not None
    record = site.agreements[0]
    files = outputs(site)

    for path in ("feed.xml", "partners/estonia/feed.xml"):
        feed = ET.fromstring(files[path])  # expat: refuses any character XML 1.0 forbids
        titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
        assert titles == [record.title]

    calendar = icalendar.Calendar.from_ical(files["data/calendar.ics"])
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert summaries and all(record.title in summary for summary in summaries)

    data = json.loads(files["data/agreements.json"])
    (row,) = data["agreements"] if isinstance(data, dict) else data
    assert (row["title"], row["summary"]) == (record.title, record.summary)

    text = files["data/agreements.csv"].decode("utf-8-sig")
    (csv_row,) = csv.DictReader(io.StringIO(text, newline=""))
    assert (csv_row["title"], csv_row["summary"]) == (in_csv(record.title), in_csv(record.summary))


def test_the_property_reaches_accepted_text_of_any_script() -> None:
    # The property above is only as good as the texts it gets through the check.
    site = checked_site("Соглашение 北京 😀 <&> \u2028 end", "Un résumé\tavec tab")
    assert site is not None
    assert site.agreements[0].title == "Соглашение 北京 😀 <&> \u2028 end"


def test_text_the_check_refuses_never_reaches_the_outputs() -> None:
    assert checked_site("Vertical\x0btab", "Fine.") is None
    assert checked_site("Fine", "Lone \ud800 surrogate.") is None
    assert checked_site("Non\uffffcharacter", "Fine.") is None
