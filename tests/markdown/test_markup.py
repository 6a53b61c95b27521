"""Markdown -> safe HTML: hostile input never becomes markup; text that looks like a tag
is shown as typed; headings start at h2."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.markdown.markup import read, sanitise, to_html
from portal.markdown.reading import Legacy, Link
from portal.markdown.settings import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

SAFE_ATTRIBUTES = {
    "rel",
    "class",
    "type",
    "checked",
    "disabled",
    "aria-label",
}  # set by the site itself


class Page(HTMLParser):
    """What a browser makes of the HTML: its elements with attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"a comment reached the page: {data}")

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def assert_safe(html: str) -> None:
    for tag, attributes in Page(html).tags:
        assert tag in ALLOWED_TAGS, html
        for name, value in attributes.items():
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | SAFE_ATTRIBUTES, html
            if name in ("href", "src"):
                assert ":" not in value.split("/")[0] or value.startswith(
                    ("http:", "https:", "mailto:")
                ), html


HOSTILE = {
    "script tag": "<script>alert(1)</script>",
    "script mixed case": "<ScRiPt>alert(1)</sCrIpT>",
    "style tag": "<style>body { display: none }</style>",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object and embed": '<object data="x.swf"></object><embed src="x.swf">',
    "svg onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "math": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "img onerror": '<img src="x.png" onerror="alert(1)" alt="x">',
    "event handler on p": '<p onmouseover="alert(1)">hover</p>',
    "form": '<form action="https://evil.example/"><button formaction="javascript:x">go</button>'
    "</form>",
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base": '<base href="https://evil.example/">',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "template": "<template><script>alert(1)</script></template>",
    "inline style": '<p style="position: fixed; inset: 0">cover</p>',
    "markdown javascript link": "[click](javascript:alert(1))",
    "markdown javascript mixed case": "[click](JaVaScRiPt:alert(1))",
    "markdown vbscript link": "[click](vbscript:msgbox(1))",
    "markdown data link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "markdown data image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "reference javascript link": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "raw entity-encoded scheme": '<a href="jav&#x61;script:alert(1)">click</a>',
    "raw decimal-encoded scheme": '<a href="&#106;&#97;vascript:alert(1)">click</a>',
    "raw named-entity colon": '<a href="javascript&colon;alert(1)">click</a>',
    "raw tab inside scheme": '<a href="java&#x09;script:alert(1)">click</a>',
    "raw leading space": '<a href=" javascript:alert(1)">click</a>',
    "markdown entity-encoded scheme": "[click](jav&#x61;script:alert(1))",
    "attr_list onclick": "[click](https://example.org/){onclick=alert(1)}",
    "attr_list href": "[click](https://example.org/){href=javascript:alert(1)}",
    "attr_list on paragraph": "A paragraph\n{: onmouseover=alert(1) style=color:red }",
    "attr_list on heading": "## Title {: onclick=alert(1) }",
    "attr_list encoded scheme": "[click](/ok/){href=jav&#x61;script:alert(1)}",
    "autolink javascript": "<javascript:alert(1)>",
    "html comment": "<!-- <script>alert(1)</script> -->",
    "unclosed tags": "<div><script>alert(1)",
    "target blank": '<a href="https://example.org/" target="_blank">x</a>',
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_neutralised(source: str) -> None:
    assert_safe(to_html(source))


def test_script_and_style_are_shown_as_typed_never_run() -> None:
    html = to_html("<script>alert(1)</script>\n\n<style>p{}</style>\n\nText")
    assert Page(html).tags == [("p", {})]
    assert Page(html).text == "<script>alert(1)</script>\n<style>p{}</style>\nText"


TREATY = {
    # A French amendment of the Rhine navigation convention: quotes in << >>.
    "les mots <<trois cents francs>> sont remplaces": "les mots <<trois cents francs>> sont "
    "remplaces",
    "<<a Mannheim>> sont supprimes": "<<a Mannheim>> sont supprimes",
    "les lettres <<a>> et <<b>> sont supprimees": "les lettres <<a>> et <<b>> sont supprimees",
    "the letters <a> and <b> remain": "the letters <a> and <b> remain",
    "the <word> here": "the <word> here",
    "an <a word> here": "an <a word> here",
    "run <script>alert(1)</script> not": "run <script>alert(1)</script> not",
    "a <b title=x onclick=y>tag</b> with a bad attribute": "a <b title=x onclick=y>tag</b> "
    "with a bad attribute",
    "<p style='color: red'>on its own line</p>": "<p style='color: red'>on its own line</p>",
    "x < y & <!DOCTYPE html> <![CDATA[z]]> <?php ?>": "x < y & <!DOCTYPE html> <![CDATA[z]]> "
    "<?php ?>",
}


@pytest.mark.parametrize(("source", "shown"), TREATY.items(), ids=TREATY.keys())
def test_text_that_looks_like_a_tag_is_shown_as_typed(source: str, shown: str) -> None:
    html = to_html(source)
    assert_safe(html)
    assert Page(html).text.strip() == shown


def test_allowed_tags_keep_working_beside_text_that_looks_like_one() -> None:
    html = to_html('<<a Mannheim>> and <a href="/partners/x/">a partner</a>, <b>bold</b>')
    assert html == (
        '<p>&lt;&lt;a Mannheim&gt;&gt; and <a href="/partners/x/" rel="noopener noreferrer">'
        "a partner</a>, <b>bold</b></p>"
    )


def test_an_html_comment_stays_hidden_as_on_github() -> None:
    assert to_html("Seen <!-- an editor's note --> text") == "<p>Seen  text</p>"


def test_allowed_markup_is_kept() -> None:
    source = textwrap.dedent(
        """\
        Some *emphasis*, **strong**, `code` and a [link](https://example.org/a?b=1&c=2 "Title").

        - one
        - two

        > quoted

        ![Map of the region](/static/map.png)

        <abbr title="Memorandum of understanding">MoU</abbr> <sup>1</sup>
        """
    )
    assert to_html(source) == textwrap.dedent(
        """\
        <p>Some <em>emphasis</em>, <strong>strong</strong>, <code>code</code> and a \
<a href="https://example.org/a?b=1&amp;c=2" title="Title" rel="noopener noreferrer">link</a>.</p>
        <ul>
        <li>one</li>
        <li>two</li>
        </ul>
        <blockquote>
        <p>quoted</p>
        </blockquote>
        <p><img src="/static/map.png" alt="Map of the region"></p>
        <p><abbr title="Memorandum of understanding">MoU</abbr> <sup>1</sup></p>"""
    )


def test_stripped_link_keeps_its_text() -> None:
    assert (
        to_html("[click](javascript:alert(1))") == '<p><a rel="noopener noreferrer">click</a></p>'
    )


def test_mailto_and_https_links_are_kept() -> None:
    html = to_html("[write](mailto:register@example.org) [read](https://example.org/)")
    assert 'href="mailto:register@example.org"' in html
    assert 'href="https://example.org/"' in html


def test_template_syntax_stays_literal_text() -> None:
    source = "Total {{ 7*7 }} and {% for x in y %}{{ x }}{% endfor %} and {# note #}\n"
    assert to_html(source) == (
        "<p>Total {{ 7*7 }} and {% for x in y %}{{ x }}{% endfor %} and {# note #}</p>"
    )


def test_headings_start_at_h2_when_the_editor_writes_h1() -> None:
    source = "# Background\n\n## Terms\n\n### Detail\n"
    assert to_html(source) == (
        '<h2 id="sec-background">Background</h2>\n'
        '<h3 id="sec-terms">Terms</h3>\n'
        '<h4 id="sec-detail">Detail</h4>'
    )


def test_headings_already_at_h2_are_kept() -> None:
    assert to_html("## Terms\n\n### Detail\n") == (
        '<h2 id="sec-terms">Terms</h2>\n<h3 id="sec-detail">Detail</h3>'
    )


def test_body_starting_deeper_is_lifted_to_h2() -> None:
    assert to_html("### Detail\n") == '<h2 id="sec-detail">Detail</h2>'


def test_h6_stays_h6_when_shifted() -> None:
    assert to_html("# A\n\n###### F\n") == '<h2 id="sec-a">A</h2>\n<h6 id="sec-f">F</h6>'


def test_raw_h1_is_shown_as_typed() -> None:
    assert to_html("<h1>Title</h1>") == "&lt;h1&gt;Title&lt;/h1&gt;"


def test_heading_ids_are_prefixed_and_fragment_links_follow() -> None:
    source = "## Main\n\n## Sources\n\nSee [the sources](#sources) and [main](#main).\n"
    assert to_html(source) == (
        '<h2 id="sec-main">Main</h2>\n'
        '<h2 id="sec-sources">Sources</h2>\n'
        '<p>See <a href="#sec-sources" rel="noopener noreferrer">the sources</a> and '
        '<a href="#sec-main" rel="noopener noreferrer">main</a>.</p>'
    )


def test_heading_ids_follow_githubs_rules_and_are_unique() -> None:
    source = "# Article 3: Terms & *conditions*\n\n## Überblick `x_y`\n\n## Notes\n\n## Notes\n"
    assert [a["id"] for t, a in Page(to_html(source)).tags if "id" in a] == [
        "sec-article-3-terms--conditions",
        "sec-überblick-x_y",
        "sec-notes",
        "sec-notes-1",
    ]


def test_raw_html_ids_are_prefixed_too() -> None:
    assert to_html('<h2 id="content">X</h2>') == '<h2 id="sec-content">X</h2>'


def test_table_alignment_becomes_classes() -> None:
    source = "Year | Count\n:--- | ---:\n2023 | 4\n"
    assert to_html(source) == textwrap.dedent(
        """\
        <table>
        <thead>
        <tr>
        <th class="align-left">Year</th>
        <th class="align-right">Count</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td class="align-left">2023</td>
        <td class="align-right">4</td>
        </tr>
        </tbody>
        </table>"""
    )


def test_other_classes_are_dropped() -> None:
    assert to_html('<table><tr><td class="evil-class">x</td></tr></table>') == (
        '<table><tbody><tr><td class="">x</td></tr></tbody></table>'
    )
    assert to_html('<p class="x">y</p>') == '&lt;p class="x"&gt;y&lt;/p&gt;'


def test_python_markdown_attribute_lists_are_text_and_found_with_their_line() -> None:
    source = "## Terms {#terms}\n\nPara\n{: .evil-class }\n\nA set {x, y} stays.\n"
    assert to_html(source) == (
        '<h2 id="sec-terms-terms">Terms {#terms}</h2>\n<p>Para\n{: .evil-class }</p>\n'
        "<p>A set {x, y} stays.</p>"
    )
    assert read(source).legacy == (Legacy(1, "{#terms}"), Legacy(4, "{: .evil-class }"))


def test_links_are_read_from_the_tree_with_their_line_and_text() -> None:
    source = textwrap.dedent(
        """\
        Intro [a](/partners/a/) and ![i](../static/i.png 'title').
        `[not](/code/span/)` and [a](not a link) and [tab](a bruchid)

            [indented](/code/block/)

        ```
        [not](/fenced/)
        ```
        [foo]: <>
        [ref]: /events/e/

        See [the event][ref], <a href="/areas/z/">raw</a> and [y](<../partners/b c.md>), and
        [a link over
        two lines](/partners/b/).

        [other]: /other/
        Text right after a definition [z](/z/).
        """
    )
    assert read(source).links == (
        Link(1, "/partners/a/", "[a](/partners/a/)"),
        Link(1, "../static/i.png", "![i](../static/i.png)"),
        Link(12, "/events/e/", "[the event](/events/e/)"),
        Link(12, "/areas/z/", '<a href="/areas/z/">'),
        Link(12, "../partners/b c.md", "[y](<../partners/b c.md>)"),
        Link(13, "/partners/b/", "[a link over two lines](/partners/b/)"),
        Link(17, "/z/", "[z](/z/)"),
    )


def test_sanitise_is_idempotent() -> None:
    html = to_html("## A\n\n[x](#a) [y](/partners/x/)\n\na | b\n-: | :-\n1 | 2\n")
    assert sanitise(html) == html


def test_relative_links_are_left_for_the_link_rewriter() -> None:
    assert to_html("[x](../partners/estonia.md) [y](/partners/estonia/)") == (
        '<p><a href="../partners/estonia.md" rel="noopener noreferrer">x</a> '
        '<a href="/partners/estonia/" rel="noopener noreferrer">y</a></p>'
    )


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("<>/=\"' abiscrpt*_[]()!#\n-`&;:{}|~")), max_size=80)
)
def test_any_text_renders_safely_and_its_links_are_found(text: str) -> None:
    assert_safe(to_html(text))
    for link in read(text).links:
        assert link.line >= 1


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=4))
def test_words_in_angle_brackets_are_shown_as_typed(words: list[str]) -> None:
    assume(words[0] not in {"br", "hr", "img", "input"})  # tags without an end: tags
    typed = f"les mots <<{' '.join(words)}>> et <{words[0]}> restent"
    assert Page(to_html(typed)).text == typed


