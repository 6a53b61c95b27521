"""A strict YAML reader for front matter and site.yaml: pure, str in, data out.

PyYAML's SafeLoader, tightened where YAML surprises editors:

- only `true`/`false` are booleans: `NO` (Norway), `yes`, `on` and `off` stay text;
- dates and times are not converted: `2023-09-14` stays a string, and the
  validator parses it, so a date with a time or an offset is refused, never shifted;
- integers are plain decimal (no octal `0777`, no sexagesimal `1:30`);
- a key given twice is an error (PyYAML silently keeps the last);
- anchors and aliases are refused (no alias bombs), tags other than the standard
  ones are refused (nothing builds Python objects), nesting is capped at `MAX_DEPTH`
  with our own message, whichever PyYAML (and libyaml) is installed;
- a text value may not hold a character that no page, feed or calendar can carry
  (see `unreadable`), however it got there: YAML's escapes in double quotes (`"\x0b"`,
  `"\ud800"`, `"\uffff"`) make such characters out of plain ASCII.

Every mapping comes back as a `Mapping` (a dict) that remembers the line of each key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_DEPTH = 20


class YamlError(Exception):
    """A problem in YAML text, with the 1-based line where it was found and, when it is
    inside a value, the field that holds it (`title`, `sources[2].url`)."""

    def __init__(self, message: str, line: int, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field

    def within(self, outer: str) -> YamlError:
        """Name the field from one level further out: `url` within `[2]` is `[2].url`."""
        joiner = "" if not self.field or self.field.startswith("[") else "."
        self.field = f"{outer}{joiner}{self.field}" if outer else self.field
        return self


# Characters a text value may not hold: C0 controls but tab and line feed; DEL and the
# C1 controls; lone surrogates (half of a UTF-16 pair, not a character); and Unicode's
# noncharacters (U+FDD0-U+FDEF and the last two code points of every plane). XML 1.0
# (the Atom feeds), iCalendar and the HTML spec refuse them, and no font draws them.
# Those of the other planes are found apart: a class listing them makes every search
# over a whole file ten times slower, and characters beyond the first plane are rare.
_UNREADABLE_BMP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def find_unreadable(text: str) -> int | None:
    """The index of the first character of `text` that no reader may be given, if any."""
    match = _UNREADABLE_BMP.search(text)
    end = match.start() if match else len(text)
    for astral in _ASTRAL.finditer(text, 0, end):
        if ord(astral.group()) & 0xFFFE == 0xFFFE:
            return astral.start()
    return match.start() if match else None


def without_unreadable(text: str) -> str:
    """`text` with every character that no reader may be given taken out."""
    text = _UNREADABLE_BMP.sub("", text)
    return _ASTRAL.sub(lambda m: "" if ord(m.group()) & 0xFFFE == 0xFFFE else m.group(), text)


def unreadable(value: str) -> str | None:
    """Why `value` cannot be published as it is, naming its first unreadable character and
    saying what to write instead; None when every character is fine."""
    index = find_unreadable(value)
    if index is None:
        return None
    code = ord(value[index])
    name = f"U+{code:04X}"
    if code == 0x0D:
        return f"holds a carriage return ({name}); write a line break instead"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return (
            f"holds the invisible control character {name} (`\\x{code:02x}` in quotes makes "
            "one); delete it, and write a line break or a space where one was meant"
        )
    if 0xD800 <= code <= 0xDFFF:
        return (
            f"holds {name}, half of a UTF-16 surrogate pair, which is not a character; type the "
            "character itself, or write it in quotes as `\\U` and its eight-digit code point "
            "(`\\U0001F600`)"
        )
    return f"holds {name}, which Unicode reserves as a noncharacter; delete it"


class Mapping(dict[str, Any]):
    """A YAML mapping that knows the line of each of its keys."""

    def __init__(self, items: list[tuple[str, Any]], lines: dict[str, int], line: int) -> None:
        super().__init__(items)
        self.lines = lines
        self.line = line

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


# The checks below are PyYAML's Python composer, constructor and resolver, tightened;
# the events they read come from libyaml's C parser (most of the time YAML takes) or,
# without libyaml or when it stops on its own limits, from PyYAML's Python parser.
class _PythonEvents(Reader, Scanner, Parser):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


class _Strict(Composer, SafeConstructor, Resolver):
    """The checks; a subclass adds where the events come from."""

    def __init__(self) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    peek_event: Callable[[], Any]  # from the parser that a subclass adds

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


class _PythonLoader(_Strict, _PythonEvents):
    def __init__(self, stream: str) -> None:
        _PythonEvents.__init__(self, stream)
        _Strict.__init__(self)


_Loader: type[_Strict]
_Fast: Any = None
try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CLoader(_Strict, CParser):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Strict.__init__(self)

    class _FastLoader(CParser, SafeConstructor, Resolver):
        """libyaml composes the whole document in C (CParser first: its composer, not
        ours); our resolvers and constructors (set below) read it. For YAML that can
        hold no anchor or alias and cannot nest deep enough to strain the C composer
        (see `_fast_enough`); the depth is checked on the composed nodes."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _Loader = _CLoader
    _Fast = _FastLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PythonLoader


