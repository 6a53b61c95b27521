"""Pagefind's run: the record pages in, its bundle out (made byte-stable by
`pagefind_stable`), or the bundle of exactly the same pages from the cache.

Pagefind (the program that the `pagefind[bin]` package ships) runs in its own process and
is sent the pages one by one, so that it indexes while the other stages render
(`IndexRun`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import inspect
import json
import os
import selectors
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from portal.model.output import OutputFile
from portal.model.values import Problem
from portal.outputs import pagefind_stable
from portal.pages.context import RenderError

if TYPE_CHECKING:
    from portal.cache.store import BodyCache


BUNDLE = "pagefind/"  # the folder of the site the bundle goes under
SEARCH_CACHE_VERSION = 2  # bump when the way bundles are cached changes


# What the browser needs from Pagefind's bundle: its search API, the WebAssembly per
# language, the entry and meta files and the index chunks. Pagefind's own UIs are not
# shipped: the search page has its own script (assets/search.js).
_SHIPPED_FILES = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
_SHIPPED_SUFFIXES = (".pf_meta", ".pagefind", ".pf_index", ".pf_fragment", ".pf_filter")


def pagefind_language(language: str) -> str:
    """Pagefind's language code for a BCP 47 tag: `en-GB` -> `en`."""
    return language.split("-", 1)[0].lower() or "en"


#: A Pagefind that never finishes would otherwise hang the build.
TIMEOUT_SECONDS = 900.0


def _shipped(rel: str) -> bool:
    return rel in _SHIPPED_FILES or rel.endswith(_SHIPPED_SUFFIXES)


def _pagefind_version() -> str:
    """The versions of Pagefind's Python package and of the binary it runs."""
    found = []
    for distribution in ("pagefind", "pagefind_bin", "pagefind_bin_extended"):
        try:
            found.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{distribution} none")
    try:  # the binary it runs (PAGEFIND_BINARY_PATH may name another)
        from pagefind.service import get_executable

        binary = get_executable()
        if binary is not None:
            stat = binary.stat()
            found.append(f"{binary} {stat.st_size} {stat.st_mtime_ns}")
    except (ImportError, OSError):
        found.append("no binary")
    return ", ".join(found)


