"""The preview server of `python build.py serve`: livereload wiring, no build logic.

- A build is whatever `Builder` it is given (`PipelineBuilder` runs the normal
  pipeline with drafts into the preview folder, which writes only changed files).
  When only records were saved, the builder's quick rebuild writes just their pages
  (portal.preview.quick: at once for a body edit, after a check of all the content for other
  edits) and the pages reload; the full build follows in a thread of its own and reloads
  them again only if it changed an HTML page.
- `portal.preview.watch.Watcher` is told of saves to the content, templates and assets, in
  its own thread, and calls `rebuild` once per batch of saves; the build runs in that thread, so
  the server (a Tornado loop in another thread) keeps answering meanwhile.
- After each build, every open page is told to reload through livereload's
  websocket protocol (`LiveReloadHandler.reload_waiters` and its `livereload.js`).
  Livereload's own `Server` is not used: it ignores changes within seconds of the
  last reload and polls every 800 ms.
- Each HTML page served is stamped with the number of the build it shows. A page
  loaded just before a build finished tells the server its number when its
  websocket connects, and is reloaded at once if it is behind: no save is missed.
- A build with problems leaves the preview folder as it was (the last good build)
  and the pages served get a panel listing every problem, `path:line: field:
  message`. Before any good build, every address answers with an error page.
- Only files inside the preview folder are served: `..`, encoded slashes and
  backslashes, NUL, invalid UTF-8 and links leading out are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import json
import logging
import mimetypes
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from urllib.parse import unquote

from livereload.handlers import (  # type: ignore[import-untyped]
    LiveReloadHandler,
    LiveReloadJSHandler,
)
from tornado import netutil, web
from tornado.httpserver import HTTPServer

from portal.cache.store import BodyCache
from portal.model import Problem
from portal.pipeline import SearchLater, build_site
from portal.preview.quick import Basis, checked_pages, quick_pages
from portal.preview.watch import Watcher
from portal.publish.write import write

if TYPE_CHECKING:
    from portal.outputs.search_index import IndexRun

log = logging.getLogger("portal.serve")

PREVIEW_PATH = "/__preview/"
SWITCH_INTERVAL = 0.001  # seconds; see _run
PLUGIN = "portal-preview"

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


# -- builds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one build gave: problems, or the base path the good build is served under."""

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    base_path: str | None = None
    summary: str = ""
    search_later: SearchLater | None = None  # the search index, made after the reload
    cancelled: bool = False  # stopped for a newer save: it wrote nothing, shows nothing
    pages_changed: bool = True  # it wrote or removed an HTML page (open pages reload)


@dataclass(frozen=True)
class Control:
    """Handed to each build: `cancelled()` turns true once a newer save makes the build
    useless (it stops within milliseconds); it writes the preview folder only while it
    holds `lock`, which the server also holds while it publishes a build."""

    cancelled: Callable[[], bool]
    lock: AbstractContextManager[object]


class Builder(Protocol):
    """A full build. One may also have `quick(changed, control)`: the pages of an edit
    that needs no full build, written at once; None when it needs one."""

    def __call__(self, control: Control) -> Outcome: ...


QuickBuilder = Callable[[frozenset[str], Control], "Outcome | None"]


def _few(names: list[str]) -> str:
    """`a, b, c and 4 more`: names for a line of the log."""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


