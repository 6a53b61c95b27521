"""Raw HTML in a body, tag by tag: a start or end tag whose name and attributes are all
allowed stays a tag when it is ended; anything else that starts with `<` is text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from portal.markdown.reading import Link
from portal.markdown.settings import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_VALUES

# Raw HTML as CommonMark defines it (spec 0.29, "Raw HTML"): what may stay a tag.
_ATTRIBUTE = re.compile(
    r"""\s+([A-Za-z_:][A-Za-z0-9_.:-]*)(?:\s*=\s*([^\s"'=<>`]+|'[^']*'|"[^"]*"))?"""
)
_START_TAG = re.compile(
    r"""<([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*"""
    r"""(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*)\s*/?>"""
)
_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
# An HTML comment as a browser reads it (`<!-->` ends at once; `--!>` also ends one).
_COMMENT = re.compile(r"<!--(?!-?>)(?:(?!--!>).)*?-->", re.DOTALL)
# The attribute lists of Python-Markdown's attr_list (`{: .class}`, `{#id}`, `{k=v}`).
_ATTR_ITEM = r"""(?:[#.][^\s}]+|[\w:-]+=(?:"[^"]*"|'[^']*'|[^\s}]+))"""
ATTR_LIST = re.compile(rf"\{{:?[ ]*{_ATTR_ITEM}(?:[ ]+{_ATTR_ITEM})*[ ]*\}}")
_LINK_TAGS = {"a": "href", "img": "src"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Elements whose end tag HTML lets the parser imply: kept without one in HTML blocks (in
# a paragraph, every element must be ended there to stay one).
END_OPTIONAL = frozenset({"p", "li", "dt", "dd", "thead", "tbody", "tfoot", "tr", "td", "th"})


# --- raw HTML ---------------------------------------------------------------------


def _allowed(name: str, attributes: str) -> bool:
    tag = name.lower()
    if tag not in ALLOWED_TAGS:
        return False
    allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_VALUES.get(tag, {}).keys()
    if tag in ("th", "td"):
        allowed = (allowed | {"class"}) - {"align"}  # align: only as cmark-gfm writes it
    return all(m.group(1).lower() in allowed for m in _ATTRIBUTE.finditer(attributes))


def _link_of(name: str, attributes: str) -> str | None:
    wanted = _LINK_TAGS.get(name.lower())
    for match in _ATTRIBUTE.finditer(attributes):
        if wanted is not None and match.group(1).lower() == wanted and match.group(2):
            value = match.group(2)
            if value[0] in "'\"":
                value = value[1:-1]
            return html.unescape(value)
    return None


@dataclass
class Piece:
    """Something in raw HTML that starts with `<`: a tag, a comment, or a lone `<`."""

    start: int  # where it is in its literal
    end: int
    kind: str  # "start", "end", "void" (an element without end: <br>), "comment", "text"
    name: str = ""
    attributes: str = ""
    quoted: bool = False  # written <<so>>: a quotation, never a tag
    kept: bool = False


def tag_pieces(literal: str) -> list[Piece]:
    found: list[Piece] = []
    start = 0
    while (at := literal.find("<", start)) >= 0:
        piece = Piece(at, at + 1, "text")
        if comment := _COMMENT.match(literal, at):
            piece = Piece(at, comment.end(), "comment")
        elif tag := _START_TAG.match(literal, at):
            name = tag.group(1).lower()
            # `<b/>` is `<b>` to HTML (only a void element has no end): not ended by `/`.
            void = name in _VOID
            piece = Piece(at, tag.end(), "void" if void else "start", name, tag.group(2))
        elif end := _END_TAG.match(literal, at):
            piece = Piece(at, end.end(), "end", end.group(1).lower())
        found.append(piece)
        start = piece.end
    return found


def decide_tags(pieces: list[Piece], end_optional: frozenset[str] = frozenset()) -> None:
    """Which tags stay tags: those whose name and attribute names are allowed, not
    written <<so>>, and (but for void elements and those in `end_optional`, whose end
    tag HTML lets go) ended by their end tag among the same `pieces`; comments stay
    (hidden)."""
    waiting: list[Piece] = []  # start tags not yet ended
    for piece in pieces:
        if piece.kind == "comment":
            piece.kept = True
        elif piece.kind == "text" or piece.quoted or not _allowed(piece.name, piece.attributes):
            continue
        elif piece.kind == "void":
            piece.kept = True
        elif piece.kind == "start":
            piece.kept = piece.name in end_optional
            waiting.append(piece)
        else:
            for index in range(len(waiting) - 1, -1, -1):
                if waiting[index].name == piece.name:
                    waiting[index].kept = piece.kept = True
                    del waiting[index:]
                    break


def shown_text(literal: str, pieces: list[Piece]) -> str:
    """`literal` with the pieces not kept shown as typed."""
    out: list[str] = []
    start = 0
    for piece in pieces:
        out.append(literal[start : piece.start])
        text = literal[piece.start : piece.end]
        out.append(text if piece.kept else html.escape(text, quote=False))
        start = piece.end
    out.append(literal[start:])
    return "".join(out)


def raw_links(literal: str, line: int, pieces: list[Piece], links: list[Link]) -> None:
    for piece in pieces:
        if piece.kept and piece.kind in ("start", "void"):
            href = _link_of(piece.name, piece.attributes)
            if href is not None:
                where = line + literal.count("\n", 0, piece.start)
                links.append(Link(where, href, literal[piece.start : piece.end]))


def block_pieces(literal: str) -> list[Piece]:
    """The pieces of an HTML block, each knowing whether it is written <<so>>."""
    pieces = tag_pieces(literal)
    for piece in pieces:
        piece.quoted = literal[piece.start - 1 : piece.start] == "<" or (
            literal[piece.end : piece.end + 1] == ">"
        )
    return pieces
