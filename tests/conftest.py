"""Shared pytest options. Keep it small: fixtures belong in the test modules that use them."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/expected/ from the current build instead of comparing "
        "(then review the change with `git diff tests/golden/`)",
    )
