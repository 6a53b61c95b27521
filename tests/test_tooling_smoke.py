"""Smoke tests for the test tooling in tests/support (server, Nu checker, Chromium, axe)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import (
    axe_violations,
    chromium_browser,
    chromium_page,
    format_violations,
    has_horizontal_scroll,
)
from tests.support.htmlcheck import validate_html
from tests.support.serve import serve_dir

GOOD_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Good page</title>
</head>
<body>
<main>
<h1>Cooperation agreements</h1>
<p>Hello from the register.</p>
<img src="dot.svg" alt="A blue dot" width="10" height="10">
</main>
</body>
</html>
"""

INVALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head><title>Invalid</title></head>
<body><div><p>unclosed <span>span</div><blink>old</blink></body>
</html>
"""

NO_ALT_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>No alt</title></head>
<body><main><h1>Logo</h1><img src="dot.svg" width="10" height="10"></main></body>
</html>
"""

WIDE_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wide</title></head>
<body><main><h1>Wide</h1><div style="width: 2000px">too wide</div></main></body>
</html>
"""

NOT_FOUND_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><main><h1>Page not found</h1></main></body></html>
"""

DOT_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<circle cx="5" cy="5" r="5" fill="blue"/></svg>'
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(GOOD_HTML, encoding="utf-8")
    (root / "invalid.html").write_text(INVALID_HTML, encoding="utf-8")
    (root / "404.html").write_text(NOT_FOUND_HTML, encoding="utf-8")
    (root / "dot.svg").write_text(DOT_SVG, encoding="utf-8")
    for name, html in {"noalt": NO_ALT_HTML, "wide": WIDE_HTML}.items():
        (root / name).mkdir()
        (root / name / "index.html").write_text(html, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve_dir(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as b:
        yield b


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


# -- serve_dir --------------------------------------------------------------------------


def test_serve_dir_maps_prefix_and_404(base_url: str) -> None:
    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/cooperation/")

    status, body = _get(base_url)
    assert status == 200 and "Hello from the register." in body

    status, body = _get(base_url + "noalt/")  # directory -> index.html
    assert status == 200 and "<title>No alt</title>" in body

    status, body = _get(base_url + "noalt")  # redirect keeps the prefix
    assert status == 200 and "<title>No alt</title>" in body

    origin = base_url.removesuffix("cooperation/")
    traversal = base_url + "../../etc/passwd"  # ".." cannot leave the site root
    for missing in (base_url + "nope.html", origin, origin + "index.html", traversal):
        status, body = _get(missing)
        assert status == 404, missing
        assert "Page not found" in body, missing


def test_serve_dir_shuts_down(site: Path) -> None:
    with serve_dir(site, prefix="/") as base:
        assert _get(base + "index.html")[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base, timeout=2)


# -- validate_html ----------------------------------------------------------------------


def test_validate_html_valid_and_invalid(site: Path) -> None:
    good, bad = site / "index.html", site / "invalid.html"
    errors = validate_html([good, bad])  # one JVM for both files
    assert errors, "the invalid page should produce errors"
    assert all("invalid.html" in line for line in errors), errors
    assert validate_html([good]) == []
    assert validate_html([]) == []


def test_validate_html_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_html([tmp_path / "absent.html"])


# -- chromium / axe ---------------------------------------------------------------------


def test_chromium_reads_served_page(browser: Browser, base_url: str) -> None:
    with chromium_page(browser=browser) as bp:
        bp.goto(base_url)
        assert bp.page.title() == "Good page"
        assert "Hello from the register." in bp.page.inner_text("main")
        assert bp.console_errors == []
        assert bp.blocked_requests == []


def test_console_errors_and_external_requests_are_caught(browser: Browser, base_url: str) -> None:
    with chromium_page(browser=browser) as bp:
        bp.goto(base_url)
        bp.page.evaluate("() => console.error('boom')")
        bp.page.evaluate("() => fetch('http://example.invalid/x').catch(() => {})")
        bp.page.wait_for_timeout(200)
        assert any("boom" in e for e in bp.console_errors), bp.console_errors
        assert bp.blocked_requests == ["http://example.invalid/x"]


def test_axe_flags_img_without_alt(browser: Browser, base_url: str) -> None:
    with chromium_page(browser=browser) as bp:
        bp.goto(base_url + "noalt/")
        ids = {v["id"] for v in axe_violations(bp)}
        assert "image-alt" in ids


def test_axe_clean_page(browser: Browser, base_url: str) -> None:
    with chromium_page(browser=browser) as bp:
        bp.goto(base_url)
        violations = axe_violations(bp)
        assert violations == [], format_violations(violations)


def test_horizontal_scroll_detection(browser: Browser, base_url: str) -> None:
    with chromium_page(375, 800, browser=browser) as bp:
        bp.goto(base_url + "wide/")
        assert has_horizontal_scroll(bp)
        bp.goto(base_url)
        assert not has_horizontal_scroll(bp.page)


def test_chromium_page_without_shared_browser(base_url: str) -> None:
    # Standalone use (own Playwright + browser). Runs after the module's browser
    # fixture may still be open, so do it in a fresh thread: one Playwright per thread.
    import threading

    result: list[str] = []

    def run() -> None:
        with chromium_page(width=800, height=600) as bp:
            bp.goto(base_url)
            result.append(bp.page.inner_text("h1"))

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=60)
    assert result == ["Cooperation agreements"]
