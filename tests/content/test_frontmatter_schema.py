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

from portal.content.config import SITE_FIELDS, parse_config
from portal.content.frontmatter import split
from portal.content.load import RawFile
from portal.content.validate import TABLES, parse_record
from portal.content.yamlsafe import parse_yaml
from portal.model.values import EventKind, Kind, PartnerType, Status

ROOT = Path(__file__).resolve().parents[2]
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


# Each invalid case, with the one problem the validator must give for it (`line: field:` and
# the start of the message, so that the intended rule is the one that refused it) and the
# field the schema's error points at.
INVALID = [
    # unknown and missing fields
    ("agreements", {"statsu": "signed"}, "13: statsu: unknown field; did you mean `status`?"),
    ("agreements", {"title": None}, "2: title: is required"),
    ("agreements", {"sources": None}, "2: sources: is required"),
    ("partners", {"name": None}, "2: name: is required"),
    ("events", {"date": None}, "2: date: is required"),
    ("pages", {"title": None, "menu": "1"}, "2: title: is required"),
    # types
    ("agreements", {"title": "12"}, "2: title: must be text, found the number `12`"),
    ("agreements", {"title": "'   '"}, "2: title: is empty"),
    ("agreements", {"place": "[Tallinn]"}, "13: place: must be text, found a list"),
    ("agreements", {"draft": "yes"}, "13: draft: must be `true` or `false`, found `yes`"),
    ("agreements", {"partners": "estonia"}, "6: partners: must be a list, found `estonia`"),
    ("pages", {"menu": "'first'"}, "3: menu: must be a whole number, found `first`"),
    # vocabularies
    ("agreements", {"kind": "mou"}, "3: kind: `mou` is not one of the allowed values"),
    ("agreements", {"status": "active"}, "4: status: `active` is not one of the allowed values"),
    ("partners", {"type": "person"}, "3: type: `person` is not one of the allowed values"),
    ("events", {"kind": "party"}, "4: kind: `party` is not one of the allowed values"),
    # slugs and lists
    ("agreements", {"partners": "[]"}, "6: partners: must list at least one"),
    ("agreements", {"partners": "[Estonia]"}, "6: partners: `Estonia` is not a valid slug"),
    (
        "agreements",
        {"areas": "[cybersecurity, cybersecurity]"},
        "8: areas: lists `cybersecurity` twice",
    ),
    (
        "agreements",
        {"superseded_by": "Not_A_Slug"},
        "13: superseded_by: `Not_A_Slug` is not a valid slug",
    ),
    ("partners", {"parent": "a--b"}, "6: parent: `a--b` is not a valid slug"),
    # text rules
    (
        "agreements",
        {"summary": "'" + "x" * 401 + "'"},
        "9: summary: is 401 characters long; the limit is 400",
    ),
    (
        "agreements",
        {"summary": "|\n  One paragraph.\n\n  Another."},
        "9: summary: must be one paragraph",
    ),
    # dates
    ("agreements", {"signed": "2023-13-01"}, "5: signed: `2023-13-01` has no month 13"),
    ("agreements", {"signed": "2023-09-14T10:00"}, "5: signed: `2023-09-14T10:00` has a time"),
    ("agreements", {"signed": "'14 September 2023'"}, "5: signed: `14 September 2023` is not a"),
    ("agreements", {"signed": "999"}, "5: signed: `999`: write the year with four digits"),
    ("events", {"date": "true"}, "3: date: must be a date like 2023-09-14, 2023-09 or 2023"),
    # term, URLs, codes
    ("agreements", {"term": "3 yrs"}, "13: term: `3 yrs` is not a term"),
    ("agreements", {"term": "3"}, "13: term: the number `3` is not a term"),
    ("agreements", {"sources": "[]"}, "10: sources: must list at least one"),
    ("agreements", {"sources": "\n  - title: No address"}, "11: sources[1].url: is required"),
    (
        "agreements",
        {"sources": "\n  - title: FTP\n    url: ftp://example.org/x"},
        "12: sources[1].url: `ftp://example.org/x` is not a web address",
    ),
    (
        "agreements",
        {"sources": "\n  - title: A\n    url: https://example.org/\n    by: me"},
        "13: sources[1].by: unknown field; known fields: title, url, publisher, date",
    ),
    (
        "agreements",
        {"documents": "\n  - title: Text\n    url: file:///etc/passwd"},
        "15: documents[1].url: `file:///etc/passwd` is neither a web address",
    ),
    (
        "agreements",
        {"documents": "\n  - title: Text\n    url: static/../secret.pdf"},
        "15: documents[1].url: `static/../secret.pdf` must not contain `..`",
    ),
    (
        "agreements",
        {"documents": "\n  - title: T\n    url: static/t.pdf\n    language: 'e n'"},
        "16: documents[1].language: `e n` is not a language tag",
    ),
    ("partners", {"website": "www.example.org"}, "6: website: `www.example.org` is not a web"),
    ("partners", {"country": "XX"}, "4: country: `XX` is not an ISO 3166-1 alpha-2 country code"),
    ("partners", {"country": "ee"}, "4: country: `ee`: write country codes in capitals, `EE`"),
    # rules between fields of one file
    ("agreements", {"signed": None}, "4: signed: is required when status is `signed`"),
    (
        "agreements",
        {"status": "in-force", "signed": None},
        "4: signed: is required when status is `in-force`",
    ),
    (
        "agreements",
        {"status": "expired", "signed": None},
        "4: signed: is required when status is `expired`",
    ),
    (
        "agreements",
        {"status": "terminated"},
        "4: terminated: is required when status is `terminated`",
    ),
    (
        "agreements",
        {"status": "superseded"},
        "4: superseded_by: is required when status is `superseded`",
    ),
    (
        "agreements",
        {"date_unknown": "[signed]"},
        "13: date_unknown: lists `signed`, but `signed` is given; remove one",
    ),
    (
        "agreements",
        {"date_unknown": "[expires]"},
        "13: date_unknown: `expires` cannot be unknown; list only signed, effective, terminated",
    ),
    (
        "agreements",
        {"date_unknown": "[]"},
        "13: date_unknown: must list the date fields the sources do not give, like `[signed]`, "
        "found a list",
    ),
    (
        "agreements",
        {"status": "proposed", "signed": None, "term": "3 years"},
        "12: term: needs `signed` or `effective` to count from",
    ),
    ("partners", {"country": None}, "3: country: is required when type is `government`"),
    ("partners", {"country": ""}, "3: country: is required when type is `government`"),
]


