"""The output cache (rendered pages and the search bundle): a hit only when every input is
the same, so that a cached build gives, byte for byte, what a clean build gives."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from portal import render
from portal.cache.store import BodyCache
from portal.cache.tables import FILE_NAME
from portal.outputs import search_index
from portal.pages.keys import page_key
from portal.pages.task import PageTask
from portal.pipeline import build_site, check_site
from tests.support.sites import write_site

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2025, 1, 1)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_outputs_hit_only_under_the_same_key(tmp_path: Path) -> None:
    cache = BodyCache(tmp_path)
    assert cache.lookup_outputs({"a": "k1"}) == {}
    cache.store_outputs({"a": ("k1", b"one"), "b": ("k2", b"two")})
    again = BodyCache(tmp_path)
    assert again.lookup_outputs({"a": "k1", "b": "other"}) == {"a": b"one"}
    again.store_outputs({"a": ("k3", b"three")})  # replaces the entry of the same name
    assert BodyCache(tmp_path).lookup_outputs({"a": "k1"}) == {}
    assert BodyCache(tmp_path).lookup_outputs({"a": "k3"}) == {"a": b"three"}


def test_a_damaged_output_is_never_used(tmp_path: Path) -> None:
    BodyCache(tmp_path).store_outputs({"a": ("k1", b"one")})
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("UPDATE outputs SET data = X'00'")
    db.close()
    cache = BodyCache(tmp_path)
    assert cache.lookup_outputs({"a": "k1"}) == {}
    assert cache.stats.rejected == 1


def test_page_key_covers_every_value() -> None:
    task = PageTask("agreements/", "agreements.html", {"view": ("x", 1)})
    key = page_key("f", task)
    assert key == page_key("f", PageTask("agreements/", "agreements.html", {"view": ("x", 1)}))
    assert key != page_key("g", task)
    assert key != page_key("f", PageTask("agreements/", "agreements.html", {"view": ("x", 2)}))
    assert key != page_key("f", PageTask("agreements/", "home.html", {"view": ("x", 1)}))
    assert page_key("f", PageTask("x/", "page.html", {"f": lambda: 1})) is None  # not pickled


def test_the_template_site_is_the_configuration_only(tmp_path: Path) -> None:
    """Templates see `site.config` and nothing else of the site: anything else a page shows
    is in its values, and so in its key."""
    (tmp_path / "t.html").write_text("{{ site.agreements }}", encoding="utf-8")
    result = check_site(ROOT / "content", TODAY)
    assert result.site is not None
    env = render.make_env(tmp_path, result.site)
    context = render.RenderContext(result.site, env, {})
    with pytest.raises(render.RenderError):
        context.page("x/", "t.html")


def test_cached_builds_equal_clean_builds_with_search(tmp_path: Path) -> None:
    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "templates", templates)
    cached_out, cache_dir = tmp_path / "site", tmp_path / "cache"

    def cached_equals_clean(step: str) -> BodyCache:
        cache = BodyCache(cache_dir)
        built = build_site(content, cached_out, TODAY, templates, cache=cache)
        assert built.ok, (step, built.errors)
        clean_out = tmp_path / f"clean-{step}"
        assert build_site(content, clean_out, TODAY, templates).ok
        assert _tree(cached_out) == _tree(clean_out), step
        return cache

    first = cached_equals_clean("cold")
    assert first.stats.output_hits == 0
    again = cached_equals_clean("no change")
    assert again.stats.output_misses == 0  # every page and the search bundle from the cache
    bundle = _tree(cached_out / search_index.BUNDLE)
    agreement = sorted((content / "agreements").glob("*.md"))[0]
    agreement.write_text(agreement.read_text() + "\nA new searchable word: zyzzyva.\n")
    edited = cached_equals_clean("body")
    assert 0 < edited.stats.output_misses < edited.stats.output_hits
    assert _tree(cached_out / search_index.BUNDLE) != bundle  # indexed again
    layout = templates / "macros.html"
    layout.write_text(layout.read_text() + "\n{# changed #}\n")
    changed = cached_equals_clean("template")
    assert changed.stats.output_hits == 1  # only the search bundle: every page is new


def test_daily_cached_builds_equal_clean_builds_of_each_day(tmp_path: Path) -> None:
    """What the daily publish does: one cache kept from day to day, content unchanged."""
    content = write_site(
        tmp_path,
        {
            "agreements/ending.md": """\
                ---
                title: Memorandum that runs out
                kind: memorandum-of-understanding
                status: in-force
                signed: 2022-01-10
                expires: 2025-01-02
                partners: [estonia]
                agencies: [dict]
                areas: [cybersecurity]
                summary: It expires on the second day of the series.
                sources:
                  - title: An article
                    url: https://example.org/ending
                ---
                """,
        },
    )
    cached_out, cache_dir = tmp_path / "site", tmp_path / "cache"
    for today in (dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 3)):
        cached = build_site(
            content, cached_out, today, ROOT / "templates", cache=BodyCache(cache_dir)
        )
        clean_out = tmp_path / f"clean-{today}"
        clean = build_site(content, clean_out, today, ROOT / "templates")
        assert cached.ok and clean.ok
        assert _tree(cached_out) == _tree(clean_out), today


def test_a_cached_rebuild_does_not_read_the_site_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache_dir = tmp_path / "site", tmp_path / "cache"
    assert build_site(
        ROOT / "content", out, TODAY, ROOT / "templates", cache=BodyCache(cache_dir)
    ).ok

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a published file was read back")

    monkeypatch.setattr("portal.publish.write.open", no_reading, raising=False)
    again = build_site(ROOT / "content", out, TODAY, ROOT / "templates", cache=BodyCache(cache_dir))
    assert again.report is not None
    assert again.report.written == 0


def test_a_published_file_changed_by_hand_is_mended_by_a_cached_build(tmp_path: Path) -> None:
    out, cache_dir = tmp_path / "site", tmp_path / "cache"
    assert build_site(
        ROOT / "content", out, TODAY, ROOT / "templates", cache=BodyCache(cache_dir)
    ).ok
    page = out / "about" / "index.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"<", b">", 1))  # same size
    later = page.stat().st_mtime_ns + 1_000_000_000
    os.utime(page, ns=(later, later))
    again = build_site(ROOT / "content", out, TODAY, ROOT / "templates", cache=BodyCache(cache_dir))
    assert again.report is not None
    assert again.report.written == 1
    assert page.read_bytes() == original
