"""What the render stage produces and the write stage puts on disk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFile:
    """One file of the site: `path` is relative to the output folder, with "/".

    Either `data` holds the bytes, or `source` names a file to copy (static files,
    so that large PDFs are not held in memory).
    """

    path: str
    data: bytes = b""
    source: str | None = None
