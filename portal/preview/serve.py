"""`python build.py serve`: the preview server on the pipeline's builds, until Ctrl+C, its
messages on the console."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from portal.cache.store import BodyCache
from portal.preview.builds import PipelineBuilder
from portal.preview.server import PreviewServer

log = logging.getLogger("portal.serve")


SWITCH_INTERVAL = 0.001  # seconds; see _run


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