def schema_fields(section: str, text: str) -> set[str]:
    """The fields the schema's errors point at: where the value is, or what is missing."""
    meta: Any = split(text).meta
    fields: set[str] = set()
    for error in validator(SCHEMAS[section]).iter_errors(meta):
        if error.absolute_path:
            fields.add(str(error.absolute_path[0]))
        elif error.validator == "additionalProperties":
            fields.update(k for k in meta if k not in error.schema["properties"])
        elif error.validator == "required":
            fields.update(k for k in error.validator_value if k not in meta)
        elif error.validator == "anyOf":  # a rule between fields: `if` these, `then` one of
            rule = error.schema_path[1]
            fields.update(validator(SCHEMAS[section]).schema["allOf"][rule]["if"]["required"])
            fields.update(k for k in error.validator_value[0]["required"] if k not in meta)
        elif error.validator == "not":  # two fields that cannot be given together
            fields.add(error.validator_value["allOf"][-1]["required"][0])
    return fields


@pytest.mark.parametrize(("section", "changes", "problem"), INVALID)
def test_invalid_cases_are_refused_by_both_for_the_intended_rule(
    section: str, changes: dict[str, str | None], problem: str
) -> None:
    text = text_of(section, changes)
    found = validator_problems(section, text)
    assert len(found) == 1, found
    assert found[0].startswith(f"content/{section}/a-record.md:{problem}"), found[0]
    field = problem.split(": ")[1].split("[")[0]
    assert field in schema_fields(section, text)


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
