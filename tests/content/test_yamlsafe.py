"""The strict YAML reader: what YAML 1.1 would surprise an editor with, and what it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.content import yamlsafe
from portal.content.yamlsafe import Mapping, YamlError, parse_yaml, without_unreadable


def test_norway_stays_a_country_code() -> None:
    assert parse_yaml("country: NO") == {"country": "NO"}


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "ON", "y", "n"])
def test_yes_no_on_off_stay_text(word: str) -> None:
    assert parse_yaml(f"title: {word}") == {"title": word}


def test_true_and_false_are_booleans() -> None:
    assert parse_yaml("draft: true\nother: false") == {"draft": True, "other": False}


def test_dates_stay_text_for_the_validator() -> None:
    assert parse_yaml("signed: 2023-09-14\nat: 2023-09-14 10:00:00+08:00") == {
        "signed": "2023-09-14",
        "at": "2023-09-14 10:00:00+08:00",
    }


def test_only_decimal_integers() -> None:
    assert parse_yaml("a: 2023\nb: 0777\nc: 1:30\nd: 0x1F") == {
        "a": 2023,
        "b": "0777",
        "c": "1:30",
        "d": "0x1F",
    }


def test_mapping_remembers_key_lines_counted_from_the_first_line() -> None:
    data = parse_yaml("title: A\n\nstatus: signed\n", first_line=2)
    assert isinstance(data, Mapping)
    assert data.line_of("title") == 2
    assert data.line_of("status") == 4


def test_a_key_given_twice_is_an_error_naming_both_lines() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("title: A\nstatus: signed\ntitle: B\n")
    assert (caught.value.line, caught.value.message) == (
        3,
        "`title` is given twice (first on line 1); keep one",
    )


def test_python_object_tags_are_refused() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("x: !!python/object/apply:os.system ['echo hacked']\n")
    assert caught.value.message.startswith("the tag `tag:yaml.org,2002:python/object/apply")


def test_custom_tags_are_refused() -> None:
    with pytest.raises(YamlError, match="the tag `!secret` is not allowed"):
        parse_yaml("x: !secret value\n")


def test_aliases_are_refused_so_alias_bombs_cannot_expand() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'
    with pytest.raises(YamlError) as caught:
        parse_yaml(bomb)
    assert caught.value.message == "anchors (`&a`) are not allowed; write the value out"
    assert caught.value.line == 1


def test_deep_nesting_is_refused_without_recursion() -> None:
    # libyaml (0.2.6 and later) stops this on a limit of its own, in its own words,
    # before our check sees the events: the message must still be ours.
    with pytest.raises(YamlError) as caught:
        parse_yaml("x: " + "[" * 5000 + "]" * 5000, first_line=2)
    assert (caught.value.line, caught.value.message) == (2, "nested more than 20 levels deep")


def nested(levels: int) -> str:
    """Values `levels` deep: `levels - 1` mappings, one key per line, then a text; the
    entries of the innermost mapping (its key and its value) are at level `levels`."""
    return "".join("  " * depth + "a:\n" for depth in range(levels - 1)) + "  " * levels + "x\n"


def test_twenty_levels_are_fine() -> None:
    data = parse_yaml(nested(20))
    for _ in range(19):
        data = data["a"]
    assert data == "x"


def test_twenty_one_levels_are_refused_on_the_line_that_goes_too_deep() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(nested(21))
    # line 20 holds the innermost key, the first entry at level 21
    assert (caught.value.line, caught.value.message) == (20, "nested more than 20 levels deep")


def test_tab_indentation_is_explained() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("sources:\n\t- title: x\n")
    assert caught.value.message == "a tab character; indent with spaces, not tabs"
    assert caught.value.line == 2


def test_broken_yaml_names_its_line() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("title: A\nsummary: [unclosed\n", first_line=2)
    assert caught.value.line >= 3
    assert caught.value.message.startswith("this is not valid YAML")


def test_merge_keys_are_refused() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("a:\n  <<: {b: 1}\n")
    assert (caught.value.line, caught.value.field) == (2, "a")
    assert caught.value.message == "merge keys (`<<`) are not allowed"


@pytest.mark.parametrize(
    ("escape", "code"),
    [("\\x0b", "U+000B"), ("\\0", "U+0000"), ("\\x1b", "U+001B"), ("\\x85", "U+0085")],
)
def test_control_characters_made_by_escapes_are_refused(escape: str, code: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(f'title: "a{escape}b"\n', first_line=2)
    assert (caught.value.line, caught.value.field) == (2, "title")
    assert caught.value.message.startswith(f"holds the invisible control character {code} ")


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\uffff", "\\ufdd0", "\\U0001FFFE"])
def test_surrogates_and_noncharacters_made_by_escapes_are_refused(escape: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(f'summary: "a{escape}b"\n')
    assert caught.value.field == "summary"
    assert caught.value.message.startswith(f"holds U+{escape[2:].upper().lstrip('0') or '0'}")


def test_the_field_is_named_through_lists_and_mappings() -> None:
    text = 'sources:\n  - title: ok\n  - title: ok\n    url: "https://a.example/\\x00"\n'
    with pytest.raises(YamlError) as caught:
        parse_yaml(text, first_line=2)
    assert (caught.value.line, caught.value.field) == (5, "sources[2].url")


def test_tabs_and_line_breaks_made_by_escapes_stay_allowed() -> None:
    assert parse_yaml('summary: "one\\ttwo\\nthree"\n') == {"summary": "one\ttwo\nthree"}


def test_characters_of_any_script_and_astral_planes_are_fine() -> None:
    text = 'name: "Пётр 北京 \\U0001F600 \\ufffd"\n'
    assert parse_yaml(text) == {"name": "Пётр 北京 \U0001f600 \ufffd"}


def outcome(text: str) -> tuple[object, ...]:
    """What parse_yaml makes of `text`: the value with every mapping's key lines, or the error."""

    def lines(value: object) -> object:
        if isinstance(value, Mapping):
            return [(key, value.line_of(key), lines(item)) for key, item in value.items()]
        if isinstance(value, list):
            return [lines(item) for item in value]
        return value

    try:
        return ("value", lines(parse_yaml(text, first_line=2)))
    except YamlError as error:
        return ("error", error.line, error.field, error.message)


@pytest.mark.skipif(yamlsafe._Fast is None, reason="PyYAML without libyaml")
@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("-:[]{},#'\"|>! \n\t\\abc12x_\u00e9\ufffe")), max_size=60
    )
    | st.sampled_from(["a:\n  b: [1, 2]\n  c: {d: e}\n", "- a\n- b: c\n  b: d\n", "x: 1\n" * 3])
)
def test_libyaml_composing_in_c_gives_what_the_checked_composer_gives(text: str) -> None:
    fast = outcome(text)
    saved, yamlsafe._Fast = yamlsafe._Fast, None
    try:
        slow = outcome(text)
    finally:
        yamlsafe._Fast = saved
    assert fast == slow


def test_without_unreadable_keeps_tabs_line_feeds_and_other_planes() -> None:
    assert without_unreadable("a\x0b\tb\n\ud800c\ufdd0😀\U0001fffe") == "a\tb\nc😀"
