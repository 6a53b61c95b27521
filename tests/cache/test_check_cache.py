"""The check's cache: what one file yields on its own (record, problems, links) is taken from
the cache only for the same path, text and code; the problems are the same with and without
it; damage is never trusted; `check --no-cache` neither reads nor writes it."""

from __future__ import annotations

import datetime as dt
import pickle
import sqlite3
from pathlib import Path

import pytest

from portal import pipeline
from portal.cache import fingerprints, tables
from portal.cache.fingerprints import check_fingerprint
from portal.cache.store import BodyCache, check_key
from portal.cache.tables import FILE_NAME
from portal.cli import main
from portal.content import validate, yamlsafe
from portal.content.load import RawFile
from portal.pipeline import Result, check_site
from tests.support.sites import snapshot, write_site
from tests.test_invalid_sites import CASES

TODAY = dt.date(2024, 6, 1)

BROKEN = {
    # A bad date, an unknown partner, a typo in a key, a link to nothing, a placeholder.
    "agreements/broken.md": """\
        ---
        title: TODO the title
        kind: memorandum-of-understanding
        statsu: signed
        status: signed
        signed: 2023-13
        partners: [estonai]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Cooperation.
        sources:
          - title: An article
            url: https://example.org/article
        ---
        See [the partner](../partners/estnia.md) and `[code](nowhere.md)`.
        """,
    "events/no-date.md": "---\ntitle: Talks\nkind: meeting\nsummary: T.\n---\n",
    "pages/not-yaml.md": "---\ntitle: [unclosed\n---\nBody.\n",
    "pages/Bad_Name.md": "---\ntitle: A page\n---\n",
    "pages/control.md": "---\ntitle: A \x01 page\n---\n",
    "pages/never-closed.md": "---\ntitle: A page\n",
}


def problems(result: Result) -> tuple[list[str], list[str]]:
    return [str(p) for p in result.errors], [str(p) for p in result.warnings]


def test_a_warm_cache_finds_the_same_problems_as_no_cache(tmp_path: Path) -> None:
    content = write_site(tmp_path, BROKEN)
    clean = check_site(content, TODAY)
    assert len(clean.errors) >= 8, clean.errors  # every file above has a problem
    cold = BodyCache(tmp_path / "cache")
    assert problems(check_site(content, TODAY, cache=cold)) == problems(clean)
    warm = BodyCache(tmp_path / "cache")
    assert check_site(content, TODAY, cache=warm) == clean
    assert (warm.stats.check_hits, warm.stats.check_misses) == (cold.stats.check_misses, 0)


