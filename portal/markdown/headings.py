"""Heading ids as GitHub makes them, from the text a reader sees of a heading."""

from __future__ import annotations

import functools
import html
import unicodedata

from portal.markdown import gfm

# --- headings -----------------------------------------------------------------------


def slug(text: str, seen: dict[str, int]) -> str:
    """GitHub's heading anchor (github-slugger): lowercase, keep letters, marks, digits,
    `_`, `-` and spaces, spaces to `-`; a repeat gets `-1`, `-2` ... (`seen` counts)."""
    base = "".join(c for c in text.lower() if c in "- " or _is_word(c)).replace(" ", "-")
    result = base
    while result in seen:
        seen[base] += 1
        result = f"{base}-{seen[base]}"
    seen[result] = 0
    return result


@functools.cache
def _is_word(char: str) -> bool:
    """Ruby's \\p{Word}, which GitHub's anchors keep: letters, marks, digits, `_`."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Pc")


def plain_text(node: gfm.Node, escaped: set[int]) -> str:
    """The text a reader sees of `node`'s children (tags kept as tags show nothing)."""
    parts: list[str] = []
    for child in node.descendants():
        if child.type in (gfm.TEXT, gfm.CODE):
            parts.append(child.literal)
        elif child.type == gfm.HTML_INLINE and child.address in escaped:
            parts.append(html.unescape(child.literal))
        elif child.type in (gfm.SOFTBREAK, gfm.LINEBREAK):
            parts.append("\n")
    return "".join(parts)
