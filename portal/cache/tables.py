"""The cache's SQLite file (`bodies.sqlite3` under the cache folder): tables of entries,
each with a checksum of its data, looked up in chunks, marked when used, pruned when
unused for PRUNE_AFTER_DAYS. A damaged entry is deleted and made again; a file that is not
a readable database is started afresh; a cache that cannot be used is built without."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


log = logging.getLogger("portal")
DAMAGED = {
    "bodies": "body cache: %d damaged entries will be rendered again",
    "outputs": "output cache: %d damaged entries will be made again",
    "checks": "check cache: %d damaged entries will be checked again",
}


DEFAULT_DIR = Path(".cache")
FILE_NAME = "bodies.sqlite3"
PRUNE_AFTER_DAYS = 30
LOOKUP_CHUNK = 500  # keys per query, under SQLite's limit on parameters
TOUCH_AFTER_SECONDS = 24 * 3600  # refresh an entry's last use at most once a day


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    rejected: int = 0  # entries whose checksum did not match, rendered again
    output_hits: int = 0  # pages and other outputs taken from the cache
    output_misses: int = 0
    check_hits: int = 0  # content files whose check was taken from the cache
    check_misses: int = 0


@dataclass
class Tables:
    """The SQLite file under `folder`; `BodyCache` (portal.cache.store) says what is kept."""

    folder: Path = DEFAULT_DIR
    stats: CacheStats = field(default_factory=CacheStats)

    @property
    def path(self) -> Path:
        return self.folder / FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        # No waiting for the disk on every commit: a cache lost in a crash is only rebuilt
        # (every entry carries a checksum, and an unreadable file is started afresh).
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
            "html TEXT NOT NULL, checksum TEXT NOT NULL, used REAL NOT NULL)"
        )
        for table in ("outputs", "checks"):
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, "
                "name TEXT NOT NULL UNIQUE, data BLOB NOT NULL, checksum TEXT NOT NULL, "
                "used REAL NOT NULL)"
            )
        return connection

    def _open(self) -> sqlite3.Connection | None:
        """The database, or None (after discarding the file) when it cannot be read."""
        for attempt in range(2):
            try:
                connection = self._connect()
                connection.execute("SELECT count(*) FROM bodies WHERE 0").fetchall()
                connection.execute("SELECT count(*) FROM outputs WHERE 0").fetchall()
                connection.execute("SELECT count(*) FROM checks WHERE 0").fetchall()
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
        connection: sqlite3.Connection, table: str, columns: str, keys: list[str]
    ) -> list[tuple[Any, ...]]:
        """`columns` of the rows of `table` whose key is one of `keys`, asked in chunks."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT {columns} FROM {table} WHERE key IN ({marks})"
            rows.extend(connection.execute(query, chunk).fetchall())
        return rows

    # --- tables of named entries (outputs, checks) -------------------------------

    def _lookup_named(self, table: str, keys: Mapping[str, str]) -> dict[str, bytes]:
        """{name: key} -> {name: data} for each entry of `table` stored under that key."""
        wanted = {key: name for name, key in keys.items()}
        found: dict[str, bytes] = {}
        if not wanted or not self.path.exists() or (connection := self._open()) is None:
            return found
        bad: list[str] = []
        stale: list[str] = []
        now = time.time()
        try:
            with connection:
                columns = "key, name, data, checksum, used"
                for key, name, data, checksum, used in self._select(
                    connection, table, columns, sorted(wanted)
                ):
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
                self._tidy(connection, table, bad, stale, now)
        except sqlite3.DatabaseError as exc:
            log.warning("cache %s is damaged (%s); building without it", self.path, exc)
            connection.close()
            self._discard()
            return {}
        connection.close()
        return found

    def _store_named(self, table: str, entries: Mapping[str, tuple[str, bytes]]) -> None:
        """Store {name: (key, data)} in `table`, each replacing the entry of the same name."""
        if not entries:
            return
        connection = self._open()
        if connection is None:
            return
        now = time.time()
        try:
            with connection:
                connection.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?, ?)",
                    [
                        (key, name, data, _data_checksum(data), now)
                        for name, (key, data) in entries.items()
                    ],
                )
                connection.execute(
                    f"DELETE FROM {table} WHERE used < ?", (now - PRUNE_AFTER_DAYS * 86400,)
                )
        except sqlite3.DatabaseError as exc:
            log.warning("cache %s cannot be written (%s); discarding it", self.path, exc)
            connection.close()
            self._discard()
            return
        connection.close()


def _data_checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
