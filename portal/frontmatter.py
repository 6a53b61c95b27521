"""Split a content file into YAML front matter and a Markdown body: pure, str in.

We split the fences ourselves rather than with python-frontmatter: it accepts a
first `---` that is not on the first line, and its YAML keeps the last of two
equal keys. Here the fence must open the file, and the YAML is read strictly
(see yamlsafe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.yamlsafe import UNREADABLE, Mapping, YamlError, parse_yaml

FENCE = re.compile(r"^---[ \t]*$")


@dataclass(frozen=True)
class Document:
    """A content file: its front matter (keys with lines), its body, the body's first line."""

    meta: Mapping
    body: str
    body_line: int


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field


def normalise(text: str) -> str:
    """Drop a UTF-8 byte order mark and turn CRLF/CR line ends into LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def find_control_character(text: str) -> tuple[int, str] | None:
    """The line of the first character typed into `text` that no page, feed or calendar
    can carry (a control character, often pasted from a PDF, or a noncharacter), and what
    to say of it; None when there is none. Tab and line feed are fine."""
    match = UNREADABLE.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    code = ord(match.group())
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return line, (
            f"contains the invisible control character U+{code:04X}; delete it (it often comes "
            "from copying out of a PDF or a word processor)"
        )
    return line, f"contains U+{code:04X}, which Unicode reserves as a noncharacter; delete it"


def split(text: str) -> Document:
    """Parse a normalised content file. Raise FrontMatterError naming the line."""
    if not text.strip():
        raise FrontMatterError(
            "the file is empty; it must start with front matter between `---` lines", 1
        )
    lines = text.split("\n")
    if not FENCE.match(lines[0]):
        raise FrontMatterError(
            "the file must start with a `---` line that opens the front matter", 1
        )
    closing = next((i for i in range(1, len(lines)) if FENCE.match(lines[i])), None)
    if closing is None:
        raise FrontMatterError(
            "the front matter opened on line 1 is never closed; add a `---` line after it", 1
        )
    for number, line in enumerate(lines[1:closing], start=2):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise FrontMatterError("a tab character; indent with spaces, not tabs", number)
    yaml_text = "\n".join(lines[1:closing])
    try:
        meta = parse_yaml(yaml_text, first_line=2)
    except YamlError as exc:
        raise FrontMatterError(exc.message, exc.line, exc.field) from None
    if meta is None:
        raise FrontMatterError("the front matter is empty; it must list the record's fields", 1)
    if not isinstance(meta, Mapping):
        raise FrontMatterError(
            f"the front matter must be a set of `key: value` lines, not a {type(meta).__name__}",
            2,
        )
    body = "\n".join(lines[closing + 1 :])
    return Document(meta=meta, body=body, body_line=closing + 2)