def bundle_key(digests: Mapping[str, bytes], language: str) -> str:
    """A hash of everything Pagefind is given: every page (its path and a digest of its
    bytes) and the language, with Pagefind's version and the code of this module and
    pagefind_stable."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        f"search-cache {SEARCH_CACHE_VERSION}",
        f"pagefind {_pagefind_version()}",
        language,
        inspect.getsource(pagefind_stable),
        inspect.getsource(sys.modules[__name__]),
    ):
        data = part.encode("utf-8")
        digest.update(b"%d:" % len(data) + data)
    for rel in sorted(digests):
        for data in (rel.encode("utf-8"), digests[rel]):
            digest.update(b"%d:" % len(data) + data)
    return "search:" + digest.hexdigest()


def _pack(files: Mapping[str, bytes]) -> bytes:
    """{name: bytes} as one blob: per file, the name's and the data's lengths, then both."""
    parts: list[bytes] = []
    for name in sorted(files):
        raw = name.encode("utf-8")
        parts += [struct.pack(">IQ", len(raw), len(files[name])), raw, files[name]]
    return b"".join(parts)


def _unpack(blob: bytes) -> dict[str, bytes] | None:
    """The files of a `_pack`ed blob, or None if it is not one."""
    files: dict[str, bytes] = {}
    offset, header = 0, struct.calcsize(">IQ")
    try:
        while offset < len(blob):
            size_name, size_data = struct.unpack_from(">IQ", blob, offset)
            offset += header
            end = offset + size_name + size_data
            if end > len(blob):
                return None
            name = blob[offset : offset + size_name].decode("utf-8")
            files[name] = blob[offset + size_name : end]
            offset = end
    except (struct.error, UnicodeDecodeError):
        return None
    return files


def _problem(message: str) -> RenderError:
    return RenderError([Problem(BUNDLE, 0, "", message)])


def _executable() -> Path:
    try:
        from pagefind.service import get_executable
    except ImportError as exc:
        message = f"the search index needs Pagefind: pip install 'pagefind[bin]' ({exc})"
        raise _problem(message) from exc
    binary = get_executable()
    if binary is None:
        raise _problem("the search index needs Pagefind: pip install 'pagefind[bin]'")
    return binary


@dataclass
class IndexRun:
    """Pagefind indexing pages in its own process while the build goes on, or the bundle
    taken from the cache. `result()` waits for it.

    Pagefind runs as its service (`pagefind --service`, what its Python API's
    `add_html_file` speaks: base64 JSON messages, each ended by a comma, on its standard
    input and output). It numbers pages in the order they come, so they go in the order
    of their paths, and the same pages make the same bundle on every machine (its
    directory indexing numbers them in the order the file system lists a folder, which
    differs between file systems, and renumbering them afterwards costs more than the
    indexing). All messages are written at once: Pagefind reads them into a queue as
    they arrive, so the pipe never fills while it works. The last asks for the bundle.
    """

    key: str
    cache: BodyCache | None
    bundle: dict[str, bytes] | None = None
    process: subprocess.Popen[bytes] | None = None
    folder: tempfile.TemporaryDirectory[str] | None = None  # its working folder and log
    last_message: int = 0
    sent: list[str] = field(default_factory=list)  # the pages sent, in order

    def send(self, rel: str, file: Path, data: bytes | None = None) -> None:
        """Send Pagefind the page at output path `rel`: its bytes `data`, or else read
        from `file`."""
        self._write(_add_file(len(self.sent) + 1, rel, file, data))
        self.sent.append(rel)

    def finish(self) -> None:
        """Ask for the bundle of the pages sent (`result()` waits for it)."""
        self.last_message = len(self.sent) + 1
        self._write(_message(self.last_message, {"type": "GetFiles", "index_id": 0}))
        if self.process is not None and self.process.stdin is not None:
            try:
                self.process.stdin.flush()
            except OSError as exc:
                raise self._failed(exc) from exc

    def _write(self, message: bytes) -> None:
        if self.process is None or self.process.stdin is None:
            raise _problem("Pagefind failed: it was stopped")
        try:
            self.process.stdin.write(message)
        except OSError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: OSError) -> RenderError:
        said = self._said()
        self.cancel()
        return _problem(f"Pagefind failed: {exc}. {said}".strip())

    def result(self) -> list[OutputFile]:
        if self.bundle is None:
            self.bundle = self._wait()
            if self.cache is not None:
                self.cache.store_outputs({BUNDLE: (self.key, _pack(self.bundle))})
        return [OutputFile(BUNDLE + rel, data) for rel, data in sorted(self.bundle.items())]

    def _wait(self) -> dict[str, bytes]:
        if self.process is None or self.process.stdout is None:
            raise _problem("Pagefind failed: it was stopped")
        try:
            files = _read_files(self.process.stdout, self.last_message, self._said)
        finally:
            self.cancel()
        shipped = {rel: data for rel, data in sorted(files.items()) if _shipped(rel)}
        return dict(pagefind_stable.stabilise(shipped))

    def _said(self) -> str:
        """What Pagefind wrote to its standard error (the last 2,000 characters)."""
        if self.folder is None:
            return ""
        log = Path(self.folder.name) / "pagefind.log"
        try:
            return log.read_text("utf-8", "replace").strip()[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop Pagefind from another thread: `result()` there then raises RenderError
        (and closes the rest itself)."""
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()

    def cancel(self) -> None:
        """Stop Pagefind if it still runs and remove its folder (done: a no-op)."""
        process, self.process = self.process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):  # what is left for a pipe it closed
                        stream.close()
            if process.poll() is None:
                process.kill()
            process.wait()
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