def test_a_warm_cache_gives_the_same_site(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    clean = check_site(content, TODAY)
    check_site(content, TODAY, cache=BodyCache(tmp_path / "cache"))
    warm = BodyCache(tmp_path / "cache")
    assert check_site(content, TODAY, cache=warm) == clean
    assert clean.site is not None and warm.stats.check_misses == 0


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_every_invalid_site_is_reported_alike_from_the_cache(tmp_path: Path, case: str) -> None:
    content = write_site(tmp_path, CASES[case][0])
    clean = check_site(content, TODAY)
    assert clean.errors
    for _run in ("cold", "warm"):
        assert check_site(content, TODAY, cache=BodyCache(tmp_path / "cache")) == clean


def test_an_edited_file_is_checked_again(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    check_site(content, TODAY, cache=BodyCache(tmp_path / "cache"))
    agreement = content / "agreements" / "estonia-mou.md"
    agreement.write_text(agreement.read_text().replace("status: signed", "status: sgned"))
    cache = BodyCache(tmp_path / "cache")
    result = check_site(content, TODAY, cache=cache)
    assert [p.field for p in result.errors] == ["status"]
    assert (cache.stats.check_hits, cache.stats.check_misses) == (1, 1)  # the partner is kept
    agreement.write_text(agreement.read_text().replace("status: sgned", "status: signed"))
    assert check_site(content, TODAY, cache=BodyCache(tmp_path / "cache")).ok


def test_an_edited_body_has_its_links_found_again(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    check_site(content, TODAY, cache=BodyCache(tmp_path / "cache"))
    agreement = content / "agreements" / "estonia-mou.md"
    agreement.write_text(agreement.read_text() + "\nSee [x](../partners/latvia.md).\n")
    result = check_site(content, TODAY, cache=BodyCache(tmp_path / "cache"))
    assert [p.message for p in result.errors] == [
        "link [x](../partners/latvia.md): no such partner"
    ]


def test_links_to_other_files_are_checked_on_every_run(tmp_path: Path) -> None:
    # The body is unchanged (its links come from the cache) but its target is gone.
    event = """\
        ---
        title: Talks
        date: 2024-05
        kind: meeting
        summary: Talks.
        sources:
          - title: A
            url: https://example.org/a
        ---
        """
    about = "---\ntitle: About\n---\nSee [the talks](/events/x/).\n"
    content = write_site(tmp_path, {"events/x.md": event, "pages/about.md": about})
    assert check_site(content, TODAY, cache=BodyCache(tmp_path / "cache")).ok
    (content / "events" / "x.md").unlink()
    cache = BodyCache(tmp_path / "cache")
    result = check_site(content, TODAY, cache=cache)
    assert [p.message for p in result.errors] == ["link [the talks](/events/x/): no such event"]
    assert cache.stats.check_misses == 0


def test_the_key_covers_the_path_the_text_and_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    code = check_fingerprint(["portal.content.validate"])
    raw = RawFile("pages", "about", "content/pages/about.md", "---\ntitle: A\n---\n")
    others = [
        RawFile("pages", "about", "elsewhere/pages/about.md", raw.text),
        RawFile("pages", "about", raw.path, raw.text + "\n"),
        RawFile("events", "about", raw.path, raw.text),
    ]
    assert len({check_key(code, r) for r in [raw, *others]}) == 4
    assert check_key(check_fingerprint(["portal.content.validate"]), raw) == check_key(code, raw)
    real = fingerprints.inspect.getsource

    def edited(module: object) -> str:  # yamlsafe, which validate imports through frontmatter
        source = real(module)  # type: ignore[arg-type]
        return source + "# edited\n" if module is yamlsafe else source

    monkeypatch.setattr(fingerprints.inspect, "getsource", edited)
    assert check_key(check_fingerprint(["portal.content.validate"]), raw) != check_key(code, raw)


def test_the_fingerprint_follows_every_module_the_check_imports() -> None:
    sources = fingerprints._package_sources(["portal.content.validate"])
    assert {
        "portal.content.validate",
        "portal.markdown.markup",  # a body's links
        "portal.markdown.gfm",
        "portal.content.fields",
        "portal.content.frontmatter",
        "portal.content.yamlsafe",
        "portal.model.values",
        "portal.model.records",
        "portal.content.load",
    } <= set(sources)
    assert not {"portal.render", "portal.pages.views", "portal.cache.store"} & set(sources)


def test_the_fingerprint_covers_the_module_of_the_check_and_of_its_result(
    tmp_path: Path,
) -> None:
    # The pipeline's check and its result are validate's: a change there changes the keys.
    assert (pipeline.check_file, pipeline.Checked) == (validate.check_file, validate.Checked)
    content = write_site(tmp_path, {})
    check_site(content, TODAY, cache=BodyCache(tmp_path / "cache"))
    cache = BodyCache(tmp_path / "cache")
    check_site(content, TODAY, cache=cache)
    assert list(cache._check_fingerprints) == [("portal.content.validate",)]


@pytest.mark.parametrize(
    "data",
    [
        None,  # bytes whose checksum no longer matches
        pickle.dumps({"not": "a check"}),  # the checksum matches: a pickle of something else
        b"\x80\x05not a pickle",  # the checksum matches: not a pickle at all
    ],
    ids=["checksum", "wrong type", "garbage"],
)
def test_a_damaged_entry_is_checked_again(tmp_path: Path, data: bytes | None) -> None:
    content = write_site(tmp_path, BROKEN)
    clean = check_site(content, TODAY)
    check_site(content, TODAY, cache=BodyCache(tmp_path / "cache"))
    with sqlite3.connect(tmp_path / "cache" / FILE_NAME) as db:
        if data is None:
            db.execute("UPDATE checks SET data = CAST(data || x'00' AS BLOB)")
        else:
            checksum = tables._data_checksum(data)
            db.execute("UPDATE checks SET data = ?, checksum = ?", (data, checksum))
    db.close()
    cache = BodyCache(tmp_path / "cache")
    assert check_site(content, TODAY, cache=cache) == clean
    assert cache.stats.rejected == cache.stats.check_misses > 0
    again = BodyCache(tmp_path / "cache")  # and the entries were repaired
    assert check_site(content, TODAY, cache=again) == clean
    assert again.stats.check_misses == 0


def test_check_no_cache_neither_reads_nor_writes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    content = write_site(tmp_path, BROKEN)
    args = ["check", "--content", str(content), "--today", "2024-06-01"]
    args += ["--cache-dir", str(tmp_path / "cache")]
    assert main([*args, "--no-cache"]) == 1
    clean = capsys.readouterr()
    assert not (tmp_path / "cache").exists()
    assert main(args) == 1  # cold
    assert main(args) == 1  # warm
    assert capsys.readouterr().err == clean.err * 2
    (tmp_path / "cache" / FILE_NAME).write_bytes(b"not a database")
    before = snapshot(tmp_path / "cache")
    assert main([*args, "--no-cache"]) == 1
    assert capsys.readouterr().err == clean.err
    assert snapshot(tmp_path / "cache") == before


def test_the_same_cache_object_keeps_what_it_checked_last(tmp_path: Path) -> None:
    """The preview checks every file again on each save: what it read or made last time
    is kept in memory, so unchanged files are neither read back nor checked again."""
    checked: list[str] = []

    def check(raw: RawFile) -> validate.Checked:
        checked.append(raw.stem)
        return validate.check_file(raw)

    page = "---\ntitle: A page\n---\n\nText.\n"
    files = [RawFile("pages", name, f"content/pages/{name}.md", page) for name in ("a", "b")]
    cache = BodyCache(tmp_path / "cache")
    first = cache.check_files(files, check, validate.Checked)
    (tmp_path / "cache" / FILE_NAME).unlink()  # nothing to read back from the disk
    edited = [files[0], RawFile("pages", "b", "content/pages/b.md", page + "More.\n")]
    second = cache.check_files(edited, check, validate.Checked)
    assert checked == ["a", "b", "b"]
    assert second[0] is first[0] and second[1].parsed.body.endswith("More.\n")
