#!/usr/bin/env bash
# Refresh the lock files from the ranges in pyproject.toml: the one command to run after
# changing a dependency, or to take newer releases within the ranges.
#
#   bash scripts/lock.sh            keep every pinned version that still fits its range
#   bash scripts/lock.sh --upgrade  take the newest release that fits each range
#
# It writes requirements/build.txt (what `build.py` needs) and requirements/test.txt
# (that, plus the test extra), each with the exact version and the hashes of every
# package, resolved for Python 3.11 and newer on Linux, macOS and Windows (uv's
# --universal). Review the change with `git diff requirements/`, then run the tests
# (`bash scripts/test.sh`) before committing it; tests/test_lock.py fails while
# pyproject.toml and the lock files disagree.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
    echo "lock.sh: uv is not installed; install it with: python3 -m pip install 'uv>=0.5'" >&2
    exit 1
fi

upgrade=()
if [ "${1:-}" = "--upgrade" ]; then
    upgrade=(--upgrade)
elif [ $# -gt 0 ]; then
    echo "lock.sh: unknown argument: $1 (use --upgrade or nothing)" >&2
    exit 2
fi

# The build backend that installs the package itself (pyproject.toml's [build-system]) is
# locked too: `pip install --no-build-isolation -e .` then uses the locked one, not the
# newest release.
backend() {  # the requirements of [build-system], one a line (read by uv as `-`)
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'
}

compile() {  # compile OUTPUT [uv pip compile arguments...]
    local output=$1
    shift
    backend | uv pip compile pyproject.toml - "$@" "${upgrade[@]}" \
        --universal --python-version 3.11 --generate-hashes \
        --quiet \
        --custom-compile-command "bash scripts/lock.sh" \
        --output-file "$output"
}

# The test lock first: it holds every package of the build lock, and the build lock is
# resolved within it, so that both install the same versions.
compile requirements/test.txt --extra test
compile requirements/build.txt --constraint requirements/test.txt
python3 -m tests.support.lockfile stamp requirements/build.txt requirements/test.txt
echo "lock.sh: wrote requirements/build.txt and requirements/test.txt; review: git diff requirements/"
