"""Split a content file into YAML front matter and a Markdown body: pure, str in.

The split is python-frontmatter's, through its handler API (`detect`, `split`, `load`),
with our strict YAML reader (see yamlsafe) plugged in as the handler's loader. Its
`loads` is not used: it strips the text and the body (so the lines of the body would no
longer be known), and it skips front matter that is not a mapping, or that has no
closing fence, without a word. So the handler gets a file whose first line is a `---`
fence (exactly three dashes, as GitHub shows front matter) and which has a closing
one, and every line number stays that of the file: the front matter as split starts
with the line break that ends the opening fence, so its first key is on line 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from portal.content.yamlsafe import Mapping, YamlError, find_unreadable, parse_yaml

FENCE = re.compile(r"^---[ \t]*$")


class StrictYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, with our fence and our strict YAML reader."""

    FM_BOUNDARY = re.compile(FENCE.pattern, re.MULTILINE)

    def load(self, fm: str, **kwargs: object) -> Any:
        """The front matter as split (from the end of the opening fence's line), read
        strictly, lines counted from the file's first line."""
        return parse_yaml(fm)


HANDLER = StrictYAMLHandler()


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
    index = find_unreadable(text)
    if index is None:
        return None
    line = text.count("\n", 0, index) + 1
    code = ord(text[index])
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
    front_matter, rest = HANDLER.split(text)
    try:
        meta = HANDLER.load(front_matter)
    except YamlError as exc:
        raise FrontMatterError(exc.message, exc.line, exc.field) from None
    if meta is None:
        raise FrontMatterError("the front matter is empty; it must list the record's fields", 1)
    if not isinstance(meta, Mapping):
        raise FrontMatterError(
            f"the front matter must be a set of `key: value` lines, not a {type(meta).__name__}",
            2,
        )
    # `rest` starts with the line break that ends the closing fence's line.
    return Document(meta=meta, body=rest.removeprefix("\n"), body_line=closing + 2)
