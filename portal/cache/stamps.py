"""The stamps of what the last build wrote into a site folder, as the cache keeps them:
one line per file (portal.publish.write makes and reads the stamps)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from portal.publish.write import Stamp

STAMPS_KEY = "write-stamps 1"  # change when the way stamps are stored changes


def stamps_name(out: Path) -> str:
    return "write-stamps:" + str(out.resolve())


def stamps_key(name: str) -> str:
    """A key of its own for each folder (keys are unique: the site and the preview share
    a cache)."""
    return f"{STAMPS_KEY} {name}"


def format_stamps(stamps: Mapping[str, Stamp]) -> bytes:
    """One line per file: its size, time, inode, digest (hex), then its path."""
    return "".join(
        f"{s.size} {s.mtime_ns} {s.inode} {s.digest.hex()} {path}\n"
        for path, s in sorted(stamps.items())
    ).encode("utf-8", "surrogatepass")


def parse_stamps(data: bytes) -> dict[str, Stamp]:
    """The stamps of `format_stamps`; {} if anything in it is not as written there."""
    stamps: dict[str, Stamp] = {}
    try:
        for line in data.decode("utf-8", "surrogatepass").splitlines():
            size, mtime, inode, digest, path = line.split(" ", 4)
            stamps[path] = Stamp(int(size), int(mtime), int(inode), bytes.fromhex(digest))
    except ValueError:
        return {}
    return stamps
