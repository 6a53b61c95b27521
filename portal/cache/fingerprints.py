"""Fingerprints of the code and libraries that decide a cached value, so that a change to
any of them changes every key: the renderer of bodies (`fingerprint`) and the check of
one content file (`check_fingerprint`, which follows the check's imports)."""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.metadata
import inspect
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from portal.markdown import markup

CACHE_VERSION = 1  # bump when the way entries are made or stored changes
CHECK_CACHE_VERSION = 1  # bump when the way check entries are made or stored changes


def version(distribution: str) -> str:
    """The installed version of `distribution` ("unknown" if it is not installed)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed by pyproject
        return "unknown"


def folder_digest(folder: Path, pattern: str) -> str:
    """A hash of every file under `folder` whose name matches `pattern`: its path and its
    bytes (of nothing, when there is no such folder)."""
    digest = hashlib.blake2b(digest_size=20)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
            name = path.relative_to(folder).as_posix().encode("utf-8")
            data = path.read_bytes()
            digest.update(b"%d:%s%d:" % (len(name), name, len(data)))
            digest.update(data)
    return digest.hexdigest()


def fingerprint() -> str:
    """A hash of everything besides the source that decides a body's HTML."""
    from portal.content import links  # what points links
    from portal.markdown import gfm, headings, rawhtml, reading, settings  # what markup uses

    values = {
        f"{module.__name__}.{name}": repr(_canonical(value))
        for module in (markup, settings)
        for name, value in sorted(vars(module).items())
        if name.isupper() and not name.startswith("_")
    }
    parts = [
        f"cache {CACHE_VERSION}",
        f"cmarkgfm {version('cmarkgfm')}",
        f"nh3 {version('nh3')}",
        f"settings {sorted(values.items())!r}",
        *(
            "source " + hashlib.sha256(inspect.getsource(module).encode("utf-8")).hexdigest()
            for module in (markup, settings, rawhtml, headings, reading, gfm, links)
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def check_fingerprint(modules: Sequence[str]) -> str:
    """A hash of everything besides a file's own path and text that decides what the check
    of that one file finds: the source of `modules` (those that define the check and its
    result) and of every module of this package they import (found by reading their
    imports, so a new import counts by itself), and the versions of Python, PyYAML, libyaml,
    pycountry and cmarkgfm (which finds a body's links)."""
    sources = _package_sources(modules)
    parts = [
        f"check cache {CHECK_CACHE_VERSION}",
        f"python {sys.version}",
        f"pyyaml {yaml.__version__} libyaml {_libyaml_version()}",
        f"pycountry {version('pycountry')}",
        f"cmarkgfm {version('cmarkgfm')}",
        *(
            f"{name} " + hashlib.sha256(source.encode("utf-8")).hexdigest()
            for name, source in sorted(sources.items())
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _libyaml_version() -> str:
    if not getattr(yaml, "__with_libyaml__", False):
        return "none"
    from yaml import _yaml

    return str(_yaml.get_version_string())


def _package_sources(roots: Sequence[str]) -> dict[str, str]:
    """{module name: source} for `roots` and every `portal.` module they import, directly or
    not (also imports inside functions and under TYPE_CHECKING: more is only safer)."""
    sources: dict[str, str] = {}
    waiting = list(roots)
    while waiting:
        name = waiting.pop()
        if name in sources:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:  # `from portal.x import name` of something not a module
            continue
        source = inspect.getsource(module)
        sources[name] = source
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                waiting.extend(a.name for a in node.names if a.name.startswith("portal."))
            elif (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and node.module
                and (node.module == "portal" or node.module.startswith("portal."))
            ):
                # `from portal.content import fields`: a module, or a name in a module
                waiting.extend(f"{node.module}.{a.name}" for a in node.names)
                if node.module != "portal":
                    waiting.append(node.module)
    return sources


def _canonical(value: object) -> object:
    """Sets and dicts in a stable order, so that the fingerprint does not depend on hashing."""
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, dict):
        return sorted(((repr(k), _canonical(v)) for k, v in value.items()), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    if isinstance(value, re.Pattern):
        return ("re", value.pattern, value.flags)
    # An object (such as a Markdown extension instance): its class and, for an extension,
    # its configuration; never its repr, which holds a memory address.
    kind = value if isinstance(value, type) else type(value)
    configs = getattr(value, "getConfigs", None)
    described = _canonical(configs()) if callable(configs) and not isinstance(value, type) else None
    return (kind.__module__, kind.__qualname__, described)
