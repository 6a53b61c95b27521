"""A disk cache of rendered Markdown bodies (and of other pure, expensive outputs), so that
unchanged bodies are never rendered twice.

An entry's key is a hash of the body's source, its file's path and the site's base path
(links are pointed under it, relative to the file's folder) and of a fingerprint of
everything else that decides the HTML: the versions of cmarkgfm (GitHub's cmark-gfm) and
nh3, the settings in portal/markdown/settings.py (allow-lists, URL schemes), the whole
source of the modules that render (portal/markdown/*.py, portal/content/links.py: a change
to any setting there counts) and CACHE_VERSION (see portal.cache.fingerprints). Change
the renderer and every key changes.

The cache is one SQLite file (`bodies.sqlite3` under the cache folder, `.cache/` by default).
It is only ever an accelerator: delete it at any time and the next build renders everything
and writes the same bytes. Each entry stores a checksum of its HTML; an entry whose checksum
does not match, or a file that is not a readable database, is ignored and rebuilt, never
trusted. Entries unused for PRUNE_AFTER_DAYS, or made by another renderer, are deleted.

The same file holds a second table, `outputs`: one entry per output name (a page's path,
the search bundle), stored under a key that the caller computes as a hash of *every* input
of that output (see `portal.render` and `portal.outputs.search`). A lookup hits only when the key is
the same; an entry whose checksum does not match is ignored. Storing an output replaces the
entry of the same name, so the table holds at most one entry per output.

A third table, `checks`, holds what the check learns from one content file on its own (its
record and problems from `validate.parse_record`, the links its body holds): one entry per
file, under a hash of the file's path and text and of `check_fingerprint()`: the source of
the modules that define the check and its result and of every module of this package they
import, and the versions of Python, PyYAML (and libyaml) and pycountry. The value is a
pickle, read back only when its checksum matches; one that cannot be read back as the
expected type is checked again. Checks across files (references, links to other records)
are never cached: they run on every build.

The pipeline owns the cache (an edge, like load and write); render stays pure and receives
the bodies already rendered.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from portal.cache.fingerprints import check_fingerprint, fingerprint
from portal.cache.stamps import format_stamps, parse_stamps, stamps_key, stamps_name
from portal.cache.tables import DAMAGED, PRUNE_AFTER_DAYS, TOUCH_AFTER_SECONDS, Tables, log
from portal.publish.write import Stamp
from portal.runtime.cores import PARALLEL_MIN_FILES, map_on_cores

if TYPE_CHECKING:
    from portal.content.load import RawFile

T = TypeVar("T")
Renderer = Callable[[Mapping[str, str]], Mapping[str, str]]
"""Renders bodies: {name: Markdown source} -> {name: sanitised HTML}."""


def _checksum(html: str) -> str:
    return hashlib.blake2b(html.encode("utf-8"), digest_size=16).hexdigest()


@dataclass
class BodyCache(Tables):
    """Rendered bodies on disk under `folder`, keyed by source and renderer fingerprint;
    pages and other outputs, the write stamps and checked files beside them."""

    _fingerprint: str = field(default_factory=fingerprint)
    _check_fingerprints: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False)
    _checks_kept: dict[str, object] = field(default_factory=dict, repr=False)  # by check key

    def key(self, source: str, name: str = "", context: str = "") -> str:
        data = "\0".join((self._fingerprint, name, context, source)).encode("utf-8")
        return hashlib.blake2b(data, digest_size=20).hexdigest()

    def render(
        self,
        sources: Mapping[str, str],
        renderer: Renderer,
        context: str = "",
    ) -> dict[str, str]:
        """{name: source} -> {name: HTML}: cached entries first, `renderer` for the rest.
        An entry is kept by source, name and `context` (the HTML of a body depends on its
        file and on the site's base path)."""
        keys = {name: self.key(source, name, context) for name, source in sources.items()}
        found = self._lookup(set(keys.values()))
        html: dict[str, str] = {}
        missing: dict[str, str] = {}
        for name, key in keys.items():
            if key in found:
                html[name] = found[key]
                self.stats.hits += 1
            else:
                missing[name] = sources[name]
                self.stats.misses += 1
        if missing:
            rendered = renderer(missing)
            html.update(rendered)
            self._store({keys[name]: rendered[name] for name in missing})
        return {name: html[name] for name in sources}

    # --- the bodies table --------------------------------------------------------

    def _lookup(self, keys: set[str]) -> dict[str, str]:
        if not keys or not self.path.exists():
            return {}
        connection = self._open()
        if connection is None:
            return {}
        found: dict[str, str] = {}
        stale: list[str] = []
        bad: list[str] = []
        now = time.time()
        try:
            with connection:
                rows = self._select(connection, "bodies", "key, html, checksum, used", sorted(keys))
                for key, html, checksum, used in rows:
                    if not isinstance(html, str) or checksum != _checksum(html):
                        bad.append(key)
                        continue
                    found[key] = html
                    if now - float(used) > TOUCH_AFTER_SECONDS:
                        stale.append(key)
                self._tidy(connection, "bodies", bad, stale, now)
        except sqlite3.DatabaseError as exc:
            log.warning("body cache %s is damaged (%s); rendering without it", self.path, exc)
            connection.close()
            self._discard()
            return {}
        connection.close()
        return found

    def _store(self, entries: Mapping[str, str]) -> None:
        connection = self._open()
        if connection is None:
            return
        now = time.time()
        try:
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO bodies VALUES (?, ?, ?, ?, ?)",
                    [
                        (key, self._fingerprint, html, _checksum(html), now)
                        for key, html in entries.items()
                    ],
                )
                connection.execute(
                    "DELETE FROM bodies WHERE fingerprint != ? OR used < ?",
                    (self._fingerprint, now - PRUNE_AFTER_DAYS * 86400),
                )
        except sqlite3.DatabaseError as exc:
            log.warning("body cache %s cannot be written (%s); discarding it", self.path, exc)
            connection.close()
            self._discard()
            return
        connection.close()

    # --- other outputs (pages, the search bundle) ------------------------------

    def lookup_outputs(self, keys: Mapping[str, str]) -> dict[str, bytes]:
        """{name: key} -> {name: data} for each output stored under exactly that key."""
        found = self._lookup_named("outputs", keys)
        self.stats.output_hits += len(found)
        self.stats.output_misses += len(keys) - len(found)
        return found

    def store_outputs(self, entries: Mapping[str, tuple[str, bytes]]) -> None:
        """Store {name: (key, data)}, each replacing the entry of the same name."""
        self._store_named("outputs", entries)

    # --- what the last build wrote into a site folder ----------------------------

    def lookup_stamps(self, out: Path) -> dict[str, Stamp]:
        """The stamps of what the last build wrote into `out` (see portal.publish.write), or {}."""
        name = stamps_name(out)
        data = self._lookup_named("outputs", {name: stamps_key(name)}).get(name)
        return parse_stamps(data) if data is not None else {}

    def store_stamps(self, out: Path, stamps: Mapping[str, Stamp]) -> None:
        """Keep `stamps` of what was just written into `out` for the next build."""
        name = stamps_name(out)
        self._store_named("outputs", {name: (stamps_key(name), format_stamps(stamps))})

    # --- what the check finds in one file ---------------------------------------

    def check_files(
        self, files: Sequence[RawFile], check: Callable[[RawFile], T], kind: type[T]
    ) -> list[T]:
        """[check(file) for file in files], each taken from the cache when the same file was
        checked by the same code before, else checked now (on every core: `check` is pure)
        and stored.

        An entry is a pickle of `check`'s result; one that cannot be read back as a `kind`
        (damaged, or made by a class that changed) is ignored and the file checked again.
        The key covers the modules that define `check` and `kind` (and all they import)."""
        modules = tuple(sorted({check.__module__, kind.__module__}))
        if modules not in self._check_fingerprints:
            self._check_fingerprints[modules] = check_fingerprint(modules)
        fingerprint = self._check_fingerprints[modules]
        keys = {raw.path: check_key(fingerprint, raw) for raw in files}
        # What this object read or made last time (the preview checks again on every save):
        # the same key is the same file checked by the same code, so the same value.
        kept = {key: v for key, v in self._checks_kept.items() if type(v) is kind}
        found = self._lookup_named("checks", {n: k for n, k in keys.items() if k not in kept})
        results: dict[str, T] = {}
        unreadable = 0
        for raw in files:
            value: T | None = kept.get(keys[raw.path])
            if value is None:
                data = found.get(raw.path)
                value = unpickle(data, kind) if data is not None else None
                unreadable += value is None and data is not None
            if value is not None:
                results[raw.path] = value
        misses = [raw for raw in files if raw.path not in results]
        made: dict[str, tuple[str, bytes]] = {}
        for raw, value in zip(misses, map_on_cores(check, misses, PARALLEL_MIN_FILES), strict=True):
            results[raw.path] = value
            made[raw.path] = (keys[raw.path], pickle.dumps(value, protocol=5))
        self.stats.check_misses += len(misses)
        self.stats.check_hits += len(files) - len(misses)
        if unreadable:
            self.stats.rejected += unreadable
            log.warning(DAMAGED["checks"], unreadable)
        self._store_named("checks", made)
        self._checks_kept = {keys[raw.path]: results[raw.path] for raw in files}
        return [results[raw.path] for raw in files]


def check_key(fingerprint: str, raw: RawFile) -> str:
    """The key of one content file's check: its section, name, path and text, and the
    fingerprint of the code that checks it."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (fingerprint, raw.section, raw.stem, raw.path, raw.text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def unpickle(data: bytes, kind: type[T]) -> T | None:
    """The value pickled in `data` when it is a `kind`, else None (never raises)."""
    try:
        value = pickle.loads(data)
    except Exception:  # whatever a damaged pickle raises, it is not trusted
        return None
    return value if type(value) is kind else None
