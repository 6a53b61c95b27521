"""GitHub's Markdown parser (cmark-gfm) as a tree we can read and edit. No site rules here.

`cmarkgfm` builds GitHub's cmark-gfm into a C library and declares, for Python, only the
functions that render a whole text at once. The library exports the rest of cmark-gfm's
API (nodes, iterators, editing); this module declares the few functions we use, with
their C signatures from `cmark-gfm.h`, and opens that same library through cffi's ABI
mode. The parser, the extensions and the HTML renderer are GitHub's, byte for byte.

`parse(text)` gives a `Document`: walk its nodes (`nodes()`), read and edit them, then
`html()`. A Document owns C memory: use it in a `with` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, NamedTuple

import cffi  # type: ignore[import-untyped]
from cmarkgfm import _cmark  # type: ignore[import-untyped]

EXTENSIONS = (b"table", b"strikethrough", b"autolink", b"tasklist")
"""GitHub's extensions but its tag filter: raw HTML goes to our allow-list instead."""

_CDEF = """
typedef struct cmark_node cmark_node;
typedef struct cmark_parser cmark_parser;
typedef struct cmark_syntax_extension cmark_syntax_extension;
typedef struct _cmark_llist { struct _cmark_llist *next; void *data; } cmark_llist;
typedef struct cmark_mem {
  void *(*calloc)(size_t, size_t); void *(*realloc)(void *, size_t); void (*free)(void *);
} cmark_mem;
cmark_mem *cmark_get_default_mem_allocator(void);
void cmark_gfm_core_extensions_ensure_registered(void);
cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
cmark_parser *cmark_parser_new(int options);
void cmark_parser_free(cmark_parser *parser);
int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *ext);
cmark_llist *cmark_parser_get_syntax_extensions(cmark_parser *parser);
void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
cmark_node *cmark_parser_finish(cmark_parser *parser);
char *cmark_render_html(cmark_node *root, int options, cmark_llist *extensions);
cmark_node *cmark_node_new(int type);
void cmark_node_free(cmark_node *node);
int cmark_node_get_type(cmark_node *node);
cmark_node *cmark_node_first_child(cmark_node *node);
cmark_node *cmark_node_next(cmark_node *node);
cmark_node *cmark_node_parent(cmark_node *node);
cmark_node *cmark_node_previous(cmark_node *node);
const char *cmark_node_get_literal(cmark_node *node);
int cmark_node_set_literal(cmark_node *node, const char *content);
int cmark_node_get_heading_level(cmark_node *node);
const char *cmark_node_get_url(cmark_node *node);
int cmark_node_set_on_enter(cmark_node *node, const char *on_enter);
int cmark_node_set_on_exit(cmark_node *node, const char *on_exit);
int cmark_node_get_start_line(cmark_node *node);
int cmark_node_get_end_line(cmark_node *node);
int cmark_node_append_child(cmark_node *node, cmark_node *child);
int cmark_node_insert_before(cmark_node *node, cmark_node *sibling);
"""

_ffi = cffi.FFI()
_ffi.cdef(_CDEF)
_lib: Any = _ffi.dlopen(_cmark.__file__)
_lib.cmark_gfm_core_extensions_ensure_registered()
_EXTENSIONS = [_lib.cmark_find_syntax_extension(name) for name in EXTENSIONS]
_FREE = _lib.cmark_get_default_mem_allocator().free

OPT_UNSAFE = int(_cmark.lib.CMARK_OPT_UNSAFE)  # raw HTML is output: our allow-list decides
OPT_VALIDATE_UTF8 = int(_cmark.lib.CMARK_OPT_VALIDATE_UTF8)

# Node types (cmark-gfm.h): blocks are 0x8000 | n, inlines 0xc000 | n.
DOCUMENT, BLOCK_QUOTE, LIST, ITEM, CODE_BLOCK, HTML_BLOCK, CUSTOM_BLOCK = range(0x8001, 0x8008)
PARAGRAPH, HEADING = 0x8008, 0x8009
TEXT, SOFTBREAK, LINEBREAK, CODE, HTML_INLINE, CUSTOM_INLINE = range(0xC001, 0xC007)
EMPH, STRONG, LINK, IMAGE = range(0xC007, 0xC00B)
THEMATIC_BREAK = 0x800A
_LEAVES = frozenset(
    {CODE_BLOCK, HTML_BLOCK, THEMATIC_BREAK, TEXT, SOFTBREAK, LINEBREAK, CODE, HTML_INLINE}
)


