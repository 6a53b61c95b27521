"""Shared pytest options. Keep it small: fixtures belong in the test modules that use them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: in CI (CI=true) the examples are derived from each test's name, not drawn
# at random, so a run is repeatable and a red CI is red again on a developer's machine;
# elsewhere they are drawn afresh each run and failures are remembered in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev")
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/expected/ from the current build instead of comparing "
        "(then review the change with `git diff tests/golden/`)",
    )


@pytest.fixture(autouse=True)
def _work_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own tmp_path: a command that writes relative to the working
    folder (`.cache/`, `site/`) writes there, never into the checkout."""
    monkeypatch.chdir(tmp_path)