def _construct_mapping(loader: Any, node: MappingNode) -> Mapping:
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
        try:
            items.append((key, loader.construct_object(value_node, deep=True)))
        except YamlError as exc:
            raise exc.within(key) from None
    return Mapping(items, lines, node.start_mark.line + 1)


def _construct_sequence(loader: Any, node: SequenceNode) -> list[Any]:
    items: list[Any] = []
    for index, item_node in enumerate(node.value, start=1):
        try:
            items.append(loader.construct_object(item_node, deep=True))
        except YamlError as exc:
            raise exc.within(f"[{index}]") from None
    return items


def _construct_str(loader: Any, node: ScalarNode) -> str:
    value = str(loader.construct_scalar(node))
    why = unreadable(value)
    if why is not None:
        raise YamlError(why, node.start_mark.line + 1)
    return value


def _construct_unknown(loader: Any, node: Node) -> Any:
    raise YamlError(f"the tag `{node.tag}` is not allowed", node.start_mark.line + 1)


# Resolvers: start from SafeLoader's, minus bool/int/timestamp, plus strict ones.
_Strict.yaml_implicit_resolvers = {
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
_Strict.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Strict.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Strict.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Strict.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Strict.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Strict.add_constructor("tag:yaml.org,2002:timestamp", _construct_unknown)
_Strict.add_constructor("tag:yaml.org,2002:set", _construct_unknown)
_Strict.add_constructor("tag:yaml.org,2002:omap", _construct_unknown)
_Strict.add_constructor("tag:yaml.org,2002:pairs", _construct_unknown)
_Strict.add_constructor("tag:yaml.org,2002:binary", _construct_unknown)
_Strict.add_constructor(None, _construct_unknown)
if _Fast is not None:
    _Fast.yaml_implicit_resolvers = _Strict.yaml_implicit_resolvers
    _Fast.yaml_constructors = _Strict.yaml_constructors

_DEEP_INDENT = re.compile(r"^ {200}", re.MULTILINE)


def _fast_enough(source: str) -> bool:
    """Whether libyaml may compose `source` in C: no `&` or `*` (so no anchor or alias
    to refuse), and too few brackets and too little indentation to nest hundreds deep
    (the C composer recurses, and only libyaml 0.2.6 and later cap it)."""
    return (
        "&" not in source
        and "*" not in source
        and source.count("[") + source.count("{") < 200
        and _DEEP_INDENT.search(source) is None
    )


def _check_depth(root: Node) -> None:
    """Our nesting rule, on composed nodes: what the Python composer checks as it goes."""
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise YamlError(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
        if isinstance(node, SequenceNode):
            stack.extend((child, depth + 1) for child in reversed(node.value))
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.extend([(value, depth + 1), (key, depth + 1)])


def _load_fast(source: str) -> Any:
    loader = _Fast(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_depth(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


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
    source = "\n" * (first_line - 1) + text
    try:
        if _Fast is not None and _fast_enough(source):
            return _load_fast(source)
        return _load(source, _Loader)
    except yaml.YAMLError as exc:
        refused = exc
    if _Loader is not _PythonLoader:
        # libyaml reads far ahead of the events it has handed over (to tell a key from a
        # value) and may stop on limits of its own, in its own words (libyaml 0.2.6 caps
        # nesting), before our checks see those events. PyYAML's Python parser reads a
        # token at a time, so our checks come first; it runs only on YAML that is refused.
        try:
            return _load(source, _PythonLoader)
        except yaml.YAMLError as exc:
            refused = exc
    message, line = _describe(refused, source)
    raise YamlError(message, line) from None


def _load(source: str, loader_class: type[_Strict]) -> Any:
    loader: Any = loader_class(source)  # type: ignore[call-arg]
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
