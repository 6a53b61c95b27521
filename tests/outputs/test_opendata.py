"""Open data: JSON validated by its published schemas, the CSV read back, no drafts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from portal.model.output import OutputFile
from portal.model.site import Site
from portal.outputs import opendata
from portal.pages.bodies import render_bodies
from portal.pages.context import RenderContext
from portal.pages.environment import make_env
from portal.pipeline import check_site
from tests.support.sites import write_site

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2025, 6, 1)

FILES = {
    "partners/kaspersky-lab.md": """\
        ---
        name: Kaspersky Lab
        type: company
        website: https://www.kaspersky.com/
        aliases: [Kaspersky]
        summary: A cybersecurity company.
        ---
        """,
    # A title, a summary and a place that a spreadsheet would run as formulas.
    "agreements/formula.md": """\
        ---
        title: '=HYPERLINK("https://evil.example/","click")'
        kind: letter-of-intent
        status: proposed
        partners: [estonia, kaspersky-lab]
        agencies: [dict]
        areas: [cybersecurity]
        summary: "+1 for cooperation; commas, \\"quotes\\" and ünïcödé"
        place: '@home'
        sources:
          - title: A source
            url: https://example.org/a;b
          - title: Another
            url: https://example.org/c
        ---
        """,
    "agreements/kaspersky-2018.md": """\
        ---
        title: Memorandum with Kaspersky Lab
        kind: memorandum-of-understanding
        status: in-force
        signed: 2018-10
        term: 3 years
        partners: [kaspersky-lab]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Training and information sharing.
        sources:
          - title: News
            url: https://example.org/news
            date: 2018-10-30
        documents:
          - title: Text
            url: https://example.org/text.pdf
            language: en
        ---
        Signed in Davao City.
        """,
    "agreements/secret-draft.md": """\
        ---
        title: Secret draft memorandum
        kind: agreement
        status: negotiating
        draft: true
        partners: [estonia]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Not yet public.
        sources:
          - title: Nothing
            url: https://example.org/nothing
        ---
        """,
    "events/meeting-2023.md": """\
        ---
        title: Meeting in Tallinn
        date: 2023
        kind: meeting
        partners: [estonia]
        summary: Officials met.
        sources:
          - title: Report
            url: https://example.org/report
        ---
        """,
    "events/draft-visit.md": """\
        ---
        title: Secret draft visit
        date: 2024-02-03
        kind: visit
        draft: true
        summary: Not yet public.
        sources:
          - title: Report
            url: https://example.org/report
        ---
        """,
}


def build(content: Path, preview: bool = False) -> Site:
    result = check_site(content, TODAY, preview=preview)
    assert result.errors == ()
    assert result.site is not None
    return result.site


def files_of(site: Site) -> dict[str, bytes]:
    return {f.path: f.data for f in opendata.data_files(site)}


def load_json(files: dict[str, bytes], path: str) -> Any:
    return json.loads(files[path].decode("utf-8"))


def assert_valid(files: dict[str, bytes]) -> int:
    """Validate every record of every JSON file against its published schema."""
    checked = 0
    for collection in opendata.COLLECTIONS:
        schema = load_json(files, f"data/schema/{collection.record}.schema.json")
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        document = load_json(files, f"data/{collection.name}.json")
        assert document["schema"].endswith(f"/data/schema/{collection.record}.schema.json")
        assert document["count"] == len(document[collection.name])
        for record in document[collection.name]:
            validator.validate(record)
            checked += 1
    return checked


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return build(write_site(tmp_path, FILES))


def test_every_record_validates_against_the_published_schema(site: Site) -> None:
    assert assert_valid(files_of(site)) == 3 + 2 + 1  # agreements, partners, events


def test_the_schemas_reject_what_is_wrong(site: Site) -> None:
    files = files_of(site)
    schema = load_json(files, "data/schema/agreement.schema.json")
    record = load_json(files, "data/agreements.json")["agreements"][0]
    for change in (
        {"signed": "2023-13"},
        {"status": "unknown"},
        {"partners": []},
        {"draft": True},
        {"surprise": 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**record, **change}, schema)


def test_every_field_with_partial_dates_kept_and_computed_values_apart(site: Site) -> None:
    files = files_of(site)
    agreements = {a["slug"]: a for a in load_json(files, "data/agreements.json")["agreements"]}
    kaspersky = agreements["kaspersky-2018"]
    assert kaspersky["signed"] == "2018-10"
    assert kaspersky["term"] == "3 years"
    assert kaspersky["status"] == "in-force"
    assert kaspersky["effective"] is None
    assert kaspersky["sources"] == [
        {
            "title": "News",
            "url": "https://example.org/news",
            "publisher": None,
            "date": "2018-10-30",
        }
    ]
    assert kaspersky["body"] == "Signed in Davao City."
    assert kaspersky["computed"] == {
        "url": "https://example.org/portal/agreements/kaspersky-2018/",
        "shown_status": "expired",
        "shown_status_as_of": "2025-06-01",
        "expiry": "2021-10",
        "related_all": [],
        "document_urls": ["https://example.org/text.pdf"],
    }
    partners = {p["slug"]: p for p in load_json(files, "data/partners.json")["partners"]}
    assert partners["kaspersky-lab"]["country"] is None
    assert partners["kaspersky-lab"]["computed"]["agreements"] == ["formula", "kaspersky-2018"]
    assert partners["estonia"]["computed"]["country_name"] == "Estonia"
    assert partners["estonia"]["computed"]["events"] == ["meeting-2023"]
    events = load_json(files, "data/events.json")["events"]
    assert [(e["slug"], e["date"]) for e in events] == [("meeting-2023", "2023")]


def test_csv_reads_back_to_the_same_values(site: Site) -> None:
    files = files_of(site)
    raw = files["data/agreements.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets then read UTF-8
    assert b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    records = load_json(files, "data/agreements.json")["agreements"]
    assert [r["slug"] for r in rows] == [r["slug"] for r in records]
    for row, record in zip(rows, records, strict=True):
        assert list(row) == list(opendata.CSV_COLUMNS)
        for column in ("partners", "agencies", "areas", "related", "date_unknown"):
            assert row[column].split("; ") == record[column] or (
                row[column] == "" and record[column] == []
            )
        assert row["source_urls"].split("; ") == [s["url"] for s in record["sources"]]
        for column in ("kind", "status", "signed", "term", "updated"):
            assert row[column] == (record[column] or "")
        assert row["computed_shown_status"] == record["computed"]["shown_status"]
        assert row["computed_expiry"] == (record["computed"]["expiry"] or "")
    formula = next(r for r in rows if r["slug"] == "formula")
    # Formulas are neutralised with a leading apostrophe; the rest of the text is intact.
    assert formula["title"] == "'" + '=HYPERLINK("https://evil.example/","click")'
    assert formula["summary"] == "'" + '+1 for cooperation; commas, "quotes" and ünïcödé'
    assert formula["place"] == "'@home"
    assert formula["partners"] == "estonia; kaspersky-lab"
    assert formula["source_urls"] == "https://example.org/a;b; https://example.org/c"
    kaspersky = next(r for r in rows if r["slug"] == "kaspersky-2018")
    assert kaspersky["signed"] == "2018-10"
    assert kaspersky["computed_url"] == "https://example.org/portal/agreements/kaspersky-2018/"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert opendata.neutralise(cell) == "'" + cell
    assert opendata.neutralise("a " + cell) == "a " + cell


def test_drafts_are_in_no_data_file_even_in_a_preview(tmp_path: Path) -> None:
    site = build(write_site(tmp_path, FILES), preview=True)
    assert any(a.draft for a in site.agreements)  # the preview site holds them...
    for path, data in files_of(site).items():  # ...the data files never do
        assert b"secret" not in data.lower(), path
        assert b"draft-visit" not in data, path


def test_the_data_page_lists_every_file_with_size_licence_and_schema(site: Site) -> None:
    context = RenderContext(site, make_env(ROOT / "templates", site), render_bodies(site))
    outputs: dict[str, OutputFile] = {f.path: f for f in opendata.render_opendata(context)}
    html = outputs["data/index.html"].data.decode("utf-8")
    listed = opendata.listing(context, list(outputs.values()))
    assert [f.url for f in listed] == [
        "data/agreements.json",
        "data/agreements.csv",
        "data/partners.json",
        "data/events.json",
        "data/calendar.ics",
        "feed.xml",
    ]
    for item in listed:
        assert f'href="/portal/{item.url}"' in html
        assert f'<data value="{item.size}">' in html
        if item.url in outputs:
            assert item.size == len(outputs[item.url].data)
    assert 'href="/portal/data/schema/agreement.schema.json"' in html
    assert opendata.LICENCE_URL in html


def test_the_example_register_validates() -> None:
    site = build(ROOT / "content")
    assert assert_valid(files_of(site)) == (
        len([a for a in site.agreements if not a.draft])
        + len(site.partners)
        + len([e for e in site.events if not e.draft])
    )
