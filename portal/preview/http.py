"""HTTP: what the preview answers for a request path, and its Tornado handlers.

Only files inside the preview folder are served: `..`, encoded slashes and backslashes,
NUL, invalid UTF-8 and links leading out are refused. Each HTML page served is stamped
with the number of the build it shows, and gets a panel of the problems of the last
build when it had any; before any good build, every address answers with an error page.
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol
from urllib.parse import unquote

from tornado import web

from portal.model.values import Problem

PREVIEW_PATH = "/__preview/"


_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
}

# Loaded by every preview page: defines a livereload plugin that tells the server
# which build the page shows, then loads livereload.js from this server.
CLIENT_JS = """\
(function () {
  "use strict";
  var build = new URL(document.currentScript.src).searchParams.get("build");
  function PortalPreview() {}
  PortalPreview.identifier = "portal-preview";
  PortalPreview.version = "1";
  PortalPreview.prototype.analyze = function () { return { build: build }; };
  window.LiveReloadPluginPortalPreview = PortalPreview;
  var port = location.port || (location.protocol === "https:" ? 443 : 80);
  var script = document.createElement("script");
  script.src = "/livereload.js?port=" + port;
  document.head.appendChild(script);
})();
"""

PREVIEW_CSS = """\
.portal-preview-errors {
  position: sticky; top: 0; z-index: 2147483647; max-height: 70vh; overflow: auto;
  margin: 0; padding: 1rem 1.25rem; background: #fff4f4; color: #1a1a1a;
  border-bottom: 4px solid #b00020; font: 1rem/1.5 system-ui, sans-serif;
  box-shadow: 0 2px 8px rgba(0, 0, 0, .25);
}
.portal-preview-errors h2 { margin: 0 0 .5rem; font-size: 1.15rem; color: #8a0019; }
.portal-preview-errors p { margin: 0 0 .5rem; }
.portal-preview-errors ul { margin: 0; padding-left: 1.25rem; }
.portal-preview-errors li { margin: .25rem 0; }
.portal-preview-errors code {
  font: .9rem/1.4 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere;
}
"""


# -- what to serve for a request path (pure) ------------------------------------------------


@dataclass(frozen=True)
class Route:
    """`file` (a path relative to the site folder, "" or ending "/" for an index),
    `redirect` (to `target`) or `refuse` (with `status`)."""

    kind: str
    target: str = ""
    status: int = 200


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def route(raw_path: str, base_path: str) -> Route:
    """Map the raw (still percent-encoded) request path to a file under the site folder."""
    lowered = raw_path.lower()
    if (
        not raw_path.startswith("/")
        or "\\" in raw_path
        or any(code in lowered for code in ("%2f", "%5c", "%00"))
    ):
        return Route("refuse", status=400)
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return Route("refuse", status=400)
    segments = path.split("/")[1:]
    if _CONTROL.search(path) or any(s in (".", "..") for s in segments) or "" in segments[:-1]:
        return Route("refuse", status=400)
    if base_path != "/" and path == base_path.rstrip("/"):
        return Route("redirect", base_path)
    if path == "/" and base_path != "/":
        return Route("redirect", base_path)
    if not path.startswith(base_path):
        return Route("refuse", status=404)
    rel = path[len(base_path) :]
    if any(s.startswith(".") for s in rel.split("/")):
        return Route("refuse", status=404)  # the build's marker and temporary files
    return Route("file", rel)


def locate(root: Path, rel: str) -> Path | None:
    """The file under `root` for `rel` ("" or "x/" -> index.html); None if absent or outside."""
    target = root / rel if rel else root
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
        return None
    return resolved


# -- what the preview adds to pages (pure) --------------------------------------------------

_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


def problems_panel(errors: Sequence[Problem], good: bool) -> str:
    count = len(errors)
    noun = "problem" if count == 1 else "problems"
    shown = (
        "This preview still shows the last build without problems."
        if good
        else "Nothing can be shown until they are fixed."
    )
    items = "\n".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in errors)
    return (
        '<section class="portal-preview-errors" role="alert" '
        'aria-labelledby="portal-preview-errors-title">\n'
        f'<h2 id="portal-preview-errors-title">The content has {count} {noun}</h2>\n'
        f"<p>{shown} Fix the files and save: this page reloads by itself.</p>\n"
        f"<ul>\n{items}\n</ul>\n</section>\n"
    )


def preview_head(generation: int) -> str:
    return (
        f'<link rel="stylesheet" href="{PREVIEW_PATH}preview.css">\n'
        f'<script src="{PREVIEW_PATH}client.js?build={generation}"></script>\n'
    )


def inject(page: bytes, generation: int, errors: Sequence[Problem]) -> bytes:
    """Add the reload script (and the problems, if any) to one HTML page."""
    head = preview_head(generation).encode()
    match = _HEAD_END.search(page)
    page = page[: match.start()] + head + page[match.start() :] if match else head + page
    if errors:
        panel = problems_panel(errors, good=True).encode()
        body = _BODY_START.search(page)
        page = page[: body.end()] + b"\n" + panel + page[body.end() :] if body else panel + page
    return page


def error_page(errors: Sequence[Problem], generation: int) -> bytes:
    """The whole page served at every address while no build has succeeded."""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>The content has problems – preview</title>\n"
        f"{preview_head(generation)}</head>\n<body>\n<main>\n"
        f"{problems_panel(errors, good=False)}</main>\n</body>\n</html>\n"
    ).encode()


@dataclass(frozen=True)
class State:
    """Replaced as a whole after each build, so a request always sees one consistent state."""

    generation: int = 0
    good: bool = False  # a build of this session succeeded: the preview folder holds it
    base_path: str = "/"
    errors: tuple[Problem, ...] = ()


class Preview(Protocol):
    """What the handlers read of the server: its state and its folder."""

    state: State
    out: Path


class SiteHandler(web.RequestHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        if self.request.method == "HEAD":
            self.set_header("Content-Length", str(len(body)))
            self.finish()
        else:
            self.finish(body)

    def _refuse(self, status: int) -> None:
        state = self.preview.state
        if status == 404 and state.good:
            page = locate(self.preview.out, "404.html")
            if page is not None:
                body = inject(page.read_bytes(), state.generation, state.errors)
                self._send(404, body, _CONTENT_TYPES[".html"])
                return
        text = "Not found" if status == 404 else "Bad request: this address is not allowed"
        self._send(status, f"{status} {text}\n".encode(), "text/plain; charset=utf-8")

    def get(self, *args: str) -> None:
        state = self.preview.state
        found = route(self.request.path, state.base_path if state.good else "/")
        if found.kind == "refuse":
            self._refuse(found.status)
            return
        if not state.good:
            self._send(503, error_page(state.errors, state.generation), _CONTENT_TYPES[".html"])
            return
        if found.kind == "redirect":
            self.redirect(found.target, permanent=False)
            return
        rel = found.target
        page = locate(self.preview.out, rel)
        if page is None and rel and not rel.endswith("/") and locate(self.preview.out, rel + "/"):
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(self.request.path + "/" + query, permanent=False)
            return
        if page is None:
            self._refuse(404)
            return
        body = page.read_bytes()
        suffix = page.suffix.lower()
        if suffix == ".html":
            body = inject(body, state.generation, state.errors)
        content_type = _CONTENT_TYPES.get(suffix) or (
            mimetypes.guess_type(page.name)[0] or "application/octet-stream"
        )
        self._send(200, body, content_type)

    def head(self, *args: str) -> None:
        self.get(*args)


class AssetHandler(web.RequestHandler):
    FILES: ClassVar[dict[str, tuple[str, str]]] = {
        "client.js": (CLIENT_JS, _CONTENT_TYPES[".js"]),
        "preview.css": (PREVIEW_CSS, _CONTENT_TYPES[".css"]),
    }

    def get(self, name: str) -> None:
        text, content_type = self.FILES[name]
        self.set_header("Content-Type", content_type)
        self.set_header("Cache-Control", "no-store")
        self.finish(text.encode())
