"""Markdown -> safe HTML: hostile input never becomes markup; headings start at h2."""

from __future__ import annotations

import re
import textwrap

import pytest

from portal.markup import sanitise, to_html

# Whatever survives must have none of these (case-insensitive) in the HTML.
FORBIDDEN = re.compile(
    r"<script|<style|<iframe|<object|<embed|<form|<svg|<math|<base|<meta|<link|<template"
    r"|\son[a-z]+\s*=|javascript:|vbscript:|data:|style=|srcdoc|formaction",
    re.IGNORECASE,
)

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
    html = to_html(source)
    assert not FORBIDDEN.search(html), html
    assert "alert(1)</script" not in html


def test_script_and_style_content_is_dropped_not_shown() -> None:
    html = to_html("<script>alert(1)</script>\n\n<style>p{}</style>\n\nText")
    assert html.strip() == "<p>Text</p>"


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
        <p><img alt="Map of the region" src="/static/map.png"></p>
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


def test_raw_h1_loses_its_tag_but_keeps_its_text() -> None:
    assert to_html("<h1>Title</h1>") == "Title"


def test_heading_ids_are_prefixed_and_fragment_links_follow() -> None:
    source = "## Main {#main}\n\n## Sources\n\nSee [the sources](#sources) and [main](#main).\n"
    assert to_html(source) == (
        '<h2 id="sec-main">Main</h2>\n'
        '<h2 id="sec-sources">Sources</h2>\n'
        '<p>See <a href="#sec-sources" rel="noopener noreferrer">the sources</a> and '
        '<a href="#sec-main" rel="noopener noreferrer">main</a>.</p>'
    )


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
    assert to_html("Para\n{: .evil-class }") == "<p>Para</p>"


def test_sanitise_is_idempotent() -> None:
    html = to_html("## A\n\n[x](#a) [y](/partners/x/)\n\na | b\n-: | :-\n1 | 2\n")
    assert sanitise(html) == html


def test_relative_links_are_left_for_the_link_rewriter() -> None:
    assert to_html("[x](../partners/estonia.md) [y](/partners/estonia/)") == (
        '<p><a href="../partners/estonia.md" rel="noopener noreferrer">x</a> '
        '<a href="/partners/estonia/" rel="noopener noreferrer">y</a></p>'
    )
