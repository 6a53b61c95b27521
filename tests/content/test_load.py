"""Reading content/ from disk: encodings, size, links, stray files."""

from __future__ import annotations

from pathlib import Path

from portal.content.load import MAX_FILE_BYTES, load
from tests.support.sites import write_site


def messages(content: Path) -> list[str]:
    return [str(p) for p in load(content, "content").problems]


def test_a_valid_site_loads_every_record(tmp_path: Path) -> None:
    raw = load(write_site(tmp_path, {}), "content")
    assert raw.problems == ()
    assert [(f.section, f.stem, f.path) for f in raw.files] == [
        ("agreements", "estonia-mou", "content/agreements/estonia-mou.md"),
        ("partners", "estonia", "content/partners/estonia.md"),
    ]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    (content / "partners" / "latin1.md").write_bytes(b"---\nname: S\xe3o Tom\xe9\n---\n")
    assert messages(content) == [
        "content/partners/latin1.md:2: is not UTF-8 text (byte 0xe3 at offset 11); "
        "save the file as UTF-8"
    ]


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    big = content / "agreements" / "huge.md"
    big.write_bytes(b"---\ntitle: x\n---\n" + b"a" * MAX_FILE_BYTES)
    size = big.stat().st_size
    assert messages(content) == [
        f"content/agreements/huge.md: the file is {size:,} bytes; the limit is "
        f"{MAX_FILE_BYTES:,} bytes (put a long text in content/static/ and link it under "
        "`documents`)"
    ]


def test_a_link_leaving_the_content_folder_is_refused(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    secret = tmp_path / "secret.md"
    secret.write_text("---\nname: x\n---\n")
    (content / "partners" / "leak.md").symlink_to(secret)
    assert messages(content) == [
        "content/partners/leak.md: is a link to a file outside the content folder; copy the file in"
    ]


def test_a_loop_of_links_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    (content / "partners" / "loop.md").symlink_to("loop.md")
    (content / "static").mkdir(exist_ok=True)
    (content / "static" / "a.pdf").symlink_to("b.pdf")
    (content / "static" / "b.pdf").symlink_to("a.pdf")
    loop = "is a link that leads back to itself (a loop of links); replace it with the file"
    assert messages(content) == [
        f"content/partners/loop.md: {loop}",
        f"content/static/a.pdf: {loop}",
        f"content/static/b.pdf: {loop}",
    ]


def test_a_link_inside_the_content_folder_is_fine(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    (content / "partners" / "estonia-again.md").symlink_to(content / "partners" / "estonia.md")
    assert messages(content) == []


def test_other_files_in_record_folders_are_reported(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"agreements/notes.txt": "hello"})
    assert messages(content) == [
        "content/agreements/notes.txt: only `.md` files belong in content/agreements/; "
        "move other files to content/static/"
    ]


def test_missing_site_yaml_is_reported(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    assert messages(content) == [
        "content/site.yaml: is missing; every site needs a site.yaml with title, "
        "description, base_url, home, agencies and areas"
    ]


def test_static_files_are_listed_with_their_path(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"static/texts/mou.txt": "text"})
    assert [f.rel for f in load(content).static] == ["texts/mou.txt"]
