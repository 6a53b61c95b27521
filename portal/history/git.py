"""Each record's history, from the git repository that keeps content/: the edge.

`read_history(content, time_zone)` runs two git processes for the whole site, whatever
its size. One `git log --raw -M` over every commit (renames found by git's rename
detection), parsed into each file's revisions (portal.history.log); then one
`git cat-file --batch`, fed the id of every version those revisions name, for their
texts, which portal.history.changes compares. A state keyed by the commit it was read at
lets a later build read only the commits since (`git log OLD..HEAD`) when OLD is an
ancestor of HEAD.

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

import datetime as dt
import functools
import os
import subprocess
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from portal.history.changes import Version, diff_texts, version
from portal.history.log import FORMAT, SECTIONS, ZERO, Log, Step, parse_log, without_collection
from portal.model.records import RecordHistory, Revision
from portal.model.values import Problem, Severity
from portal.runtime.cores import PARALLEL_MIN_FILES, map_on_cores

SHALLOW_WARNING = (
    "this is a shallow clone of the repository: the history shown on each record is "
    "incomplete; run `git fetch --unshallow` to fetch all of it"
)


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
    worked out from one `git cat-file --batch`, then each file's steps on every core
    (portal.runtime.cores), each version split once."""
    todo = [s for steps in log.files.values() for s in steps if s.revision is None]
    if not todo:
        return log
    texts = cat_blobs(top, [b for s in todo for b in (s.old, s.new)])
    jobs = [
        (rel, steps) for rel, steps in log.files.items() if any(s.revision is None for s in steps)
    ]
    worked = map_on_cores(functools.partial(_work_out_file, texts, zone), jobs, PARALLEL_MIN_FILES)
    files = dict(log.files)
    files.update(zip((rel for rel, _ in jobs), worked, strict=True))
    return replace(log, files=files)


def _work_out_file(
    texts: Mapping[str, str | None], zone: zoneinfo.ZoneInfo, job: tuple[str, tuple[Step, ...]]
) -> tuple[Step, ...]:
    """One file's steps with their revisions worked out, from the `texts` of their blobs."""
    rel, steps = job
    section = rel.split("/")[0]
    versions = {
        blob: version(texts[blob])
        for step in steps
        if step.revision is None
        for blob in (step.old, step.new)
        if blob in texts
    }
    return tuple(
        s
        if s.revision is not None
        else s._replace(revision=revision_of(section, s, versions, zone))
        for s in steps
    )


@dataclass(frozen=True)
class History:
    """What read_history found: each record's history by its path under content/, the
    commit it was read at, and warnings (a shallow clone)."""

    records: Mapping[str, RecordHistory]
    head: str = ""
    warnings: tuple[Problem, ...] = ()
    log: Log | None = field(default=None, repr=False)  # for the next read (see read_history)


def commit_of(content: Path) -> str:
    """The commit the repository that holds `content` is at, and whether it is a shallow
    clone ("" when `content` is in no repository): what the history of a build is read
    from."""
    try:
        said = _git(["rev-parse", "--is-shallow-repository", "--verify", "-q", "HEAD"], content)
    except GitUnavailable:
        return ""
    return " ".join(said.decode("ascii", "replace").split())


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
        with without_collection():
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
