"""Output files -> the site folder: the only stage that writes the site.

It runs only after everything rendered, so a build with problems never touches the
published folder. Writing itself is in two steps, so that a failure while writing (a
static file that cannot be read, a full disk) leaves the folder as it was too:

1. every file whose bytes changed is written into a staging folder inside the site
   folder (same file system); nothing published has changed yet. On any error the
   staging folder is removed and the error raised.
2. only then are files the build no longer produces removed, and each staged file
   renamed over its target (an atomic rename: a reader sees the old file or the new,
   never half of one).

Files whose bytes are unchanged are not rewritten, so their times stay as they were.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from portal.output import OutputFile

MARKER = ".portal-site"
MARKER_TEXT = (
    b"This folder is written by `python build.py`; files here are replaced on every build.\n"
)


class WriteError(Exception):
    pass


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def _existing_files(out: Path) -> tuple[set[str], bool]:
    """Every file under `out` (relative, with /), and whether any folder is empty."""
    found: set[str] = set()
    empty = False
    root = str(out)
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.update(prefix + name for name in filenames)
        empty = empty or not (dirnames or filenames)
    return found, empty


def _same(target: str, output: OutputFile) -> bool:
    try:
        info = os.lstat(target)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    if output.source is not None:
        return filecmp.cmp(output.source, target, shallow=False)
    if info.st_size != len(output.data):
        return False
    with open(target, "rb") as file:
        return file.read() == output.data


def check_target(out: Path) -> None:
    """Refuse to write into a folder full of files that this tool did not make."""
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} is a file, not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise WriteError(
            f"{out} already holds files that this tool did not write; building there would "
            "delete them. Choose an empty or new folder with --out"
        )


STAGING_PREFIX = ".portal-staging-"


def _stage(
    outputs: list[OutputFile], out: Path, staging: Path
) -> tuple[list[tuple[Path, str]], int]:
    """Step 1: write every changed file into `staging`; return (staged file, target) pairs."""
    staged: list[tuple[Path, str]] = []
    unchanged = 0
    root = str(out)
    for number, output in enumerate(outputs):
        if _same(os.path.join(root, output.path), output):
            unchanged += 1
            continue
        temporary = staging / str(number)
        if output.source is not None:
            shutil.copyfile(output.source, temporary)
        else:
            temporary.write_bytes(output.data)
        os.chmod(temporary, 0o644)
        staged.append((temporary, output.path))
    return staged, unchanged


def _prune_empty_folders(out: Path, keep: Path | None = None) -> None:
    """Remove folders left empty by stale files (one may stand where a file now goes)."""
    for dirpath, _dirnames, _filenames in sorted(os.walk(out), reverse=True):
        folder = Path(dirpath)
        if folder not in (out, keep) and not any(folder.iterdir()):
            folder.rmdir()


def write(outputs: list[OutputFile], out: Path) -> WriteReport:
    """Make `out` hold exactly `outputs`; raise WriteError, leaving it as it was, if it can't."""
    check_target(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    every = [*outputs, OutputFile(MARKER, MARKER_TEXT)]
    existing, empty_folder = _existing_files(out)
    stale = existing - {o.path for o in every}  # with leftovers of a crashed build
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        staged, unchanged = _stage(every, out, staging)
    except BaseException as exc:
        shutil.rmtree(out if created else staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise WriteError(f"could not write the site ({exc}); {out} is as it was") from exc
        raise
    # Folders can be left empty only by stale files (or were empty already): else no walk.
    prune = bool(stale) or empty_folder
    try:
        for rel in sorted(stale):
            (out / rel).unlink()
        if prune:
            _prune_empty_folders(out, keep=staging)
        made: set[Path] = set()
        for temporary, rel in staged:
            target = out / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(temporary, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if prune:
        _prune_empty_folders(out)
    return WriteReport(written=len(staged), unchanged=unchanged, removed=len(stale))
