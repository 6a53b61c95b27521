"""The lock files agree with pyproject.toml, and the tests run on what they pin.

When one of these fails, run `bash scripts/lock.sh`, review `git diff requirements/`,
and commit the lock files with the change to pyproject.toml.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from tests.support.lockfile import ROOT, Pin, digest, inputs, normalise, pins, stamped

BUILD = ROOT / "requirements" / "build.txt"
TEST = ROOT / "requirements" / "test.txt"
REFRESH = "pyproject.toml and the lock files disagree: run `bash scripts/lock.sh`"


def applies(pin: Pin) -> bool:
    return pin.marker is None or Marker(pin.marker).evaluate()


def pinned(lock: Path) -> dict[str, list[Pin]]:
    by_name: dict[str, list[Pin]] = {}
    for pin in pins(lock):
        by_name.setdefault(pin.name, []).append(pin)
    return by_name


@pytest.mark.parametrize("lock", [BUILD, TEST], ids=["build", "test"])
def test_each_lock_was_made_from_pyproject_as_it_is(lock: Path) -> None:
    assert stamped(lock) == digest(), REFRESH


@pytest.mark.parametrize(
    ("lock", "groups"),
    [(BUILD, ["dependencies", "build-system"]), (TEST, ["dependencies", "test", "build-system"])],
    ids=["build", "test"],
)
def test_every_direct_dependency_is_pinned_within_its_range(lock: Path, groups: list[str]) -> None:
    locked = pinned(lock)
    for group in groups:
        requirements = inputs()[group]
        assert isinstance(requirements, list)
        for line in requirements:
            requirement = Requirement(line)
            versions = [pin.version for pin in locked.get(normalise(requirement.name), [])]
            assert versions, f"{requirement.name} is not in {lock.name}; {REFRESH}"
            assert all(requirement.specifier.contains(v, prereleases=True) for v in versions), (
                f"{lock.name} pins {requirement.name} at {versions}, outside `{line}`; {REFRESH}"
            )


@pytest.mark.parametrize("lock", [BUILD, TEST], ids=["build", "test"])
def test_every_pin_is_exact_and_hashed(lock: Path) -> None:
    found = pins(lock)
    assert found
    assert [pin.name for pin in found if pin.hashes == 0] == []


def test_the_build_lock_pins_what_the_test_lock_pins() -> None:
    # (the markers may differ: the build lock needs some packages in fewer environments)
    test = {(pin.name, pin.version) for pin in pins(TEST)}
    assert [pin for pin in pins(BUILD) if (pin.name, pin.version) not in test] == []


def test_the_tests_run_on_the_locked_versions() -> None:
    # scripts/test.sh installs requirements/test.txt: what is installed is what it pins.
    wrong = {
        pin.name: (pin.version, importlib.metadata.version(pin.name))
        for pin in pins(TEST)
        if applies(pin) and importlib.metadata.version(pin.name) != pin.version
    }
    assert wrong == {}, "installed versions differ from the lock: run `bash scripts/test.sh`"


def test_a_changed_range_is_noticed(tmp_path: Path) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    changed = tmp_path / "pyproject.toml"
    changed.write_text(pyproject.replace('"pyyaml>=6.0,<7"', '"pyyaml>=6.0,<8"'), encoding="utf-8")
    assert digest(changed) != digest()
