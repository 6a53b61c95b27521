"""`python build.py new`: a commented record that passes the check, never overwriting."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from portal.cli import main
from portal.content.frontmatter import split
from portal.content.validate import TABLES
from portal.pipeline import check_site
from portal.scaffold import ScaffoldError, Vocabulary, check_slug, render_record

TODAY = dt.date(2024, 6, 1)

SITE_YAML = """\
title: Test Register
description: A register for the tests of `new`.
base_url: https://example.org/
home:
  name: Republic of the Philippines
  country: PH
agencies:
  dnd:
    name: Department of National Defense
  dict:
    name: Department of Information and Communications Technology
areas:
  defence:
    label: Cyber defence
  cybersecurity:
    label: Cybersecurity
"""

PARTNER = """\
---
name: Estonia
type: government
country: EE
summary: The Government of Estonia.
---
"""

SECTIONS = {"agreement": "agreements", "partner": "partners", "event": "events", "page": "pages"}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "partners").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (root / "partners" / "estonia.md").write_text(PARTNER, encoding="utf-8")
    return root


def new(content: Path, *args: str) -> int:
    return main(["new", *args, "--content", str(content), "--today", TODAY.isoformat()])


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_new_then_check_passes(
    kind: str, content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(content, kind, f"a-new-{kind}") == 0
    out = capsys.readouterr().out
    path = content / SECTIONS[kind] / f"a-new-{kind}.md"
    assert out.strip() == str(path)
    assert main(["check", "--content", str(content), "--today", TODAY.isoformat()]) == 0, (
        capsys.readouterr().err
    )
    strict = main(["check", "--strict", "--content", str(content), "--today", "2024-06-01"])
    # Drafts may hold placeholders; a partner, which has no draft switch, is published,
    # so under --strict (as in CI) its leftover TODO text fails the check.
    assert strict == (1 if kind == "partner" else 0)


def test_a_published_placeholder_is_a_warning_naming_its_line(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(content, "partner", "placeholder") == 0
    capsys.readouterr()
    assert main(["check", "--content", str(content), "--today", TODAY.isoformat()]) == 0
    assert capsys.readouterr().err.splitlines()[0] == (
        f"warning: {content}/partners/placeholder.md:11: name: still has `TODO` placeholder "
        "text; replace it with what the sources say before the record is published"
    )


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_every_required_field_is_there_and_explained(kind: str) -> None:
    vocab = Vocabulary(("estonia",), ("dict",), ("cybersecurity",))
    text = render_record(kind, "x", TODAY, None, vocab, "content/x.md")
    document = split(text)
    lines = text.splitlines()
    for name, field in TABLES[SECTIONS[kind]].items():
        if not field.required:
            continue
        assert name in document.meta, name
        line = document.meta.line_of(name)
        assert lines[line - 2].startswith("#"), f"`{name}` has no comment above it"
    assert "TODO" in text
    dates = [document.meta[k] for k in ("signed", "date", "updated") if k in document.meta]
    assert all(str(d) == "2024-06-01" for d in dates)
    if kind in ("agreement", "event"):
        assert dates


def test_new_agreement_uses_the_sites_vocabulary_and_is_a_draft(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(content, "agreement", "dict-estonia-mou-2024") == 0
    text = (content / "agreements" / "dict-estonia-mou-2024.md").read_text("utf-8")
    meta = split(text).meta
    assert meta["partners"] == ["estonia"]
    assert meta["agencies"] == ["dnd"]  # the first in site.yaml
    assert meta["areas"] == ["defence"]
    assert meta["draft"] is True
    assert meta["signed"] == "2024-06-01"
    for kind in ("memorandum-of-understanding", "exchange-of-notes", "superseded"):
        assert kind in text  # the allowed values are listed
    # A draft is checked but not published; the preview shows it.
    assert check_site(content, TODAY).site is not None
    published = check_site(content, TODAY).site
    assert published is not None and published.agreements == ()
    preview = check_site(content, TODAY, preview=True).site
    assert preview is not None and [a.slug for a in preview.agreements] == ["dict-estonia-mou-2024"]


def test_title_is_kept_exactly(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    title = 'Memorandum: "digital" cooperation – Philippines/Estonia # 2'
    assert new(content, "event", "a-visit", "--title", title) == 0
    capsys.readouterr()
    site = check_site(content, TODAY, preview=True).site
    assert site is not None and site.events[0].title == title
    assert str(site.events[0].date) == "2024-06-01"


def test_today_comes_from_source_date_epoch(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"SOURCE_DATE_EPOCH": "1700000000"}  # 14 November 2023
    assert main(["new", "event", "e", "--content", str(content)], environ) == 0
    assert "date: 2023-11-14" in (content / "events" / "e.md").read_text("utf-8")


def test_refuses_an_existing_slug(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = content / "partners" / "estonia.md"
    before = path.read_text("utf-8")
    assert new(content, "partner", "estonia") == 1
    err = capsys.readouterr().err
    assert "estonia.md already exists" in err
    assert path.read_text("utf-8") == before


@pytest.mark.parametrize(
    "slug", ["Estonia", "dict_mou", "dict--mou", "dict-", "a" * 81, "dict.mou", "é", "x/y"]
)
def test_refuses_an_invalid_slug(
    slug: str, content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(content, "agreement", slug) == 1
    err = capsys.readouterr().err
    assert "is not a valid slug" in err and "lowercase" in err
    assert not (content / "agreements").exists()


def test_a_slug_starting_with_a_hyphen_is_invalid() -> None:
    with pytest.raises(ScaffoldError, match="not a valid slug"):
        check_slug("agreement", "-dict")  # on the command line: new agreement -- -dict


def test_refuses_a_page_slug_the_site_uses(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(content, "page", "agreements") == 1
    assert "/agreements/" in capsys.readouterr().err


def test_an_agreement_needs_a_partner_first(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content / "partners" / "estonia.md").unlink()
    assert new(content, "agreement", "x") == 1
    assert "python build.py new partner SLUG" in capsys.readouterr().err
    assert new(content, "partner", "japan", "--title", "Japan") == 0


@pytest.mark.parametrize(
    "args",
    [
        ["new"],
        ["new", "agreement"],
        ["new", "treaty", "x"],
        ["new", "page", "x", "--title", ""],
        ["new", "page", "x", "--title", "two\nlines"],
        ["new", "page", "x", "--today", "2024-13-01"],
        ["new", "page", "x", "--content", "/nonexistent/folder"],
    ],
)
def test_usage_errors_exit_2(
    args: list[str], content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--content" not in args:
        args = [*args, "--content", str(content)]
    assert main(args) == 2
    assert capsys.readouterr().err
    assert not (content / "pages").exists()


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert re.search(r"python build.py new agreement [a-z0-9-]+", out)
    assert "draft" in out
