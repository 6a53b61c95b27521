"""Freed memory goes back to the system (glibc on Linux, where the builds run)."""

from __future__ import annotations

import sys

import pytest

from portal.runtime.memory import release_freed_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_memory_freed_by_python_goes_back_to_the_system() -> None:
    # 2,000-byte objects come from the C library's heap (pymalloc takes up to 512 bytes);
    # one in a hundred is kept, so the heap cannot simply shrink from its top.
    blocks = [bytes([i % 251]) * 2000 for i in range(60_000)]
    kept = blocks[::100]
    del blocks
    before = _resident_mib()
    assert release_freed_memory()
    after = _resident_mib()
    assert before - after > 60, (before, after)
    assert len(kept) == 600
