"""Two builds of the same content with the same --today are byte-identical.

The builds differ in everything that must not matter: the time zone, the hash seed,
the locale, SOURCE_DATE_EPOCH (overridden by --today), the folder they run in, the order
in which the content's files were created, the order in which directories are listed
(shuffled inside the build process, whatever the file system does), whether the body
cache is cold or warm, and the moment they run. Both are kept in git repositories with
the same commits, so the records' histories are compared too. Every file, its bytes and its
permissions are compared, and the list of files.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gitrepo import commit, init

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build.py"
TODAY = "2025-06-30"

# Imported by Python at start-up when its folder is on PYTHONPATH: every directory
# listing (os.listdir, os.scandir, and so Path.iterdir, os.walk, glob) comes out in a
# shuffled order, and the number of listings is written to $SHUFFLED_LISTINGS at exit.
SHUFFLE_LISTINGS = """\
import atexit, os, random

_random = random.Random(20250630)
_listdir, _scandir = os.listdir, os.scandir
_count = 0


def _shuffled(items):
    global _count
    _count += 1
    items = list(items)
    _random.shuffle(items)
    return items


class _Entries:
    def __init__(self, entries):
        with entries:
            self._entries = iter(_shuffled(entries))

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def close(self):
        pass


os.listdir = lambda path=".": _shuffled(_listdir(path))
os.scandir = lambda path=".": _Entries(_scandir(path))


@atexit.register
def _report():
    with open(os.environ["SHUFFLED_LISTINGS"], "w") as out:
        out.write(str(_count))
"""


def copy_tree(source: Path, target: Path, order: str) -> None:
    """Copy source to target, creating folders and files in `order`: sorted or shuffled.

    On most file systems a directory then lists its entries in another order
    (creation order, or reversed), which is what a build must not depend on.
    """
    entries = sorted(source.rglob("*"))
    if order == "shuffled":
        random.Random(20250630).shuffle(entries)
        entries.reverse()
    target.mkdir(parents=True)
    for entry in entries:
        destination = target / entry.relative_to(source)
        if entry.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(entry, destination)


def build(workdir: Path, environ: dict[str, str]) -> None:
    """`python3 build.py --today ... --out site` run inside workdir, on workdir/content."""
    env = {key: value for key, value in os.environ.items() if key not in ("TZ", "LC_ALL")}
    env.update(environ)
    result = subprocess.run(
        [sys.executable, str(BUILD), "--content", "content", "--today", TODAY, "--out", "site"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"


def tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under folder, hidden ones too: relative path -> (permissions, bytes)."""
    files: dict[str, tuple[int, bytes]] = {}
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            files[path.relative_to(folder).as_posix()] = (
                path.stat().st_mode & 0o7777,
                path.read_bytes(),
            )
    return files


def first_difference(a: dict[str, tuple[int, bytes]], b: dict[str, tuple[int, bytes]]) -> str:
    only_a, only_b = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
    if only_a or only_b:
        return f"files only in the first build: {only_a}; only in the second: {only_b}"
    for name in sorted(a):
        if a[name][0] != b[name][0]:
            return f"{name}: permissions {a[name][0]:o} != {b[name][0]:o}"
        if a[name][1] != b[name][1]:
            x, y = a[name][1], b[name][1]
            at = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), None)
            at = min(len(x), len(y)) if at is None else at
            around = slice(max(at - 60, 0), at + 60)
            return f"{name}: differs at byte {at}: {x[around]!r} != {y[around]!r}"
    return ""


def _other_file_system(near: Path) -> Path | None:
    """A new folder on another file system than `near` (tmpfs in /dev/shm), or None.

    File systems list a folder's entries in their own order (tmpfs: by creation; ext4: by
    a hash of the names), so a tool that reads folders in the order it is given them (as
    Pagefind's command line does) makes other bytes there."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != near.stat().st_dev:
            return Path(tempfile.mkdtemp(prefix="portal-reproducible-", dir=shm))
    except OSError:
        pass
    return None


def in_git(folder: Path) -> None:
    """Keep `folder` in a git repository with the same two dated commits as any other: the
    records' histories are then the same, whatever the machine's time zone. The second
    commit is at 23:30 UTC, the next day in the site's time zone (Manila)."""
    init(folder)
    commit(folder, "Publish the register", "2024-01-10T09:00:00+08:00")
    record = folder / "content" / "agreements" / "dict-estonia-digital-cooperation-mou.md"
    record.write_text(record.read_text(encoding="utf-8") + "\nRevised.\n", encoding="utf-8")
    commit(folder, "Revise the Estonia memorandum", "2024-03-02T23:30:00+00:00")


