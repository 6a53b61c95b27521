"""Each record's history, from the git repository that keeps content/.

Two parts:

- `read_history(content, time_zone)`, the edge: two git processes for the whole site,
  whatever its size. One `git log --raw -M` over every commit (renames found by git's
  rename detection), parsed into each file's revisions, following a renamed file back
  to its earlier names as `git log --follow` does for one file; then one
  `git cat-file --batch`, fed the id of every version those revisions name, for their
  texts. A state keyed by the commit it was read at lets a later build read only the
  commits since (`git log OLD..HEAD`) when OLD is an ancestor of HEAD.
- `diff_texts(section, old, new)`, pure: what a revision changed, in words. The front
  matter is read with the project's own strict reader (yamlsafe, fields), one top-level
  key at a time and only for the keys whose lines changed (a revision touches one or two
  of them), and the typed values compared: `status: in-force` and `status: "in-force"`
  are the same. A version that cannot be read is said to be so, never a traceback.

Why the git command line and not dulwich or pygit2: git is on every machine that has the
repository (every CI runner), needs no compiled wheel, and does the two heavy parts
(the tree diffs with rename detection, the inflating of blobs) in C in two processes;
dulwich would do the tree diffs in Python, far slower, and pygit2 would add a binary
dependency for the same two calls.

Bad history is not an error of the content: a date git cannot give as a day becomes
None ("date unknown"), a message that is not UTF-8 is read as Windows-1252, control
characters are dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import marshal
import os
import re
import subprocess
import sys
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from portal.content.fields import read
from portal.content.frontmatter import FENCE, normalise
from portal.content.validate import TABLES
from portal.content.yamlsafe import YamlError, parse_yaml, without_unreadable
from portal.model import (
    Agreement,
    Document,
    Event,
    Page,
    PartialDate,
    Partner,
    Problem,
    RecordHistory,
    Revision,
    Severity,
    Site,
    Source,
    Term,
    Vocabulary,
    history_key,
)

SECTIONS = ("agreements", "partners", "events")  # the records whose pages show a history
ZERO = "0" * 40
FORMAT = "%x00%H %ct%x00%s"  # NUL, the commit and its committer time, NUL, the subject
HEADER = re.compile(rb"^([0-9a-f]{40}) (-?\d+)$")
KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:")
LONG = 80  # a value longer than this is "revised", not quoted old → new
SHALLOW_WARNING = (
    "this is a shallow clone of the repository: the history shown on each record is "
    "incomplete; run `git fetch --unshallow` to fetch all of it"
)
LABELS = {
    "title": "Title",
    "name": "Name",
    "status": "Status",
    "kind": "Kind",
    "type": "Type",
    "signed": "Signed",
    "effective": "In force from",
    "expires": "Expires",
    "terminated": "Terminated",
    "date": "Date",
    "term": "Term",
    "partners": "Partners",
    "agencies": "Philippine side",
    "areas": "Areas",
    "summary": "Summary",
    "sources": "Sources",
    "documents": "Documents",
    "place": "Place",
    "related": "Related agreements",
    "superseded_by": "Superseded by",
    "country": "Country",
    "parent": "Part of",
    "website": "Website",
    "aliases": "Also known as",
    "agreements": "Agreements",
    "updated": "Record updated",
    "draft": "Draft",
    "date_unknown": "Dates unknown",
}


@dataclass(frozen=True)
class FieldChange:
    """What one revision changed in one field, in words: `Status: signed → in force`."""

    field: str  # the front matter key: status
    label: str  # how the site names it: Status
    old: str | None = None  # the old value in words; None when the field was not given
    new: str | None = None
    detail: str = ""  # for a list: "added Japan; removed Estonia"
    unreadable: bool = False  # a version of the field could not be read

    @property
    def words(self) -> str:
        if self.unreadable:
            return f"{self.label} changed"
        if self.detail:
            return f"{self.label}: {self.detail}"
        if self.old is None and self.new is None:
            return f"{self.label} revised"
        if self.old is None:
            return f"{self.label}: {self.new} (added)"
        if self.new is None:
            return f"{self.label}: {self.old} (removed)"
        return f"{self.label}: {self.old} → {self.new}"


# --- the raw history: git log -> each file's commits -------------------------------------


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


# --- what changed: two versions of a file -> changes in words -----------------------------


@dataclass(frozen=True)
class Version:
    """A file's text split for comparison: its front matter by top-level key, its body;
    `readable` False when it has no front matter between `---` lines."""

    blocks: Mapping[str, str]
    body: str
    readable: bool = True


def version(text: str | None) -> Version:
    if text is None:
        return Version({}, "", readable=False)
    lines = normalise(text).split("\n")
    if not lines or not FENCE.match(lines[0]):
        return Version({}, "", readable=False)
    closing = next((i for i in range(1, len(lines)) if FENCE.match(lines[i])), None)
    if closing is None:
        return Version({}, "", readable=False)
    blocks: dict[str, list[str]] = {}
    key = ""
    for line in lines[1:closing]:
        match = KEY.match(line)
        if match is not None:
            key = match.group(1)
            blocks[key] = [line]
        elif key:
            blocks[key].append(line)
    body = "\n".join(lines[closing + 1 :])
    return Version({k: "\n".join(v).rstrip() for k, v in blocks.items()}, body)


_UNREADABLE = object()


@functools.lru_cache(maxsize=1 << 16)
def typed(section: str, key: str, block: str | None) -> Any:
    """The value of one top-level key as the strict reader gives it; None when absent,
    `_UNREADABLE` when it cannot be read (or the field is not one the record may have)."""
    if block is None:
        return None
    table = TABLES[section]
    if key not in table:
        return _UNREADABLE
    try:
        meta = parse_yaml(block)
    except YamlError:
        return _UNREADABLE
    problems: list[Problem] = []
    values = read(meta, {key: replace(table[key], required=False)}, "", problems)
    if problems or key not in values:
        return None if not problems and meta.get(key) is None else _UNREADABLE
    return values[key]


def words(value: Any) -> str:
    """A field's value as a reader reads it."""
    if isinstance(value, Vocabulary):
        return value.label.lower()
    if isinstance(value, PartialDate):
        return value.display()
    if isinstance(value, Term):
        return value.display()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(words(item) for item in value) or "none"
    if isinstance(value, Source | Document):
        return f"“{value.title}”"
    return str(value)


