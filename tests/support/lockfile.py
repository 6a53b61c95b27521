"""The lock files (requirements/*.txt) and what they were made from.

`bash scripts/lock.sh` resolves the ranges of pyproject.toml into exact versions with
hashes, then calls `stamp` here, which writes into each lock file a digest of the
inputs it was resolved from. tests/test_lock.py compares that digest, and each pin,
with pyproject.toml as it is now.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAMP = "# inputs from pyproject.toml, sha256: "
PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$"
)


def inputs(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, object]:
    """What the lock files are resolved from: Python's range, the dependencies, the test
    extra and the build backend."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data["project"]
    return {
        "requires-python": project["requires-python"],
        "dependencies": project["dependencies"],
        "test": project["optional-dependencies"]["test"],
        "build-system": data["build-system"]["requires"],
    }


def digest(pyproject: Path = ROOT / "pyproject.toml") -> str:
    canonical = json.dumps(inputs(pyproject), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def stamped(lock: Path) -> str | None:
    """The digest written into a lock file, if any."""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith(STAMP):
            return line.removeprefix(STAMP).strip()
    return None


@dataclass(frozen=True)
class Pin:
    name: str  # normalised: lowercase, runs of -_. as one -
    version: str
    marker: str | None  # the environments it is for (a universal lock may pin a name twice)
    hashes: int


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> list[Pin]:
    """Every `name==version` of a lock file, with its marker and how many hashes it has."""
    found: list[Pin] = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            found.append(Pin(normalise(name), version, marker, 0))
        elif line.strip().startswith("--hash=sha256:") and found:
            last = found[-1]
            found[-1] = Pin(last.name, last.version, last.marker, last.hashes + 1)
    return found


def stamp(locks: list[Path]) -> None:
    """Write the current digest into each lock file, after its header."""
    line = STAMP + digest() + "\n"
    for lock in locks:
        text = lock.read_text(encoding="utf-8")
        kept = [each for each in text.splitlines(keepends=True) if not each.startswith(STAMP)]
        header = 0
        while header < len(kept) and kept[header].startswith("#"):
            header += 1
        lock.write_text("".join([*kept[:header], line, *kept[header:]]), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "stamp":
        sys.exit("usage: python3 -m tests.support.lockfile stamp LOCK...")
    stamp([Path(arg) for arg in sys.argv[2:]])