# Quotations written with angle brackets around a tag's name, in a paragraph and in an
# HTML block: whether quoted on both sides or on one, never a tag.
QUOTED_TAGS = {
    "on both sides": "les mots <<b>>gras<</b>> restent",
    "before only": "les mots <<b>gras</b> restent",
    "after only": "les mots <b>gras</b>> restent",
    "a paragraph's tag": "les mots <<p>> et <p>> restent",
}


@pytest.mark.parametrize("text", QUOTED_TAGS.values(), ids=QUOTED_TAGS.keys())
def test_a_tag_written_in_angle_quotes_is_text_in_a_paragraph(text: str) -> None:
    html = to_html(text)
    assert Page(html).tags == [("p", {})]
    assert Page(html).text == text


@pytest.mark.parametrize("text", QUOTED_TAGS.values(), ids=QUOTED_TAGS.keys())
def test_a_tag_written_in_angle_quotes_is_text_in_an_html_block(text: str) -> None:
    html = to_html(f"<p>{text}</p>")
    assert Page(html).tags == [("p", {})]
    assert Page(html).text == text


def test_an_html_block_keeps_its_allowed_tags_beside_those_shown_as_typed() -> None:
    assert to_html("<p>Kept, and <u>shown</u></p>") == "<p>Kept, and &lt;u&gt;shown&lt;/u&gt;</p>"


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("  <div>Article X", "  &lt;div&gt;Article X"),
        ("<div>Article X  ", "&lt;div&gt;Article X  "),
    ],
)
def test_an_html_block_shown_as_typed_is_shown_whole(source: str, html: str) -> None:
    assert to_html(source) == html