def field_change(key: str, old: Any, new: Any) -> FieldChange:
    """One changed field in words; a long value (a summary) is only said to be revised."""
    label = LABELS.get(key, key.replace("_", " ").capitalize())
    if old is _UNREADABLE or new is _UNREADABLE:
        return FieldChange(key, label, unreadable=True)
    if isinstance(old, tuple) and isinstance(new, tuple) and old and new:
        added = [words(item) for item in new if item not in old]
        removed = [words(item) for item in old if item not in new]
        said = (["added " + ", ".join(added)] if added else []) + (
            ["removed " + ", ".join(removed)] if removed else []
        )
        return FieldChange(key, label, detail="; ".join(said))  # none: reordered, "revised"
    shown_old = None if old is None else words(old)
    shown_new = None if new is None else words(new)
    if len(shown_old or "") > LONG or len(shown_new or "") > LONG:
        return FieldChange(key, label)
    return FieldChange(key, label, shown_old, shown_new)


def diff_versions(section: str, old: Version, new: Version) -> tuple[tuple[FieldChange, ...], bool]:
    """The fields a revision changed, in the table's order, and whether the text did."""
    changes = []
    order = list(TABLES[section]) + sorted(set(old.blocks) | set(new.blocks))
    seen: set[str] = set()
    for key in order:
        if key in seen:
            continue
        seen.add(key)
        before, after = old.blocks.get(key), new.blocks.get(key)
        if before == after:
            continue
        a, b = typed(section, key, before), typed(section, key, after)
        if a is not _UNREADABLE and b is not _UNREADABLE and a == b:
            continue
        changes.append(field_change(key, a, b))
    return tuple(changes), old.body != new.body


def diff_texts(
    section: str, old: str | Version | None, new: str | Version | None
) -> tuple[tuple[FieldChange, ...], bool, bool]:
    """What changed between two texts (or split versions) of a record file: the changed
    fields in words, whether the text changed, and whether a version could not be read."""
    before = old if isinstance(old, Version) else version(old)
    after = new if isinstance(new, Version) else version(new)
    if not before.readable or not after.readable:
        return (), before.body != after.body, True
    changes, text = diff_versions(section, before, after)
    return changes, text, False


# --- the edge: git -> every record's history ----------------------------------------------


class GitUnavailable(Exception):
    pass


def _git(args: list[str], cwd: Path, data: bytes | None = None) -> bytes:
    env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            input=data,
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError as exc:
        raise GitUnavailable(str(exc)) from exc
    if done.returncode != 0:
        raise GitUnavailable(done.stderr.decode("utf-8", errors="replace").strip())
    return done.stdout


def cat_blobs(top: Path, ids: Iterable[str]) -> dict[str, str | None]:
    """The text of every blob, from one `git cat-file --batch`; None for one that is not
    UTF-8 or is missing (a shallow clone)."""
    wanted = sorted(set(ids) - {ZERO})
    if not wanted:
        return {}
    output = _git(["cat-file", "--batch"], top, ("\n".join(wanted) + "\n").encode())
    texts: dict[str, str | None] = {}
    at = 0
    for blob in wanted:
        end = output.find(b"\n", at)
        if end < 0:  # cut short: what is left is missing
            break
        header = output[at:end].split(b" ")
        at = end + 1
        if len(header) < 3 or header[1] != b"blob":
            texts[blob] = None
            continue
        size = int(header[2])
        data = output[at : at + size]
        at += size + 1
        try:
            texts[blob] = data.decode("utf-8")
        except UnicodeDecodeError:
            texts[blob] = None
    return texts


