"""The GFM spec's examples, through the site's own rendering: the site renders as GitHub
does, but for a short, explicit list of deliberate differences.

`tests/data/gfm-spec.txt` is cmark-gfm's `test/spec.txt` (GitHub Flavored Markdown Spec
0.29, CC BY-SA 4.0, from github/cmark-gfm). Each example's Markdown goes through
`markup.to_html`; its HTML and the spec's are compared as a browser reads them (tags,
attributes in any order, text with entities decoded and runs of white space as one).

Differences that touch every example alike are made on the spec's side first, each for
a reason of the site's own: headings start at `<h2>` and carry ids (the page has the
`<h1>`), links carry `rel="noopener noreferrer"`, a task's checkbox has a name
("done"), table alignment is a class, a code
block's language class is dropped (no class outside the table cells). What is left is
listed in DIFFERENT by example number, with the reason; AS_GITHUB lists where this copy
of the spec is older than GitHub's parser, which the site follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import nh3
import pytest
from cmarkgfm.cmark import Options

from portal.markdown.markup import to_html

SPEC = Path(__file__).resolve().parents[1] / "data" / "gfm-spec.txt"
FENCE = "`" * 32

SHOWN_AS_TYPED = "raw HTML outside the allow-list is shown as the characters typed"
NO_SCHEME = "a link with a scheme other than http, https or mailto loses its address"
FRAGMENT = "a #fragment link follows the heading ids, which carry the site's prefix"
SPLIT = "an element begun in an HTML block and ended inside a paragraph is shown as typed"
UNENDED = "an allowed start tag never ended (`<a href=x>` without `</a>`) is shown as typed"
DIFFERENT: dict[int, str] = {
    **dict.fromkeys([*range(120, 130), 131, 133, 134, 135, *range(139, 146)], SHOWN_AS_TYPED),
    **dict.fromkeys([147, 149, 150, 151, 153, 154, 155, 157, 158, 170, 500], SHOWN_AS_TYPED),
    **dict.fromkeys([532, 544, *range(632, 637), 642, 647, 648, 649], SHOWN_AS_TYPED),
    **dict.fromkeys([604, 606, 607, 609, 628], NO_SCHEME),
    509: FRAGMENT,
    118: SPLIT,
    **dict.fromkeys([156, 317, 327, 354, 485, 486, 503, 650, 651, 653, 663, 664], UNENDED),
}
"""The site's own differences: each example still differs from the spec."""

NESTED_STRONG = "cmark-gfm (0.29.0.gfm.13) writes one <strong> for `____foo____`"
COMMENT = "cmark-gfm follows CommonMark 0.31: `<!-- a -- b -->` is a comment"
AUTOLINK = "the example is CommonMark's, shown without GitHub's autolinks; GitHub has them"
AS_GITHUB: dict[int, str] = {
    **dict.fromkeys([398, 426, 434, 435, 436, 473, 474, 475, 477], NESTED_STRONG),
    645: COMMENT,
    **dict.fromkeys([610, 614, 616, 619, 620], AUTOLINK),
}
"""Where this copy of the spec (2019) is not what GitHub's parser does today: the site
renders as the parser that cmarkgfm builds (the one GitHub runs) does."""


@dataclass(frozen=True)
class Example:
    number: int
    extension: str
    markdown: str
    html: str


def examples() -> list[Example]:
    found: list[Example] = []
    lines = SPEC.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(FENCE + " example"):
            extension = line[len(FENCE + " example") :].strip()
            end = lines.index(FENCE, index + 1)
            block = lines[index + 1 : end]
            dot = block.index(".")
            markdown = "\n".join(block[:dot]) + "\n" if dot else ""
            expected = "\n".join(block[dot + 1 :]) + "\n" if dot + 1 < len(block) else ""
            found.append(
                Example(
                    len(found) + 1,
                    extension,
                    markdown.replace("→", "\t"),
                    expected.replace("→", "\t"),
                )
            )
            index = end
        index += 1
    return found


