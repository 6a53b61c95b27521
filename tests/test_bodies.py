"""Bodies render under a time limit, in this process or in worker processes, alike."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from portal import bodies
from portal.bodies import TOO_DEEP, render_bodies, timeout_message
from portal.cli import main
from portal.markup import to_html
from portal.model import Problem
from tests.support.sites import snapshot, write_site

RUNAWAY = "[" * 40_000  # Python-Markdown's link parser: minutes for this
TOO_DEEP_LIST = "- " * 600 + "x"  # a list in a list ... 600 deep: RecursionError
GOOD = [
    (f"content/pages/p{i}.md", f"## Part {i}\n\nText with [a link](/partners/x/).\n")
    for i in range(12)
]


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "workers"])
def test_every_body_renders_as_to_html(in_process: bool) -> None:
    html, problems = render_bodies(GOOD, in_process=in_process, workers=2)
    assert problems == []
    assert html == {path: to_html(source) for path, source in GOOD}


def test_nothing_to_render() -> None:
    assert render_bodies([]) == ({}, [])


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "workers"])
def test_a_runaway_body_is_stopped_and_the_rest_renders(in_process: bool) -> None:
    items = [*GOOD[:5], ("content/agreements/bad.md", RUNAWAY), *GOOD[5:]]
    started = time.monotonic()
    html, problems = render_bodies(items, time_limit=1.0, in_process=in_process, workers=2)
    elapsed = time.monotonic() - started
    assert problems == [Problem("content/agreements/bad.md", 0, "body", timeout_message(1.0))]
    assert set(html) == {path for path, _source in GOOD}
    assert elapsed < 5, f"stopping the runaway body took {elapsed:.1f} s"


def test_the_timeout_message() -> None:
    assert timeout_message(10) == (
        "rendering the Markdown took longer than the limit of 10 s and was stopped; "
        "a very long run of `[` or lists nested very deeply make the renderer run away: "
        "simplify the text"
    )


def test_two_runaway_bodies_on_two_workers_stop_together() -> None:
    items = [("a.md", RUNAWAY), *GOOD, ("b.md", RUNAWAY)]
    started = time.monotonic()
    html, problems = render_bodies(items, time_limit=1.0, in_process=False, workers=2)
    elapsed = time.monotonic() - started
    assert [p.path for p in problems] == ["a.md", "b.md"]
    assert len(html) == len(GOOD)
    assert elapsed < 5, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "workers"])
def test_recursion_error_is_reported_on_its_body(in_process: bool) -> None:
    items = [("deep.md", TOO_DEEP_LIST), *GOOD]
    html, problems = render_bodies(items, in_process=in_process, workers=2)
    assert problems == [Problem("deep.md", 0, "body", TOO_DEEP)]
    assert len(html) == len(GOOD)


def test_outside_the_main_thread_the_workers_keep_the_limit() -> None:
    """No SIGALRM outside the main thread (e.g. a preview server): workers are used."""
    found: list[tuple[dict[str, str], list[Problem]]] = []
    items = [("bad.md", RUNAWAY), *GOOD[:2]]
    thread = threading.Thread(
        target=lambda: found.append(render_bodies(items, time_limit=1.0, in_process=True))
    )
    thread.start()
    thread.join(timeout=30)
    html, problems = found[0]
    assert [p.path for p in problems] == ["bad.md"]
    assert len(html) == 2


def test_the_alarm_is_restored_after_rendering_here() -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    render_bodies([("bad.md", RUNAWAY), *GOOD], time_limit=0.2, in_process=True)
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "workers"])
def test_progress_is_told_up_to_the_end(in_process: bool) -> None:
    seen: list[tuple[int, int]] = []
    render_bodies(GOOD, in_process=in_process, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(GOOD), len(GOOD))
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_many_bodies_are_chunked_over_the_workers() -> None:
    many = [(f"{i}.md", f"Body {i} with *emphasis*.\n") for i in range(500)]
    html, problems = render_bodies(many, workers=2)
    assert problems == []
    assert html["499.md"] == "<p>Body 499 with <em>emphasis</em>.</p>"
    assert len(html) == 500


def test_a_build_reports_the_runaway_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    args = ["build", "--content", str(content), "--out", str(out), "--today", "2024-06-01"]
    assert main([*args, "--no-cache"]) == 0
    before = snapshot(out)
    capsys.readouterr()
    monkeypatch.setattr(bodies, "TIME_LIMIT", 1.0)
    write_site(
        tmp_path,
        {
            "pages/about.md": """\
                ---
                title: About
                ---
                Intro.

                """
            + RUNAWAY
            + "\n",
        },
    )
    assert main([*args, "--no-cache"]) == 1
    err = capsys.readouterr().err.replace(str(content), "content")
    assert err.splitlines() == [
        "content/pages/about.md:4: body: " + timeout_message(1.0),
        "",
        "1 problem found. Fix it and run the command again; nothing was written.",
    ]
    assert snapshot(out) == before


def test_a_process_with_threads_keeps_its_workers_for_the_next_call() -> None:
    """The preview renders a body or two per save, in a thread: starting a worker from
    the fork server each time would take longer than the rendering."""
    pids: list[set[int]] = []

    def render_and_note() -> None:
        render_bodies(GOOD[:1], in_process=False, workers=1)
        pids.append({w.process.pid for w in bodies._IDLE if w.process.pid is not None})

    for _ in range(2):
        thread = threading.Thread(target=render_and_note)
        thread.start()
        thread.join(timeout=60)
    assert len(pids) == 2 and pids[0] and pids[0] == pids[1]
