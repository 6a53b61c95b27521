"""One test per construct that Python-Markdown rendered otherwise than GitHub: the site
now writes what GitHub's preview shows (its parser, cmark-gfm, with its extensions),
but for what the site adds everywhere (links' rel, heading levels and ids)."""

from __future__ import annotations

import textwrap

import pytest

from portal.markdown.markup import to_html
from tests.markdown.test_gfm_spec import as_the_site_compares, as_the_site_writes, github

CONSTRUCTS = {
    "a list nested by two spaces": (
        "- Parties\n  - Philippines\n  - Estonia\n",
        "<ul>\n<li>Parties\n<ul>\n<li>Philippines</li>\n<li>Estonia</li>\n</ul>\n</li>\n</ul>",
    ),
    "a list numbered with 1)": (
        "1) signature\n2) ratification\n",
        "<ol>\n<li>signature</li>\n<li>ratification</li>\n</ol>",
    ),
    "a list starting at 3": (
        "3. third\n4. fourth\n",
        '<ol start="3">\n<li>third</li>\n<li>fourth</li>\n</ol>',
    ),
    "struck text": ("the ~~old~~ new text", "<p>the <del>old</del> new text</p>"),
    "a bare address": (
        "See https://example.org/mou and www.example.org.",
        '<p>See <a href="https://example.org/mou" rel="noopener noreferrer">'
        'https://example.org/mou</a> and <a href="http://www.example.org" '
        'rel="noopener noreferrer">www.example.org</a>.</p>',
    ),
    "a bare e-mail address": (
        "Write to register@example.org",
        '<p>Write to <a href="mailto:register@example.org" rel="noopener noreferrer">'
        "register@example.org</a></p>",
    ),
    "[tab](a bruchid), a line of a treaty text": (
        "[tab](a bruchid)",
        "<p>[tab](a bruchid)</p>",
    ),
    "a table with alignment": (
        "| Year | Count |\n|:--|--:|\n| 2023 | 4 |\n",
        '<table>\n<thead>\n<tr>\n<th class="align-left">Year</th>\n'
        '<th class="align-right">Count</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n'
        '<td class="align-left">2023</td>\n<td class="align-right">4</td>\n</tr>\n'
        "</tbody>\n</table>",
    ),
    "a task list": (
        "- [x] signed\n- [ ] ratified\n",
        '<ul>\n<li><input type="checkbox" checked="" disabled="" aria-label="done"> signed</li>\n'
        '<li><input type="checkbox" disabled="" aria-label="not done"> ratified</li>\n</ul>',
    ),
    "a fenced code block with a language": (
        "```yaml\nstatus: signed\n```\n",
        "<pre><code>status: signed\n</code></pre>",
    ),
    "a hard line break": ("Article 1\\\nArticle 2", "<p>Article 1<br>\nArticle 2</p>"),
    "a paragraph right after a list item": (
        "- one\nstill one\n",
        "<ul>\n<li>one\nstill one</li>\n</ul>",
    ),
    "an underscore inside a word": ("snake_case_name", "<p>snake_case_name</p>"),
    "a heading with an attribute list": (
        "## Terms {#terms}",
        '<h2 id="sec-terms-terms">Terms {#terms}</h2>',
    ),
}


@pytest.mark.parametrize(("source", "expected"), CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_the_site_writes_what_github_shows(source: str, expected: str) -> None:
    html = to_html(source)
    assert html == expected
    assert as_the_site_compares(html) == as_the_site_writes(github(source))


def test_a_whole_record_body_agrees_with_github() -> None:
    source = textwrap.dedent(
        """\
        # Background

        The memorandum was signed on 14 September 2023:

        - by DICT
          - with its CERT
        - by Estonia's RIA

        1) exchange of information
        2) ~~joint exercises~~ training

        | Area | Lead |
        |---|:-:|
        | Incident response | CERT-PH |

        Source: https://example.org/news/mou
        """
    )
    assert as_the_site_compares(to_html(source)) == as_the_site_writes(github(source))
