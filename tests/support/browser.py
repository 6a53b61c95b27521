"""Headless Chromium for the tests: Debian's /usr/bin/chromium driven by Playwright.

Never run ``playwright install`` here: it downloads a browser build, which this
project's machines cannot fetch. Debian's ``chromium`` package is installed by
``scripts/install-system-deps.sh`` instead.

Typical use::

    with serve_dir(site) as base, chromium_page(width=375) as bp:
        bp.page.goto(base)
        assert bp.console_errors == []
        assert axe_violations(bp) == [], format_violations(axe_violations(bp))
        assert not has_horizontal_scroll(bp)

To share one browser between many tests (launching takes ~1 s), open
``chromium_browser()`` once (e.g. in a module-scoped fixture) and pass it to
``chromium_page(browser=...)``. Only one Playwright instance may run per thread,
so don't call ``chromium_page()`` without ``browser=`` while a ``chromium_browser()``
is open.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Route,
    sync_playwright,
)

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "WCAG_TAGS",
    "BrowserPage",
    "axe_violations",
    "chromium_browser",
    "chromium_page",
    "format_violations",
    "has_horizontal_scroll",
]

#: Debian's Chromium; override with the CHROMIUM environment variable.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))

CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

WCAG_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass
class BrowserPage:
    """A Playwright page plus what it reported while the test ran.

    console_errors: ``console.error`` messages and uncaught page exceptions
    (failed resource loads such as a 404 image show up here too).
    blocked_requests: URLs of non-local requests that were refused
    (only when ``chromium_page(block_external=True)``, the default).
    """

    page: Page
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def goto(self, url: str) -> None:
        """Load ``url`` and wait for the load event; fail on an HTTP error status."""
        response = self.page.goto(url, wait_until="load")
        if response is not None and response.status >= 400:
            raise AssertionError(f"GET {url} -> HTTP {response.status}")


def _check_chromium() -> None:
    if not CHROMIUM.is_file():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: run scripts/install-system-deps.sh (never `playwright install`)"
        )


@contextlib.contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Launch headless Debian Chromium once; yield the Playwright ``Browser``."""
    _check_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def _block_external(route: Route, blocked: list[str]) -> None:
    url = route.request.url
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in _LOCAL_HOSTS:
        blocked.append(url)
        route.abort("blockedbyclient")
    else:
        route.continue_()


@contextlib.contextmanager
def _page_in(
    browser: Browser,
    width: int,
    height: int,
    block_external: bool,
    **context_options: Any,
) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
    try:
        page = context.new_page()
        result = BrowserPage(page)

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                location = msg.location.get("url", "") if msg.location else ""
                result.console_errors.append(f"{msg.text} ({location})" if location else msg.text)

        def on_page_error(error: Error) -> None:
            result.console_errors.append(f"uncaught: {error.message}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        if block_external:
            context.route("**/*", lambda route: _block_external(route, result.blocked_requests))
        yield result
    finally:
        context.close()


@contextlib.contextmanager
def chromium_page(
    width: int = 1280,
    height: int = 900,
    *,
    browser: Browser | None = None,
    block_external: bool = True,
    **context_options: Any,
) -> Iterator[BrowserPage]:
    """Yield a fresh page (own browser context) in headless Debian Chromium.

    ``width``/``height`` set the viewport. Pass ``browser`` (from ``chromium_browser()``)
    to reuse a running browser. Extra keyword arguments go to ``Browser.new_context``
    (e.g. ``color_scheme="dark"``, ``reduced_motion="reduce"``, ``java_script_enabled=False``).
    """
    if browser is not None:
        with _page_in(browser, width, height, block_external, **context_options) as bp:
            yield bp
        return
    with (
        chromium_browser() as own,
        _page_in(own, width, height, block_external, **context_options) as bp,
    ):
        yield bp


def _as_page(page: Page | BrowserPage) -> Page:
    return page.page if isinstance(page, BrowserPage) else page


def axe_violations(
    page: Page | BrowserPage,
    tags: Sequence[str] = WCAG_TAGS,
    *,
    disable_rules: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Run axe-core (bundled by axe-playwright-python) on the loaded page.

    Only rules tagged with one of ``tags`` run. Returns axe's ``violations``: one dict
    per failed rule, with ``id``, ``impact``, ``help``, ``helpUrl`` and ``nodes``.
    """
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    results = Axe().run(_as_page(page), options=options)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def format_violations(violations: list[dict[str, Any]]) -> str:
    """A short human-readable summary of axe violations, for assertion messages."""
    lines = []
    for v in violations:
        targets = ", ".join(
            " ".join(str(t) for t in node.get("target", [])) for node in v.get("nodes", [])
        )
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} -> {targets}")
    return "\n".join(lines)


def has_horizontal_scroll(page: Page | BrowserPage, tolerance: int = 0) -> bool:
    """True when the document is wider than the viewport (content would scroll sideways).

    ``tolerance`` is in CSS pixels, to ignore sub-pixel rounding.
    """
    overflow: int = _as_page(page).evaluate(
        """() => {
            const root = document.documentElement;
            const body = document.body;
            const width = Math.max(root.scrollWidth, body ? body.scrollWidth : 0);
            return width - root.clientWidth;
        }"""
    )
    return overflow > tolerance