class _Reader(HTMLParser):
    """HTML as a list of tokens: ("<", tag, sorted attributes), ("/", tag), ("t", text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[object, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("<", tag, tuple(sorted((k, v or "") for k, v in attrs))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("/", tag))

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if text.strip():
            self.tokens.append(("t", text.strip()))

    def handle_comment(self, data: str) -> None:
        pass  # the site keeps comments hidden, as GitHub does, and drops them


def tokens(text: str) -> list[tuple[object, ...]]:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    merged: list[tuple[object, ...]] = []
    for token in reader.tokens:  # text split by entities or comments is one text
        if token[0] == "t" and merged and merged[-1][0] == "t":
            merged[-1] = ("t", f"{merged[-1][1]} {token[1]}")
        else:
            merged.append(token)
    return merged


HEADING = re.compile(r"h([1-6])")


def as_a_browser_builds(spec_html: str) -> str:
    """The spec's HTML as a browser's parser builds it (html5ever, through nh3 with every
    tag, attribute and scheme it has allowed): tables get their <tbody>, tags left open
    are closed where a browser closes them, as they are in the site's HTML."""
    found = tokens(spec_html)
    tags = {str(t[1]) for t in found if t[0] == "<"} | {"tbody"}
    names = {str(name) for t in found if t[0] == "<" for name, _value in t[2]}  # type: ignore[misc]
    schemes = {s.lower() for s in re.findall(r"([A-Za-z][A-Za-z0-9+.-]*):", spec_html)}
    return nh3.clean(
        spec_html,
        tags=tags,
        clean_content_tags=set(),
        attributes={"*": names},
        url_schemes=schemes,
        link_rel=None,
        strip_comments=True,
    )


def as_the_site_writes(spec_html: str) -> list[tuple[object, ...]]:
    """The spec's HTML with the site's systematic differences made."""
    found = tokens(as_a_browser_builds(spec_html))
    levels = [int(m.group(1)) for t in found if t[0] == "<" and (m := HEADING.fullmatch(str(t[1])))]
    shift = 2 - min(levels) if levels else 0
    out: list[tuple[object, ...]] = []
    for token in found:
        kind, tag = token[0], str(token[1]) if len(token) > 1 else ""
        if kind in ("<", "/") and (match := HEADING.fullmatch(tag)):
            tag = f"h{min(6, max(2, int(match.group(1)) + shift))}"
            out.append((kind, tag, ()) if kind == "<" else (kind, tag))
            continue
        if kind == "<":
            attributes = dict(token[2])  # type: ignore[arg-type]
            if tag == "code":
                attributes.pop("class", None)
            if tag in ("th", "td") and "align" in attributes:
                attributes["class"] = "align-" + attributes.pop("align")
            out.append((kind, tag, tuple(sorted(attributes.items()))))
            continue
        out.append(token)
    return out


def as_the_site_compares(site_html: str) -> list[tuple[object, ...]]:
    """The site's HTML without what it adds to every example (ids, rel)."""
    out: list[tuple[object, ...]] = []
    for token in tokens(site_html):
        if token[0] == "<":
            attributes = dict(token[2])  # type: ignore[arg-type]
            if HEADING.fullmatch(str(token[1])):
                attributes.pop("id", None)
            if token[1] == "a":
                attributes.pop("rel", None)
            if token[1] == "input":
                attributes.pop("aria-label", None)
            out.append(("<", token[1], tuple(sorted(attributes.items()))))
        else:
            out.append(token)
    return out


EXAMPLES = examples()


def test_the_spec_is_all_there() -> None:
    assert len(EXAMPLES) == 673  # GFM 0.29: CommonMark's examples and 24 of the extensions


def github(markdown: str) -> str:
    """What GitHub's parser writes, with its extensions but the tag filter."""
    return cmarkgfm.markdown_to_html_with_extensions(
        markdown, Options.CMARK_OPT_UNSAFE, ["table", "strikethrough", "autolink", "tasklist"]
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[str(e.number) for e in EXAMPLES])
def test_spec_example(example: Example) -> None:
    site = as_the_site_compares(to_html(example.markdown))
    spec = as_the_site_writes(example.html)
    if example.number in DIFFERENT:
        assert site != spec, f"example {example.number} now agrees: take it off DIFFERENT"
    elif example.number in AS_GITHUB:
        assert site != spec, f"example {example.number} now agrees: take it off AS_GITHUB"
        assert site == as_the_site_writes(github(example.markdown))
    else:
        assert site == spec


def test_the_differences_are_few() -> None:
    # All but six are raw HTML: the examples of the spec's "HTML blocks" and "Raw HTML".
    assert len(DIFFERENT) <= len(EXAMPLES) // 10
    assert len(AS_GITHUB) <= 15
