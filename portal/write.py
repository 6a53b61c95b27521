"""Output files -> the site folder: the only stage that writes the site.

It runs only after everything rendered, so a failed build never touches the
published folder. Each file is replaced atomically (a temporary file renamed
over it); files whose bytes are unchanged are not rewritten, so their times
stay as they were; files the build no longer produces are removed.
"""

from __future__ import annotations

import filecmp
import os
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


def _existing_files(out: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, _dirnames, filenames in os.walk(out):
        for name in filenames:
            found.add((Path(dirpath) / name).relative_to(out).as_posix())
    return found


def _same(target: Path, output: OutputFile) -> bool:
    if not target.is_file() or target.is_symlink():
        return False
    if output.source is not None:
        return filecmp.cmp(output.source, target, shallow=False)
    if target.stat().st_size != len(output.data):
        return False
    return target.read_bytes() == output.data


def _replace(target: Path, output: OutputFile) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    data = output.data if output.source is None else Path(output.source).read_bytes()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_target(out: Path) -> None:
    """Refuse to write into a folder full of files that this tool did not make."""
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} is a file, not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise WriteError(
            f"{out} already holds files that this tool did not write; building there would "
            "delete them. Choose an empty or new folder with --out"
        )


def write(outputs: list[OutputFile], out: Path) -> WriteReport:
    check_target(out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {o.path for o in outputs} | {MARKER}
    stale = _existing_files(out) - wanted
    written = unchanged = 0
    for output in [*outputs, OutputFile(MARKER, MARKER_TEXT)]:
        target = out / output.path
        if _same(target, output):
            unchanged += 1
            continue
        _replace(target, output)
        written += 1
    for rel in sorted(stale):
        (out / rel).unlink()
    for dirpath, _dirnames, _filenames in sorted(os.walk(out), reverse=True):
        folder = Path(dirpath)
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()
    return WriteReport(written=written, unchanged=unchanged - 0, removed=len(stale))
