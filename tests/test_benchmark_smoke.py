"""A tiny run of the benchmark (benchmarks/run.py): it runs end to end and writes its table.

The real figures come from `python3 benchmarks/run.py` (see benchmarks/RESULTS.md); this
only checks that the script works, on 50 agreements, once, without Hugo and Pelican.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import run


def test_smoke_run_writes_results(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    argv = ["--sizes", "50", "--runs", "1", "--no-others", "--no-serve", "--no-search", "--quiet"]
    assert run.main([*argv, "--work", str(tmp_path / "work"), "--results", str(results)]) == 0
    text = results.read_text(encoding="utf-8")
    assert "python3 benchmarks/run.py --sizes 50" in text
    row = next(line for line in text.splitlines() if line.startswith("| 50 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2].endswith(" s") and cells[3].endswith(" s") and cells[4].endswith(" s")
    assert cells[5] == "0", "a rebuild with no change rewrote files"


def test_smoke_run_times_the_preview(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    argv = ["--sizes", "50", "--runs", "1", "--no-others", "--no-search", "--quiet"]
    assert run.main([*argv, "--work", str(tmp_path / "work"), "--results", str(results)]) == 0
    row = next(line for line in results.read_text("utf-8").splitlines() if "| 50 |" in line)
    serve = [cell.strip() for cell in row.strip("|").split("|")][6]
    assert serve.endswith(" ms") or serve.endswith(" s"), serve
