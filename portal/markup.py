"""Markdown -> safe HTML: Python-Markdown, then an allow-list sanitiser. Pure.

What an editor writes never reaches a reader as markup of its own:

- Python-Markdown renders the text (tables, heading anchors, fenced code, lists,
  `attr_list`), then nh3 (ammonia) keeps only the tags and attributes below. Raw
  HTML, `attr_list` attributes (`{onclick=...}`, `{href=javascript:...}`) and
  entity-encoded schemes (`jav&#x61;script:`) all go through the same allow-list:
  no script, style, iframe, form or event-handler attribute survives, and a URL
  keeps only the `http`, `https` and `mailto` schemes, or none (a link inside the site).
- Headings start at `<h2>` (the page has the `<h1>`): the levels of a body are
  shifted so that its highest heading is an `<h2>`.
- Heading ids are prefixed with `ID_PREFIX` so that they never collide with the ids of
  the page around the body; `#fragment` links inside the body follow them.
- Template syntax (`{{ ... }}`, `{% ... %}`) is plain text here: bodies are data
  handed to the templates, never compiled as templates.

Links to other pages of the site are rewritten later, by `portal.links`, which knows
`base_url`; `sanitise` is the allow-list both use.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

EXTENSIONS: list[str | Extension] = ["tables", "toc", "sane_lists", "attr_list", "fenced_code"]
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "ol": {"start"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
}
# Column alignment of Markdown tables, as classes (the stylesheet aligns them), not
# inline styles (obsolete `align` attributes fail validation; `style` is refused).
ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
ALLOWED_CLASSES = {"th": ALIGN_CLASSES, "td": ALIGN_CLASSES}
URL_SCHEMES = {"http", "https", "mailto"}
ID_PREFIX = "sec-"
LINK_REL = "noopener noreferrer"

_HEADING = re.compile(r"h([1-6])")
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")


class _BodyTree(Treeprocessor):
    """Shift heading levels so the body starts at <h2>; table alignment -> classes."""

    def run(self, root: etree.Element) -> None:
        headings = [el for el in root.iter() if _HEADING.fullmatch(el.tag)]
        if headings:
            shift = 2 - min(int(el.tag[1]) for el in headings)
            for el in headings:
                el.tag = f"h{min(6, max(2, int(el.tag[1]) + shift))}"
        for el in root.iter():
            if el.tag in ("th", "td") and "style" in el.attrib:
                match = _ALIGN.search(el.attrib.pop("style"))
                if match:
                    el.set("class", f"align-{match.group(1)}")


class _BodyExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After toc (priority 5), which reads and sets the heading ids.
        md.treeprocessors.register(_BodyTree(md), "portal_body", 4)


def _prefix_fragment(url: str) -> str:
    """`#background` -> `#sec-background`, like the id it points to; other URLs as given."""
    if url.startswith("#") and len(url) > 1 and not url.startswith("#" + ID_PREFIX):
        return "#" + ID_PREFIX + url[1:]
    return url


def sanitise(html: str, url_relative: Callable[[str], str | None] = _prefix_fragment) -> str:
    """Keep only the allow-list; `url_relative` may rewrite (or drop, with None) URLs
    without a scheme. Idempotent: sanitising its own output again changes nothing."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        url_relative=url_relative,
        link_rel=LINK_REL,
        id_prefix=ID_PREFIX,
        strip_comments=True,
    )


def to_html(source: str) -> str:
    """Render a record's Markdown body to sanitised HTML.

    May be slow or raise RecursionError on hostile input: `portal.bodies` runs it
    under a time limit.
    """
    converter = markdown.Markdown(extensions=[*EXTENSIONS, _BodyExtension()], output_format="html")
    return sanitise(converter.convert(source))
