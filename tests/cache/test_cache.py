"""The body cache: a hit only for the same source and renderer; damage is never trusted;
and a cached build gives, byte for byte, what a clean build of the same content gives."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from portal import render
from portal.cache.fingerprints import fingerprint
from portal.cache.store import BodyCache
from portal.cache.tables import FILE_NAME
from portal.cli import main
from portal.markdown import markup
from portal.pipeline import build_site

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2025, 1, 1)


class CountingRenderer:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, sources: Mapping[str, str]) -> dict[str, str]:
        self.calls.append(sorted(sources))
        return {name: markup.to_html(text) for name, text in sources.items()}


def test_renders_only_what_it_has_not_seen(tmp_path: Path) -> None:
    renderer = CountingRenderer()
    first = BodyCache(tmp_path / "cache").render({"a": "# A", "b": "*b*"}, renderer)
    assert first == {"a": markup.to_html("# A"), "b": markup.to_html("*b*")}
    cache = BodyCache(tmp_path / "cache")  # a new build, a new object: the disk is shared
    second = cache.render({"a": "# A", "b": "*b* changed"}, renderer)
    assert renderer.calls == [["a", "b"], ["b"]]
    assert second["a"] == first["a"]
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)


def test_a_body_is_kept_by_its_file_and_the_base_path_too(tmp_path: Path) -> None:
    # Its links are pointed under the base path, relative to its file's folder.
    renderer = CountingRenderer()
    BodyCache(tmp_path).render({"a": "# A"}, renderer, "/portal/")
    BodyCache(tmp_path).render({"a": "# A", "c": "# A"}, renderer, "/portal/")
    BodyCache(tmp_path).render({"a": "# A"}, renderer, "/")
    assert renderer.calls == [["a"], ["c"], ["a"]]


def test_no_cache_folder_is_made_until_something_is_stored(tmp_path: Path) -> None:
    cache = BodyCache(tmp_path / "cache")
    assert cache.render({}, CountingRenderer()) == {}
    assert not (tmp_path / "cache").exists()


def test_a_change_to_the_renderer_settings_changes_every_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before, before_fingerprint = BodyCache(tmp_path).key("text"), fingerprint()
    monkeypatch.setattr(markup, "ALLOWED_TAGS", {*markup.ALLOWED_TAGS, "u"})
    assert fingerprint() != before_fingerprint
    assert BodyCache(tmp_path).key("text") != before
    monkeypatch.undo()
    assert BodyCache(tmp_path).key("text") == before


def test_fingerprint_is_the_same_in_every_process() -> None:
    code = "from portal.cache.fingerprints import fingerprint; print(fingerprint())"
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        seen.add(done.stdout.strip())
    assert seen == {fingerprint()}


def test_a_damaged_entry_is_rendered_again(tmp_path: Path) -> None:
    renderer = CountingRenderer()
    BodyCache(tmp_path).render({"a": "# A"}, renderer)
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("UPDATE bodies SET html = '<script>bad</script>'")
    db.close()
    cache = BodyCache(tmp_path)
    assert cache.render({"a": "# A"}, renderer) == {"a": markup.to_html("# A")}
    assert cache.stats.rejected == 1 and len(renderer.calls) == 2
    again = BodyCache(tmp_path)  # and the entry was repaired
    again.render({"a": "# A"}, renderer)
    assert again.stats.hits == 1 and len(renderer.calls) == 2


@pytest.mark.parametrize("garbage", [b"", b"not a database at all" * 100, b"SQLite format 3\0"])
def test_a_damaged_file_is_replaced(tmp_path: Path, garbage: bytes) -> None:
    (tmp_path / FILE_NAME).write_bytes(garbage)
    renderer = CountingRenderer()
    cache = BodyCache(tmp_path)
    assert cache.render({"a": "# A"}, renderer) == {"a": markup.to_html("# A")}
    again = BodyCache(tmp_path)
    again.render({"a": "# A"}, renderer)
    assert again.stats.hits == 1 and len(renderer.calls) == 1


# --- whole builds -------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_cached_builds_equal_clean_builds_after_every_edit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The search index is built by an external program from the finished pages (which are
    # compared here); it has nothing to do with the body cache and takes seconds per build.
    monkeypatch.setattr(render, "post_stages", lambda: [], raising=False)
    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "templates", templates)
    cached_out, cache_dir = tmp_path / "site", tmp_path / "cache"
    agreement = next(iter(sorted((content / "agreements").glob("*.md"))))
    partner = next(iter(sorted((content / "partners").glob("*.md"))))
    event = next(iter(sorted((content / "events").glob("*.md"))))
    layout = templates / "base.html"

    def cached_equals_clean(step: str) -> BodyCache:
        cache = BodyCache(cache_dir)
        # Every stage runs, with what the caches hold (portal.unchanged would skip them all
        # when nothing changed; tests/test_unchanged.py tests that).
        built = build_site(content, cached_out, TODAY, templates, cache=cache, skip_unchanged=False)
        assert built.ok, (step, built.errors)
        clean_out = tmp_path / f"clean-{step}"
        clean = build_site(content, clean_out, TODAY, templates)
        assert clean.ok, (step, clean.errors)
        assert _tree(cached_out) == _tree(clean_out), step
        return cache

    first = cached_equals_clean("cold")
    assert first.stats.hits == 0 and first.stats.misses > 0
    again = cached_equals_clean("no change")
    assert again.stats.misses == 0
    repeat = build_site(
        content, cached_out, TODAY, templates, cache=BodyCache(cache_dir), skip_unchanged=False
    )
    assert repeat.report is not None and repeat.report.written == 0

    body = agreement.read_text(encoding="utf-8").rstrip("\n") + "\n\n## Added\n\nA new *line*.\n"
    agreement.write_text(body, encoding="utf-8")
    assert cached_equals_clean("body").stats.misses == 1

    title = next(line for line in agreement.read_text().splitlines() if line.startswith("title:"))
    _edit(agreement, title, title + " (revised)")
    assert cached_equals_clean("title").stats.misses == 0

    name = next(line for line in partner.read_text().splitlines() if line.startswith("name:"))
    _edit(partner, name, name + " Renamed")
    cached_equals_clean("partner name")

    _edit(layout, "</body>", "<!-- layout changed --></body>")
    cached_equals_clean("template")

    _edit(content / "site.yaml", "title: ", "title: New ")
    cached_equals_clean("site.yaml")

    event.unlink()
    cached_equals_clean("deleted record")

    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        db.execute("UPDATE bodies SET html = html || 'tampered'")
    db.close()
    assert cached_equals_clean("damaged cache").stats.rejected > 0

    shutil.rmtree(cache_dir)
    cached_equals_clean("cache deleted")


def test_no_cache_neither_reads_nor_writes(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(render, "post_stages", lambda: [], raising=False)
    args = ["build", "--content", str(ROOT / "content"), "--today", "2025-01-01"]
    args += ["--out", str(tmp_path / "site"), "--cache-dir", str(tmp_path / "cache")]
    assert main([*args, "--no-cache"]) == 0
    assert not (tmp_path / "cache").exists()
    assert main(args) == 0
    assert (tmp_path / "cache" / FILE_NAME).is_file()


def test_two_site_folders_keep_their_own_stamps(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from portal.publish.write import Stamp

    cache = BodyCache(tmp_path / "cache")
    site, preview = tmp_path / "site", tmp_path / "preview"
    cache.store_stamps(site, {"index.html": Stamp(1, 2, 3, b"\x01" * 32)})
    cache.store_stamps(preview, {"index.html": Stamp(4, 5, 6, b"\x02" * 32)})
    assert cache.lookup_stamps(site) == {"index.html": Stamp(1, 2, 3, b"\x01" * 32)}
    assert cache.lookup_stamps(preview) == {"index.html": Stamp(4, 5, 6, b"\x02" * 32)}
    assert "damaged" not in caplog.text
