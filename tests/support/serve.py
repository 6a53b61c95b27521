"""Serve a built site directory over HTTP on 127.0.0.1, the way the static host will.

The site is published under a path prefix (``/cooperation/`` by default): URL paths
below the prefix map to files in ``root``, directories serve their ``index.html``,
and everything else is a 404 whose body is ``root/404.html`` when that file exists.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["serve_dir"]


# Content types a static host sends that Python's mimetypes may lack or get wrong.
_EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static handler that honours a URL prefix and serves root/404.html for 404s."""

    def __init__(self, *args: Any, directory: str, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        self.extensions_map = {**self.extensions_map, **_EXTRA_TYPES}
        super().__init__(*args, directory=directory, **kwargs)

    # -- routing ---------------------------------------------------------------------
    def _route(self) -> bool:
        """Strip the prefix from self.path; answer the request ourselves if needed.

        Returns True when the request should go on to the normal file handling.
        """
        url_path = urlsplit(self.path).path
        if self.prefix != "/" and url_path == self.prefix.rstrip("/"):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        if not url_path.startswith(self.prefix):
            self.send_error(HTTPStatus.NOT_FOUND)
            return False
        self.path = "/" + self.path[len(self.prefix) :]
        return True

    def do_GET(self) -> None:
        if self._route():
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._route():
            super().do_HEAD()

    # -- behaviour of a static host -----------------------------------------------
    def send_head(self) -> Any:
        # SimpleHTTPRequestHandler redirects "/dir" to "/dir/"; the Location it
        # builds comes from self.path, which no longer carries the prefix.
        path = Path(self.translate_path(self.path))
        url_path = urlsplit(self.path).path
        if path.is_dir() and not url_path.endswith("/"):
            parts = urlsplit(self.path)
            location = self.prefix.rstrip("/") + parts.path + "/"
            if parts.query:
                location += "?" + parts.query
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return super().send_head()

    def list_directory(self, path: str | Any) -> None:
        # A static host has no directory listings.
        self.send_error(HTTPStatus.NOT_FOUND)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def serve_dir(root: Path, prefix: str = "/cooperation/") -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at an ephemeral port; yield the site's base URL.

    >>> with serve_dir(Path("_site")) as base:   # doctest: +SKIP
    ...     base
    'http://127.0.0.1:43121/cooperation/'
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"serve_dir: {root} is not a directory")
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    if not prefix.endswith("/"):
        prefix += "/"

    handler = partial(_SiteHandler, directory=str(root), prefix=prefix)
    server = _Server(("127.0.0.1", 0), handler)
    host, port = server.server_address[:2]
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"serve_dir:{port}",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{host!s}:{port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
