"""The package's imports point one way: down the layers, never up, never in a circle.

Every import of every module of portal/ counts, read with `ast`: at module level, inside
functions, and under `if TYPE_CHECKING:` (a type-only import is still a dependency).
`from portal.pages import urls` is an import of the module portal.pages.urls;
`from portal.pages.urls import href` one of portal.pages.urls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "portal"

# From the top down: a module may import from its own layer and from the layers below it.
# A module belongs to the first entry whose name is it or a package holding it.
LAYERS: list[tuple[str, ...]] = [
    ("portal.cli", "portal.options", "portal.scaffold"),  # the commands
    ("portal.preview",),  # serve: HTTP, live reload, watcher, quick rebuilds
    ("portal.pipeline", "portal.render"),  # the stages in order
    ("portal.outputs",),  # Site -> feeds, calendar, open data, sitemap, search
    ("portal.pages",),  # Site -> HTML; the render context the outputs share
    ("portal.history",),  # git -> revisions
    ("portal.cache",),  # pure steps kept between builds
    ("portal.content",),  # files -> Site
    ("portal.markdown",),  # Markdown -> safe HTML
    ("portal.publish",),  # output files -> site/
    ("portal.runtime",),  # cancellation, worker processes
    ("portal.model", "portal"),  # data only
]


def module_names(package: Path = PACKAGE) -> dict[str, Path]:
    """{dotted name: file} of every module of the package (a package is its __init__)."""
    names: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(source: str, name: str, modules: Iterable[str]) -> set[str]:
    """The modules of the package that `source` (the module `name`) imports, anywhere in it."""
    known = set(modules)
    is_package = any(other.startswith(name + ".") for other in known)
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .x import y
                parts = package.split(".")
                up = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{up}.{base}" if base else up
            # `from portal.pages import urls`: the module portal.pages.urls; else the
            # module (or package) the name is taken from
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # the longest known module the name is, or is in
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(package)
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, modules)
        for name, path in modules.items()
    }


def layer_of(module: str, layers: list[tuple[str, ...]] = LAYERS) -> int:
    for number, names in enumerate(layers):
        if any(module == n or (n != "portal" and module.startswith(n + ".")) for n in names):
            return number
    raise LookupError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def upward_imports(
    graph: Mapping[str, set[str]], layers: list[tuple[str, ...]] = LAYERS
) -> list[str]:
    """Every import of a module from a layer above its own."""
    return [
        f"{module} imports {target}, a layer above it"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer_of(target, layers) < layer_of(module, layers)
    ]


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or not (Tarjan's strongly
    connected components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --- the package ----------------------------------------------------------------------------


def test_every_module_is_in_a_layer() -> None:
    for module in module_names():
        layer_of(module)


def test_no_module_imports_from_a_layer_above_it() -> None:
    found = upward_imports(import_graph())
    assert not found, "\n".join(found)


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "\n".join("import cycle: " + " <-> ".join(group) for group in found)


def test_the_graph_sees_imports_inside_functions_and_type_checking() -> None:
    graph = import_graph()
    assert "portal.preview.serve" in graph["portal.cli"]  # imported inside a function
    assert "portal.pages.urls" in graph["portal.pages.views"]  # from portal.pages import urls


# --- the checks themselves can fail ------------------------------------------------------------


def test_an_import_from_above_is_found() -> None:
    modules = ["portal.content.fields", "portal.pipeline", "portal.model"]
    source = "def f():\n    from portal.pipeline import build_site\n"
    graph = {"portal.content.fields": imports_of(source, "portal.content.fields", modules)}
    assert upward_imports(graph) == [
        "portal.content.fields imports portal.pipeline, a layer above it"
    ]


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"], ["e"]]


def test_a_type_only_import_counts() -> None:
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from portal.render import X\n"
    )
    modules = ["portal.render", "portal.pages.urls"]
    assert imports_of(source, "portal.pages.urls", modules) == {"portal.render"}
