"""Time the history stage (portal/history/) on a register kept in git.

    python3 benchmarks/history.py                       # 4,000 records x 20 revisions
    python3 benchmarks/history.py --records 200 --revisions 5
    python3 benchmarks/history.py --builds              # and whole builds with / without

It makes a repository with `git fast-import` (seconds, not the minutes that thousands of
`git commit` would take): every record added, then each record revised `--revisions`
times, `--per-commit` records a commit (the status, a date, the summary, a source or the
text changes, in turn), every fiftieth revision a rename. Then it times reading the
history of every record (`history.read_history`), cold (no cache) and warm (the cache of
the cold run, unchanged HEAD), each the median of --runs runs, and prints one line per
figure, in the shape of benchmarks/run.py's rows. With `--builds`, it also times what the
history adds to a whole build: the build of the next day after one new commit (what the
daily publish runs), with the history and with `--no-history`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.history.git import read_history
from portal.history.memory import load_memory, save_memory

COMMITTER = {
    "GIT_AUTHOR_NAME": "Ed",
    "GIT_AUTHOR_EMAIL": "ed@example.org",
    "GIT_COMMITTER_NAME": "Ed",
    "GIT_COMMITTER_EMAIL": "ed@example.org",
}
STATUSES = ("proposed", "negotiating", "signed", "in-force")
SITE = """\
title: History benchmark
description: A register with a long history.
base_url: https://example.org/
time_zone: Asia/Manila
home: {name: Republic of the Philippines, country: PH}
agencies: {dict: {name: Department of Information and Communications Technology}}
areas: {cybersecurity: {label: Cybersecurity}}
"""


def record(number: int, revision: int) -> str:
    status = STATUSES[min(revision // 5, 3)]
    signed = "signed: 2023-09-14\n" if status in ("signed", "in-force") else ""
    sources = "".join(
        f"  - title: Source {i}\n    url: https://example.org/news/{number}/{i}\n"
        for i in range(1 + revision // 4)
    )
    return (
        f"---\ntitle: Memorandum of understanding number {number}\n"
        f"kind: memorandum-of-understanding\nstatus: {status}\n{signed}"
        f"partners: [partner-{number % 50}]\nagencies: [dict]\nareas: [cybersecurity]\n"
        f"summary: Cooperation on cybersecurity, revision {revision // 3}.\n"
        f"sources:\n{sources}---\n# What it covers\n\n"
        + "Exchange of experts and of information on threats. " * (5 + revision % 3)
        + "\n"
    )


def make_repository(folder: Path, records: int, revisions: int, per_commit: int) -> None:
    """A git repository in `folder` whose content/ holds `records` agreements, each
    revised `revisions` times, made in one `git fast-import`."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(folder)], check=True)
    chunks: list[bytes] = []
    when = 1_700_000_000
    mark = 0
    names = {n: f"agreement-{n}" for n in range(records)}

    def commit(message: str, changes: list[str]) -> None:
        nonlocal when, mark
        when += 3600
        mark += 1
        text = message.encode()
        chunks.append(
            b"commit refs/heads/main\nmark :%d\n" % mark
            + b"author Ed <ed@example.org> %d +0000\n" % when
            + b"committer Ed <ed@example.org> %d +0000\n" % when
            + b"data %d\n%s\n" % (len(text), text)
            + (b"from :%d\n" % (mark - 1) if mark > 1 else b"")
            + "".join(changes).encode()
        )

    def modify(path: str, text: str) -> str:
        data = text.encode()
        return f"M 100644 inline {path}\ndata {len(data)}\n{text}\n"

    partners = [
        modify(
            f"content/partners/partner-{n}.md",
            f"---\nname: Partner {n}\ntype: company\nsummary: A company.\n---\n",
        )
        for n in range(50)
    ]
    commit("Add the site", [modify("content/site.yaml", SITE), *partners])
    for start in range(0, records, 100):
        batch = range(start, min(records, start + 100))
        commit(
            f"Add agreements {start}-{batch[-1]}",
            [modify(f"content/agreements/{names[n]}.md", record(n, 0)) for n in batch],
        )
    todo = [(revision, n) for revision in range(1, revisions + 1) for n in range(records)]
    for start in range(0, len(todo), per_commit):
        changes = []
        for revision, n in todo[start : start + per_commit]:
            if (revision * records + n) % 50 == 0:
                old = names[n]
                names[n] = f"{old.split('-r')[0]}-r{revision}"
                changes.append(f"R content/agreements/{old}.md content/agreements/{names[n]}.md\n")
            changes.append(modify(f"content/agreements/{names[n]}.md", record(n, revision)))
        commit(f"Revise {len(changes)} agreements", changes)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=folder, input=b"".join(chunks), check=True
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=folder, check=True)


