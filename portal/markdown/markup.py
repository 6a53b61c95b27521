"""Markdown -> safe HTML, as GitHub renders it, with the site's few additions. Pure.

Bodies are GitHub-flavoured Markdown, parsed by GitHub's own parser (cmark-gfm, see
`portal.markdown.gfm`) with its extensions (tables, strikethrough, autolinks, task lists), so that
what an editor reviews on GitHub is what the public reads. On the parsed tree, before the
HTML is written:

- **Text that looks like a tag is text.** Raw HTML is kept only tag by tag: a start or
  end tag whose name and attribute names are all in the allow-list below stays a tag,
  when it is not written <<so>> and its element is ended (within the paragraph, or
  among the HTML blocks); an HTML comment stays hidden, as on GitHub. Anything else
  that starts with `<` is shown as the characters typed. Treaty texts quote with angle
  brackets (`les mots <<trois cents francs>> sont remplaces`, `<<a Mannheim>>`, `les
  lettres <<a>> et <<b>>`): those words are never lost, where GitHub's tag filter and a
  sanitiser would drop them.
- Headings start at `<h2>` (the page has the `<h1>`): the levels of a body are shifted
  so that its highest heading is an `<h2>`.
- Heading ids follow GitHub's rules (lowercase; punctuation dropped; spaces to `-`; `-1`,
  `-2` ... for repeats) with `ID_PREFIX`, so that they never collide with the ids of the
  page around the body; `#fragment` links inside the body follow them.

Then nh3 (ammonia) sanitises the HTML once, against the same allow-list: no script,
style, frame, form or event-handler attribute survives, and a URL keeps only the `http`,
`https` and `mailto` schemes, or none (a link inside the site, which the caller's
`url_relative` may rewrite: see `portal.content.links`). Table alignment becomes classes (the
stylesheet aligns them; obsolete `align` attributes fail validation, `style` is refused);
task list items keep their checkbox, disabled, named "done" or "not done". Template
syntax (`{{ ... }}`) is plain text: bodies are data handed to the templates, never
compiled as templates.

`read` gives what the check needs from the same tree: the links the renderer made (never
those in code, or text that only looks like a link), with their lines, and the syntax
that only the former renderer (Python-Markdown) knew, now shown as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3

from portal.markdown import gfm
from portal.markdown.headings import plain_text, slug
from portal.markdown.rawhtml import (
    ATTR_LIST,
    END_OPTIONAL,
    Piece,
    block_pieces,
    decide_tags,
    raw_links,
    shown_text,
    tag_pieces,
)
from portal.markdown.reading import Legacy, Link, Reading
from portal.markdown.settings import (
    ALIGNMENTS,
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    ALLOWED_VALUES,
    FORCED_ATTRIBUTES,
    ID_PREFIX,
    LINK_REL,
    TASK_LABELS,
    URL_SCHEMES,
)


@dataclass
class _Walk:
    source_lines: list[str]
    links: list[Link] = field(default_factory=list)
    legacy: list[Legacy] = field(default_factory=list)
    escaped: set[int] = field(default_factory=set)  # inline HTML shown as text (addresses)
    shifts: dict[int, int] = field(default_factory=dict)  # by paragraph address

    def line_of(self, node: gfm.Node, line: int) -> int:
        """The true line of an inline `node` that cmark says is on `line`.

        cmark-gfm numbers the lines of a paragraph's inlines from the paragraph's first
        line, also when that line was a link reference definition (`[ref]: /url`),
        which is not part of the paragraph's text: its inlines are then shown earlier
        than they are, by the lines the definitions took."""
        paragraph: gfm.Node | None = node
        while paragraph is not None and paragraph.type != gfm.PARAGRAPH:
            paragraph = paragraph.parent()
        if paragraph is None:
            return line
        start = paragraph.line
        if not 0 < start <= len(self.source_lines) or "]:" not in self.source_lines[start - 1]:
            return line
        key = paragraph.address
        if key not in self.shifts:
            breaks = 0
            for child in paragraph.descendants():
                if child.type in (gfm.SOFTBREAK, gfm.LINEBREAK):
                    breaks += 1
                elif child.type == gfm.HTML_INLINE:
                    breaks += child.literal.count("\n")
            self.shifts[key] = max(0, paragraph.end_line - start - breaks)
        return line + self.shifts[key]


# --- the walk -----------------------------------------------------------------------


def _link(node: gfm.Node, walk: _Walk) -> Link:
    # cmark dates a link that spans lines by its end; its first child knows the start.
    first = next(node.children(), None)
    line = walk.line_of(node, (first.line if first is not None else 0) or node.line)
    escaped = walk.escaped
    href = node.url
    target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
    bang = "!" if node.type == gfm.IMAGE else ""
    text = " ".join(plain_text(node, escaped).split())
    return Link(line, href, f"{bang}[{text}]({target})")


def _legacy(block: gfm.Node, walk: _Walk) -> None:
    """Python-Markdown attribute lists in the runs of text directly inside `block`."""
    run: list[gfm.Node] = []
    for child in [*block.children(), None]:
        if child is not None and child.type == gfm.TEXT:
            run.append(child)
            continue
        if run:
            text = "".join(n.literal for n in run)
            for match in ATTR_LIST.finditer(text):
                walk.legacy.append(Legacy(walk.line_of(run[0], run[0].line), match.group(0)))
            run = []


def _block_of(node: gfm.Node) -> gfm.Node:
    """The paragraph, heading or table cell an inline node is in."""
    block = node
    while block.is_inline and (parent := block.parent()) is not None:
        block = parent
    return block


def _filter_inline(group: list[tuple[int, gfm.Node]], walk: _Walk) -> list[tuple[int, Link]]:
    """The raw HTML of one paragraph (heading, table cell), one tag per node: a tag stays
    a tag when `decide_tags` says so (an `<a>` ended in the same paragraph, ...), else it is
    shown as typed. Returns the links of the tags kept, by their node's place."""
    pieces: list[Piece] = []
    for _order, node in group:
        literal = node.literal
        before, after = node.previous(), node.next()
        piece = (tag_pieces(literal) or [Piece(0, len(literal), "text")])[0]
        piece.end = len(literal)  # the whole node is the one piece
        piece.quoted = (
            before is not None and before.type == gfm.TEXT and before.literal.endswith("<")
        ) or (after is not None and after.type == gfm.TEXT and after.literal.startswith(">"))
        pieces.append(piece)
    decide_tags(pieces)
    links: list[tuple[int, Link]] = []
    for (order, node), piece in zip(group, pieces, strict=True):
        literal = node.literal
        if not piece.kept:
            node.set_literal(html.escape(literal, quote=False))
            walk.escaped.add(node.address)
            continue
        raw: list[Link] = []
        raw_links(literal, walk.line_of(node, node.line), [piece], raw)
        links.extend((order, link) for link in raw)
    return links


