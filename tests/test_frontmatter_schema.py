"""The JSON Schemas for editors (schema/*.json) agree with the validator.

The example content passes both; each invalid case below, one per rule that a schema can
express, is refused by both. Rules a schema cannot see are left to the validator alone:
references to other files, date order, days that do not exist (2023-02-30), a partner
that is its own parent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pycountry
import pytest

from portal.config import SITE_FIELDS, parse_config
from portal.frontmatter import split
from portal.load import RawFile
from portal.model import EventKind, Kind, PartnerType, Status
from portal.validate import TABLES, parse_record
from portal.yamlsafe import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = {
    "agreements": "agreement.frontmatter.schema.json",
    "partners": "partner.frontmatter.schema.json",
    "events": "event.frontmatter.schema.json",
    "pages": "page.frontmatter.schema.json",
}

BASE: dict[str, dict[str, str]] = {
    "agreements": {
        "title": "Memorandum on digital cooperation",
        "kind": "memorandum-of-understanding",
        "status": "signed",
        "signed": "2023-09-14",
        "partners": "[estonia]",
        "agencies": "[dict]",
        "areas": "[cybersecurity]",
        "summary": "Cooperation on e-governance.",
        "sources": "\n  - title: An article\n    url: https://example.org/article",
    },
    "partners": {
        "name": "Estonia",
        "type": "government",
        "country": "EE",
        "summary": "The Republic of Estonia.",
    },
    "events": {
        "title": "Meeting in Tallinn",
        "date": "2023-09",
        "kind": "meeting",
        "summary": "Officials met.",
        "sources": "\n  - title: Report\n    url: https://example.org/report",
    },
    "pages": {"title": "About"},
}


def validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def text_of(section: str, changes: dict[str, str | None]) -> str:
    fields = {**BASE[section], **changes}
    lines = "".join(f"{k}: {v}\n" for k, v in fields.items() if v is not None)
    return f"---\n{lines}---\nBody.\n"


def validator_problems(section: str, text: str) -> list[str]:
    raw = RawFile(section, "a-record", f"content/{section}/a-record.md", text)
    return [str(p) for p in parse_record(raw).problems]


def schema_errors(section: str, text: str) -> list[str]:
    meta: Any = split(text).meta
    return [e.message for e in validator(SCHEMAS[section]).iter_errors(meta)]


def test_the_schemas_name_the_validators_fields_and_values() -> None:
    for section, name in SCHEMAS.items():
        schema = validator(name).schema
        table = TABLES[section]
        assert list(schema["properties"]) == list(table), section
        assert schema["required"] == [k for k, f in table.items() if f.required], section
        assert schema["additionalProperties"] is False
    enums = {
        ("agreements", "kind"): Kind,
        ("agreements", "status"): Status,
        ("partners", "type"): PartnerType,
        ("events", "kind"): EventKind,
    }
    for (section, key), enum in enums.items():
        prop = validator(SCHEMAS[section]).schema["properties"][key]
        assert prop["enum"] == [m.value for m in enum]
    country = validator(SCHEMAS["partners"]).schema["properties"]["country"]["anyOf"][0]
    assert country["enum"] == sorted(c.alpha_2 for c in pycountry.countries)
    site = validator("site.schema.json").schema
    assert list(site["properties"]) == list(SITE_FIELDS)


def test_the_example_content_passes_both() -> None:
    checked = 0
    for section in SCHEMAS:
        for path in sorted((ROOT / "content" / section).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            raw = RawFile(section, path.stem, str(path), text)
            assert parse_record(raw).problems == (), path
            assert schema_errors(section, text) == [], path
            checked += 1
    assert checked >= 20
    site_yaml = (ROOT / "content" / "site.yaml").read_text(encoding="utf-8")
    assert parse_config(site_yaml, "site.yaml")[1] == []
    assert list(validator("site.schema.json").iter_errors(parse_yaml(site_yaml))) == []


VALID = [
    ("agreements", {"signed": "2023"}),
    ("agreements", {"signed": "'2023-09'"}),
    ("agreements", {"place": ""}),  # an empty optional field is no field
    ("agreements", {"status": "proposed", "signed": None}),
    ("agreements", {"signed": None, "date_unknown": "[signed]", "term": "3 years"}),
    ("agreements", {"expires": "2026-09-14", "term": "3 years", "draft": "true"}),
    ("agreements", {"documents": "\n  - title: Text\n    url: static/texts/mou.pdf"}),
    ("agreements", {"summary": ">-\n  Two lines\n  folded into one."}),
    ("partners", {"type": "company", "country": None, "website": "https://example.com/"}),
    ("partners", {"country": "'NO'", "aliases": "[Eesti]", "parent": "europe"}),
    ("events", {"date": "2023-09-14", "agreements": "[estonia-mou]"}),
    ("pages", {"menu": "2", "summary": "About us."}),
]


@pytest.mark.parametrize(("section", "changes"), VALID)
def test_valid_variants_pass_both(section: str, changes: dict[str, str | None]) -> None:
    text = text_of(section, changes)
    assert validator_problems(section, text) == []
    assert schema_errors(section, text) == []


INVALID = [
    # unknown and missing fields
    ("agreements", {"statsu": "signed"}),
    ("agreements", {"title": None}),
    ("agreements", {"sources": None}),
    ("partners", {"name": None}),
    ("events", {"date": None}),
    ("pages", {"title": None, "menu": "1"}),
    # types
    ("agreements", {"title": "12"}),
    ("agreements", {"title": "'   '"}),
    ("agreements", {"place": "[Tallinn]"}),
    ("agreements", {"draft": "yes"}),
    ("agreements", {"partners": "estonia"}),
    ("pages", {"menu": "'first'"}),
    # vocabularies
    ("agreements", {"kind": "mou"}),
    ("agreements", {"status": "active"}),
    ("partners", {"type": "person"}),
    ("events", {"kind": "party"}),
    # slugs and lists
    ("agreements", {"partners": "[]"}),
    ("agreements", {"partners": "[Estonia]"}),
    ("agreements", {"areas": "[cybersecurity, cybersecurity]"}),
    ("agreements", {"superseded_by": "Not_A_Slug"}),
    ("partners", {"parent": "a--b"}),
    # text rules
    ("agreements", {"summary": "'" + "x" * 401 + "'"}),
    ("agreements", {"summary": "|\n  One paragraph.\n\n  Another."}),
    # dates
    ("agreements", {"signed": "2023-13-01"}),
    ("agreements", {"signed": "2023-09-14T10:00"}),
    ("agreements", {"signed": "'14 September 2023'"}),
    ("agreements", {"signed": "999"}),
    ("events", {"date": "true"}),
    # term, URLs, codes
    ("agreements", {"term": "3 yrs"}),
    ("agreements", {"term": "3"}),
    ("agreements", {"sources": "[]"}),
    ("agreements", {"sources": "\n  - title: No address"}),
    ("agreements", {"sources": "\n  - title: FTP\n    url: ftp://example.org/x"}),
    ("agreements", {"sources": "\n  - title: A\n    url: https://example.org/\n    by: me"}),
    ("agreements", {"documents": "\n  - title: Text\n    url: file:///etc/passwd"}),
    ("agreements", {"documents": "\n  - title: Text\n    url: static/../secret.pdf"}),
    ("agreements", {"documents": "\n  - title: T\n    url: static/t.pdf\n    language: 'e n'"}),
    ("partners", {"website": "www.example.org"}),
    ("partners", {"country": "XX"}),
    ("partners", {"country": "ee"}),
    # rules between fields of one file
    ("agreements", {"signed": None}),  # status signed needs a signing date
    ("agreements", {"status": "terminated"}),  # ... and terminated a termination date
    ("agreements", {"status": "superseded"}),  # ... and superseded the successor
    ("agreements", {"date_unknown": "[signed]"}),  # given and unknown at once
    ("agreements", {"date_unknown": "[expires]"}),
    ("agreements", {"date_unknown": "[]"}),
    ("agreements", {"status": "proposed", "signed": None, "term": "3 years"}),
    ("partners", {"country": None}),  # a government needs its country
]


@pytest.mark.parametrize(("section", "changes"), INVALID)
def test_invalid_cases_are_refused_by_both(section: str, changes: dict[str, str | None]) -> None:
    text = text_of(section, changes)
    assert validator_problems(section, text) != []
    assert schema_errors(section, text) != []


@pytest.mark.parametrize(
    "change",
    [
        ("base_url: https://example.org/portal/", "base_url: https://example.org/?page=1"),
        ("  country: PH", "  country: Philippines"),
        ("  dict:", "  DICT:"),
        ("title: Test register", "titel: Test register"),
    ],
)
def test_invalid_site_yaml_is_refused_by_both(change: tuple[str, str]) -> None:
    good = (
        "title: Test register\ndescription: A register.\nbase_url: https://example.org/portal/\n"
        "home:\n  name: Republic of the Philippines\n  country: PH\n"
        "agencies:\n  dict:\n    name: Department of ICT\n    acronym: DICT\n"
        "areas:\n  cybersecurity:\n    label: Cybersecurity\n"
    )
    site = validator("site.schema.json")
    assert parse_config(good, "site.yaml")[1] == []
    assert list(site.iter_errors(parse_yaml(good))) == []
    bad = good.replace(*change)
    assert bad != good
    assert parse_config(bad, "site.yaml")[1] != []
    assert list(site.iter_errors(parse_yaml(bad))) != []
