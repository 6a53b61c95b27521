"""A build told it is no longer wanted (the preview, after a newer save) stops between
its stages and writes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest

from portal.pipeline import build_site

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize("asked", [1, 2, 3, 4, 5, 8, 20, 40, 41])
def test_a_cancelled_build_stops_and_writes_nothing(tmp_path: Path, asked: int) -> None:
    """Cancelled on the `asked`-th question: in the check, the bodies, the pages..."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    questions = 0

    def cancelled() -> bool:
        nonlocal questions
        questions += 1
        return questions >= asked

    out = tmp_path / "site"
    result = build_site(content, out, TODAY, TEMPLATES, cancelled=cancelled)
    assert result.cancelled and result.site is None and not result.errors
    assert not out.exists()


def test_the_last_question_is_asked_holding_the_write_lock(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    lock = threading.Lock()
    held: list[bool] = []

    def cancelled() -> bool:
        held.append(lock.locked())
        return False

    result = build_site(
        content, tmp_path / "site", TODAY, TEMPLATES, cancelled=cancelled, write_lock=lock
    )
    assert result.ok and not result.cancelled
    assert held[-1] and not any(held[:-1])
    assert not lock.locked()


def test_a_checkpoint_asks_only_its_own_threads_build() -> None:
    from portal.runtime.cancel import Cancelled, cancellable, checkpoint

    checkpoint()  # no build asked: nothing happens
    seen: list[str] = []

    def other_thread() -> None:
        checkpoint()  # the build below is not this thread's
        seen.append("went on")

    with cancellable(lambda: True):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        with pytest.raises(Cancelled):
            checkpoint()
    checkpoint()
    assert seen == ["went on"]