_INLINES = frozenset({gfm.HTML_INLINE, gfm.LINK, gfm.IMAGE})
_RAW_INLINE = frozenset({gfm.HTML_INLINE})


def _walk(document: gfm.Document, source: str, reading: bool) -> _Walk:
    """Read the tree and edit it for the page: raw HTML filtered, headings shifted and
    given ids. When `reading`, also returns the links and the Python-Markdown leftovers.

    The source only tells where to look (walking a node costs a few calls into C): a
    paragraph with no `<` and no `[` has no raw HTML nor links but bare addresses
    (external); a text with no attribute list has none in its paragraphs."""
    walk = _Walk(source.split("\n"))
    legacy = reading and ATTR_LIST.search(source) is not None
    # Reading needs no heading ids: headings only for Python-Markdown's leftovers.
    blocks = frozenset({gfm.HTML_BLOCK})
    if legacy:
        blocks |= {gfm.PARAGRAPH, gfm.HEADING}
    elif not reading:
        blocks |= {gfm.HEADING}
    split = enumerate(walk.source_lines, start=1)
    if reading:
        lines = frozenset(n for n, line in split if "<" in line or "[" in line)
    else:
        lines = frozenset(n for n, line in split if "<" in line)
    nodes = document.select(blocks, _INLINES if reading else _RAW_INLINE, lines)
    found: list[tuple[int, Link]] = []  # by the node's place, for document order
    inline_html: dict[int, list[tuple[int, gfm.Node]]] = {}  # by the block they are in
    html_blocks: list[tuple[int, gfm.Node, str, list[Piece]]] = []
    for order, node in enumerate(nodes):
        if node.type == gfm.HTML_BLOCK:
            literal = node.literal
            html_blocks.append((order, node, literal, block_pieces(literal)))
        elif node.type == gfm.HTML_INLINE:
            inline_html.setdefault(_block_of(node).address, []).append((order, node))
    # An element may start in one HTML block and end in another (<table>, Markdown, </table>).
    decide_tags([piece for *_rest, pieces in html_blocks for piece in pieces], END_OPTIONAL)
    for order, node, literal, pieces in html_blocks:
        raw: list[Link] = []
        raw_links(literal, node.line, pieces, raw)
        found.extend((order, link) for link in raw)
        if any(not piece.kept for piece in pieces):
            node.set_literal(shown_text(literal, pieces))
    for group in inline_html.values():
        for order, link in _filter_inline(group, walk):
            found.append((order, link))
    headings: list[gfm.Node] = []
    for order, node in enumerate(nodes):
        kind = node.type
        if kind in (gfm.LINK, gfm.IMAGE):
            found.append((order, _link(node, walk)))
        elif kind == gfm.HEADING:
            headings.append(node)
            if legacy:
                _legacy(node, walk)
        elif kind == gfm.PARAGRAPH:
            _legacy(node, walk)
    walk.links = [link for _order, link in sorted(found, key=lambda pair: pair[0])]
    if headings and not reading:
        shift = 2 - min(h.level for h in headings)
        seen: dict[str, int] = {}
        for heading in headings:
            level = min(6, max(2, heading.level + shift))
            anchor = html.escape(ID_PREFIX + slug(plain_text(heading, walk.escaped), seen))
            document.wrap(heading, f'<h{level} id="{anchor}">', f"</h{level}>")
    return walk


