"""What a revision changed, in words: two versions of a file -> `FieldChange`s. Pure.

The front matter is read with the project's own strict reader (yamlsafe, fields), one
top-level key at a time and only for the keys whose lines changed (a revision touches one
or two of them), and the typed values compared: `status: in-force` and
`status: "in-force"` are the same. A version that cannot be read is said to be so, never
a traceback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from portal.content.fields import read
from portal.content.frontmatter import FENCE, normalise
from portal.content.validate import TABLES
from portal.content.yamlsafe import YamlError, parse_yaml
from portal.model.records import Document, Source
from portal.model.values import PartialDate, Problem, Term, Vocabulary

KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:")
LONG = 80  # a value longer than this is "revised", not quoted old → new


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