class Node(NamedTuple):
    """One node of a Document (valid while the Document is open)."""

    ptr: Any
    type: int

    @property
    def address(self) -> int:
        """Where the node is in memory: the same node gives the same number."""
        return int(_ffi.cast("uintptr_t", self.ptr))

    @property
    def line(self) -> int:
        """The line it starts on (1 = the text's first); 0 when cmark does not say."""
        return int(_lib.cmark_node_get_start_line(self.ptr))

    @property
    def end_line(self) -> int:
        return int(_lib.cmark_node_get_end_line(self.ptr))

    def parent(self) -> Node | None:
        return _node(_lib.cmark_node_parent(self.ptr))

    def previous(self) -> Node | None:
        return _node(_lib.cmark_node_previous(self.ptr))

    def next(self) -> Node | None:
        return _node(_lib.cmark_node_next(self.ptr))

    @property
    def is_inline(self) -> bool:
        return self.type & 0x4000 != 0

    @property
    def literal(self) -> str:
        value = _lib.cmark_node_get_literal(self.ptr)
        return "" if value == _ffi.NULL else _ffi.string(value).decode("utf-8")

    def set_literal(self, text: str) -> None:
        _lib.cmark_node_set_literal(self.ptr, text.encode("utf-8"))

    @property
    def url(self) -> str:
        value = _lib.cmark_node_get_url(self.ptr)
        return "" if value == _ffi.NULL else _ffi.string(value).decode("utf-8")

    @property
    def level(self) -> int:
        return int(_lib.cmark_node_get_heading_level(self.ptr))

    def children(self) -> Iterator[Node]:
        child = _lib.cmark_node_first_child(self.ptr)
        while child:
            following = _lib.cmark_node_next(child)
            yield Node(child, int(_lib.cmark_node_get_type(child)))
            child = following

    def descendants(self) -> Iterator[Node]:
        for child in self.children():
            yield child
            yield from child.descendants()


def _node(pointer: Any) -> Node | None:
    return Node(pointer, int(_lib.cmark_node_get_type(pointer))) if pointer else None


class Document:
    """A parsed text: its nodes, editable, then its HTML. Frees its C memory on exit."""

    def __init__(self, text: str, options: int = 0) -> None:
        data = text.encode("utf-8")
        self._options = options | OPT_VALIDATE_UTF8
        self._parser = _lib.cmark_parser_new(self._options)
        for extension in _EXTENSIONS:
            _lib.cmark_parser_attach_syntax_extension(self._parser, extension)
        _lib.cmark_parser_feed(self._parser, data, len(data))
        self._root = _lib.cmark_parser_finish(self._parser)

    def __enter__(self) -> Document:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _lib.cmark_node_free(self._root)
        _lib.cmark_parser_free(self._parser)

    def select(
        self, blocks: frozenset[int], inlines: frozenset[int], lines: frozenset[int]
    ) -> list[Node]:
        """The nodes of the types in `blocks`, and in `inlines` on the `lines` given (1 =
        the text's first), in document order. Inlines are looked for only in the
        paragraphs, headings and table cells that have one of `lines`: a long text has
        many more inlines than blocks, and each node costs a few calls into C."""
        lib = _lib
        first_child, following, type_of = (
            lib.cmark_node_first_child,
            lib.cmark_node_next,
            lib.cmark_node_get_type,
        )
        start_line, end_line = lib.cmark_node_get_start_line, lib.cmark_node_get_end_line
        wanted = blocks | inlines
        found: list[Node] = []
        waiting = [first_child(self._root)]
        while waiting:
            node = waiting.pop()
            while node:  # a NULL pointer is false
                kind = type_of(node)
                if kind in wanted:
                    found.append(Node(node, kind))
                if kind in _LEAVES or (
                    kind in _INLINE_HOLDERS
                    and (
                        not inlines or lines.isdisjoint(range(start_line(node), end_line(node) + 1))
                    )
                ):
                    node = following(node)
                    continue
                child = first_child(node)
                if child:
                    waiting.append(following(node))
                    node = child
                else:
                    node = following(node)
        return found

    def wrap(self, node: Node, on_enter: str, on_exit: str) -> None:
        """Replace block `node` by one that writes `on_enter`, `node`'s children and
        `on_exit` on one line (how a heading gets attributes: cmark writes none)."""
        block = _lib.cmark_node_new(CUSTOM_BLOCK)  # writes nothing but line breaks
        inline = _lib.cmark_node_new(CUSTOM_INLINE)
        _lib.cmark_node_set_on_enter(inline, on_enter.encode("utf-8"))
        _lib.cmark_node_set_on_exit(inline, on_exit.encode("utf-8"))
        _lib.cmark_node_append_child(block, inline)
        for child in list(node.children()):
            _lib.cmark_node_append_child(inline, child.ptr)
        _lib.cmark_node_insert_before(node.ptr, block)
        _lib.cmark_node_free(node.ptr)

    def html(self) -> str:
        extensions = _lib.cmark_parser_get_syntax_extensions(self._parser)
        out = _lib.cmark_render_html(self._root, self._options | OPT_UNSAFE, extensions)
        try:
            return str(_ffi.string(out).decode("utf-8"))
        finally:
            _FREE(out)


def _table_cell_type() -> int:
    """The type number the table extension registered for its cells."""
    with Document("| a |\n| - |\n") as document:
        table = _lib.cmark_node_first_child(document._root)
        row = _lib.cmark_node_first_child(table)
        return int(_lib.cmark_node_get_type(_lib.cmark_node_first_child(row)))


_INLINE_HOLDERS = frozenset({PARAGRAPH, HEADING, _table_cell_type()})


def parse(text: str) -> Document:
    """Parse GitHub-flavoured Markdown; use the result in a `with` block."""
    return Document(text)
