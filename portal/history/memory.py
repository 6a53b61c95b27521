"""The memory between builds: the log a build read, kept in the cache folder (marshal),
so that the next build reads only the commits since."""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any

from portal.history.log import Log, Step, without_collection
from portal.model.records import Revision

MEMORY_NAME = "history.marshal"


# What the memory's revisions depend on besides the commits: this code and what it reads
# the front matter with. A change to any of them, another Python (marshal's format), another
# content folder or time zone, and the memory is not used.
PACKAGE = Path(__file__).resolve().parents[1]  # portal/
_MADE_BY = (
    "history/log.py",
    "history/changes.py",
    "history/git.py",
    "history/memory.py",
    "model/values.py",
    "model/records.py",
    "model/site.py",
    "content/fields.py",
    "content/validate.py",
    "content/yamlsafe.py",
)


def _memory_key(content: Path, time_zone: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for name in _MADE_BY:
        digest.update((PACKAGE / name).read_bytes())
    where = str(content.resolve())
    return f"{digest.hexdigest()} {sys.version_info[:3]} {marshal.version} {time_zone} {where}"


Plain = tuple[Any, ...]


def _plain(log: Log) -> Plain:
    """The log as tuples of strings and numbers, which `marshal` writes and reads ten times
    as fast as pickle reads the dataclasses: each commit once, then each file's steps."""
    commits: dict[str, tuple[int, str]] = {}
    files: dict[str, Plain] = {}
    for rel, steps in log.files.items():
        rows = []
        for step in steps:
            commits[step.commit] = (step.time, step.message)
            if step.row is not None:
                rows.append(step.row)
                continue
            revision = step.revision
            done = None
            if revision is not None:
                day = revision.day.toordinal() if revision.day is not None else 0
                done = (day, revision.changed, revision.said, revision.unreadable)
            rows.append((step.commit, step.old, step.new, step.renamed_from, done))
        files[rel] = tuple(rows)
    return (log.head, tuple(sorted(log.shallow)), commits, files)


def _from_plain(data: Plain) -> Log:
    head, shallow, commits, files = data
    log: dict[str, tuple[Step, ...]] = {}
    for rel, rows in files.items():
        steps = []
        for row in rows:
            commit, old, new, renamed_from, done = row
            time, message = commits[commit]
            revision = None
            if done is not None:
                day, changed, said, unreadable = done
                revision = Revision(
                    commit,
                    dt.date.fromordinal(day) if day else None,
                    message,
                    changed,
                    said,
                    renamed_from,
                    unreadable,
                )
            steps.append(Step(commit, time, message, old, new, renamed_from, revision, row))
        log[rel] = tuple(steps)
    return Log(head, log, frozenset(shallow))


def load_memory(folder: Path, content: Path, time_zone: str) -> Log | None:
    """The log a build in `folder` (the cache folder) kept, when it was read by this code
    for this content folder in this time zone; None otherwise (or when it cannot be read)."""
    try:
        raw = (folder / MEMORY_NAME).read_bytes()
    except OSError:
        return None
    with without_collection():
        try:
            key, data = marshal.loads(raw)
            return _from_plain(data) if key == _memory_key(content, time_zone) else None
        except (EOFError, ValueError, TypeError, KeyError):
            return None


def save_memory(folder: Path, content: Path, time_zone: str, log: Log) -> None:
    """Keep `log` in `folder` for the next build (see read_history's `earlier`)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / (MEMORY_NAME + ".tmp")
        with without_collection():
            data = marshal.dumps((_memory_key(content, time_zone), _plain(log)))
        temporary.write_bytes(data)
        temporary.replace(folder / MEMORY_NAME)
    except OSError:
        pass  # a cache that cannot be written is only slower next time
