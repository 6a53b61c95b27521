"""A build with the inputs of the last build, into the folder it left, does nothing."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from portal import render
from portal.cache.store import BodyCache
from portal.cache.unchanged import installed_distributions
from portal.cli import main
from portal.options import TEMPLATES
from portal.pipeline import Result, build_site
from tests.support import gitrepo
from tests.support.sites import AGREEMENT, snapshot, write_site

TODAY = dt.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _no_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pagefind takes seconds per build and has nothing to do with what is tested here.
    monkeypatch.setattr(render, "post_stages", lambda: [], raising=False)


def _build(content: Path, out: Path, today: dt.date = TODAY, **options: object) -> Result:
    result = build_site(
        content,
        out,
        today,
        options.pop("templates", TEMPLATES),
        cache=BodyCache(out.parent / "cache"),
        **options,  # type: ignore[arg-type]
    )
    assert result.ok, result.errors
    return result


def test_the_same_inputs_again_write_nothing_and_say_so(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    first = _build(content, out)
    assert first.unchanged is None and first.report is not None
    before = snapshot(out)

    again = _build(content, out)

    assert again.unchanged is not None
    assert again.unchanged.agreements == 1
    assert again.report is not None and again.report.written == 0
    assert again.report.unchanged == first.report.written + first.report.unchanged
    assert snapshot(out) == before  # bytes and times


def test_the_warnings_of_the_last_build_are_said_again(tmp_path: Path) -> None:
    body = AGREEMENT + "\n## Terms\n{: .note}\n"  # Python-Markdown's syntax: a warning
    content = write_site(tmp_path, {"agreements/estonia-mou.md": body})
    out = tmp_path / "site"
    first = _build(content, out)
    assert first.warnings

    again = _build(content, out)

    assert again.unchanged is not None
    assert again.warnings == first.warnings


def _edit_content(content: Path, out: Path, templates: Path) -> dict[str, object]:
    page = content / "agreements" / "estonia-mou.md"
    page.write_text(page.read_text().replace("Memorandum on", "Memorandum of"))
    return {}


def _edit_template(content: Path, out: Path, templates: Path) -> dict[str, object]:
    base = templates / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- changed --></body>"))
    return {}


def _add_content_file(content: Path, out: Path, templates: Path) -> dict[str, object]:
    (content / "static").mkdir(exist_ok=True)
    (content / "static" / "note.txt").write_text("a new file\n")
    return {}


def _touch_site_file(content: Path, out: Path, templates: Path) -> dict[str, object]:
    page = out / "agreements" / "estonia-mou" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<html", b"<HTML", 1))  # same size
    return {}


def _add_site_file(content: Path, out: Path, templates: Path) -> dict[str, object]:
    (out / "stray.html").write_text("not the build's\n")
    return {}


def _remove_site_file(content: Path, out: Path, templates: Path) -> dict[str, object]:
    (out / "feed.xml").unlink()
    return {}


def _another_day(content: Path, out: Path, templates: Path) -> dict[str, object]:
    return {"today": TODAY + dt.timedelta(days=1)}


def _another_base_url(content: Path, out: Path, templates: Path) -> dict[str, object]:
    return {"base_url": "https://example.net/"}


def _drafts(content: Path, out: Path, templates: Path) -> dict[str, object]:
    return {"preview": True}


def _without_history(content: Path, out: Path, templates: Path) -> dict[str, object]:
    return {"history": False}


Change = Callable[[Path, Path, Path], dict[str, object]]


@pytest.mark.parametrize(
    "change",
    [
        _edit_content,
        _edit_template,
        _add_content_file,
        _touch_site_file,
        _add_site_file,
        _remove_site_file,
        _another_day,
        _another_base_url,
        _drafts,
        _without_history,
    ],
)
def test_any_change_builds_again_as_a_build_without_the_memory_would(
    tmp_path: Path, change: Change
) -> None:
    content = write_site(tmp_path, {})
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    out = tmp_path / "site"
    _build(content, out, templates=templates)

    options = change(content, out, templates)
    today = options.pop("today", TODAY)
    assert isinstance(today, dt.date)
    again = _build(content, out, today, templates=templates, **options)
    clean = build_site(content, tmp_path / "clean", today, templates, **options)  # type: ignore[arg-type]

    assert again.unchanged is None
    assert {k: v[0] for k, v in snapshot(out).items()} == {
        k: v[0] for k, v in snapshot(tmp_path / "clean").items()
    }
    assert clean.ok


def test_a_new_commit_builds_again(tmp_path: Path) -> None:
    repo = gitrepo.init(tmp_path / "repo")
    content = write_site(repo, {})
    gitrepo.commit(repo, "Add the register", "2024-05-01T10:00:00+08:00")
    out = tmp_path / "site"
    _build(content, out)
    assert _build(content, out).unchanged is not None

    gitrepo.commit(repo, "An empty commit: the content is the same", "2024-06-01T10:00:00+08:00")

    assert _build(content, out).unchanged is None


def test_the_command_line_says_there_was_nothing_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_site(tmp_path, {})
    args = ["build", "--content", str(content), "--out", str(tmp_path / "site")]
    args += ["--cache-dir", str(tmp_path / "cache"), "--today", "2025-01-01", "--no-progress"]
    assert main(args) == 0
    assert "Built 1 agreements" in capsys.readouterr().out

    assert main(args) == 0

    said = capsys.readouterr().out
    assert said.startswith(f"Nothing to do: {tmp_path / 'site'}/ holds the 1 agreements")


def test_without_the_cache_every_build_runs(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    _build(content, out)

    again = build_site(content, out, TODAY, TEMPLATES)

    assert again.ok and again.unchanged is None


def test_a_distribution_installed_upgraded_or_reinstalled_changes_the_list(
    tmp_path: Path,
) -> None:
    (tmp_path / "jinja2-3.1.6.dist-info").mkdir()
    (tmp_path / "jinja2").mkdir()
    first = installed_distributions([str(tmp_path), str(tmp_path / "missing")])
    assert len(first) == 1 and "jinja2-3.1.6.dist-info" in first[0]
    (tmp_path / "jinja2-3.1.6.dist-info").rename(tmp_path / "jinja2-3.1.7.dist-info")
    upgraded = installed_distributions([str(tmp_path)])
    assert "jinja2-3.1.7.dist-info" in upgraded[0]
    os.utime(tmp_path / "jinja2-3.1.7.dist-info", ns=(1, 1))
    assert installed_distributions([str(tmp_path)]) != upgraded
    (tmp_path / "nh3-0.3.8.dist-info").mkdir()
    assert len(installed_distributions([str(tmp_path)])) == 2


def test_the_installed_distributions_include_the_libraries_the_build_uses() -> None:
    listed = " ".join(installed_distributions())
    for name in ("jinja2", "cmarkgfm", "nh3", "pagefind"):
        assert re.search(rf"\b{name}-[0-9][^ ]*\.dist-info", listed, re.IGNORECASE), name
