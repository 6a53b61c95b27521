"""The preview's quick rebuild: a body edit gives the record's page at once, byte for byte
the page a full build gives; any other edit asks for the full build (None)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from portal.pipeline import build_site
from portal.preview.quick import MAX_RECORDS, Basis, checked_pages, quick_pages

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


def basis_of(content: Path, out: Path) -> Basis:
    result = build_site(content, out, TODAY, TEMPLATES, preview=True, search_later=True)
    assert result.site is not None and result.known is not None, result.errors
    return Basis(content, None, TEMPLATES, result.site, result.checked, result.known)


def first(content: Path, section: str) -> Path:
    return sorted((content / section).glob("*.md"))[0]


@pytest.mark.parametrize("section", ["agreements", "partners", "events", "pages"])
def test_a_body_edit_gives_the_page_a_full_build_gives(
    content: Path, tmp_path: Path, section: str
) -> None:
    basis = basis_of(content, tmp_path / "before")
    record = first(content, section)
    record.write_text(
        record.read_text("utf-8") + "\n## Added later\n\nA [link](/partners/) and *more*.\n",
        "utf-8",
    )
    found = quick_pages(basis, [record])
    assert found is not None and not found.errors and len(found.pages) == 1
    pages = found.pages
    full = tmp_path / "full"
    build_site(content, full, TODAY, TEMPLATES, preview=True, search_later=True)
    assert b"Added later" in pages[0].data
    assert pages[0].data == (full / pages[0].path).read_bytes()


def test_several_records_edited_give_each_page(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    records = [first(content, "agreements"), first(content, "partners")]
    for record in records:
        record.write_text(record.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    found = quick_pages(basis, records)
    assert found is not None
    assert [p.path.split("/")[0] for p in found.pages] == ["agreements", "partners"]


def test_a_front_matter_edit_needs_the_full_build(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    record = first(content, "agreements")
    text = record.read_text("utf-8")
    record.write_text(text.replace("title: ", "title: Renamed ", 1), "utf-8")
    assert quick_pages(basis, [record]) is None


def test_a_body_with_a_broken_link_needs_the_full_build(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    record = first(content, "agreements")
    record.write_text(record.read_text("utf-8") + "\n[Gone](/partners/nobody/)\n", "utf-8")
    assert quick_pages(basis, [record]) is None  # the full build reports it, with its line


def test_new_removed_and_other_files_need_the_full_build(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    new = content / "agreements" / "a-new-one.md"
    shutil.copy(first(content, "agreements"), new)
    assert quick_pages(basis, [new]) is None
    removed = first(content, "partners")
    removed.unlink()
    assert quick_pages(basis, [removed]) is None
    assert quick_pages(basis, [content / "site.yaml"]) is None
    assert quick_pages(basis, [TEMPLATES / "base.html"]) is None
    assert quick_pages(basis, []) is None


def test_an_absolute_path_of_a_relative_content_folder(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve --content content` is told of saves by their absolute paths."""
    monkeypatch.chdir(tmp_path)
    basis = basis_of(Path("content"), tmp_path / "before")
    record = first(content, "agreements").absolute()
    record.write_text(record.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    found = quick_pages(basis, [record])
    assert found is not None and b"One more line." in found.pages[0].data


def test_a_front_matter_edit_gives_its_page_from_a_new_check(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    record = first(content, "agreements")
    text = record.read_text("utf-8")
    record.write_text(text.replace("title: ", "title: Renamed ", 1), "utf-8")
    new = content / "partners" / "a-new-partner.md"
    new.write_text("---\nname: A New Partner\ntype: company\nsummary: New.\n---\n\nText.\n")
    found = checked_pages(basis, [record, new])
    assert found is not None and not found.errors
    full = tmp_path / "full"
    build_site(content, full, TODAY, TEMPLATES, preview=True, search_later=True)
    assert [p.path for p in found.pages] == [
        f"agreements/{record.stem}/index.html",
        "partners/a-new-partner/index.html",
    ]
    assert b"Renamed" in found.pages[0].data
    for page in found.pages:
        assert page.data == (full / page.path).read_bytes()


def test_a_problem_anywhere_is_told_as_the_check_tells_it(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    record = first(content, "agreements")
    record.write_text(record.read_text("utf-8").replace("status:", "statsu:", 1), "utf-8")
    found = checked_pages(basis, [record])
    assert found is not None and not found.pages
    shown = [f"{p.path}:{p.line}: {p.field}" for p in found.errors]
    assert any(line.startswith(f"{record}:") for line in shown), shown
    assert any(line.endswith(": statsu") for line in shown), shown


def test_other_files_and_removals_alone_need_the_full_build(content: Path, tmp_path: Path) -> None:
    basis = basis_of(content, tmp_path / "before")
    assert checked_pages(basis, [content / "site.yaml"]) is None
    assert checked_pages(basis, [TEMPLATES / "agreement.html"]) is None
    removed = first(content, "events")
    removed.unlink()
    assert checked_pages(basis, [removed]) is None


def test_a_body_nested_hundreds_deep_renders_its_page_as_the_build_does(
    content: Path, tmp_path: Path
) -> None:
    basis = basis_of(content, tmp_path / "before")
    record = first(content, "agreements")
    record.write_text(record.read_text("utf-8") + "\n" + "- " * 600 + "x\n", "utf-8")
    found = quick_pages(basis, [record])
    assert found is not None and not found.errors and len(found.pages) == 1
    full = build_site(content, tmp_path / "full", TODAY, TEMPLATES, preview=True)
    assert full.ok
    page = found.pages[0]
    assert page.data == (tmp_path / "full" / page.path).read_bytes()


def test_many_saved_records_take_the_full_build(content: Path, tmp_path: Path) -> None:
    """After a `git pull` of many records, rendering their pages first would only delay
    the full build."""
    basis = basis_of(content, tmp_path / "before")
    records = sorted(content.glob("*/*.md"))[: MAX_RECORDS + 1]
    for record in records:
        record.write_text(record.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    assert quick_pages(basis, records[:MAX_RECORDS]) is not None
    assert checked_pages(basis, records[:MAX_RECORDS]) is not None
    assert quick_pages(basis, records) is None
    assert checked_pages(basis, records) is None
