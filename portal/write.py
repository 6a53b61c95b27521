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
To know a file is unchanged without reading it back, a build may hand in the `Stamp`s
the previous build returned (size, modification time, inode and a SHA-256 of the bytes
it wrote): a file whose size, time and inode are still those is taken to still hold the
bytes of its digest. Any other file is read and compared.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portal.output import OutputFile

MARKER = ".portal-site"
MARKER_TEXT = (
    b"This folder is written by `python build.py`; files here are replaced on every build.\n"
)


class WriteError(Exception):
    pass


@dataclass(frozen=True)
class Stamp:
    """What a written file looked like: enough to know it is unchanged without reading it."""

    size: int
    mtime_ns: int
    inode: int
    digest: bytes


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    #: The stamp of every file written from bytes in memory, for the next build's `known`.
    stamps: Mapping[str, Stamp] = field(default_factory=dict, compare=False, repr=False)
    #: The paths written or removed, sorted.
    changed: tuple[str, ...] = field(default=(), compare=False, repr=False)


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _stamp(info: os.stat_result, digest: bytes) -> Stamp:
    return Stamp(info.st_size, info.st_mtime_ns, info.st_ino, digest)


def _existing_files(out: Path, under: str = "") -> tuple[set[str], bool]:
    """Every file under `out` (relative, with /), or only those in its folder `under`
    ("pagefind/"), and whether any folder there is empty."""
    found: set[str] = set()
    empty = False
    root = str(out)
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, under)):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.update(prefix + name for name in filenames)
        empty = empty or not (dirnames or filenames)
    return found, empty


def _same(
    target: str, output: OutputFile, digest: bytes | None, known: Stamp | None
) -> os.stat_result | None:
    """The target's stat if it holds exactly the output's bytes, else None. With the
    `known` stamp of the file and the output's `digest`, a file whose size, time and inode
    are the stamp's is not read."""
    try:
        info = os.lstat(target)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if output.source is not None:
        return info if filecmp.cmp(output.source, target, shallow=False) else None
    if info.st_size != len(output.data):
        return None
    if known is not None and _stamp(info, known.digest) == known:
        return info if known.digest == digest else None
    with open(target, "rb") as file:
        return info if file.read() == output.data else None


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
    outputs: list[OutputFile], out: Path, staging: Path, known: Mapping[str, Stamp]
) -> tuple[list[tuple[Path, str, bytes | None]], int, dict[str, Stamp]]:
    """Step 1: write every changed file into `staging`; return (staged file, target,
    digest) triples, the number unchanged, and the stamps of the unchanged ones."""
    staged: list[tuple[Path, str, bytes | None]] = []
    unchanged = 0
    stamps: dict[str, Stamp] = {}
    root = str(out)
    for number, output in enumerate(outputs):
        digest = _digest(output.data) if output.source is None else None
        info = _same(os.path.join(root, output.path), output, digest, known.get(output.path))
        if info is not None:
            unchanged += 1
            if digest is not None:
                stamps[output.path] = _stamp(info, digest)
            continue
        temporary = staging / str(number)
        if output.source is not None:
            shutil.copyfile(output.source, temporary)
        else:
            temporary.write_bytes(output.data)
        os.chmod(temporary, 0o644)
        staged.append((temporary, output.path, digest))
    return staged, unchanged, stamps


def _prune_empty_folders(out: Path, keep: Path | None = None) -> None:
    """Remove every empty folder under `out` (but `keep`)."""
    for dirpath, _dirnames, _filenames in sorted(os.walk(out), reverse=True):
        folder = Path(dirpath)
        if folder not in (out, keep) and not any(folder.iterdir()):
            folder.rmdir()


def _prune_emptied(out: Path, removed: set[str]) -> None:
    """Remove the folders that removing the files `removed` left empty, deepest first."""
    folders = {out.joinpath(*rel.split("/")[:-1]) for rel in removed}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def write(
    outputs: list[OutputFile],
    out: Path,
    known: Mapping[str, Stamp] | None = None,
    keep: str | None = None,
    only: str | None = None,
    remove: bool = True,
) -> WriteReport:
    """Make `out` hold exactly `outputs`; raise WriteError, leaving it as it was, if it can't.

    `known`: the stamps an earlier write into `out` returned (see `Stamp`).
    `keep`: a folder ("pagefind/") whose files are left as they are, not removed.
    `only`: a folder; only the files under it are made to be `outputs` (all under it),
    the rest of the site is left as it is.
    `remove=False`: write `outputs` and remove nothing (the preview's quick rebuild)."""
    check_target(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    whole = only is None and remove
    every = [*outputs, OutputFile(MARKER, MARKER_TEXT)] if whole else list(outputs)
    existing, empty_folder = _existing_files(out, only or "") if remove else (set(), False)
    if keep is not None:
        existing = {rel for rel in existing if not rel.startswith(keep)}
    stale = existing - {o.path for o in every}  # with leftovers of a crashed build
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        staged, unchanged, stamps = _stage(every, out, staging, known or {})
    except BaseException as exc:
        shutil.rmtree(out if created else staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise WriteError(f"could not write the site ({exc}); {out} is as it was") from exc
        raise
    # Folders are left empty only by stale files (walk up from those), or were empty
    # already (then one walk over the whole folder).
    try:
        for rel in sorted(stale):
            (out / rel).unlink()
        _prune_emptied(out, stale)
        if empty_folder:
            _prune_empty_folders(out, keep=staging)
        made: set[Path] = set()
        for temporary, rel, digest in staged:
            target = out / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(temporary, target)
            if digest is not None:
                stamps[rel] = _stamp(os.lstat(target), digest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if empty_folder:
        _prune_empty_folders(out)
    changed = tuple(sorted({rel for _temporary, rel, _digest in staged} | stale))
    return WriteReport(len(staged), unchanged, len(stale), stamps, changed)
