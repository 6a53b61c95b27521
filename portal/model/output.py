"""What the render stage produces and the write stage puts on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OutputFile:
    """One file of the site: `path` is relative to the output folder, with "/".

    Either `data` holds the bytes, or `source` names a file to copy (static files,
    so that large PDFs are not held in memory).
    """

    path: str
    data: bytes = b""
    source: str | None = None


@dataclass(frozen=True)
class Placed:
    """Where the write stage put an output: `file` holds its bytes (staged, or already
    published), `digest` is their SHA-256 (None for a copied file); `fresh`: staged, its
    bytes differ from the published file's."""

    file: Path
    digest: bytes | None = None
    fresh: bool = False
