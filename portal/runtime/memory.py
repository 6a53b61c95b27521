"""Give the memory that the build no longer uses back to the system.

Python frees objects, but the C library keeps the pages they lived in for later
allocations: after the pages, feeds and open data are made, about 100 MB of freed
memory (at 4,000 agreements) stays with the build while it waits for Pagefind, whose
own peak comes then: the peak of the whole build is the sum. `release_freed_memory`
collects what is garbage and asks glibc to hand the free pages back (`malloc_trim`),
which takes a few hundredths of a second. Elsewhere (another C library, another
system) it only collects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return trim


def release_freed_memory() -> bool:
    """Collect garbage and return free memory to the system; whether it could."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