def test_a_tag_ended_in_another_paragraph_is_shown_as_typed() -> None:
    assert to_html("<b>start\n\nend</b>") == "<p>&lt;b&gt;start</p>\n<p>end&lt;/b&gt;</p>"


def test_an_html_blocks_cells_and_rows_need_no_end_tag() -> None:
    assert to_html("<table>\n<tr><td>a<td>b\n</table>") == (
        "<table>\n<tbody><tr><td>a</td><td>b\n</td></tr></tbody></table>"
    )


def test_an_element_ended_past_a_tag_left_open_stays_one() -> None:
    assert to_html("<b>bold <i>unended</b>") == "<p><b>bold &lt;i&gt;unended</b></p>"


def test_the_caller_rewrites_the_addresses_without_a_scheme() -> None:
    source = "[x](/partners/x/) [y](https://example.org/)"
    assert to_html(source, lambda url: "/base" + url) == (
        '<p><a href="/base/partners/x/" rel="noopener noreferrer">x</a> '
        '<a href="https://example.org/" rel="noopener noreferrer">y</a></p>'
    )


def test_an_entity_right_after_a_lone_angle_bracket_in_an_html_block_is_read() -> None:
    assert Page(to_html("<p>x <&eacute; y</p>")).text == "x <é y"


def test_a_raw_line_break_and_image_are_kept() -> None:
    assert to_html('Article 1<br>Article 2 <img src="/static/seal.png" alt="Seal">') == (
        '<p>Article 1<br>Article 2 <img src="/static/seal.png" alt="Seal"></p>'
    )


