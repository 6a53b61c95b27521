"""Splitting a content file into front matter and body."""

from __future__ import annotations

import pytest

from portal.content.frontmatter import FrontMatterError, find_control_character, normalise, split


def test_front_matter_body_and_body_line() -> None:
    document = split("---\ntitle: A\n---\nThe body.\n")
    assert document.meta == {"title": "A"}
    assert document.body == "The body.\n"
    assert document.body_line == 4


def test_bom_and_crlf_give_the_same_result_as_without() -> None:
    plain = split(normalise("---\ntitle: A\nstatus: signed\n---\nBody\n"))
    windows = split(normalise("\ufeff---\r\ntitle: A\r\nstatus: signed\r\n---\r\nBody\r\n"))
    assert (windows.meta, windows.body, windows.body_line) == (
        plain.meta,
        plain.body,
        plain.body_line,
    )
    assert windows.meta.line_of("status") == plain.meta.line_of("status") == 3


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the file is empty; it must start with front matter between `---` lines"),
        ("title: A\n", 1, "the file must start with a `---` line that opens the front matter"),
        (
            "intro\n---\ntitle: A\n---\n",
            1,
            "the file must start with a `---` line that opens the front matter",
        ),
        (
            "---\ntitle: A\n",
            1,
            "the front matter opened on line 1 is never closed; add a `---` line after it",
        ),
        ("---\n---\nbody", 1, "the front matter is empty; it must list the record's fields"),
        (
            "---\n- a\n- b\n---\n",
            2,
            "the front matter must be a set of `key: value` lines, not a list",
        ),
        (
            "---\njust text\n---\n",
            2,
            "the front matter must be a set of `key: value` lines, not a str",
        ),
        ("---\ntitle: A\n\tstatus: x\n---\n", 3, "a tab character; indent with spaces, not tabs"),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(FrontMatterError) as caught:
        split(text)
    assert (caught.value.line, caught.value.message) == (line, message)


def test_control_character_found_with_its_line() -> None:
    found = find_control_character("ok\nalso ok\nbad \x07 here")
    assert found is not None
    assert found[0] == 3
    assert "control character U+0007; delete it" in found[1]


def test_noncharacter_typed_into_a_file_is_found_with_its_line() -> None:
    found = find_control_character("ok\nbad \uffff here")
    assert found is not None
    assert found[0] == 2
    assert "U+FFFF, which Unicode reserves as a noncharacter; delete it" in found[1]


def test_tabs_and_line_feeds_are_fine() -> None:
    assert find_control_character("tabs\tand\nline feeds are fine\n") is None


def test_every_line_stays_that_of_the_file() -> None:
    # python-frontmatter splits the file; blank lines and comments move nothing.
    text = "---\n\n# a comment\ntitle: A\n\nsummary: S\n---\n\n\nBody\n"
    document = split(text)
    assert (document.meta.line_of("title"), document.meta.line_of("summary")) == (4, 6)
    assert (document.body_line, document.body) == (8, "\n\nBody\n")


def test_a_problem_deep_in_the_front_matter_names_its_line() -> None:
    with pytest.raises(FrontMatterError) as caught:
        split("---\ntitle: A\n\n\nsummary: S\nsummary: T\n---\n")
    assert (caught.value.line, caught.value.message) == (
        6,
        "`summary` is given twice (first on line 5); keep one",
    )


def test_a_noncharacter_of_another_plane_is_found_past_other_astral_characters() -> None:
    found = find_control_character("😀 fine\n𝔘 fine\nbad \U0010ffff here\n")
    assert found is not None
    assert found[0] == 3
    assert "U+10FFFF" in found[1]