@pytest.fixture(scope="module")
def builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[dict[str, tuple[int, bytes]]]]:
    """The example site built three times: cold here, cold elsewhere (on another file
    system when there is one), warm here again."""
    first = tmp_path_factory.mktemp("first")
    elsewhere_root = _other_file_system(first) or tmp_path_factory.mktemp("second")
    second = elsewhere_root / "second-in-a-deeper" / "and-other" / "folder"
    copy_tree(ROOT / "content", first / "content", "sorted")
    copy_tree(ROOT / "content", second / "content", "shuffled")
    for folder in (first, second):
        in_git(folder)

    here = {
        "TZ": "UTC",
        "PYTHONHASHSEED": "0",
        "LC_ALL": "C",
        "SOURCE_DATE_EPOCH": "1700000000",
    }
    shuffler = tmp_path_factory.mktemp("shuffle-listings")
    (shuffler / "sitecustomize.py").write_text(SHUFFLE_LISTINGS, encoding="utf-8")
    listings = shuffler / "count"
    elsewhere = {
        # UTC+14, as in Kiritimati: another calendar day than UTC for 14 hours a day.
        # Written the POSIX way, so that it needs no time zone database.
        "TZ": "<+14>-14",
        "PYTHONHASHSEED": "2718281",
        "LC_ALL": "C.UTF-8",
        "SOURCE_DATE_EPOCH": "1900000000",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(shuffler), os.environ.get("PYTHONPATH")])),
        "SHUFFLED_LISTINGS": str(listings),
    }
    build(first, here)
    cold = tree(first / "site")
    build(second, elsewhere)
    other = tree(second / "site")
    assert int(listings.read_text(encoding="utf-8")) > 0, "the listings were not shuffled"
    build(first, {**here, "TZ": "<-10>10", "PYTHONHASHSEED": "7"})  # warm: .cache/ kept
    warm = tree(first / "site")
    try:
        yield [cold, other, warm]
    finally:
        if elsewhere_root.is_relative_to("/dev/shm"):
            shutil.rmtree(elsewhere_root, ignore_errors=True)


def test_the_build_writes_a_site(builds: list[dict[str, tuple[int, bytes]]]) -> None:
    cold = builds[0]
    assert "index.html" in cold
    assert any(name.startswith("agreements/") for name in cold)
    estonia = cold["agreements/dict-estonia-digital-cooperation-mou/index.html"][1]
    assert b'<time datetime="2024-03-03">3 March 2024</time>' in estonia  # Manila's day


def test_another_machine_time_zone_and_file_order_change_nothing(
    builds: list[dict[str, tuple[int, bytes]]],
) -> None:
    cold, other, _warm = builds
    assert cold == other, first_difference(cold, other)


def test_a_warm_rebuild_changes_nothing(builds: list[dict[str, tuple[int, bytes]]]) -> None:
    cold, _other, warm = builds
    assert cold == warm, first_difference(cold, warm)


def _lists(value: object) -> list[list[object]]:
    assert isinstance(value, list)
    assert all(isinstance(item, list) for item in value)
    return value


def test_pagefind_bundle_is_sorted_renamed_and_still_consistent() -> None:
    """Pagefind's random orders become sorted ones; meaningful orders stay as they were."""
    from portal.outputs import pagefind_stable as pf

    def bundle(
        values: list[pf.Value], filters: list[pf.Value], sorts: list[pf.Value]
    ) -> dict[str, bytes]:
        meta: list[pf.Value] = ["1.5.2", [["en_f2", 9], ["en_f1", 3]], filters, sorts]
        return {
            "filter/en_aaaaaaa.pf_filter": pf.write(["kind", values]),
            "filter/en_bbbbbbb.pf_filter": pf.write(["year", [["2023", [1]]]]),
            "pagefind.en_0123456789.pf_meta": pf.write(meta),
            "pagefind-entry.json": b'{"languages":{"en":{"hash":"en_0123456789"}}}',
            "fragment/en_f1.pf_fragment": b"kept",
        }

    kinds: list[pf.Value] = [["Meeting", [2, 1]], ["Agreement", [0]]]
    filters: list[pf.Value] = [["year", "en_bbbbbbb"], ["kind", "en_aaaaaaa"]]
    sorts: list[pf.Value] = [["oldest", [1, 0]], ["newest", [0, 1]]]
    one = pf.stabilise(bundle(kinds, filters, sorts))
    two = pf.stabilise(bundle(kinds[::-1], filters[::-1], sorts[::-1]))
    assert one == two

    meta_hash = json.loads(one["pagefind-entry.json"])["languages"]["en"]["hash"]
    meta_name = f"pagefind.{meta_hash}.pf_meta"
    assert meta_name in one
    meta = pf.read(one[meta_name])
    assert isinstance(meta, list)
    assert meta[1] == [["en_f2", 9], ["en_f1", 3]]  # the pages, in page order: untouched
    assert meta[3] == [["newest", [0, 1]], ["oldest", [1, 0]]]  # pages in each order kept
    listed = {str(entry[0]): str(entry[1]) for entry in _lists(meta[2])}
    assert list(listed) == ["kind", "year"]
    for name, file_hash in listed.items():
        kept = pf.read(one[f"filter/{file_hash}.pf_filter"])
        assert isinstance(kept, list) and kept[0] == name
    assert pf.read(one[f"filter/{listed['kind']}.pf_filter"]) == [
        "kind",
        [["Agreement", [0]], ["Meeting", [2, 1]]],
    ]
    assert one["fragment/en_f1.pf_fragment"] == b"kept"
    assert len(one) == 5
