"""Output files -> the site folder: the only stage that writes the site.

A build with problems in its content never touches the published folder. Writing is in
two steps, so that a failure while rendering or writing (a template error, a static file
that cannot be read, a full disk) leaves the folder as it was too:

1. `Staging.add`: each file whose bytes changed is written into a staging folder inside
   the site folder (same file system) as soon as it is rendered, so that the build never
   holds the whole site in memory; nothing published has changed yet. On any error the
   staging folder is removed and the error raised.
2. `Staging.commit`: only then is each staged file renamed over its target (an atomic
   rename: a reader sees the old file or the new, never half of one), the deepest first,
   so that a record's page is in place before the lists that link to it; then the files
   the build no longer produces are removed (those in the way of a new file first).

What a failure in step 2 leaves (a full disk, a crash, a power cut): every file whole,
either as the last build left it or as this build made it; no file missing that the
site had (stale files go last); the staging folder with the files not yet placed, which
the next build removes. The next build then finishes the site: without stamps from the
failed one, it reads back and compares what it finds.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portal.model.output import OutputFile, Placed

MARKER = ".portal-site"
STAGING_PREFIX = ".portal-staging-"
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


def existing_files(out: Path, under: str = "") -> tuple[set[str], bool]:
    """Every file under `out` (relative, with /), or only those in its folder `under`
    ("pagefind/"), and whether any folder there is empty; staging folders left out."""
    found: set[str] = set()
    empty = False
    root = str(out)
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, under)):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        if rel == ".":
            dirnames[:] = [name for name in dirnames if not name.startswith(STAGING_PREFIX)]
        prefix = "" if rel == "." else rel + "/"
        found.update(prefix + name for name in filenames)
        empty = empty or not (dirnames or filenames)
    return found, empty


def _lock(folder: Path) -> int | None:
    """An open descriptor of `folder` holding an exclusive lock on it, or None if another
    holds it (or the system has no such locks)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _remove_abandoned_staging(out: Path) -> None:
    """Remove the staging folders that no build holds any more (left by a crashed one);
    a folder another build is staging into (the preview's, cancelled) is left alone."""
    for folder in out.iterdir():
        if folder.name.startswith(STAGING_PREFIX) and folder.is_dir():
            descriptor = _lock(folder)
            if descriptor is not None:
                try:
                    shutil.rmtree(folder, ignore_errors=True)
                finally:
                    os.close(descriptor)


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


