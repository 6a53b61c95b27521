"""The GitHub Actions workflows: actionlint-clean, and running the README's own commands.

`actionlint` (with ShellCheck for the `run:` scripts) comes from the test extra as a
binary inside a PyPI wheel, so this runs offline.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.cli import _normalise_argv
from portal.options import make_parser

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
PUBLISH = WORKFLOWS / "publish.yml"

# Values for the shell variables that workflow commands use, to check their arguments.
SAMPLE_VALUES = {"today": "2025-06-30", "BASE_URL": "https://owner.github.io/repo"}


def _tool(name: str) -> str:
    """A command installed by the test extra: next to this Python first, else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed; run: bash scripts/test.sh")
    return found


def _workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean true.
    if True in data:
        data["on"] = data.pop(True)
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _using(workflow: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The steps that use `action` (like `actions/cache`), at whatever version."""
    return [s for s in _steps(workflow) if s.get("uses", "").split("@")[0] == action]


def _commands(workflow: dict[str, Any]) -> list[str]:
    """Every shell command of every `run:` step, continuation lines joined, `a && b` as two."""
    lines: list[str] = []
    for step in _steps(workflow):
        script = re.sub(r"\\\n\s*", " ", step.get("run", ""))
        for line in script.splitlines():
            lines.extend(part.strip() for part in line.split("&&") if part.strip())
    return lines


def _readme_commands() -> list[str]:
    """The commands of the README's quick start, e.g. `python3 build.py`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Quick start.*?```sh\n(.*?)```", readme, re.S)
    assert match, "README.md has no ```sh block under `## Quick start`"
    commands: list[str] = []
    for line in match.group(1).splitlines():
        if line.lstrip().startswith("#"):
            continue
        code = line.split(" #", 1)[0].strip()
        commands.extend(part.strip() for part in code.split("&&") if part.strip())
    return commands


def _runs(command: str, lines: list[str]) -> bool:
    """Whether one of the lines runs `command` (with or without more arguments)."""
    return any(line == command or line.startswith(command + " ") for line in lines)


def test_there_are_the_two_workflows() -> None:
    assert [p.name for p in _workflow_files()] == ["publish.yml", "pull-request.yml"]


def test_actionlint_passes_on_every_workflow() -> None:
    files = [str(p.relative_to(ROOT)) for p in _workflow_files()]
    result = subprocess.run(
        [_tool("actionlint"), "-no-color", "-shellcheck", _tool("shellcheck"), *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_report_a_broken_workflow(tmp_path: Path) -> None:
    """The check above would pass vacuously if actionlint read nothing."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n"
        "      - run: echo $UNQUOTED\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [_tool("actionlint"), "-no-color", "-shellcheck", _tool("shellcheck"), str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "potentially untrusted" in result.stdout
    assert "SC2086" in result.stdout


def test_the_readme_quick_start_is_what_the_workflows_run() -> None:
    readme = _readme_commands()
    assert "bash scripts/test.sh" in readme
    assert "python3 build.py" in readme
    pull_request = _commands(_load(PULL_REQUEST))
    for command in readme:
        assert _runs(command, pull_request), f"pull-request.yml does not run `{command}`"
    publish = _commands(_load(PUBLISH))
    for command in readme:
        if command != "bash scripts/test.sh":  # tested on the pull request already
            assert _runs(command, publish), f"publish.yml does not run `{command}`"


def test_the_pull_request_checks_with_annotations_and_uploads_the_site() -> None:
    workflow = _load(PULL_REQUEST)
    assert "pull_request" in workflow["on"]
    assert _runs("python3 build.py check --format github", _commands(workflow))
    uploads = _using(workflow, "actions/upload-artifact")
    assert [s["with"]["path"] for s in uploads] == ["site/"]


def test_every_build_command_is_one_the_cli_accepts() -> None:
    def value(word: str) -> str:
        variable = re.fullmatch(r"\$\{?(\w+)\}?", word)
        return SAMPLE_VALUES[variable.group(1)] if variable else word

    seen = 0
    for path in _workflow_files():
        for line in _commands(_load(path)):
            if line.startswith("python3 build.py"):
                argv = [value(word) for word in shlex.split(line)[2:]]
                make_parser().parse_args(_normalise_argv(argv))  # exits 2 on a bad option
                seen += 1
    assert seen >= 3


def test_publishing_triggers_and_one_deployment_at_a_time() -> None:
    workflow = _load(PUBLISH)
    on = workflow["on"]
    assert on["push"]["branches"] == ["main"]
    assert on["schedule"] and all(entry["cron"] for entry in on["schedule"])
    assert "workflow_dispatch" in on
    assert workflow["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    build = workflow["jobs"]["build"]
    build_line = next(c for c in _commands(workflow) if c.startswith("python3 build.py"))
    assert "--base-url" in build_line
    assert "steps.pages.outputs.base_url" in str(build["steps"])
    assert len(_using(workflow, "actions/configure-pages")) == 1
    assert len(_using(workflow, "actions/upload-pages-artifact")) == 1
    assert len(_using(workflow, "actions/deploy-pages")) == 1
    assert _using(workflow, "actions/deploy-pages") == workflow["jobs"]["deploy"]["steps"]
    assert workflow["jobs"]["deploy"]["needs"] == "build"


def test_the_build_cache_is_restored_and_saved() -> None:
    caches = _using(_load(PUBLISH), "actions/cache")
    assert len(caches) == 1, "use actions/cache (restore and save), once"
    assert caches[0]["with"]["path"].rstrip("/") == ".cache"
    # A key unique to the run, restoring the newest earlier one: every build saves.
    assert "github.run_id" in caches[0]["with"]["key"]
    assert caches[0]["with"]["restore-keys"].strip()


def test_publishing_fetches_the_whole_history() -> None:
    """Each record's page lists its revisions: a shallow checkout would show the last only."""
    checkouts = _using(_load(PUBLISH), "actions/checkout")
    assert checkouts and all(c["with"].get("fetch-depth") == 0 for c in checkouts)


@pytest.mark.parametrize("path", [PULL_REQUEST, PUBLISH], ids=lambda p: p.name)
def test_least_permissions(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}, "grant nothing at the top; each job asks for its own"
    for name, job in workflow["jobs"].items():
        permissions = job["permissions"]
        assert set(permissions.values()) <= {"read", "write"}
        writes = {scope for scope, level in permissions.items() if level == "write"}
        if name == "deploy":
            assert writes == {"pages", "id-token"}
        else:
            assert not writes, f"job `{name}` needs no write permission: {writes}"


@pytest.mark.parametrize("path", [PULL_REQUEST, PUBLISH], ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_of_a_release(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*(- )?uses:", line):
            assert re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), (
                f"{path.name}: pin to a full commit SHA with its release as a comment: {line}"
            )
