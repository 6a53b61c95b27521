"""Git repositories for tests: dated commits made by a test's own hand."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Editor",
    "GIT_AUTHOR_EMAIL": "editor@example.org",
    "GIT_COMMITTER_NAME": "Editor",
    "GIT_COMMITTER_EMAIL": "editor@example.org",
}


def git(root: Path, *args: str, when: str | None = None) -> str:
    """Run git in `root`; `when` (`2024-05-01T10:00:00+08:00`, or `@seconds +0000`) is the
    author and committer date."""
    env = {**os.environ, **ENV}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    done = subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=root,
        env=env,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8", errors="replace")


def init(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


def commit(
    root: Path, message: str | bytes, when: str, files: dict[str, str] | None = None
) -> None:
    """Write `files` (paths under `root`, dedented text), then commit every change."""
    for rel, text in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    git(root, "add", "-A")
    raw = message if isinstance(message, bytes) else message.encode("utf-8")
    message_file = root / ".git" / "TEST_MESSAGE"
    message_file.write_bytes(raw)
    git(root, "commit", "-q", "--allow-empty", "-F", str(message_file), when=when)
