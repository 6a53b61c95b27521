"""Writing the site: atomic, only what changed, nothing stale, the same bytes each time."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.cli import main
from portal.model.output import OutputFile
from portal.publish.write import MARKER, MARKER_TEXT, Staging, Stamp, WriteError, WriteReport, write
from tests.support.sites import snapshot, write_site

TODAY = "2024-06-01"

SECOND = """\
    ---
    title: A second memorandum
    kind: memorandum-of-understanding
    status: signed
    signed: 2024-01-15
    partners: [estonia]
    agencies: [dict]
    areas: [cybersecurity]
    summary: Another one.
    sources:
      - title: An article
        url: https://example.org/second
    ---
    Body of the second.
    """


def build(content: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "build",
            "--content",
            str(content),
            "--out",
            str(out),
            "--today",
            TODAY,
            "--no-cache",
            *extra,
        ]
    )


def files(folder: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _mtime) in snapshot(folder).items()}


def test_a_failed_build_leaves_the_site_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_site(tmp_path, {"agreements/second.md": SECOND})
    out = tmp_path / "site"
    assert build(content, out) == 0
    before = snapshot(out)
    write_site(tmp_path, {"agreements/second.md": SECOND.replace("2024-01-15", "2024-02-30")})
    assert build(content, out) == 1
    assert "second.md:5: signed: `2024-02-30` is not a day of the calendar" in (
        capsys.readouterr().err
    )
    assert snapshot(out) == before


def test_a_failure_while_writing_leaves_the_site_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("index.html", b"old"), OutputFile("a/index.html", b"a")], out)
    before = snapshot(out)
    missing = str(tmp_path / "vanished.pdf")
    outputs = [
        OutputFile("index.html", b"new"),  # would be written first
        OutputFile("static/vanished.pdf", source=missing),
    ]
    with pytest.raises(WriteError, match=r"could not write the site \(.*vanished\.pdf.*\); "):
        write(outputs, out)
    assert snapshot(out) == before, "a failed write changed the site or left files behind"


def test_a_failure_while_writing_a_new_site_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with pytest.raises(WriteError):
        write([OutputFile("static/x.pdf", source=str(tmp_path / "nope.pdf"))], out)
    assert not out.exists()


def test_unchanged_files_are_not_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    assert build(content, out) == 0
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert build(content, out) == 0
    assert " 0 files written, " in capsys.readouterr().out
    after = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_only_changed_files_are_written(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a"), OutputFile("b.html", b"b")], out)
    old = os.stat(out / "a.html")
    report = write([OutputFile("a.html", b"a"), OutputFile("b.html", b"B")], out)
    assert report == WriteReport(written=1, unchanged=2, removed=0)  # the marker is unchanged too
    assert os.stat(out / "a.html").st_mtime_ns == old.st_mtime_ns
    assert (out / "b.html").read_bytes() == b"B"


def test_with_the_last_stamps_unchanged_files_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    first = write([OutputFile("a.html", b"a"), OutputFile("b.html", b"b")], out)

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was read back")

    monkeypatch.setattr("portal.publish.write.open", no_reading, raising=False)
    report = write([OutputFile("a.html", b"a"), OutputFile("b.html", b"b")], out, first.stamps)
    assert report == WriteReport(written=0, unchanged=3, removed=0)


def test_a_stamp_does_not_hide_new_bytes_of_the_same_size(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write([OutputFile("a.html", b"a")], out)
    report = write([OutputFile("a.html", b"A")], out, first.stamps)
    assert report.written == 1
    assert (out / "a.html").read_bytes() == b"A"


def test_the_stamps_describe_each_file_written_or_found_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("same.html", b"s")], out)
    report = write([OutputFile("same.html", b"s"), OutputFile("new.html", b"new")], out)
    for rel, data in (("same.html", b"s"), ("new.html", b"new")):
        info = os.stat(out / rel)
        digest = hashlib.sha256(data).digest()
        assert report.stamps[rel] == Stamp(len(data), info.st_mtime_ns, info.st_ino, digest)


def test_a_file_replaced_since_its_stamp_is_read_though_its_size_and_time_are_the_same(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    first = write([OutputFile("a.html", b"a")], out)
    stamp = first.stamps["a.html"]
    (out / "a.tmp").write_bytes(b"x")  # by hand: another file (inode), same size and time
    os.utime(out / "a.tmp", ns=(stamp.mtime_ns, stamp.mtime_ns))
    os.replace(out / "a.tmp", out / "a.html")
    report = write([OutputFile("a.html", b"a")], out, first.stamps)
    assert report.written == 1
    assert (out / "a.html").read_bytes() == b"a"


def test_a_copied_file_whose_source_changed_is_copied_again(tmp_path: Path) -> None:
    out, source = tmp_path / "site", tmp_path / "map.pdf"
    source.write_bytes(b"map, 2023")
    write([OutputFile("static/map.pdf", source=str(source))], out)
    source.write_bytes(b"map, 2024")
    report = write([OutputFile("static/map.pdf", source=str(source))], out)
    assert report.written == 1
    assert (out / "static" / "map.pdf").read_bytes() == b"map, 2024"


def test_a_copy_with_its_sources_size_and_time_is_still_compared(tmp_path: Path) -> None:
    out, source = tmp_path / "site", tmp_path / "map.pdf"
    source.write_bytes(b"map, 2023")
    write([OutputFile("static/map.pdf", source=str(source))], out)
    copy = out / "static" / "map.pdf"
    copy.write_bytes(b"map, 1999")  # by hand, then given the source's time
    os.utime(copy, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns))
    write([OutputFile("static/map.pdf", source=str(source))], out)
    assert copy.read_bytes() == b"map, 2023"


def test_written_files_are_readable_by_everyone(tmp_path: Path) -> None:
    out, source = tmp_path / "site", tmp_path / "map.pdf"
    source.write_bytes(b"map")
    write([OutputFile("a.html", b"a"), OutputFile("map.pdf", source=str(source))], out)
    assert stat.S_IMODE((out / "a.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((out / "map.pdf").stat().st_mode) == 0o644


def test_add_tells_where_each_outputs_bytes_are(tmp_path: Path) -> None:
    out, source = tmp_path / "site", tmp_path / "map.pdf"
    source.write_bytes(b"map")
    write([OutputFile("same.html", b"s")], out)
    with Staging(out) as staging:
        new = staging.add(OutputFile("new.html", b"n"))
        same = staging.add(OutputFile("same.html", b"s"))
        copied = staging.add(OutputFile("map.pdf", source=str(source)))
        # staged in the site folder itself (the same file system: renames are atomic)
        assert new.file.parent.parent == out and new.file.read_bytes() == b"n"
        assert (new.digest, new.fresh) == (hashlib.sha256(b"n").digest(), True)
        assert same.file == out / "same.html"
        assert (same.digest, same.fresh) == (hashlib.sha256(b"s").digest(), False)
        assert copied.file.read_bytes() == b"map"
        assert (copied.digest, copied.fresh) == (None, True)
        staging.commit()


def test_a_committed_staging_takes_no_more_files(tmp_path: Path) -> None:
    with Staging(tmp_path / "site") as staging:
        staging.commit()
        with pytest.raises(WriteError, match=r"^the staging folder is closed$"):
            staging.add(OutputFile("a.html", b"a"))
        with pytest.raises(WriteError, match=r"^the staging folder is closed$"):
            staging.commit()


def test_an_error_after_the_commit_leaves_the_new_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with pytest.raises(RuntimeError, match="a later stage"), Staging(out) as staging:
        staging.add(OutputFile("a.html", b"a"))
        staging.commit()
        raise RuntimeError("a later stage failed")
    assert files(out) == {MARKER: MARKER_TEXT, "a.html": b"a"}


def test_a_file_changed_since_its_stamp_is_read_and_mended(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write([OutputFile("a.html", b"a")], out)
    (out / "a.html").write_bytes(b"x")  # by hand, same size, a second later
    later = first.stamps["a.html"].mtime_ns + 1_000_000_000
    os.utime(out / "a.html", ns=(later, later))
    report = write([OutputFile("a.html", b"a")], out, first.stamps)
    assert report.written == 1
    assert (out / "a.html").read_bytes() == b"a"


def test_files_no_longer_produced_are_removed(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"agreements/second.md": SECOND})
    out = tmp_path / "site"
    assert build(content, out) == 0
    assert (out / "agreements" / "second" / "index.html").is_file()
    (content / "agreements" / "second.md").unlink()
    assert build(content, out) == 0
    assert not (out / "agreements" / "second").exists()
    assert "second" not in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_stale_files_and_emptied_folders_go(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("old/deep/index.html", b"x"), OutputFile("keep.html", b"k")], out)
    report = write([OutputFile("keep.html", b"k")], out)
    assert report.removed == 1
    assert sorted(files(out)) == [MARKER, "keep.html"]
    assert not (out / "old").exists()


def test_a_stale_file_where_a_folder_now_goes(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("partners/about", b"a file")], out)
    write([OutputFile("partners/about/index.html", b"a page")], out)
    assert files(out) == {MARKER: MARKER_TEXT, "partners/about/index.html": b"a page"}


def test_a_stale_folder_where_a_file_now_goes(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("partners/about/index.html", b"a page")], out)
    write([OutputFile("partners/about", b"a file")], out)
    assert files(out) == {MARKER: MARKER_TEXT, "partners/about": b"a file"}


def test_an_empty_folder_in_the_site_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a")], out)
    (out / "old" / "deep").mkdir(parents=True)  # left empty by hand
    write([OutputFile("a.html", b"a")], out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.html"]


def test_leftovers_of_a_crashed_build_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("index.html", b"x")], out)
    (out / ".portal-staging-abc").mkdir()
    (out / ".portal-staging-abc" / "0").write_bytes(b"half")
    write([OutputFile("index.html", b"x")], out)
    assert sorted(files(out)) == [MARKER, "index.html"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "index.html"]


def test_the_same_input_and_day_give_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_site(tmp_path, {"agreements/second.md": SECOND})
    assert build(content, tmp_path / "one") == 0
    assert build(content, tmp_path / "two") == 0
    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert sorted(one) == sorted(two)
    differing = [rel for rel in one if one[rel] != two[rel]]
    assert differing == []


def test_a_folder_of_other_files_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.odt").write_bytes(b"precious")
    with pytest.raises(
        WriteError,
        match=r"already holds files that this tool did not write; building there would delete "
        r"them\. Choose an empty or new folder with --out$",
    ):
        write([OutputFile("index.html", b"x")], out)
    assert (out / "thesis.odt").read_bytes() == b"precious"


def test_a_file_given_as_the_site_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "site").write_bytes(b"not a folder")
    with pytest.raises(WriteError, match=r"site is a file, not a folder; choose another --out$"):
        write([OutputFile("index.html", b"x")], tmp_path / "site")
    assert (tmp_path / "site").read_bytes() == b"not a folder"


def test_a_new_site_folder_is_made_with_its_parents(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "site"
    write([OutputFile("index.html", b"x")], out)
    assert (out / "index.html").read_bytes() == b"x"


def test_a_kept_folder_is_left_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a"), OutputFile("pagefind/x.pf", b"x")], out)
    report = write([OutputFile("a.html", b"A")], out, keep="pagefind/")
    assert report.removed == 0
    assert (out / "pagefind" / "x.pf").read_bytes() == b"x"


def test_writing_only_one_folder_leaves_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a"), OutputFile("pagefind/old.pf", b"x")], out)
    report = write([OutputFile("pagefind/new.pf", b"y")], out, only="pagefind/")
    assert (report.written, report.unchanged, report.removed) == (1, 0, 1)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".portal-site",
        "a.html",
        "pagefind/new.pf",
    ]


def test_writing_only_one_folder_leaves_an_empty_folder_elsewhere(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a"), OutputFile("pagefind/x.pf", b"x")], out)
    (out / "drafts").mkdir()
    write([OutputFile("pagefind/x.pf", b"y")], out, only="pagefind/")
    assert (out / "drafts").is_dir()


def test_writing_some_files_leaves_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a")], out)
    (out / "drafts").mkdir()
    write([OutputFile("a.html", b"A")], out, remove=False)
    assert (out / "drafts").is_dir()


def test_writing_some_files_removes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("a/index.html", b"a"), OutputFile("b/index.html", b"b")], out)
    report = write([OutputFile("a/index.html", b"A"), OutputFile("b/index.html", b"b")], out)
    assert report.changed == ("a/index.html",)
    report = write([OutputFile("a/index.html", b"A2")], out, remove=False)
    assert (report.written, report.removed, report.changed) == (1, 0, ("a/index.html",))
    assert (out / "a" / "index.html").read_bytes() == b"A2"
    assert (out / "b" / "index.html").read_bytes() == b"b"


def test_an_error_mid_stream_leaves_the_site_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write([OutputFile("index.html", b"old"), OutputFile("a/index.html", b"a")], out)
    before = snapshot(out)

    def outputs() -> Iterator[OutputFile]:
        yield OutputFile("index.html", b"new")  # staged, not yet published
        yield OutputFile("b/index.html", b"b")
        raise RuntimeError("a template failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        write(outputs(), out)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a", "index.html"]  # no staging


def test_a_build_that_fails_after_staging_pages_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages go into the staging folder as they are rendered; a stage that fails after
    them (here the feeds) leaves the published folder exactly as it was."""
    from portal.outputs import feeds

    content = write_site(tmp_path, {"agreements/second.md": SECOND})
    out = tmp_path / "site"
    assert build(content, out) == 0
    before = snapshot(out)
    write_site(tmp_path, {"agreements/second.md": SECOND.replace("Body of", "New body of")})

    def failing(context: object) -> Iterator[OutputFile]:
        raise OSError("the disk is full")
        yield  # a generator, as the stages are

    monkeypatch.setattr(feeds, "render_feeds", failing)
    with pytest.raises(OSError, match="the disk is full"):
        build(content, out)
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".portal-staging-")]


