"""The raw history: `git log --raw -M` output -> each content file's commits, following a
renamed file back to its earlier names as `git log --follow` does for one file."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from portal.content.yamlsafe import without_unreadable
from portal.model.records import Revision

SECTIONS = ("agreements", "partners", "events")  # the records whose pages show a history
ZERO = "0" * 40
FORMAT = "%x00%H %ct%x00%s"  # NUL, the commit and its committer time, NUL, the subject
HEADER = re.compile(rb"^([0-9a-f]{40}) (-?\d+)$")


class Step(NamedTuple):
    """One commit's change to one file: the versions before and after (blob ids; the one
    before ZERO when the file was added), and its earlier path when it was renamed. (A
    named tuple, not a dataclass: a large register has a hundred thousand of them, made
    on every build from the memory of the last one, and a tuple is made in a third of
    the time.)"""

    commit: str
    time: int  # committer time, seconds since 1970
    message: str
    old: str
    new: str
    renamed_from: str | None = None
    revision: Revision | None = None  # once worked out (kept between builds)
    # The step as the memory between builds keeps it, when it was read from there.
    row: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Log:
    """Every file's steps, newest first, by its path at `head` (relative to content/)."""

    head: str
    files: Mapping[str, tuple[Step, ...]]
    shallow: frozenset[str] = frozenset()  # the commits a shallow clone stops at


def message_line(raw: bytes) -> str:
    """A commit subject as well as it can be read: UTF-8, else Windows-1252."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    # what no reader may be given, and the tabs and line breaks a subject line has no room for
    return without_unreadable(text).replace("\t", "").replace("\n", "").strip()


@dataclass(frozen=True)
class Walk:
    """What parse_log read: each file's steps, newest first, by its path at the newest
    commit; and, for the paths as they were before the oldest commit read, which record
    each became (`alive`: None for one deleted since) or that it was another (`ended`)."""

    files: dict[str, list[Step]]
    alive: dict[str, str | None]
    ended: set[str]


def parse_log(output: bytes, prefix: str) -> Walk:
    """`git log --raw -z --no-abbrev -M --format=FORMAT` -> the steps of every record file
    under `prefix` (the content folder's path in the repository, with a slash), newest
    first, by the file's latest path relative to content/.

    Read newest first: `alive` maps each path as it was at the commit being read to the
    record it became; an addition ends a record's past (an older file of the same name was
    another record), a rename moves it to its earlier name, a deletion of a path not
    followed yet is a record that no longer exists.
    """
    tokens = output.split(b"\0")
    files: dict[str, list[Step]] = {}
    alive: dict[str, str | None] = {}
    ended: set[str] = set()
    commit, when, message = "", 0, ""
    i, count = 0, len(tokens)

    def record_path(path: bytes) -> str | None:
        name = path.decode("utf-8", errors="surrogateescape")
        if not name.startswith(prefix):
            return None
        rel = name[len(prefix) :]
        parts = rel.split("/")
        if len(parts) != 2 or parts[0] not in SECTIONS or not parts[1].endswith(".md"):
            return None
        return rel

    def owner(rel: str, status: str) -> str | None:
        if rel in alive:
            return alive[rel]
        if rel in ended:
            return None
        alive[rel] = None if status == "D" else rel
        return alive[rel]

    while i < count:
        token = tokens[i]
        header = HEADER.match(token)
        if header is not None:
            commit, when = header.group(1).decode("ascii"), int(header.group(2))
            message = message_line(tokens[i + 1]) if i + 1 < count else ""
            i += 2
            continue
        entry = token.lstrip(b"\n")
        if not entry.startswith(b":"):
            i += 1
            continue
        fields = entry[1:].split(b" ")
        old, new, status = fields[2].decode(), fields[3].decode(), fields[4][:1].decode()
        if status in ("R", "C"):
            source, target = record_path(tokens[i + 1]), record_path(tokens[i + 2])
            i += 3
        else:
            source, target = None, record_path(tokens[i + 1])
            i += 2
        if status == "C" or target is None:
            continue
        if status == "R" and source is None:  # moved in from elsewhere: an addition here
            status, old = "A", ZERO
        key = owner(target, status)
        if key is None:
            continue
        if status == "A":
            files.setdefault(key, []).append(Step(commit, when, message, ZERO, new))
            del alive[target]
            ended.add(target)
        elif status == "R":
            assert source is not None
            files.setdefault(key, []).append(Step(commit, when, message, old, new, source))
            del alive[target]
            ended.add(target)
            alive[source] = key
            ended.discard(source)
        elif status in ("M", "T"):
            files.setdefault(key, []).append(Step(commit, when, message, old, new))
    return Walk(files, alive, ended)


@contextlib.contextmanager
def without_collection() -> Iterator[None]:
    """Hundreds of thousands of small objects that live as long as the build are made: the
    garbage collector need not go over them again and again meanwhile (only its timing
    changes; the render stage freezes them out of its way, see portal.render)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