# --- the two entry points ---------------------------------------------------------


def prefix_fragment(url: str) -> str:
    """`#background` -> `#sec-background`, like the id it points to; other URLs as given."""
    if url.startswith("#") and len(url) > 1 and not url.startswith("#" + ID_PREFIX):
        return "#" + ID_PREFIX + url[1:]
    return url


def sanitise(body: str, url_relative: Callable[[str], str | None] = prefix_fragment) -> str:
    """Keep only the allow-list; `url_relative` may rewrite (or drop, with None) URLs
    without a scheme. Idempotent: sanitising its own output again changes nothing."""
    clean = nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_VALUES,
        set_tag_attribute_values=FORCED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        url_relative=url_relative,
        link_rel=LINK_REL,
        id_prefix=ID_PREFIX,
        strip_comments=True,
    )
    if "<input" in clean:
        # A task list item's checkbox, as cmark-gfm writes it and nh3 serialises it, gets a
        # name (axe: "form elements must have labels"); a screen reader says its state.
        clean = clean.replace(
            '<input type="checkbox" checked="" disabled="">',
            f'<input type="checkbox" checked="" disabled="" aria-label="{TASK_LABELS["checked"]}">',
        ).replace(
            '<input type="checkbox" disabled="">',
            f'<input type="checkbox" disabled="" aria-label="{TASK_LABELS["unchecked"]}">',
        )
    if 'align="' in clean:
        # Sanitised, a cell's start tag is written exactly so (text and attribute values
        # have their `<` or quotes escaped), and cmark-gfm's are the only ones with align.
        for cell in ("th", "td"):
            for align in ALIGNMENTS:
                clean = clean.replace(
                    f'<{cell} align="{align}">', f'<{cell} class="align-{align}">'
                )
    return clean


def to_html(source: str, url_relative: Callable[[str], str | None] = prefix_fragment) -> str:
    """Render a record's Markdown body to sanitised HTML. `url_relative` rewrites the
    URLs without a scheme (`portal.content.links` points them under base_url); by default only
    `#fragments` follow the heading ids."""
    with gfm.parse(source) as document:
        _walk(document, source, reading=False)
        rendered = document.html()
    return sanitise(rendered, url_relative).rstrip("\n")


def read(source: str) -> Reading:
    """The links of a body and its Python-Markdown leftovers, each with its line."""
    with gfm.parse(source) as document:
        walk = _walk(document, source, reading=True)
    return Reading(tuple(walk.links), tuple(walk.legacy))
