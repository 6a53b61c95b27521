#!/usr/bin/env bash
# The project's one test command (also what CI runs via .ci/run).
# Extra arguments are passed through to pytest, e.g. scripts/test.sh -k smoke -x
set -euo pipefail

cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

echo "test.sh: installing the locked dependencies (requirements/test.txt), then the project"
python3 -m pip install -q -r requirements/test.txt
python3 -m pip install -q --no-deps -e .

echo "test.sh: ruff check, ruff format --check, mypy (strict)"
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m mypy

echo "test.sh: pytest"
python3 -m pytest "$@"
