"""The Jinja environment every page is rendered in: its settings, filters and globals."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import jinja2

from portal.content.fields import country_name
from portal.model.site import Site
from portal.model.values import PartialDate
from portal.pages import urls, values, views


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process (the preview server rebuilds
    many times). Jinja checks each entry against a hash of the template's source, so an
    edited template is compiled afresh: the output is the same as without the cache."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


_BYTECODE = _MemoryBytecodeCache()


def make_env(templates: Path, site: Site) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=_BYTECODE,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build sees the templates it fingerprinted: no stat per page
    )
    config = site.config
    # Every page links the same few thousand URLs, many of them again and again.
    env.filters["href"] = functools.cache(lambda url: urls.href(config, url))
    env.filters["absolute"] = lambda url: urls.absolute(config, url)
    env.filters["country"] = country_name
    env.filters["date"] = lambda d: d.display() if isinstance(d, PartialDate) else str(d)
    env.globals["urls"] = urls
    # What the base layout shows on every page: the main navigation and the build day.
    env.globals["menu"] = views.nav(site)
    env.globals["build_day"] = values.day(PartialDate.of(site.today))
    return env