def test_a_self_closed_tag_that_html_leaves_open_is_shown_as_typed() -> None:
    # A browser reads <b/> as <b>: kept, it would make the rest of the body bold.
    html = to_html("x <b/> y\n\n## Next")
    assert html == '<p>x &lt;b/&gt; y</p>\n<h2 id="sec-next">Next</h2>'


def test_a_raw_checkbox_is_kept_and_disabled() -> None:
    assert to_html('<input type="checkbox" checked>') == (
        '<input type="checkbox" checked="" disabled="" aria-label="done">'
    )


def test_a_raw_cells_alignment_is_shown_as_typed() -> None:
    html = to_html('<table><tr><th align="right">A</th><td align="right">1</td></tr></table>')
    assert [tag for tag, _attributes in Page(html).tags] == ["table", "tbody", "tr"]
    assert Page(html).text == '<th align="right">A</th><td align="right">1</td>'


def test_heading_ids_take_the_text_a_reader_sees() -> None:
    assert to_html("## The <word> and <b>bold</b> terms") == (
        '<h2 id="sec-the-word-and-bold-terms">The &lt;word&gt; and <b>bold</b> terms</h2>'
    )


def test_a_third_heading_of_the_same_name_gets_the_suffix_2() -> None:
    ids = [a["id"] for _t, a in Page(to_html("## Notes\n\n## Notes\n\n## Notes\n")).tags]
    assert ids == ["sec-notes", "sec-notes-1", "sec-notes-2"]


