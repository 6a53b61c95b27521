"""A disk cache of rendered Markdown bodies (and of other pure, expensive outputs), so that
unchanged bodies are never rendered twice.

An entry's key is a hash of the body's source and of a fingerprint of everything else that
decides the HTML: the versions of Python-Markdown and nh3, the settings in portal/markup.py
(extensions, allow-lists, URL schemes: the module's whole source is hashed, so a change to
any setting there counts) and CACHE_VERSION. Change the renderer and every key changes.

The cache is one SQLite file (`bodies.sqlite3` under the cache folder, `.cache/` by default).
It is only ever an accelerator: delete it at any time and the next build renders everything
and writes the same bytes. Each entry stores a checksum of its HTML; an entry whose checksum
does not match, or a file that is not a readable database, is ignored and rebuilt, never
trusted. Entries unused for PRUNE_AFTER_DAYS, or made by another renderer, are deleted.

The same file holds a second table, `outputs`: one entry per output name (a page's path,
the search bundle), stored under a key that the caller computes as a hash of *every* input
of that output (see `portal.render` and `portal.search`). A lookup hits only when the key is
the same; an entry whose checksum does not match is ignored. Storing an output replaces the
entry of the same name, so the table holds at most one entry per output.

The pipeline owns the cache (an edge, like load and write); render stays pure and receives
the bodies already rendered.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import inspect
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portal import markup

log = logging.getLogger("portal")
DAMAGED = {
    "bodies": "body cache: %d damaged entries will be rendered again",
    "outputs": "output cache: %d damaged entries will be made again",
}

CACHE_VERSION = 1  # bump when the way entries are made or stored changes
DEFAULT_DIR = Path(".cache")
FILE_NAME = "bodies.sqlite3"
PRUNE_AFTER_DAYS = 30
LOOKUP_CHUNK = 500  # keys per query, under SQLite's limit on parameters
TOUCH_AFTER_SECONDS = 24 * 3600  # refresh an entry's last use at most once a day

Renderer = Callable[[Mapping[str, str]], Mapping[str, str]]
"""Renders bodies: {name: Markdown source} -> {name: sanitised HTML}."""


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed by pyproject
        return "unknown"


def fingerprint() -> str:
    """A hash of everything besides the source that decides a body's HTML."""
    settings = {
        name: repr(_canonical(value))
        for name, value in sorted(vars(markup).items())
        if name.isupper() and not name.startswith("_")
    }
    parts = [
        f"cache {CACHE_VERSION}",
        f"markdown {_version('markdown')}",
        f"nh3 {_version('nh3')}",
        f"settings {sorted(settings.items())!r}",
        "source " + hashlib.sha256(inspect.getsource(markup).encode("utf-8")).hexdigest(),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


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


def _checksum(html: str) -> str:
    return hashlib.blake2b(html.encode("utf-8"), digest_size=16).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    rejected: int = 0  # entries whose checksum did not match, rendered again
    output_hits: int = 0  # pages and other outputs taken from the cache
    output_misses: int = 0


@dataclass
class BodyCache:
    """Rendered bodies on disk under `folder`, keyed by source and renderer fingerprint."""

    folder: Path = DEFAULT_DIR
    stats: CacheStats = field(default_factory=CacheStats)
    _fingerprint: str = field(default_factory=fingerprint)

    @property
    def path(self) -> Path:
        return self.folder / FILE_NAME

    def key(self, source: str) -> str:
        data = self._fingerprint.encode("ascii") + b"\0" + source.encode("utf-8")
        return hashlib.blake2b(data, digest_size=20).hexdigest()

    def render(
        self,
        sources: Mapping[str, str],
        renderer: Renderer,
    ) -> dict[str, str]:
        """{name: source} -> {name: HTML}: cached entries first, `renderer` for the rest."""
        keys = {name: self.key(source) for name, source in sources.items()}
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

    # --- storage ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
            "html TEXT NOT NULL, checksum TEXT NOT NULL, used REAL NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            "data BLOB NOT NULL, checksum TEXT NOT NULL, used REAL NOT NULL)"
        )
        return connection

    def _open(self) -> sqlite3.Connection | None:
        """The database, or None (after discarding the file) when it cannot be read."""
        for attempt in range(2):
            try:
                connection = self._connect()
                connection.execute("SELECT count(*) FROM bodies WHERE 0").fetchall()
                connection.execute("SELECT count(*) FROM outputs WHERE 0").fetchall()
                return connection
            except sqlite3.DatabaseError as exc:
                log.warning("body cache %s is unreadable (%s); starting it afresh", self.path, exc)
                if attempt == 0:
                    self._discard()
            except OSError as exc:
                log.warning(
                    "body cache %s cannot be used (%s); building without it", self.path, exc
                )
                return None
        return None

    def _discard(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + suffix).unlink()

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
                for key, html, checksum, used in self._select(connection, sorted(keys)):
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

    def _tidy(
        self,
        connection: sqlite3.Connection,
        table: str,
        bad: list[str],
        stale: list[str],
        now: float,
    ) -> None:
        """Delete damaged entries of `table` (they are made again) and mark used ones."""
        if bad:
            self.stats.rejected += len(bad)
            log.warning(DAMAGED[table], len(bad))
            connection.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in bad])
        if stale:
            connection.executemany(
                f"UPDATE {table} SET used = ? WHERE key = ?", [(now, k) for k in stale]
            )

    @staticmethod
    def _select(
        connection: sqlite3.Connection, keys: list[str]
    ) -> list[tuple[str, str, str, float]]:
        rows: list[tuple[str, str, str, float]] = []
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, html, checksum, used FROM bodies WHERE key IN ({marks})"
            rows.extend(connection.execute(query, chunk).fetchall())
        return rows

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
        wanted = {key: name for name, key in keys.items()}
        found: dict[str, bytes] = {}
        if wanted and self.path.exists() and (connection := self._open()) is not None:
            bad: list[str] = []
            stale: list[str] = []
            now = time.time()
            try:
                with connection:
                    ordered = sorted(wanted)
                    for start in range(0, len(ordered), LOOKUP_CHUNK):
                        chunk = ordered[start : start + LOOKUP_CHUNK]
                        marks = ",".join("?" * len(chunk))
                        query = (
                            "SELECT key, name, data, checksum, used FROM outputs "
                            f"WHERE key IN ({marks})"
                        )
                        for key, name, data, checksum, used in connection.execute(query, chunk):
                            if (
                                wanted.get(key) != name
                                or not isinstance(data, bytes)
                                or checksum != _data_checksum(data)
                            ):
                                bad.append(key)
                                continue
                            found[name] = data
                            if now - float(used) > TOUCH_AFTER_SECONDS:
                                stale.append(key)
                    self._tidy(connection, "outputs", bad, stale, now)
            except sqlite3.DatabaseError as exc:
                log.warning("cache %s is damaged (%s); building without it", self.path, exc)
                connection.close()
                self._discard()
                found = {}
            else:
                connection.close()
        self.stats.output_hits += len(found)
        self.stats.output_misses += len(keys) - len(found)
        return found

    def store_outputs(self, entries: Mapping[str, tuple[str, bytes]]) -> None:
        """Store {name: (key, data)}, each replacing the entry of the same name."""
        if not entries:
            return
        connection = self._open()
        if connection is None:
            return
        now = time.time()
        try:
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?)",
                    [
                        (key, name, data, _data_checksum(data), now)
                        for name, (key, data) in entries.items()
                    ],
                )
                connection.execute(
                    "DELETE FROM outputs WHERE used < ?", (now - PRUNE_AFTER_DAYS * 86400,)
                )
        except sqlite3.DatabaseError as exc:
            log.warning("cache %s cannot be written (%s); discarding it", self.path, exc)
            connection.close()
            self._discard()
            return
        connection.close()


def _data_checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
