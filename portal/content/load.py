"""Read content/ from disk: the only stage that reads the editors' files.

It returns text, not meaning: every file as decoded, normalised text with the
path to show in messages. Files that cannot be read as text (not UTF-8, too
large, a link that leaves the content folder) become problems here.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from portal.content.frontmatter import normalise
from portal.model.records import StaticFile
from portal.model.values import Problem

MAX_FILE_BYTES = 4 * 1024 * 1024  # a full treaty text of several hundred kB fits easily
SECTIONS = ("agreements", "partners", "events", "pages")


@dataclass(frozen=True)
class RawFile:
    section: str  # one of SECTIONS, or "site" for site.yaml
    stem: str  # the file name without .md: the slug, once checked
    path: str  # as shown to the editor: content/agreements/x.md
    text: str


@dataclass(frozen=True)
class RawContent:
    site_yaml: RawFile | None
    files: tuple[RawFile, ...]
    static: tuple[StaticFile, ...]
    problems: tuple[Problem, ...]


def _show(path: Path, root: Path, shown_root: str) -> str:
    return str(Path(shown_root) / path.relative_to(root))


LINK_OUTSIDE = "is a link to a file outside the content folder; copy the file in"
LINK_LOOP = "is a link that leads back to itself (a loop of links); replace it with the file"


def _link_problem(path: Path, root: Path) -> str | None:
    """Why the link at `path` cannot be read as content, or None if it may be."""
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except RuntimeError:  # a loop of links (Python < 3.13; later ones raise OSError)
        return LINK_LOOP
    except OSError as exc:
        return LINK_LOOP if exc.errno == errno.ELOOP else LINK_OUTSIDE
    return None if inside else LINK_OUTSIDE


def read_text(path: str | Path, shown: str) -> tuple[str | None, Problem | None]:
    """Decode one file as UTF-8 (a BOM and CRLF are fine); say why when it can't be."""
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            return None, Problem(
                shown,
                0,
                "",
                f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes "
                "(put a long text in content/static/ and link it under `documents`)",
            )
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as exc:
        return None, Problem(shown, 0, "", f"cannot be read: {exc.strerror or exc}")
    try:
        return normalise(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(
            shown,
            line,
            "",
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
        )


def load(content: Path, shown_root: str | None = None) -> RawContent:
    """Read site.yaml, every record file and the list of static files under content."""
    shown_root = shown_root if shown_root is not None else str(content)
    problems: list[Problem] = []
    files: list[RawFile] = []

    def readable(path: str | Path, shown: str, is_link: bool) -> str | None:
        why = _link_problem(Path(path), content) if is_link else None
        if why is not None:
            problems.append(Problem(shown, 0, "", why))
            return None
        text, problem = read_text(path, shown)
        if problem:
            problems.append(problem)
        return text

    site_yaml = None
    site_path = content / "site.yaml"
    if not site_path.is_file():
        problems.append(
            Problem(
                str(Path(shown_root) / "site.yaml"),
                0,
                "",
                "is missing; every site needs a site.yaml with title, description, base_url, "
                "home, agencies and areas",
            )
        )
    else:
        shown = _show(site_path, content, shown_root)
        text = readable(site_path, shown, site_path.is_symlink())
        if text is not None:
            site_yaml = RawFile("site", "site", shown, text)

    for section in SECTIONS:
        folder = content / section
        if not folder.is_dir():
            continue
        shown_folder = _show(folder, content, shown_root)
        # One listing, whose entries know (most of the time without asking the disk again)
        # whether they are folders or links: thousands of records are read on every build.
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            shown = os.path.join(shown_folder, name)
            is_link = entry.is_symlink()
            is_dir = Path(entry.path).is_dir() if is_link else entry.is_dir(follow_symlinks=False)
            if is_dir or not name.endswith(".md"):
                problems.append(
                    Problem(
                        shown,
                        0,
                        "",
                        f"only `.md` files belong in content/{section}/; "
                        "move other files to content/static/",
                    )
                )
                continue
            text = readable(entry.path, shown, is_link)
            if text is not None:
                files.append(RawFile(section, name[: -len(".md")], shown, text))

    static: list[StaticFile] = []
    static_root = content / "static"
    if static_root.is_dir():
        for dirpath, dirnames, filenames in os.walk(static_root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = Path(dirpath) / name
                why = _link_problem(path, content) if path.is_symlink() else None
                if why is not None:
                    problems.append(Problem(_show(path, content, shown_root), 0, "", why))
                    continue
                rel = path.relative_to(static_root).as_posix()
                static.append(StaticFile(rel=rel, source=str(path.resolve())))

    return RawContent(site_yaml, tuple(files), tuple(static), tuple(problems))


def _record_rel(content: Path, path: Path) -> Path | None:
    """`path` relative to `content` when it names a record file, `<section>/<name>.md`
    (absolute or relative to here: the watcher's paths are absolute), whether or not it
    exists; else None."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(content))
    except ValueError:
        return None
    if len(rel.parts) != 2 or rel.parts[0] not in SECTIONS:
        return None
    return rel if rel.name.endswith(".md") and not rel.name.startswith(".") else None


def is_record_path(content: Path, path: Path) -> bool:
    """Whether `path` names a record file of `content`, whether or not it exists."""
    return _record_rel(content, path) is not None


def load_record(content: Path, path: Path, shown_root: str | None = None) -> RawFile | None:
    """One record file, read as `load` reads it; None when `path` is not a plain readable
    `.md` file in a section folder of `content` (then only a whole `load` can tell why)."""
    rel = _record_rel(content, path)
    if rel is None:
        return None
    path = content / rel
    if path.is_symlink() or not path.is_file():
        return None
    shown = _show(path, content, shown_root if shown_root is not None else str(content))
    text, problem = read_text(path, shown)
    if text is None or problem is not None:
        return None
    return RawFile(rel.parts[0], rel.name[: -len(".md")], shown, text)