def measure(content: Path, runs: int) -> list[tuple[str, float]]:
    """The median time of reading every record's history: with no memory of an earlier
    build (cold), with the memory of a build at the same commit (warm), and after one new
    commit (the memory of the build before it); the memory loaded and saved included."""
    cache = content.parent.parent / "cache"
    zone = "Asia/Manila"

    def timed(new_commit: bool) -> float:
        if new_commit:
            path = min((content / "agreements").glob("*.md"))
            path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
            subprocess.run(
                ["git", "commit", "-qam", "One more"],
                cwd=content,
                check=True,
                env={**os.environ, **COMMITTER},
            )
        started = time.perf_counter()
        earlier = load_memory(cache, content, zone)
        found = read_history(content, zone, earlier=earlier)
        assert found is not None and found.log is not None
        if found.log is not earlier:
            save_memory(cache, content, zone, found.log)
        return time.perf_counter() - started

    figures = []
    cold = []
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed(False))
    found = read_history(content, zone)
    assert found is not None
    count = sum(len(h.revisions) for h in found.records.values())
    what = f"{len(found.records):,} records, {count:,} revisions"
    figures.append((f"history, cold ({what})", statistics.median(cold)))
    figures.append(
        ("history, warm (same commit)", statistics.median([timed(False) for _ in range(runs)]))
    )
    figures.append(
        ("history, after one new commit", statistics.median([timed(True) for _ in range(runs)]))
    )
    return figures


def measure_builds(content: Path, runs: int) -> list[tuple[str, float]]:
    """The median time of whole builds (`python build.py build`, each in a new process),
    with the history and with `--no-history`, each with its own cache and site folder,
    filled by a first build: each round makes one new commit (a record revised, as a
    merged pull request does), then builds both on a new build day, as the daily publish
    does, so that every stage runs (with the caches of the day before)."""
    root = content.parent.parent
    build = [sys.executable, str(Path(__file__).resolve().parent.parent / "build.py"), "build"]
    day = dt.date(2030, 1, 1)

    def run(mode: str, today: dt.date) -> float:
        command = [*build, "--content", str(content), "--today", today.isoformat()]
        command += ["--out", str(root / f"site-{mode}"), "--cache-dir", str(root / f"cache-{mode}")]
        command += ["--no-progress", *(["--no-history"] if mode == "without" else [])]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started

    for mode in ("with", "without"):
        run(mode, day)
    times: dict[str, list[float]] = {"with": [], "without": []}
    for i in range(runs):
        path = min((content / "agreements").glob("*.md"))
        path.write_text(path.read_text(encoding="utf-8") + f"\nRound {i}.\n", encoding="utf-8")
        env = {**os.environ, **COMMITTER}
        subprocess.run(["git", "commit", "-qam", f"Round {i}"], cwd=content, check=True, env=env)
        for mode in ("with", "without"):
            times[mode].append(run(mode, day + dt.timedelta(days=i + 1)))
    with_history = statistics.median(times["with"])
    without = statistics.median(times["without"])
    return [
        ("build the next day, after one new commit, with the history", with_history),
        ("the same build with --no-history", without),
        ("what the history adds to that build (difference of the medians)", with_history - without),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=4000)
    parser.add_argument("--revisions", type=int, default=20)
    parser.add_argument("--per-commit", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--builds",
        action="store_true",
        help="also time whole builds with and without the history (minutes at 4,000)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="history-bench-"))
    try:
        started = time.perf_counter()
        make_repository(work / "repo", args.records, args.revisions, args.per_commit)
        made = time.perf_counter() - started
        content = work / "repo" / "content"
        commits = subprocess.run(
            ["git", "rev-list", "--count", "HEAD"],
            cwd=content,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(
            f"repository: {args.records} records x {args.revisions} revisions, "
            f"{commits} commits, made in {made:.1f} s"
        )
        figures = measure(content, args.runs)
        if args.builds:
            figures += measure_builds(content, args.runs)
        for label, seconds in figures:
            print(f"| {label} | {seconds:.2f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