def day_of(time: int, zone: zoneinfo.ZoneInfo) -> dt.date | None:
    try:
        return dt.datetime.fromtimestamp(time, tz=zone).date()
    except (OverflowError, OSError, ValueError):
        return None


def revision_of(
    section: str, step: Step, texts: Mapping[str, Version], zone: zoneinfo.ZoneInfo
) -> Revision:
    """One step as a revision: its day in `zone` and what it changed, in words."""
    day = day_of(step.time, zone)
    if step.old == ZERO:
        return Revision(step.commit, day, step.message)
    missing = Version({}, "", readable=False)
    changes, text, unreadable = diff_texts(
        section, texts.get(step.old, missing), texts.get(step.new, missing)
    )
    changed = tuple(c.field for c in changes) + (("body",) if text else ())
    said = tuple(c.words for c in changes) + (("Text revised",) if text else ())
    return Revision(step.commit, day, step.message, changed, said, step.renamed_from, unreadable)


def record_history(steps: Iterable[Step], shallow: frozenset[str]) -> RecordHistory:
    """One record's history from its steps (newest first, each with its revision)."""
    found: list[Revision] = []
    for step in steps:
        assert step.revision is not None
        if step.old == ZERO:
            if step.commit in shallow:  # a shallow clone's oldest commit: not the first
                return RecordHistory(tuple(found), complete=False)
            found.append(step.revision)
            return RecordHistory(tuple(found))
        found.append(step.revision)
    return RecordHistory(tuple(found), complete=not shallow)


def work_out(log: Log, top: Path, zone: zoneinfo.ZoneInfo) -> Log:
    """The log with every step's revision worked out: the texts of the steps not yet
    worked out from one `git cat-file --batch`, each version split once."""
    todo = [s for steps in log.files.values() for s in steps if s.revision is None]
    if not todo:
        return log
    texts = cat_blobs(top, [b for s in todo for b in (s.old, s.new)])
    versions = {blob: version(text) for blob, text in texts.items()}
    files = {
        rel: tuple(
            s
            if s.revision is not None
            else s._replace(revision=revision_of(rel.split("/")[0], s, versions, zone))
            for s in steps
        )
        for rel, steps in log.files.items()
    }
    return replace(log, files=files)


@dataclass(frozen=True)
class History:
    """What read_history found: each record's history by its path under content/, the
    commit it was read at, and warnings (a shallow clone)."""

    records: Mapping[str, RecordHistory]
    head: str = ""
    warnings: tuple[Problem, ...] = ()
    log: Log | None = field(default=None, repr=False)  # for the next read (see read_history)


@contextlib.contextmanager
def _without_collection() -> Iterator[None]:
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


def read_history(
    content: Path,
    time_zone: str,
    shown: str | None = None,
    earlier: Log | None = None,
    uncommitted: bool = False,
) -> History | None:
    """Every record's history from the git repository that holds `content`; None when
    `content` is not in one (or git is not installed). With `earlier` (a History's `log`
    from a read of an ancestor of HEAD), only the commits since are read. With
    `uncommitted`, records whose file differs from the last commit are marked so."""
    try:
        found = _git(
            ["rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository"],
            content,
        )
        top_line, prefix, shallow_said = found.decode("utf-8", "surrogateescape").split("\n")[:3]
        head = _git(["rev-parse", "--verify", "-q", "HEAD"], content).decode().strip()
    except GitUnavailable:
        return None
    top = Path(top_line)
    shallow: frozenset[str] = frozenset()
    if shallow_said == "true":
        listed = _git(["rev-parse", "--git-path", "shallow"], top).decode().strip()
        path = Path(listed) if Path(listed).is_absolute() else top / listed
        if path.is_file():
            shallow = frozenset(path.read_text(encoding="ascii").split())
    where = shown if shown is not None else str(content)
    try:
        with _without_collection():
            log = read_log(top, prefix, head, shallow, earlier)
            log = work_out(log, top, zoneinfo.ZoneInfo(time_zone))
            records = {rel: record_history(steps, shallow) for rel, steps in log.files.items()}
    except GitUnavailable as exc:  # a broken repository is not a problem of the content
        said = f"the history could not be read from git, so no page shows it: {exc}"
        return History({}, head, (Problem(where, 0, "", said, Severity.WARNING),))
    if uncommitted:
        for rel in changed_files(top, prefix):
            records[rel] = replace(records.get(rel, RecordHistory()), uncommitted=True)
    is_shallow = shallow_said == "true"
    warnings = (Problem(where, 0, "", SHALLOW_WARNING, Severity.WARNING),) if is_shallow else ()
    return History(records, head, warnings, log)