class PipelineBuilder:
    """Builds of `content` with drafts into `out` by the normal pipeline (which renders
    only bodies not in `cache` and writes only files whose bytes changed), and quick
    rebuilds of record edits (portal.preview.quick) from the last good build."""

    def __init__(
        self,
        content: Path,
        out: Path,
        today: Callable[[], dt.date],
        templates: Path,
        shown_root: str | None = None,
        cache: BodyCache | None = None,
        history: bool = True,
    ) -> None:
        self.content, self.out, self.today, self.templates = content, out, today, templates
        self.shown_root, self.cache, self.history = shown_root, cache, history
        self._lock = threading.Lock()
        self._basis: Basis | None = None
        self._saved: set[str] = set()  # every file saved since the basis build started
        self._started: set[str] = set()  # ... since the build running now started

    def __call__(self, control: Control) -> Outcome:
        started = time.perf_counter()
        with self._lock:
            self._started = set()
        result = build_site(
            self.content,
            self.out,
            self.today(),
            self.templates,
            preview=True,
            shown_root=self.shown_root,
            cache=self.cache,
            search_later=True,
            cancelled=control.cancelled,
            write_lock=control.lock,
            history=self.history,
        )
        if result.cancelled:
            return Outcome((), cancelled=True)
        if result.site is None or result.report is None or result.known is None:
            return Outcome(result.errors, result.warnings)
        with self._lock:
            basis = (self.content, self.shown_root, self.templates)
            self._basis = Basis(*basis, result.site, result.checked, result.known)
            self._saved = self._started
        r = result.report
        return Outcome(
            (),
            result.warnings,
            result.site.config.base_path,
            f"{r.written} files written, {r.unchanged} unchanged, {r.removed} removed "
            f"in {time.perf_counter() - started:.2f} s",
            result.search_later,
            pages_changed=any(path.endswith(".html") for path in r.changed),
        )

    def quick(self, changed: frozenset[str], control: Control) -> Outcome | None:
        """The pages of the records saved since the last good build, written at once (or
        the content's problems); None when the saves since then need a full build first.
        See portal.preview.quick."""
        started = time.perf_counter()
        with self._lock:
            self._saved |= changed
            self._started |= changed
            basis, saved = self._basis, set(self._saved)
        if basis is None:
            return None
        paths = [Path(p) for p in saved]
        found = quick_pages(basis, paths, self.cache) or checked_pages(basis, paths, self.cache)
        if found is None:
            return None
        if found.errors:
            return Outcome(found.errors, found.warnings)
        pages = list(found.pages)
        with control.lock:
            if control.cancelled():
                return None
            report = write(pages, self.out, remove=False)
        names = _few([page.path for page in pages])
        return Outcome(
            (),
            found.warnings,
            basis.site.config.base_path,
            f"{names} ({report.written} written) in {time.perf_counter() - started:.2f} s; "
            "the rest of the site follows",
            pages_changed=True,
        )


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


# -- the server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """Replaced as a whole after each build, so a request always sees one consistent state."""

    generation: int = 0
    good: bool = False  # a build of this session succeeded: the preview folder holds it
    base_path: str = "/"
    errors: tuple[Problem, ...] = ()


class _SiteHandler(web.RequestHandler):
    def initialize(self, preview: PreviewServer) -> None:
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


class _AssetHandler(web.RequestHandler):
    FILES: ClassVar[dict[str, tuple[str, str]]] = {
        "client.js": (CLIENT_JS, _CONTENT_TYPES[".js"]),
        "preview.css": (PREVIEW_CSS, _CONTENT_TYPES[".css"]),
    }

    def get(self, name: str) -> None:
        text, content_type = self.FILES[name]
        self.set_header("Content-Type", content_type)
        self.set_header("Cache-Control", "no-store")
        self.finish(text.encode())


def _live_handler(preview: PreviewServer) -> type[web.RequestHandler]:
    """A livereload websocket handler of this server's own (livereload's keeps globals)."""

    class Live(LiveReloadHandler):  # type: ignore[misc]
        waiters: ClassVar[set[Any]] = set()  # pages that completed the handshake
        watcher = type("Watched", (), {"filepath": "*"})  # reload_waiters logs its filepath
        live_css = False
        connections: ClassVar[set[Any]] = set()

        def open(self, *args: str) -> None:
            self.connections.add(self)

        def on_close(self) -> None:
            self.waiters.discard(self)
            self.connections.discard(self)

        def on_message(self, message: str | bytes) -> None:
            try:
                data = json.loads(message)
            except ValueError:
                return
            if not isinstance(data, dict):
                return
            if data.get("command") == "hello":
                self.send_message(
                    {
                        "command": "hello",
                        "protocols": ["http://livereload.com/protocols/official-7"],
                        "serverName": "portal-preview",
                    }
                )
            elif data.get("command") == "info" and "url" in data:
                self.waiters.add(self)
                plugins = data.get("plugins")
                info = plugins.get(PLUGIN) if isinstance(plugins, dict) else None
                build = info.get("build") if isinstance(info, dict) else None
                if build is not None and build != str(preview.state.generation):
                    # The page was served before the latest build finished.
                    self.send_message({"command": "reload", "path": "*", "liveCSS": False})

    return Live


