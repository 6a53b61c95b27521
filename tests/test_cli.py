"""The command line: check --format github, --strict, exit status, --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal.cli import format_problem, main
from portal.model.values import Problem, Severity

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2024-06-01"

SITE_YAML = """\
title: Test Register
description: A register for the tests of the command line.
base_url: https://example.org/
home:
  name: Republic of the Philippines
  country: PH
agencies:
  dict:
    name: Department of Information and Communications Technology
areas:
  cybersecurity:
    label: Cybersecurity
"""

PARTNER = """\
---
name: Estonia
type: government
country: EE
summary: The Government of Estonia.
---
"""

AGREEMENT = """\
---
title: A memorandum
kind: memorandum-of-understanding
status: {status}
signed: 2018-01-01
expires: 2020-01-01
partners: [estonia]
agencies: [dict]
areas: [cybersecurity]
summary: A memorandum for the tests.
sources:
  - title: A source
    url: https://example.org/source
---
"""


def site(tmp_path: Path, status: str = "expired") -> Path:
    content = tmp_path / "content"
    (content / "partners").mkdir(parents=True)
    (content / "agreements").mkdir()
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (content / "partners" / "estonia.md").write_text(PARTNER, encoding="utf-8")
    record = content / "agreements" / "a-mou.md"
    record.write_text(AGREEMENT.format(status=status), encoding="utf-8")
    return content


def check(content: Path, *args: str) -> int:
    return main(["check", "--content", str(content), "--today", TODAY, *args])


def test_check_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(site(tmp_path)) == 0
    assert capsys.readouterr().out.startswith("OK: 1 agreements")


def test_errors_exit_1_as_path_line_field_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = site(tmp_path, status="in-forse")
    assert check(content) == 1
    err = capsys.readouterr().err
    assert f"{content}/agreements/a-mou.md:4: status: " in err
    assert "1 problem found" in err


def test_github_format_annotates_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = site(tmp_path, status="in-forse")
    assert check(content, "--format", "github") == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    prefix = f"::error file={content}/agreements/a-mou.md,line=4,title=status::status: "
    assert lines[0].startswith(prefix), lines


def test_warnings_pass_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = site(tmp_path, status="in-force")  # expired in 2020: a warning on the build day
    assert check(content) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"warning: {content}/agreements/a-mou.md:4: status: ")

    assert check(content, "--format", "github") == 0
    assert capsys.readouterr().err.startswith("::warning file=")

    assert check(content, "--strict") == 1
    assert "1 problem found" in capsys.readouterr().err

    assert check(content, "--strict", "--format", "github") == 1
    assert capsys.readouterr().err.startswith("::error file=")  # it fails, so it is an error


def test_github_annotations_escape_what_would_break_them() -> None:
    problem = Problem("a,b:c.md", 3, "x", "100% wrong\nsecond line", Severity.WARNING)
    assert format_problem(problem, "github") == (
        "::warning file=a%2Cb%3Ac.md,line=3,title=x::x: 100%25 wrong%0Asecond line"
    )
    whole_file = Problem("content/site.yaml", 0, "", "is missing")
    assert format_problem(whole_file, "github") == "::error file=content/site.yaml::is missing"


def test_build_refuses_an_invalid_site_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = site(tmp_path, status="in-forse")
    out = tmp_path / "site"
    assert main(["build", "--content", str(content), "--out", str(out), "--today", TODAY]) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--no-such-option"],
        ["check", "--format", "xml"],
        ["check", "--today", "31/01/2024"],
        ["serve", "--port", "eighty"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--content", str(site(tmp_path))]) == 2
    assert "error" in capsys.readouterr().err


def test_missing_content_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("build", "check", "serve", "new"):
        extra = ["page", "x"] if command == "new" else []
        assert main([command, *extra, "--content", str(tmp_path / "none")]) == 2
        assert "does not exist" in capsys.readouterr().err


def test_bad_source_date_epoch_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = site(tmp_path)
    assert main(["check", "--content", str(content)], {"SOURCE_DATE_EPOCH": "soon"}) == 2
    assert "SOURCE_DATE_EPOCH" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["serve"], ["new"]])
def test_help_teaches_with_examples(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    if command in ([], ["serve"], ["new"]):
        assert "examples:" in out
    assert "--content" in out or not command


def test_build_py_runs_as_a_script(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "check", "--content", str(site(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK:")