def read_log(
    top: Path, prefix: str, head: str, shallow: frozenset[str], earlier: Log | None
) -> Log:
    """The steps of every record file, from one `git log` (of the commits since
    `earlier.head` only, when that is an ancestor of `head`)."""
    # No pathspec (`-- content/`): with one, git works out for each commit whether it
    # touched the path before diffing it, which doubles the time when most commits do
    # (benchmarks/history.py); the paths outside content/ are skipped here instead.
    command = ["log", "--raw", "-z", "--no-abbrev", "-M", "--no-color", f"--format={FORMAT}"]
    if earlier is not None and earlier.head == head:
        return earlier
    since = None
    if earlier is not None and earlier.head and head:
        try:
            _git(["merge-base", "--is-ancestor", earlier.head, head], top)
            since = earlier
        except GitUnavailable:
            since = None
    if not head:
        return Log(head, {}, shallow)
    output = _git([*command, f"{since.head}..{head}" if since else head], top)
    walk = parse_log(output, prefix)
    if since is None:
        return Log(head, {k: tuple(v) for k, v in walk.files.items()}, shallow)
    # The new steps of each record, then the older ones of the file it was at since.head.
    merged = {k: tuple(v) for k, v in walk.files.items()}
    for rel, older in since.files.items():
        key = walk.alive.get(rel, None if rel in walk.ended else rel)
        if key is not None:
            merged[key] = (*merged.get(key, ()), *older)
    return Log(head, merged, shallow)


def changed_files(top: Path, prefix: str) -> list[str]:
    """Record files that differ from the last commit (edited, new, not yet committed)."""
    try:
        output = _git(
            ["status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all", "--", "."],
            top / prefix if prefix else top,
        )
    except GitUnavailable:
        return []
    found = []
    for entry in output.split(b"\0"):
        if len(entry) < 4:
            continue
        name = entry[3:].decode("utf-8", "surrogateescape")
        if name.startswith(prefix):
            rel = name[len(prefix) :]
            parts = rel.split("/")
            if len(parts) == 2 and parts[0] in SECTIONS and parts[1].endswith(".md"):
                found.append(rel)
    return found


# --- the memory between builds, and the wiring into a build --------------------------------

MEMORY_NAME = "history.marshal"
SHOWN = 5  # the latest revisions a page shows; older ones are folded


@dataclass(frozen=True)
class HistoryView:
    """What a record's History section shows: the latest revisions, the older ones
    (folded), the first published version, and the notes."""

    recent: tuple[Revision, ...]
    older: tuple[Revision, ...]
    first: Revision | None
    complete: bool
    uncommitted: bool


def history_view(history: RecordHistory | None, shown: int = SHOWN) -> HistoryView | None:
    if history is None:
        return None
    later = history.later
    return HistoryView(
        later[:shown], later[shown:], history.first, history.complete, history.uncommitted
    )


# What the memory's revisions depend on besides the commits: this code and what it reads
# the front matter with. A change to any of them, another Python (marshal's format), another
# content folder or time zone, and the memory is not used.
PACKAGE = Path(__file__).resolve().parents[1]  # portal/
_MADE_BY = (
    "history/revisions.py",
    "model.py",
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
    with _without_collection():
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
        with _without_collection():
            data = marshal.dumps((_memory_key(content, time_zone), _plain(log)))
        temporary.write_bytes(data)
        temporary.replace(folder / MEMORY_NAME)
    except OSError:
        pass  # a cache that cannot be written is only slower next time


def add_history(
    site: Site, content: Path, shown: str | None, folder: Path | None
) -> tuple[Site, tuple[Problem, ...]]:
    """The site with each record's history, and the warnings of reading it (a shallow
    clone); the site as it was when `content` is not in a git repository. With `folder`
    (the cache folder), what this build read is kept there for the next."""
    zone = site.config.time_zone
    earlier = load_memory(folder, content, zone) if folder is not None else None
    found = read_history(content, zone, shown, earlier, uncommitted=site.preview)
    if found is None:
        return site, ()
    if folder is not None and found.log is not None and found.log is not earlier:
        save_memory(folder, content, zone, found.log)
    return dataclasses.replace(site, history=found.records), found.warnings


def mark_uncommitted(site: Site, records: Iterable[Agreement | Partner | Event | Page]) -> Site:
    """The site with `records` (just saved, in the preview) marked as not yet committed,
    when the site has a history at all."""
    if not site.history:
        return site
    history = dict(site.history)
    for record in records:
        key = history_key(record)
        history[key] = replace(history.get(key, RecordHistory()), uncommitted=True)
    return dataclasses.replace(site, history=history)