def unremovable(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make removing any file called `name` fail (a file the system will not let go)."""
    real = os.unlink

    def unlink(path: str | Path, *, dir_fd: int | None = None) -> None:
        if os.path.basename(path) == name:
            raise PermissionError(13, "Permission denied", str(path))
        real(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", unlink)


def test_leftovers_of_a_crashed_build_that_cannot_be_removed_do_not_stop_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write([OutputFile("index.html", b"x")], out)
    (out / ".portal-staging-abc").mkdir()
    (out / ".portal-staging-abc" / "stuck").write_bytes(b"half")
    unremovable("stuck", monkeypatch)
    write([OutputFile("index.html", b"y")], out)
    assert (out / "index.html").read_bytes() == b"y"


def test_a_staged_file_that_cannot_be_removed_does_not_hide_why_the_write_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write([OutputFile("index.html", b"old")], out)
    unremovable("0", monkeypatch)  # the first file staged
    outputs = [
        OutputFile("index.html", b"new"),
        OutputFile("static/vanished.pdf", source=str(tmp_path / "vanished.pdf")),
    ]
    with pytest.raises(WriteError, match="could not write the site"):
        write(outputs, out)
    assert (out / "index.html").read_bytes() == b"old"


def test_a_build_leaves_the_staging_folder_of_another_running_build_alone(
    tmp_path: Path,
) -> None:
    """The preview may start a build while a cancelled one still stages its files."""
    out = tmp_path / "site"
    write([OutputFile("a.html", b"a")], out)
    with Staging(out) as other:
        other.add(OutputFile("a.html", b"A"))  # staged, still held by the other build
        report = write([OutputFile("a.html", b"a"), OutputFile("b.html", b"b")], out)
        assert report.removed == 0
        assert other.folder is not None and other.folder.is_dir()
        assert other.commit().written == 1
    assert files(out) == {MARKER: MARKER_TEXT, "a.html": b"A"}


def failing_replace_after(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the rename step fail (a full disk, say) once `count` files are in place."""
    real = os.replace
    done = 0

    def replace(source: str | Path, target: str | Path) -> None:
        nonlocal done
        if done == count:
            raise OSError(28, "No space left on device")
        done += 1
        real(source, target)

    monkeypatch.setattr("portal.publish.write.os.replace", replace)


OLD = [
    OutputFile("index.html", b"home, old"),
    OutputFile("agreements/index.html", b"list, old"),
    OutputFile("agreements/a/index.html", b"a, old"),
    OutputFile("agreements/gone/index.html", b"gone, old"),
]
NEW = [
    OutputFile("index.html", b"home, new"),
    OutputFile("agreements/index.html", b"list, new"),
    OutputFile("agreements/a/index.html", b"a, new"),
    OutputFile("agreements/b/index.html", b"b, new"),
]


@pytest.mark.parametrize("placed", [0, 1, 2, 3])
def test_a_failure_while_renaming_leaves_each_file_whole_and_none_missing(
    placed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write(OLD, out)
    failing_replace_after(placed, monkeypatch)
    with pytest.raises(WriteError, match=f"stopped after {placed} of 4 changed files"):
        write(NEW, out)
    now = files(out)
    old = {o.path: o.data for o in OLD}
    new = {o.path: o.data for o in NEW}
    # every file the site had is still there, each either as it was or as the build made it
    assert set(old) <= set(now)
    assert all(now[rel] in (old.get(rel), new.get(rel)) for rel in now if rel != MARKER)
    # deepest first: a record's page is in place before the lists that would link to it
    assert [
        rel
        for rel in (
            "agreements/a/index.html",
            "agreements/b/index.html",
            "agreements/index.html",
            "index.html",
        )
        if now.get(rel) == new[rel]
    ] == [
        "agreements/a/index.html",
        "agreements/b/index.html",
        "agreements/index.html",
        "index.html",
    ][:placed]
    assert not [p for p in out.iterdir() if p.name.startswith(".portal-staging-")]


def test_a_failed_rename_says_what_the_site_holds_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write(OLD, out)
    failing_replace_after(1, monkeypatch)
    with pytest.raises(WriteError) as error:
        write(NEW, out)
    assert str(error.value) == (
        f"writing into {out} stopped after 1 of 4 changed files (No space left on device): "
        "each file there is whole, either as the last build left it or as this one made it, "
        "and the files it no longer has are still there; run the build again to finish"
    )


def test_a_staged_file_that_cannot_be_removed_does_not_hide_a_failed_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write(OLD, out)
    failing_replace_after(1, monkeypatch)
    unremovable("0", monkeypatch)  # staged first (index.html), placed last: left over
    with pytest.raises(WriteError, match="stopped after 1 of 4 changed files"):
        write(NEW, out)


def test_a_deeper_page_is_placed_first_though_a_shallower_one_sorts_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    failing_replace_after(1, monkeypatch)
    outputs = [OutputFile("about/index.html", b"about"), OutputFile("partners/x/index.html", b"x")]
    with pytest.raises(WriteError, match="stopped after 1 of 3 changed files"):
        write(outputs, out)
    assert files(out) == {"partners/x/index.html": b"x"}


def test_the_next_build_after_a_failed_rename_finishes_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write(OLD, out)
    failing_replace_after(2, monkeypatch)
    with pytest.raises(WriteError):
        write(NEW, out)
    monkeypatch.undo()
    write(NEW, out)
    assert files(out) == {MARKER: MARKER_TEXT, **{o.path: o.data for o in NEW}}