def _message(number: int, payload: Mapping[str, object]) -> bytes:
    """One message to Pagefind's service."""
    text = json.dumps({"message_id": number, "payload": payload}, ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")) + b","


def _add_file(number: int, rel: str, file: Path, data: bytes | None = None) -> bytes:
    """The message that adds the page at output path `rel` (`data`, or read from `file`)."""
    url = "/" + rel.removesuffix("index.html")
    html = indexed_part(data.decode("utf-8") if data is not None else file.read_text("utf-8"))
    return _message(number, {"type": "AddFile", "index_id": 0, "url": url, "file_contents": html})


_BODY = "data-pagefind-body"


def indexed_part(html: str) -> str:
    """What Pagefind reads of a page that marks its indexed part with `data-pagefind-body`:
    the `<html>` tag (the page's language) and the page from the marked element on, without
    the head, the site's header and its navigation before it, which Pagefind parses and
    then ignores (a quarter of a record page, about 6 % of Pagefind's time). The bundle is
    the same, byte for byte. A page of another shape, or with anything Pagefind reads (a
    `data-pagefind-` attribute) before that element, is sent whole."""
    at = html.find(_BODY)
    start = html.rfind("<", 0, at)
    html_tag = html.find("<html")
    if at < 0 or start < 0 or html_tag < 0 or html.find(_BODY, at + len(_BODY)) >= 0:
        return html
    tag_end = html.find(">", html_tag)
    if not 0 <= tag_end < start or html.find("data-pagefind-", 0, start) >= 0:
        return html
    return f"<!doctype html>\n{html[html_tag : tag_end + 1]}\n<body>\n{html[start:]}"


def _read_files(stream: IO[bytes], last: int, said: Callable[[], str]) -> dict[str, bytes]:
    """Read Pagefind's answers until the one to message `last` (the bundle's files);
    raise RenderError on an answer that is an error, an early end or a timeout."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    pending: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while True:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                raise _problem(f"Pagefind failed: no result in {TIMEOUT_SECONDS:.0f} s")
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                raise _problem(f"Pagefind failed: it stopped before the end. {said()}".strip())
            *ended, rest = chunk.split(b",")
            for piece in ended:
                answer = json.loads(base64.b64decode(b"".join([*pending, piece])))
                pending = []
                payload = answer.get("payload") or {}
                if payload.get("type") == "Error":
                    raise _problem(f"Pagefind failed: {payload.get('message')}")
                if answer.get("message_id") == last:
                    return {f["path"]: base64.b64decode(f["content"]) for f in payload["files"]}
            pending.append(rest)


def launch(key: str, language: str, cache: BodyCache | None = None) -> IndexRun:
    """Start Pagefind's service with a new index, for pages to be `send` to it; the bundle
    is stored in `cache` under `key` once it comes."""
    binary = _executable()
    run = IndexRun(key, cache)
    # Pagefind reads settings from PAGEFIND_* variables and from a pagefind.yml in its
    # working folder: neither may change the index, so it gets neither.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    run.folder = tempfile.TemporaryDirectory(prefix="portal-pagefind-")
    root = Path(run.folder.name)
    try:
        with open(root / "pagefind.log", "wb") as log:
            run.process = subprocess.Popen(
                [str(binary), "--service"],
                cwd=root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
    except OSError as exc:
        raise run._failed(exc) from exc
    config = {"force_language": pagefind_language(language)}
    run._write(_message(0, {"type": "NewIndex", "config": config}))
    return run


def cached_run(key: str, cache: BodyCache | None) -> IndexRun | None:
    """The run whose bundle the cache holds under `key`, if it does."""
    if cache is None:
        return None
    blob = cache.lookup_outputs({BUNDLE: key}).get(BUNDLE)
    bundle = _unpack(blob) if blob is not None else None
    return IndexRun(key, cache, bundle) if bundle is not None else None


def start_index(
    pages: Mapping[str, Path],
    digests: Mapping[str, bytes],
    language: str,
    cache: BodyCache | None = None,
) -> IndexRun:
    """Start Pagefind on `pages` (output path -> a file that holds the page), or take their
    bundle from `cache` (`digests`: output path -> SHA-256 of the page's bytes)."""
    key = bundle_key(digests, pagefind_language(language))
    found = cached_run(key, cache)
    if found is not None:
        return found
    run = launch(key, language, cache)
    try:
        for rel in sorted(pages):
            run.send(rel, pages[rel])
        run.finish()
    except BaseException:
        run.cancel()
        raise
    return run
