"""Links inside bodies: checked by `check`, rewritten under a sub-path base_url by `build`."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.cli import main
from portal.content.links import Target, resolve, to_html
from tests.support.sites import write_site

TODAY = "2024-06-01"


def check(tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    content = write_site(tmp_path, files)
    status = main(["check", "--content", str(content), "--today", TODAY])
    lines = capsys.readouterr().err.replace(str(content) + "/", "").splitlines()
    assert status == (1 if lines else 0)
    return lines[:-2] if lines else lines


@pytest.mark.parametrize(
    ("href", "section", "expected"),
    [
        ("/partners/estonia/", "agreements", Target("partners/estonia/")),
        ("/partners/estonia", "agreements", Target("partners/estonia/")),
        ("/agreements/x/#terms", "pages", Target("agreements/x/", "#terms")),
        ("../partners/estonia.md", "agreements", Target("partners/estonia/")),
        ("../partners/estonia.md#history", "events", Target("partners/estonia/", "#history")),
        ("other-mou.md", "agreements", Target("agreements/other-mou/")),
        ("../pages/about.md", "agreements", Target("about/")),
        ("about.md", "pages", Target("about/")),
        ("../static/texts/mou.pdf", "agreements", Target("static/texts/mou.pdf")),
        ("/static/texts/mou.pdf", "agreements", Target("static/texts/mou.pdf")),
        ("/about/", "agreements", Target("about/")),
        ("/feed.xml", "agreements", Target("feed.xml")),
        ("/", "agreements", Target("")),
        ("https://example.org/x", "agreements", None),
        ("mailto:someone@example.org", "agreements", None),
        ("//example.org/x", "agreements", None),
        ("#terms", "agreements", None),
        ("../../secret.md", "agreements", "points outside the content folder"),
    ],
)
def test_resolve(href: str, section: str, expected: Target | str | None) -> None:
    assert resolve(href, section) == expected


def test_a_relative_link_to_something_else_says_what_to_write() -> None:
    assert resolve("notes.txt", "agreements") == (
        "is not a file of the site; link to a record's file (like ../partners/estonia.md), "
        "a file in static/, or a page by its URL (like /partners/estonia/)"
    )


def test_links_point_under_a_sub_path() -> None:
    source = (
        "[a](/partners/estonia/) [b](../partners/estonia.md#history) [c](https://example.org/) "
        "[d](#terms) [e](//cdn.example.org/x) ![f](../static/map.png) [g](mailto:x@example.org)"
    )
    assert to_html(source, "content/agreements/mou.md", "/portal/") == (
        '<p><a href="/portal/partners/estonia/" rel="noopener noreferrer">a</a> '
        '<a href="/portal/partners/estonia/#sec-history" rel="noopener noreferrer">b</a> '
        '<a href="https://example.org/" rel="noopener noreferrer">c</a> '
        '<a href="#sec-terms" rel="noopener noreferrer">d</a> '
        '<a href="//cdn.example.org/x" rel="noopener noreferrer">e</a> '
        '<img src="/portal/static/map.png" alt="f"> '
        '<a href="mailto:x@example.org" rel="noopener noreferrer">g</a></p>'
    )


def test_links_point_at_the_root() -> None:
    assert to_html("[a](../partners/estonia.md)", "content/events/e.md", "/") == (
        '<p><a href="/partners/estonia/" rel="noopener noreferrer">a</a></p>'
    )


def test_check_reports_links_to_missing_records_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        tmp_path,
        {
            "agreements/other.md": """\
                ---
                title: Another memorandum
                kind: memorandum-of-understanding
                status: proposed
                partners: [estonia]
                agencies: [dict]
                areas: [cybersecurity]
                summary: Another one.
                sources:
                  - title: An article
                    url: https://example.org/article
                ---
                Signed with [Estonia](/partners/estonia/) and
                [Estonia again](../partners/estonia.md).

                See [the nope partner](/partners/nope/) and [Estonie](../partners/estonie.md),
                [the first memorandum](estonia-mou.md) and [a lost one](/agreements/lost/).

                [Ref]: /events/no-such-event/
                <a href="/areas/no-such-area/">area</a> [agency](/agencies/dict/), [the event][ref]
                [text](../static/missing.pdf) [page](/nowhere/) [up](../../etc/passwd.md)
                ```
                [in code](/partners/in-code/)
                ```
                [feed](/feed.xml) [home](/) [timeline](/timeline/) [data](/data/agreements.json)
                """,
        },
        capsys,
    )
    assert lines == [
        "agreements/other.md:16: body: link [Estonie](../partners/estonie.md): no such partner; "
        "did you mean `estonia`?",
        "agreements/other.md:16: body: link [the nope partner](/partners/nope/): no such partner",
        "agreements/other.md:17: body: link [a lost one](/agreements/lost/): no such agreement",
        'agreements/other.md:20: body: link <a href="/areas/no-such-area/">: no such area',
        "agreements/other.md:20: body: link [the event](/events/no-such-event/): no such event",
        "agreements/other.md:21: body: link [page](/nowhere/): no such page",
        "agreements/other.md:21: body: link [text](../static/missing.pdf): no such file in static/",
        "agreements/other.md:21: body: link [up](../../etc/passwd.md): points outside the "
        "content folder",
    ]


def test_a_link_is_quoted_whole_and_text_that_github_shows_as_text_is_no_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        tmp_path,
        {
            "pages/about.md": """\
                ---
                title: About
                ---
                The [whole text](<../static/texts/the mou.pdf>) is missing.

                Article 3: [tab](a bruchid) and [a](not a link) are text on GitHub.

                [foo]: <>

                    [indented code](/partners/nowhere/)

                `[code span](/partners/nowhere/)`
                """,
        },
        capsys,
    )
    assert lines == [
        "pages/about.md:4: body: link [whole text](<../static/texts/the mou.pdf>): no such file "
        "in static/",
    ]


def test_check_passes_links_to_what_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        tmp_path,
        {
            "pages/about.md": """\
                ---
                title: About
                ---
                [Estonia](/partners/estonia/), [its feed](/partners/estonia/feed.xml),
                [the memorandum](../agreements/estonia-mou.md#terms),
                [the area](/areas/cybersecurity/),
                [DICT](/agencies/dict/), [this page](/about/), [the map](../static/map.png).
                """,
            "static/map.png": "not really a PNG",
        },
        capsys,
    )
    assert lines == []


def test_a_link_to_a_draft_from_a_published_record_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        tmp_path,
        {
            "pages/plans.md": """\
                ---
                title: Plans
                draft: true
                ---
                [About](about.md)
                """,
            "pages/about.md": """\
                ---
                title: About
                ---
                See [our plans](plans.md).
                """,
        },
        capsys,
    )
    assert lines == [
        "pages/about.md:4: body: link [our plans](plans.md): the page is a draft, so it is not "
        "published; link to it once it is",
    ]


def test_links_are_checked_in_a_file_with_other_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        tmp_path,
        {
            "pages/about.md": """\
                ---
                title: About
                menu: first
                ---
                See [nothing](/partners/nothing/).
                """,
        },
        capsys,
    )
    assert lines[-1] == (
        "pages/about.md:5: body: link [nothing](/partners/nothing/): no such partner"
    )


def test_built_pages_link_under_the_sub_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_site(
        tmp_path,
        {
            "pages/about.md": """\
                ---
                title: About
                ---
                See [Estonia](/partners/estonia/) and
                [the memorandum](../agreements/estonia-mou.md).
                """,
        },
    )
    out = tmp_path / "site"
    assert (
        main(
            ["build", "--content", str(content), "--out", str(out), "--today", TODAY, "--no-cache"]
        )
        == 0
    )
    page = (out / "about" / "index.html").read_text(encoding="utf-8")
    assert '<a href="/portal/partners/estonia/" rel="noopener noreferrer">Estonia</a>' in page
    assert (
        '<a href="/portal/agreements/estonia-mou/" rel="noopener noreferrer">the memorandum</a>'
        in page
    )


def test_python_markdown_syntax_is_a_warning_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_site(
        tmp_path,
        {
            "pages/about.md": """\
                ---
                title: About
                ---
                ## Terms {#terms}

                A paragraph
                {: .lead }
                """,
        },
    )
    assert main(["check", "--content", str(content), "--today", TODAY]) == 0
    err = capsys.readouterr().err.replace(str(content) + "/", "")
    assert err.splitlines()[:2] == [
        "warning: pages/about.md:4: body: `{#terms}` is syntax of the former renderer "
        "(Python-Markdown) and shows as text now; remove it",
        "warning: pages/about.md:7: body: `{: .lead }` is syntax of the former renderer "
        "(Python-Markdown) and shows as text now; remove it",
    ]
