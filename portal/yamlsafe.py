"""A strict YAML reader for front matter and site.yaml: pure, str in, data out.

PyYAML's SafeLoader, tightened where YAML surprises editors:

- only `true`/`false` are booleans: `NO` (Norway), `yes`, `on` and `off` stay text;
- dates and times are not converted: `2023-09-14` stays a string, and the
  validator parses it, so a date with a time or an offset is refused, never shifted;
- integers are plain decimal (no octal `0777`, no sexagesimal `1:30`);
- a key given twice is an error (PyYAML silently keeps the last);
- anchors and aliases are refused (no alias bombs), tags other than the standard
  ones are refused (nothing builds Python objects), nesting is capped.

Every mapping comes back as a `Mapping` (a dict) that remembers the line of each key.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_DEPTH = 20


class YamlError(Exception):
    """A problem in YAML text, with the 1-based line where it was found."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Mapping(dict[str, Any]):
    """A YAML mapping that knows the line of each of its keys."""

    def __init__(self, items: list[tuple[str, Any]], lines: dict[str, int], line: int) -> None:
        super().__init__(items)
        self.lines = lines
        self.line = line

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


# libyaml's C parser turns the text into events (most of the time YAML takes); the
# composer (below), resolver and constructor stay PyYAML's Python ones, so the
# checks stay ours. Without libyaml, PyYAML's own Python parser does the same job.
class _PythonEvents(Reader, Scanner, Parser):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


_Events: Any
try:
    from yaml.cyaml import CParser as _Events  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Events = _PythonEvents


class _Loader(Composer, _Events, SafeConstructor, Resolver):  # type: ignore[misc]
    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: Any = self.peek_event()
        if type(event).__name__ == "AliasEvent":
            raise YamlError(
                "anchors and aliases (`*name`) are not allowed; write the value out",
                event.start_mark.line + 1,
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlError(
                f"anchors (`&{anchor}`) are not allowed; write the value out",
                event.start_mark.line + 1,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlError(
                    f"nested more than {MAX_DEPTH} levels deep", event.start_mark.line + 1
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _Loader, node: MappingNode) -> Mapping:
    items: list[tuple[str, Any]] = []
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise YamlError("merge keys (`<<`) are not allowed", line)
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key) if isinstance(key, (int, bool)) or key is None else repr(key)
        if key in lines:
            raise YamlError(f"`{key}` is given twice (first on line {lines[key]}); keep one", line)
        lines[key] = line
        items.append((key, loader.construct_object(value_node, deep=True)))
    return Mapping(items, lines, node.start_mark.line + 1)


def _construct_unknown(loader: _Loader, node: Node) -> Any:
    raise YamlError(f"the tag `{node.tag}` is not allowed", node.start_mark.line + 1)


# Resolvers: start from SafeLoader's, minus bool/int/timestamp, plus strict ones.
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag
        not in {
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:timestamp",
        }
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_unknown)
_Loader.add_constructor("tag:yaml.org,2002:set", _construct_unknown)
_Loader.add_constructor("tag:yaml.org,2002:omap", _construct_unknown)
_Loader.add_constructor("tag:yaml.org,2002:pairs", _construct_unknown)
_Loader.add_constructor("tag:yaml.org,2002:binary", _construct_unknown)
_Loader.add_constructor(None, _construct_unknown)


def _describe(exc: yaml.YAMLError, source: str) -> tuple[str, int]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc)
    lines = source.split("\n")
    at = lines[line - 1][mark.column : mark.column + 1] if mark and line <= len(lines) else ""
    if "found character '\\t'" in problem or (at == "\t" and "cannot start" in problem):
        return "a tab character; indent with spaces, not tabs", line
    context = getattr(exc, "context", None)
    text = f"{context}, {problem}" if context else problem
    return f"this is not valid YAML ({text})", line


def parse_yaml(text: str, first_line: int = 1) -> Any:
    """Parse one YAML document; raise YamlError with a line counted from first_line."""
    # Leading newlines make every mark count lines of the whole file.
    loader: _Loader | None = None
    try:
        loader = _Loader("\n" * (first_line - 1) + text)
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        message, line = _describe(exc, "\n" * (first_line - 1) + text)
        raise YamlError(message, line) from None
    except RecursionError:
        raise YamlError(f"nested more than {MAX_DEPTH} levels deep", first_line) from None
    finally:
        if loader is not None:
            loader.dispose()