class Staging:
    """The files of one build, staged as they come (step 1), published by `commit` (step 2).

    `add` writes each output whose bytes changed into a staging folder inside the site
    folder and returns where the output's bytes are now (the staged file, or the published
    file that already holds them), so that a build holds no more than one file in memory
    at a time. Until `commit`, nothing published has changed: `abort` (or leaving the
    `with` block by an exception) removes the staging folder and leaves the site as it
    was. See `write` for the arguments.
    """

    def __init__(
        self,
        out: Path,
        known: Mapping[str, Stamp] | None = None,
        keep: str | None = None,
        only: str | None = None,
        remove: bool = True,
    ) -> None:
        check_target(out)
        self.out = out
        self.created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        self.whole = only is None and remove
        self.remove = remove
        self.known = known or {}
        self.keep = keep
        self.only = only
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        self._held = _lock(self.folder)  # while it is held, no other build removes it
        self.staged: list[tuple[Path, str, bytes | None]] = []
        self.paths: set[str] = set()
        self.unchanged = 0
        self.stamps: dict[str, Stamp] = {}

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if kind is not None:
            self.abort()

    def add(self, output: OutputFile) -> Placed:
        """Stage `output` if its bytes changed; return the file that holds its bytes now."""
        if self.folder is None:
            raise WriteError("the staging folder is closed")
        try:
            return self._add(output, self.folder)
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise WriteError(
                    f"could not write the site ({exc}); {self.out} is as it was"
                ) from exc
            raise

    def _add(self, output: OutputFile, folder: Path) -> Placed:
        self.paths.add(output.path)
        digest = _digest(output.data) if output.source is None else None
        target = os.path.join(str(self.out), output.path)
        info = _same(target, output, digest, self.known.get(output.path))
        if info is not None:
            self.unchanged += 1
            if digest is not None:
                self.stamps[output.path] = _stamp(info, digest)
            return Placed(Path(target), digest)
        temporary = folder / str(len(self.staged))
        if output.source is not None:
            shutil.copyfile(output.source, temporary)
        else:
            temporary.write_bytes(output.data)
        os.chmod(temporary, 0o644)
        self.staged.append((temporary, output.path, digest))
        return Placed(temporary, digest, fresh=True)

    def abort(self) -> None:
        """Forget everything staged: the site folder is as it was before (a no-op once
        committed or aborted)."""
        folder, self.folder = self.folder, None
        if folder is not None:
            shutil.rmtree(self.out if self.created else folder, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            os.close(held)

    def commit(self) -> WriteReport:
        """Step 2: remove the files the build no longer produces, put every staged file in
        its place, and return what changed."""
        if self.folder is None:
            raise WriteError("the staging folder is closed")
        if self.whole:
            self.add(OutputFile(MARKER, MARKER_TEXT))
        out, staging, stamps = self.out, self.folder, self.stamps
        # Listed now (the preview holds its lock on the folder while it commits), with the
        # leftovers of a crashed build.
        try:
            _remove_abandoned_staging(out)
            existing, empty_folder = (
                existing_files(out, self.only or "") if self.remove else (set(), False)
            )
        except BaseException:
            self.abort()
            raise
        if self.keep is not None:
            existing = {rel for rel in existing if not rel.startswith(self.keep)}
        stale = existing - self.paths
        # Stale files are removed after the new files are in place, so that a failure
        # part-way leaves no page missing that the site had; only those in the way of a
        # new file (a file where a folder now goes, or a folder where a file goes) first.
        in_the_way = _in_the_way(stale, {rel for _temporary, rel, _digest in self.staged})
        # The deepest files first: a record's page is in place before the lists that link
        # to it (`agreements/x/index.html` before `agreements/index.html` and `index.html`).
        staged = sorted(self.staged, key=lambda item: (-item[1].count("/"), item[1]))
        placed = 0
        try:
            _remove(out, in_the_way)
            made: set[Path] = set()
            for temporary, rel, digest in staged:
                target = out / rel
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                os.replace(temporary, target)
                placed += 1
                if digest is not None:
                    stamps[rel] = _stamp(os.lstat(target), digest)
            _remove(out, stale - in_the_way)
        except OSError as exc:
            raise WriteError(
                f"writing into {out} stopped after {placed} of {len(staged)} changed files "
                f"({exc.strerror or exc}): each file there is whole, either as the last build "
                "left it or as this one made it, and the files it no longer has are still "
                "there; run the build again to finish"
            ) from exc
        finally:
            self.folder = None
            shutil.rmtree(staging, ignore_errors=True)
            self._release()
        if empty_folder:
            _prune_empty_folders(out)
        changed = tuple(sorted({rel for _temporary, rel, _digest in self.staged} | stale))
        return WriteReport(len(self.staged), self.unchanged, len(stale), stamps, changed)


def _in_the_way(stale: set[str], new: set[str]) -> set[str]:
    """The stale files that stand where a new file's folder goes, or inside a folder
    where a new file goes."""
    folders_of_new = {
        rel.rsplit("/", depth)[0] for rel in new for depth in range(1, rel.count("/") + 1)
    }
    return {
        rel
        for rel in stale
        if rel in folders_of_new
        or any(rel.rsplit("/", depth)[0] in new for depth in range(1, rel.count("/") + 1))
    }


def _remove(out: Path, files: set[str]) -> None:
    """Remove `files` and the folders that removing them left empty."""
    for rel in sorted(files):
        (out / rel).unlink()
    _prune_emptied(out, files)


def _prune_empty_folders(out: Path) -> None:
    """Remove every empty folder under `out` (but staging folders)."""
    folders: list[str] = []
    for dirpath, dirnames, _filenames in os.walk(out):
        if Path(dirpath) == out:
            dirnames[:] = [name for name in dirnames if not name.startswith(STAGING_PREFIX)]
        else:
            folders.append(dirpath)
    for dirpath in sorted(folders, reverse=True):
        folder = Path(dirpath)
        if not any(folder.iterdir()):
            folder.rmdir()


def _prune_emptied(out: Path, removed: set[str]) -> None:
    """Remove the folders that removing the files `removed` left empty, deepest first."""
    folders = {out.joinpath(*rel.split("/")[:-1]) for rel in removed}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def write(
    outputs: Iterable[OutputFile],
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
    with Staging(out, known, keep, only, remove) as staging:
        for output in outputs:
            staging.add(output)
        return staging.commit()
