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
import logging
import re
import socket
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from livereload.handlers import LiveReloadJSHandler  # type: ignore[import-untyped]
from tornado import netutil, web
from tornado.httpserver import HTTPServer

from portal.model.values import Problem
from portal.pipeline import SearchLater
from portal.preview.builds import Builder, Control, Outcome, QuickBuilder, few
from portal.preview.http import PREVIEW_PATH, AssetHandler, SiteHandler, State
from portal.preview.reload import live_handler
from portal.preview.watch import Watcher

if TYPE_CHECKING:
    from portal.outputs.search_index import IndexRun


log = logging.getLogger("portal.serve")


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
        self._live = live_handler(self)
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
            self.log.info("Saved: %s; rebuilding.", few(sorted(Path(p).name for p in changed)))
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
                (re.escape(PREVIEW_PATH) + r"(client\.js|preview\.css)", AssetHandler),
                (r".*", SiteHandler, {"preview": self}),
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