class PreviewServer:
    """Serve `out` over HTTP with live reload; rebuild with `build` when `watch` changes.

    Use as a context manager (or `start()` / `stop()`); `url` is the site's address.
    """

    def __init__(
        self,
        build: Builder,
        out: Path,
        watch: Sequence[Path],
        host: str = "127.0.0.1",
        port: int = 8000,
        logger: logging.Logger | None = None,
        poll: float = 0.3,
        quiet: float = 0.05,
        polling: bool = False,
    ) -> None:
        self.build = build
        self.out = out
        self.watch = tuple(watch)
        self.host = host
        self.port = port
        self.log = logger or log
        self.poll = poll
        self.quiet = quiet
        self.polling = polling
        self.state = State()
        self.builds = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._watcher: Watcher | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._live = _live_handler(self)
        self._failure: BaseException | None = None
        self._search_lock = threading.Lock()
        self._search_run: IndexRun | None = None
        self._search_thread: threading.Thread | None = None
        self.search_builds = 0
        self._requested = 0  # builds asked for (a search index of an older one is dropped)
        self.quick: QuickBuilder | None = getattr(build, "quick", None)
        self._full_thread: threading.Thread | None = None  # the full build after a quick one

    # -- public ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The address of the site's home page (of the server, before a good build)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        host = f"[{host}]" if ":" in host else host
        base = self.state.base_path if self.state.good else "/"
        return f"http://{host}:{self.port}{base}"

    @property
    def clients(self) -> int:
        """Pages connected for live reload."""
        return len(self._live.waiters)  # type: ignore[attr-defined]

    def start(self) -> None:
        """Bind the port, build once, then serve and watch, each in its own thread."""
        self._sockets = netutil.bind_sockets(self.port, self.host or None)
        self.port = self._sockets[0].getsockname()[1]
        try:
            self._watcher = Watcher(
                self.watch, self.rebuild, poll=self.poll, quiet=self.quiet, polling=self.polling
            )
            # Builds always run outside the caller's thread, which may have an event loop
            # running (asyncio.run, used by a build step, refuses to start inside one).
            first = threading.Thread(target=self.rebuild, args=(frozenset(),), name="portal-build")
            first.start()
            first.join()
            self._thread = threading.Thread(target=self._serve, name="portal-serve", daemon=True)
            self._thread.start()
            self._ready.wait(10)
            if self._failure is not None:
                raise RuntimeError("the preview server did not start") from self._failure
            self._watcher.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self._requested += 1
        self._stop_search()
        self._join_full(10)
        if self._search_thread is not None:
            self._search_thread.join(10)
        if self._loop is not None and self._stopping is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self) -> None:
        """Block until the server stops (Ctrl+C raises KeyboardInterrupt here)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def rebuild(self, changed: frozenset[str]) -> None:
        """Have every open page show the saved files: at once by a quick rebuild when the
        builder has one for these saves (the edited records' pages), followed by the full
        build in a thread of its own; else by the full build here. After a full build,
        the search index is made in its own thread. A newer save stops the builds and the
        index still running for older ones (they would be out of date)."""
        self._requested += 1
        requested = self._requested
        self._stop_search()
        if changed:
            self.log.info("Saved: %s; rebuilding.", _few(sorted(Path(p).name for p in changed)))
        control = self._control(requested)
        if changed and self.quick is not None and self.state.good:
            try:
                outcome = self.quick(changed, control)
            except Exception:  # a bug must not stop the preview: the full build follows
                self.log.exception("The quick rebuild failed unexpectedly.")
                outcome = None
            if outcome is not None:
                self._publish(outcome)
                if outcome.errors:  # the full build would stop at the same problems
                    return
                thread = threading.Thread(
                    target=self._full_build, args=(control, True), name="portal-full", daemon=True
                )
                self._full_thread = thread
                thread.start()
                return
        self._join_full()  # it sees it is out of date and stops at its next checkpoint
        self._full_build(control, False)

    def _control(self, requested: int) -> Control:
        return Control(lambda: self._requested != requested, self._lock)

    def _full_build(self, control: Control, after_quick: bool) -> None:
        """Build everything; publish the outcome (reloading the open pages unless the
        quick rebuild before already showed every page it changed), start the index."""
        try:
            outcome = self.build(control)
        except Exception as exc:  # a bug must not stop the preview: show it like a problem
            self.log.exception("The build failed unexpectedly.")
            outcome = Outcome((Problem("build", 0, "", f"the build failed: {exc!r}"),))
        if outcome.cancelled or (after_quick and control.cancelled()):
            return
        reload = outcome.errors or outcome.pages_changed or not after_quick
        generation = self._publish(outcome, reload=bool(reload))
        if outcome.search_later is not None and not outcome.errors:
            self._start_search(outcome.search_later, generation)

    def _publish(self, outcome: Outcome, reload: bool = True) -> int:
        """Show `outcome` to the pages (the new build, or its problems over the last good
        one) and have the open pages reload; return the build's number."""
        with self._lock:
            self.builds += 1
            state = self.state
            if outcome.errors:
                state = replace(state, errors=outcome.errors)
                count = len(outcome.errors)
                self.log.warning(
                    "%d %s; the preview shows the last good build:\n%s",
                    count,
                    "problem" if count == 1 else "problems",
                    "\n".join(f"  {p}" for p in outcome.errors),
                )
            else:
                state = replace(
                    state, good=True, errors=(), base_path=outcome.base_path or state.base_path
                )
                self.log.info("Built: %s.", outcome.summary or "done")
            for warning in outcome.warnings:
                self.log.warning("  warning: %s", warning)
            if reload:
                state = replace(state, generation=state.generation + 1)
            self.state = state
            loop = self._loop
        if reload and loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the server is stopping
                loop.call_soon_threadsafe(self._reload_pages)
        return state.generation

    def _join_full(self, timeout: float = 60.0) -> None:
        thread = self._full_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the search index, after the pages ------------------------------------------------

    def _start_search(self, later: SearchLater, generation: int) -> None:
        """Index in a thread of its own; write the bundle only if no build came since."""

        def current() -> bool:
            return self._requested == requested and self.state.generation == generation

        def index() -> None:
            run = None
            try:
                with self._search_lock:
                    if not current():
                        return
                    run = self._search_run = later.start()
                bundle = run.result()  # stopped (raises) by the next build's _stop_search
                report = None
                with self._lock:  # never while a build writes the folder
                    if current():
                        report = later.write(bundle)
                if report is not None:
                    self.log.info("Search index: %d files written.", report.written)
                    self.search_builds += 1
            except Exception as exc:  # stopped by a newer build, or Pagefind failed
                if current():
                    self.log.warning("The search index was not made: %s", exc)
            finally:
                if run is not None:
                    run.cancel()

        requested = self._requested

        thread = threading.Thread(target=index, name="portal-search", daemon=True)
        self._search_thread = thread
        thread.start()

    def _stop_search(self) -> None:
        with self._search_lock:
            if self._search_run is not None:
                self._search_run.stop()
                self._search_run = None

    def wait_for_search(self, timeout: float = 60.0) -> None:
        """Block until the search index of the last build is written (or given up)."""
        if self._search_thread is not None:
            self._search_thread.join(timeout)

    # -- inside the server thread ---------------------------------------------------------

    def _reload_pages(self) -> None:
        self._live.reload_waiters("*")  # type: ignore[attr-defined]

    def _application(self) -> web.Application:
        return web.Application(
            [
                (r"/livereload", self._live),
                (r"/livereload\.js", LiveReloadJSHandler),
                (re.escape(PREVIEW_PATH) + r"(client\.js|preview\.css)", _AssetHandler),
                (r".*", _SiteHandler, {"preview": self}),
            ],
            log_function=lambda handler: None,
        )

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = HTTPServer(self._application())
        server.add_sockets(self._sockets)
        self._sockets = []  # the server closes them
        self._ready.set()
        await self._stopping.wait()
        server.stop()
        for handler in list(self._live.connections):  # type: ignore[attr-defined]
            connection = handler.ws_connection
            if connection is not None and connection.stream is not None:
                connection.stream.close()
        await server.close_all_connections()
        await asyncio.sleep(0)


# -- the command ----------------------------------------------------------------------------


def run(
    content: Path,
    out: Path,
    templates: Path,
    watch: Sequence[Path],
    today: Callable[[], dt.date],
    host: str = "127.0.0.1",
    port: int = 8000,
    cache_dir: Path = Path(".cache"),
    polling: bool = False,
    history: bool = True,
) -> int:
    """`python build.py serve`: run until Ctrl+C. Returns the exit status."""
    with _console():
        return _run(content, out, templates, watch, today, host, port, cache_dir, polling, history)


@contextlib.contextmanager
def _console() -> Iterator[None]:
    """Print the preview's messages on stderr while it runs; leave logging as it was."""
    console = logging.getLogger("portal")
    saved = console.level, console.propagate
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    console.addHandler(handler)
    console.setLevel(logging.INFO)
    console.propagate = False
    try:
        yield
    finally:
        console.removeHandler(handler)
        console.setLevel(saved[0])
        console.propagate = saved[1]


def _run(
    content: Path,
    out: Path,
    templates: Path,
    watch: Sequence[Path],
    today: Callable[[], dt.date],
    host: str,
    port: int,
    cache_dir: Path,
    polling: bool,
    history: bool = True,
) -> int:
    resolved = out.resolve()
    if resolved == Path("site").resolve():
        log.error(
            "error: the preview has drafts, so it is never built into site/; choose another --out"
        )
        return 2
    for root in watch:
        if resolved == root.resolve() or resolved.is_relative_to(root.resolve()):
            log.error("error: the preview folder %s is inside %s; choose another --out", out, root)
            return 2
    server = PreviewServer(
        PipelineBuilder(
            content, out, today, templates, str(content), BodyCache(cache_dir), history
        ),
        out,
        watch,
        host=host,
        port=port,
        polling=polling,
    )

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # stop as cleanly on SIGTERM as on Ctrl+C

    # A build running in a thread beside the quick rebuild of a newer save, or the server
    # answering a request, hands over more often than every 5 ms (Python's default): each
    # of their system calls waits for the turn.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if in_main else None
    try:
        try:
            server.start()
        except OSError as exc:
            log.error(
                "error: cannot listen on %s port %d (%s); choose another with --port",
                host or "all interfaces",
                port,
                exc.strerror or exc,
            )
            return 2
        where = "all interfaces" if host in ("", "0.0.0.0", "::") else host
        log.info(
            "Preview of %s with drafts at %s (listening on %s)\n"
            "Pages reload by themselves when a file in %s is saved. Press Ctrl+C to stop.",
            content,
            server.url,
            where,
            ", ".join(str(p) for p in watch),
        )
        server.wait()
    except KeyboardInterrupt:
        log.info("Stopped.")
    finally:
        server.stop()
        sys.setswitchinterval(switch)
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return 0
