"""A build with nothing to do: the inputs of the last build, into the folder it left.

What a build writes is a pure function of its inputs: every file of the content folder,
of the templates and of the assets, the code of this package, the versions of Python and
of every installed distribution (the libraries, Pagefind's binary), the options (build
day, base URL, drafts, history) and, with the history, the commit the content is at.
`inputs_key` hashes all of them, every byte of every file (not their times, which a
checkout changes).

After a build, `Memo.keep` stores in the cache, under that key, a listing of the site
folder as the build left it (each file's path, size, modification time and inode, as the
write stage's stamps) and what the build reported. The next build with the same key
(`Memo.recall`) lists the folder again: when it is exactly as listed, the site already
holds what the build would write, and the build returns at once, reporting the same
warnings, having rendered and written nothing. Any difference (an input byte, a file
touched, added or removed in the site folder) and it runs as usual. Like every entry of
the cache, it only ever saves time: delete the cache and the build does everything.

Not covered (as for every cache here): a change to the system's time zone data between
two builds of the same commit, and a file of the site folder rewritten in place by
another program with the same size, time and inode.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from portal.cache.fingerprints import folder_digest
from portal.cache.store import BodyCache, unpickle
from portal.model.values import Problem
from portal.publish.write import WriteReport, existing_files

MEMO_VERSION = 1  # bump when what a memo holds, or how its key is made, changes
PACKAGE = Path(__file__).resolve().parent.parent  # portal/

Listing = tuple[tuple[str, int, int, int], ...]  # (path, size, mtime_ns, inode), sorted


def _add(digest: hashlib.blake2b, data: bytes) -> None:
    digest.update(b"%d:" % len(data))
    digest.update(data)


_METADATA = (".dist-info", ".egg-info", ".egg-link")


def installed_distributions(paths: list[str] | None = None) -> list[str]:
    """Every installed distribution, as the folders of its metadata on the import path
    (`sys.path`): their names hold the distribution's name and version
    (`jinja2-3.1.6.dist-info`), and their times change when one is installed again.
    Listed, not read: reading every distribution's metadata took a fifth of a build
    with nothing to do."""
    found = set()
    for entry in sys.path if paths is None else paths:
        try:
            with os.scandir(entry or ".") as listing:
                for item in listing:
                    if item.name.endswith(_METADATA):
                        found.add(f"{entry} {item.name} {item.stat().st_mtime_ns}")
        except OSError:  # a zip file, a folder that does not exist
            continue
    return sorted(found)


def inputs_key(folders: tuple[Path, ...], options: tuple[object, ...], commit: str) -> str | None:
    """A hash of every input of a build: the files of `folders` (content, templates,
    assets), this package's code, Python's and every distribution's version, Pagefind's
    binary if another is named, `options` (their repr) and the `commit` of the history;
    None when a file cannot be read (the build then runs, and says what is wrong)."""
    digest = hashlib.blake2b(digest_size=20)
    _add(digest, f"unchanged {MEMO_VERSION} {sys.version}".encode())
    for line in installed_distributions():
        _add(digest, line.encode("utf-8", "surrogateescape"))
    binary = os.environ.get("PAGEFIND_BINARY_PATH")
    if binary:
        try:
            info = os.stat(binary)
            _add(digest, f"{binary} {info.st_size} {info.st_mtime_ns}".encode())
        except OSError:
            _add(digest, f"{binary} (missing)".encode())
    _add(digest, repr(options).encode("utf-8", "surrogateescape"))
    _add(digest, commit.encode("ascii", "replace"))
    try:
        _add(digest, folder_digest(PACKAGE, "*.py").encode())
        for folder in folders:
            _add(digest, str(folder).encode("utf-8", "surrogateescape"))
            _add(digest, folder_digest(folder, "*").encode())
    except OSError:
        return None
    return "unchanged:" + digest.hexdigest()


def listing(out: Path) -> Listing:
    """Every file in the site folder, with its size, time and inode (staging left out)."""
    found: list[tuple[str, int, int, int]] = []
    for rel in existing_files(out)[0]:
        try:
            info = os.lstat(out / rel)
        except OSError:
            continue
        found.append((rel, info.st_size, info.st_mtime_ns, info.st_ino))
    return tuple(sorted(found))


@dataclass(frozen=True)
class LastBuild:
    """What the last build with these inputs reported, and the folder it left."""

    agreements: int
    report: WriteReport
    warnings: tuple[Problem, ...]
    files: Listing


@dataclass(frozen=True)
class Memo:
    """The memory, in `cache`, of the last build into `out` (see the module's docstring)."""

    cache: BodyCache
    out: Path
    key: str

    @property
    def name(self) -> str:
        return "last-build:" + str(self.out.resolve())

    def recall(self) -> LastBuild | None:
        """The last build, when its inputs were these and `out` is as it left it."""
        data = self.cache.lookup_outputs({self.name: self.key}).get(self.name)
        if data is None:
            return None
        last = unpickle(data, LastBuild)
        if last is None or last.files != listing(self.out):
            return None
        return last

    def keep(self, agreements: int, report: WriteReport, warnings: tuple[Problem, ...]) -> None:
        """Remember the build just made into `out`, with these inputs."""
        done = WriteReport(0, report.written + report.unchanged, 0)
        last = LastBuild(agreements, done, warnings, listing(self.out))
        self.cache.store_outputs({self.name: (self.key, pickle.dumps(last, protocol=5))})
