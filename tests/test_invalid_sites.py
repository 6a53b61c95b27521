"""Invalid sites: each rule of the content model gives its exact message, and nothing is written.

Every case starts from a published build of a small valid site, breaks one thing, runs
`build`, and checks the message and that the published folder is byte-for-byte as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.cli import main
from tests.support.sites import snapshot, write_site

BASE = {
    "title": "Memorandum on digital cooperation",
    "kind": "memorandum-of-understanding",
    "status": "signed",
    "signed": "2023-09-14",
    "partners": "[estonia]",
    "agencies": "[dict]",
    "areas": "[cybersecurity]",
    "summary": "Cooperation on e-governance.",
    "sources": "\n  - title: An article\n    url: https://example.org/article",
}
DROP = object()


def agreement(**changes: object) -> str:
    """The base agreement's file with fields changed (a value of DROP removes the field)."""
    fields = {**BASE, **changes}
    lines = [f"{k}: {v}" for k, v in fields.items() if v is not DROP]
    return "---\n" + "\n".join(lines) + "\n---\nBody.\n"


def build(tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Publish the base site, write `files` over it, build again; return the messages."""
    content = write_site(tmp_path, {})
    assert (
        main(
            [
                "build",
                "--content",
                str(content),
                "--out",
                str(tmp_path / "site"),
                "--today",
                "2024-06-01",
            ]
        )
        == 0
    )
    before = snapshot(tmp_path / "site")
    capsys.readouterr()
    write_site(tmp_path, files)
    status = main(["check", "--content", str(content), "--today", "2024-06-01"])
    check_out = capsys.readouterr().err
    assert (
        main(
            [
                "build",
                "--content",
                str(content),
                "--out",
                str(tmp_path / "site"),
                "--today",
                "2024-06-01",
            ]
        )
        == 1
    )
    build_out = capsys.readouterr().err
    assert status == 1
    assert check_out == build_out
    assert snapshot(tmp_path / "site") == before, "a failed build changed the site"
    prefix = str(content) + "/"
    lines = [line.replace(prefix, "") for line in build_out.splitlines()]
    assert lines[-1].endswith("and run the command again; nothing was written.")
    return lines[:-2]


A = "agreements/estonia-mou.md"

CASES = {
    "required field missing": (
        {A: agreement(title=DROP)},
        [f"{A}:2: title: is required"],
    ),
    "kind outside the vocabulary": (
        {A: agreement(kind="memorandum-of-understandin")},
        [
            f"{A}:3: kind: `memorandum-of-understandin` is not one of the allowed values; "
            "did you mean `memorandum-of-understanding`? (allowed: memorandum-of-understanding, "
            "agreement, treaty, joint-statement, letter-of-intent, exchange-of-notes, "
            "action-plan, arrangement)"
        ],
    ),
    "unknown key with a suggestion": (
        {A: agreement(statsu="signed")},
        [f"{A}:13: statsu: unknown field; did you mean `status`?"],
    ),
    "partners must be a list": (
        {A: agreement(partners="estonia")},
        [f"{A}:6: partners: must be a list, found `estonia`; write it as `[estonia]`"],
    ),
    "partners must not be empty": (
        {A: agreement(partners="[]")},
        [f"{A}:6: partners: must list at least one"],
    ),
    "unknown partner": (
        {A: agreement(partners="[estonai]")},
        [
            f"{A}:6: partners: `estonai` is not a known partner; did you mean `estonia`? "
            "Otherwise create content/partners/estonai.md or fix the slug"
        ],
    ),
    "unknown agency": (
        {A: agreement(agencies="[dnd]")},
        [
            f"{A}:7: agencies: `dnd` is not a known agency; add it under `agencies` in "
            "site.yaml or use one of: dict"
        ],
    ),
    "unknown area": (
        {A: agreement(areas="[defence]")},
        [
            f"{A}:8: areas: `defence` is not a known area; add it under `areas` in site.yaml "
            "or use one of: cybersecurity"
        ],
    ),
    "summary too long": (
        {A: agreement(summary="x" * 401)},
        [
            f"{A}:9: summary: is 401 characters long; the limit is 400. Shorten it and put "
            "the detail in the body"
        ],
    ),
    "source without url": (
        {A: agreement(sources="\n  - title: An article")},
        [f"{A}:11: sources[1].url: is required"],
    ),
    "source url that is not a web address": (
        {A: agreement(sources="\n  - title: An article\n    url: javascript:alert(1)")},
        [
            f"{A}:12: sources[1].url: `javascript:alert(1)` is not a web address; it must "
            "start with https:// or http://"
        ],
    ),
    "signed required for a signed agreement": (
        {A: agreement(signed=DROP)},
        [f"{A}:4: signed: is required when status is `signed`"],
    ),
    "terminated required for a terminated agreement": (
        {A: agreement(status="terminated")},
        [f"{A}:4: terminated: is required when status is `terminated`"],
    ),
    "superseded_by required for a superseded agreement": (
        {A: agreement(status="superseded")},
        [f"{A}:4: superseded_by: is required when status is `superseded`"],
    ),
    "superseded_by must exist": (
        {A: agreement(status="superseded", superseded_by="newer-mou")},
        [
            f"{A}:13: superseded_by: `newer-mou` is not a known agreement; create "
            "content/agreements/newer-mou.md or fix the slug"
        ],
    ),
    "related must exist": (
        {A: agreement(related="[other-mou]")},
        [
            f"{A}:13: related: `other-mou` is not a known agreement; create "
            "content/agreements/other-mou.md or fix the slug"
        ],
    ),
    "related to itself": (
        {A: agreement(related="[estonia-mou]")},
        [f"{A}:13: related: an agreement cannot be related to itself"],
    ),
    "effective before signed": (
        {A: agreement(effective="2023-09-01")},
        [
            f"{A}:13: effective: 2023-09-01 is before the signing date 2023-09-14; an "
            "agreement cannot enter into force before it is signed"
        ],
    ),
    "expires not after entry into force": (
        {A: agreement(effective="2023-10", expires="2023-10-01")},
        [f"{A}:14: expires: 2023-10-01 is not after the entry into force date 2023-10"],
    ),
    "term in another form": (
        {A: agreement(term="three years")},
        [f"{A}:13: term: `three years` is not a term; write `3 years` or `18 months`"],
    ),
    "date with a time": (
        {A: agreement(signed="2023-09-14T10:00:00")},
        [
            f"{A}:5: signed: `2023-09-14T10:00:00` has a time; dates are calendar days: "
            "write `2023-09-14`"
        ],
    ),
    "date with an offset": (
        {A: agreement(signed="2023-09-14 23:30:00+08:00")},
        [
            f"{A}:5: signed: `2023-09-14 23:30:00+08:00` has a time; dates are calendar "
            "days: write `2023-09-14`"
        ],
    ),
    "date that is not in the calendar": (
        {A: agreement(signed="2023-02-29")},
        [f"{A}:5: signed: `2023-02-29` is not a day of the calendar"],
    ),
    "draft that is not true or false": (
        {A: agreement(draft="yes")},
        [f"{A}:13: draft: must be `true` or `false`, found `yes`"],
    ),
    "a number where text belongs": (
        {A: agreement(title="1984")},
        [f"{A}:2: title: must be text, found the number `1984`; put it in quotes to make it text"],
    ),
    "a key given twice": (
        {A: agreement().replace("status: signed", "status: signed\nstatus: in-force")},
        [f"{A}:5: `status` is given twice (first on line 4); keep one"],
    ),
    "a python tag": (
        {A: agreement(place="!!python/object/apply:os.system ['true']")},
        [
            f"{A}:13: place: the tag `tag:yaml.org,2002:python/object/apply:os.system` "
            "is not allowed"
        ],
    ),
    "a control character": (
        {A: agreement(place="Davao\x07City")},
        [
            f"{A}:13: contains the invisible control character U+0007; delete it (it often "
            "comes from copying out of a PDF or a word processor)"
        ],
    ),
    "a missing static document": (
        {A: agreement(documents="\n  - title: Text\n    url: static/mou.pdf")},
        [
            f"{A}:13: documents: `static/mou.pdf` is not a file in content/static/; add the "
            "file or fix the path"
        ],
    ),
    "file name that is not a slug": (
        {"agreements/Estonia_MoU.md": agreement()},
        [
            "agreements/Estonia_MoU.md: the file name `Estonia_MoU` is not a valid slug: use "
            "at most 80 lowercase letters a-z, digits and single hyphens, like "
            "`dict-kaspersky-2018.md`"
        ],
    ),
    "page claiming a URL the site uses": (
        {"pages/agreements.md": "---\ntitle: Agreements\n---\n"},
        [
            "pages/agreements.md: the page would be published at /agreements/, which the site "
            "already uses for its own agreements page; rename the file"
        ],
    ),
    "government partner without a country": (
        {"partners/estonia.md": "---\nname: Estonia\ntype: government\nsummary: E.\n---\n"},
        ["partners/estonia.md:3: country: is required when type is `government`"],
    ),
    "country that is not ISO 3166-1": (
        {
            "partners/estonia.md": "---\nname: Estonia\ntype: government\ncountry: XX\n"
            "summary: E.\n---\n"
        },
        [
            "partners/estonia.md:4: country: `XX` is not an ISO 3166-1 alpha-2 country code "
            "(such as PH, US, EE)"
        ],
    ),
    "partner parents in a cycle": (
        {
            "partners/a.md": "---\nname: A\ntype: company\nsummary: A.\nparent: b\n---\n",
            "partners/b.md": "---\nname: B\ntype: company\nsummary: B.\nparent: a\n---\n",
        },
        ["partners/a.md:5: parent: partners form a cycle: a -> b -> a"],
    ),
    "event without a date": (
        {
            "events/talks.md": "---\ntitle: Talks\nkind: meeting\nsummary: T.\nsources:\n"
            "  - title: A\n    url: https://example.org/a\n---\n"
        },
        ["events/talks.md:2: date: is required"],
    ),
    "a vertical tab made by a YAML escape": (
        {A: agreement(title='"Memorandum\\x0bon cooperation"')},
        [
            f"{A}:2: title: holds the invisible control character U+000B (`\\x0b` in quotes "
            "makes one); delete it, and write a line break or a space where one was meant"
        ],
    ),
    "a NUL made by a YAML escape": (
        {A: agreement(summary='"Cooperation\\0."')},
        [
            f"{A}:9: summary: holds the invisible control character U+0000 (`\\x00` in quotes "
            "makes one); delete it, and write a line break or a space where one was meant"
        ],
    ),
    "an escape character in a source's title": (
        {
            A: agreement(
                sources='\n  - title: "An \\x1b[31marticle"\n    url: https://example.org/a'
            )
        },
        [
            f"{A}:11: sources[1].title: holds the invisible control character U+001B (`\\x1b` "
            "in quotes makes one); delete it, and write a line break or a space where one was "
            "meant"
        ],
    ),
    "a carriage return made by a YAML escape": (
        {A: agreement(title='"Memorandum\\r"')},
        [f"{A}:2: title: holds a carriage return (U+000D); write a line break instead"],
    ),
    "a lone surrogate made by a YAML escape": (
        {A: agreement(title='"Memorandum \\ud83d"')},
        [
            f"{A}:2: title: holds U+D83D, half of a UTF-16 surrogate pair, which is not a "
            "character; type the character itself, or write it in quotes as `\\U` and its "
            "eight-digit code point (`\\U0001F600`)"
        ],
    ),
    "a noncharacter made by a YAML escape": (
        {A: agreement(summary='"Cooperation \\uffff."')},
        [f"{A}:9: summary: holds U+FFFF, which Unicode reserves as a noncharacter; delete it"],
    ),
    "a noncharacter typed into a body": (
        {A: agreement() + "Text \ufdd0 here.\n"},
        [f"{A}:15: contains U+FDD0, which Unicode reserves as a noncharacter; delete it"],
    ),
    "a control character made by an escape in site.yaml": (
        {
            "site.yaml": 'title: T\ndescription: "D\\x07"\nbase_url: https://example.org/\n'
            "home: {name: P, country: PH}\nagencies: {dict: {name: DICT}}\n"
            "areas: {cybersecurity: {label: C}}\n"
        },
        [
            "site.yaml:2: description: holds the invisible control character U+0007 (`\\x07` "
            "in quotes makes one); delete it, and write a line break or a space where one was "
            "meant"
        ],
    ),
    "a noncharacter escaped in a nested site.yaml value": (
        {
            "site.yaml": "title: T\ndescription: D\nbase_url: https://example.org/\n"
            'home: {name: P, country: PH}\nagencies: {dict: {name: "DICT\\U0010FFFF"}}\n'
            "areas: {cybersecurity: {label: C}}\n"
        },
        [
            "site.yaml:5: agencies.dict.name: holds U+10FFFF, which Unicode reserves as a "
            "noncharacter; delete it"
        ],
    ),
    "a source url holding two addresses": (
        {
            A: agreement(
                sources="\n  - title: Two articles\n"
                "    url: https://a.example/x | https://b.example/y"
            )
        },
        [
            f"{A}:12: sources[1].url: `https://a.example/x | https://b.example/y` holds more "
            "than one address; a url is one address: give each its own entry (for sources, one "
            "`- title: ... url: ...` per address)"
        ],
    ),
    "a source url with a space": (
        {A: agreement(sources="\n  - title: An article\n    url: https://a.example/my page")},
        [
            f"{A}:12: sources[1].url: `https://a.example/my page` has a space in it, and a web "
            "address has none; remove it, or write it as `%20` where the address really has one"
        ],
    ),
    "site.yaml with an unknown key": (
        {
            "site.yaml": "title: T\ndescription: D\nbase_url: https://example.org/\n"
            "home: {name: P, country: PH}\nagencies: {dict: {name: DICT}}\n"
            "areas: {cybersecurity: {label: C}}\nlanguge: en\n"
        },
        ["site.yaml:7: languge: unknown field; did you mean `language`?"],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_invalid_site(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files, expected = CASES[case]
    assert build(tmp_path, files, capsys) == expected


def test_every_problem_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = agreement(statsu="signed", signed="2023-13", partners="[estonai]")
    assert build(tmp_path, {A: broken.replace("status: signed\n", "")}, capsys) == [
        f"{A}:2: status: is required",
        f"{A}:4: signed: `2023-13` has no month 13",
        f"{A}:5: partners: `estonai` is not a known partner; did you mean `estonia`? "
        "Otherwise create content/partners/estonai.md or fix the slug",
        f"{A}:12: statsu: unknown field; did you mean `status`?",
    ]
