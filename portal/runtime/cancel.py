"""Stopping a build that is no longer wanted (the preview's, after a newer save).

A build runs `with cancellable(cancelled):`; the long loops of its stages call
`checkpoint()` now and then, which raises `Cancelled` once `cancelled()` says yes. The
question is asked of the thread's own build only (a context variable: a build in
another thread has its own), and costs nothing when no build asked for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CANCELLED: ContextVar[Callable[[], bool] | None] = ContextVar("portal_cancelled", default=None)


class Cancelled(Exception):
    """Raised by `checkpoint()` in a build whose caller no longer wants it."""


@contextmanager
def cancellable(cancelled: Callable[[], bool] | None) -> Iterator[None]:
    """Within this block, `checkpoint()` raises Cancelled once `cancelled()` is true."""
    token = _CANCELLED.set(cancelled)
    try:
        yield
    finally:
        _CANCELLED.reset(token)


def checkpoint() -> None:
    """Raise Cancelled if the build running in this thread is no longer wanted."""
    cancelled = _CANCELLED.get()
    if cancelled is not None and cancelled():
        raise Cancelled