def test_a_fragment_link_follows_the_heading_ids_but_a_bare_hash() -> None:
    assert to_html("[top](#) [a](#a)") == (
        '<p><a href="#" rel="noopener noreferrer">top</a> '
        '<a href="#sec-a" rel="noopener noreferrer">a</a></p>'
    )


# Link reference definitions (`[ref]: /url`) at a paragraph's start: cmark-gfm counts the
# lines of the paragraph's links from the first definition; the links keep their true line.
AFTER_DEFINITIONS = {
    "on the first line, text over three lines": (
        "[ref]: /r/\n[other]: /o/\nFirst line [a](/a/)\nsecond line\nthird [b](/b/)\n",
        [3, 5],
    ),
    "a tag over two lines after the link": (
        '[ref]: /r/\nSee [a](/a/) <abbr\ntitle="Memorandum">MoU</abbr>\n',
        [2],
    ),
    "two paragraphs, one and two definitions": (
        "[a]: /a/\nText [x](/x/)\n\n[b]: /b/\n[c]: /c/\nMore [y](/y/)\n",
        [2, 6],
    ),
    "a raw link": ('[ref]: /r/\nSee <a href="/x/">x</a>\n', [2]),
    "no definition, only its look": ("Note [1]: see [the annex](/annex/).\n", [1]),
}


@pytest.mark.parametrize(
    ("source", "lines"), AFTER_DEFINITIONS.values(), ids=AFTER_DEFINITIONS.keys()
)
def test_links_after_reference_definitions_are_found_on_their_line(
    source: str, lines: list[int]
) -> None:
    assert [link.line for link in read(source).links] == lines


def test_python_markdown_leftovers_after_a_reference_definition_have_their_line() -> None:
    assert read("[ref]: /r/\nPara {: .class }\n").legacy == (Legacy(2, "{: .class }"),)


def test_a_link_without_text_is_found_on_its_line() -> None:
    assert read("Intro\n\n[](/empty/)\n").links == (Link(3, "/empty/", "[](/empty/)"),)


def test_a_links_text_is_quoted_as_shown() -> None:
    assert read("[the <word> here](/x/)").links == (Link(1, "/x/", "[the <word> here](/x/)"),)


def test_a_raw_links_address_is_read_from_its_href() -> None:
    assert read('<a title="The annex" href="/annex/">annex</a>').links == (
        Link(1, "/annex/", '<a title="The annex" href="/annex/">'),
    )


def test_an_unquoted_raw_address_is_read_whole() -> None:
    assert read("<a href=XV.md>Annex XV</a>").links == (Link(1, "XV.md", "<a href=XV.md>"),)


def test_the_links_of_an_html_block_are_found_on_their_line() -> None:
    source = textwrap.dedent(
        """\
        Intro.

        <table>
        <tr><td><img src="/static/map.png" alt="Map"></td></tr>
        <tr><td><a href="/partners/x/">X</a></td></tr>
        </table>
        """
    )
    assert read(source).links == (
        Link(4, "/static/map.png", '<img src="/static/map.png" alt="Map">'),
        Link(5, "/partners/x/", '<a href="/partners/x/">'),
    )


def test_the_links_of_an_html_block_are_found_beside_python_markdown_leftovers() -> None:
    source = 'Para {: .x }\n\n<table><tr><td><a href="/x/">x</a></td></tr></table>\n'
    assert read(source).links == (Link(3, "/x/", '<a href="/x/">'),)


def test_a_raw_link_shown_as_typed_is_no_link() -> None:
    assert read('Intro.\n\n<a href="/partners/x/">\n\nText.\n').links == ()
