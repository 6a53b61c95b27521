"""The strict YAML reader: what YAML 1.1 would surprise an editor with, and what it refuses."""

from __future__ import annotations

import pytest

from portal.yamlsafe import Mapping, YamlError, parse_yaml


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
    with pytest.raises(YamlError, match="nested more than 20 levels deep"):
        parse_yaml("x: " + "[" * 5000 + "]" * 5000)


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
    with pytest.raises(YamlError):
        parse_yaml("a:\n  <<: {b: 1}\n")
