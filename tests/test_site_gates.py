"""The gates of the public site, on the example register published under a sub-path.

The example content is copied and built once per session with `base_url` set to
`http://127.0.0.1/cooperation/`, then served under `/cooperation/` as a static host
would. On that site:

- the Nu Html Checker reports no error on any page;
- axe-core reports no WCAG 2.1 A/AA violation on any page type, at 1280 px and 375 px,
  and nothing scrolls sideways at 375 px;
- every internal link and asset (href, src, CSS url()) resolves to a built file, and
  every #fragment to an id on its page.

And a golden test: the whole output of the small site in tests/golden/content/ is
compared with tests/golden/expected/ (plus a SHA-256 manifest covering every file,
Pagefind's binary bundle included). After an intended change, refresh it with

    python3 -m pytest tests/test_site_gates.py --update-golden

and review `git diff tests/golden/`.
"""

from __future__ import annotations

import difflib
import hashlib
import posixpath
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser

from portal.cli import main
from tests.support.browser import (
    axe_violations,
    chromium_browser,
    chromium_page,
    format_violations,
    has_horizontal_scroll,
)
from tests.support.gitrepo import commit, init
from tests.support.htmlcheck import validate_html
from tests.support.serve import serve_dir

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2025-06-30"
BASE_PATH = "/cooperation/"
BASE_URL = "http://127.0.0.1" + BASE_PATH
GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_TODAY = "2024-06-01"
# Stored only in the manifest: Pagefind's bundle is binary (WebAssembly, compressed index).
NOT_STORED = ("pagefind/",)
NOT_STORED_NAMES = tuple(name.rstrip("/") for name in NOT_STORED)


def build_into(content: Path, out: Path, today: str) -> None:
    status = main(
        ["build", "--content", str(content), "--out", str(out), "--today", today, "--no-cache"]
    )
    assert status == 0, f"the build of {content} failed"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example register, built once, published at http://127.0.0.1/cooperation/."""
    work = tmp_path_factory.mktemp("gates")
    content = work / "content"
    shutil.copytree(ROOT / "content", content)
    settings = content / "site.yaml"
    text = settings.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^base_url: .*$", f"base_url: {BASE_URL}", text)
    assert count == 1
    settings.write_text(text, encoding="utf-8")
    with_history(work)
    out = work / "site"
    build_into(content, out, TODAY)
    return out


def with_history(work: Path) -> None:
    """Keep the copy in git, the first record of each kind revised often enough that its
    History section folds the older revisions (one revision's message not in UTF-8)."""
    init(work)
    commit(work, "Publish the register", "2024-01-10T09:00:00+08:00")
    records = [
        work
        / "content"
        / folder
        / f"{min(p.stem for p in (work / 'content' / folder).glob('*.md'))}.md"
        for folder in ("agreements", "partners", "events")
    ]
    for number in range(1, 8):
        for path in records:
            path.write_text(path.read_text(encoding="utf-8") + f"\nRevised {number}.\n", "utf-8")
        message = f"Revision {number} <of> the first records" if number != 3 else b"R\xe9vision"
        commit(work, message, f"2024-02-{number:02d}T10:00:00+08:00")


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- valid HTML ---------------------------------------------------------------------


def test_every_page_is_valid_html(site: Path) -> None:
    errors = validate_html(pages_of(site))
    shown = [line.replace(f"file:{site}/", "") for line in errors]
    assert shown == [], "\n".join(shown)


# --- accessibility --------------------------------------------------------------------


def page_types(site: Path) -> dict[str, str]:
    """One page of each type: {type: URL path under the base}."""

    def first(folder: str) -> str:
        found = sorted(p.parent.name for p in (site / folder).glob("*/index.html"))
        assert found, f"no page under {folder}/"
        return f"{folder}/{found[0]}/"

    return {
        "home": "",
        "agreements": "agreements/",
        "agreement": first("agreements"),
        "partners": "partners/",
        "partner": first("partners"),
        "area": first("areas"),
        "agency": first("agencies"),
        "event": first("events"),
        "page": "about/",
        "timeline": "timeline/",
        "search": "search/",
        "data": "data/",
        "404": "404.html",
    }


PAGE_TYPES = [
    "home",
    "agreements",
    "agreement",
    "partners",
    "partner",
    "area",
    "agency",
    "event",
    "page",
    "timeline",
    "search",
    "data",
    "404",
]


@pytest.fixture(scope="class")
def served(site: Path) -> Iterator[str]:
    with serve_dir(site, prefix=BASE_PATH) as base:
        yield base


@pytest.fixture(scope="class")
def browser() -> Iterator[Browser]:
    """One browser for the class only: Playwright's sync API runs an event loop in this
    thread, which must be gone before any other test builds a site (Pagefind uses asyncio)
    or starts its own Playwright."""
    with chromium_browser() as running:
        yield running


class TestAccessibility:
    @pytest.mark.parametrize("width", [1280, 375])
    @pytest.mark.parametrize("kind", PAGE_TYPES)
    def test_no_wcag_violations(
        self, site: Path, served: str, browser: Browser, kind: str, width: int
    ) -> None:
        url = served + page_types(site)[kind]
        with chromium_page(width=width, browser=browser) as bp:
            bp.goto(url)
            violations = axe_violations(bp)
            assert violations == [], f"{url} at {width} px:\n{format_violations(violations)}"
            if width == 375:
                assert not has_horizontal_scroll(bp), f"{url} scrolls sideways at 375 px"
            assert bp.blocked_requests == [], f"{url} asks other sites for {bp.blocked_requests}"
            assert bp.console_errors == [], f"{url}: {bp.console_errors}"


# --- links and assets -------------------------------------------------------------------


class _Refs(HTMLParser):
    """Every URL a page refers to (href, src, srcset, poster, data) and every id it has."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in ("href", "src", "poster", "data", "action"):
                self.urls.append(value)
            elif name == "srcset":
                self.urls.extend(part.split()[0] for part in value.split(",") if part.strip())


def _parse(path: Path) -> _Refs:
    refs = _Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def _target(site: Path, page_url: str, ref: str) -> tuple[str, Path, str] | None:
    """(URL path, file, fragment) of an internal reference; None for an external one."""
    parts = urlsplit(ref)
    if parts.scheme in ("mailto", "tel", "data") or ref == "#":
        return None
    if (parts.scheme or parts.netloc) and f"{parts.scheme}://{parts.netloc}" != "http://127.0.0.1":
        return None  # another site
    path = parts.path or urlsplit(page_url).path
    if not path.startswith("/"):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page_url), path)) + (
            "/" if path.endswith("/") else ""
        )
    if not path.startswith(BASE_PATH):
        return (path, site / "outside-the-base-path", parts.fragment)
    rel = unquote(path[len(BASE_PATH) :])
    file = site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)
    return path, file, unquote(parts.fragment)


def test_every_internal_link_and_asset_resolves(site: Path) -> None:
    parsed = {page: _parse(page) for page in pages_of(site)}
    ids = {page: refs.ids for page, refs in parsed.items()}
    broken: list[str] = []
    checked = 0
    for page, refs in parsed.items():
        rel = page.relative_to(site).as_posix()
        page_url = BASE_PATH + rel.removesuffix("index.html")
        for ref in refs.urls:
            found = _target(site, page_url, ref)
            if found is None:
                continue
            checked += 1
            path, file, fragment = found
            if not file.is_file():
                broken.append(f"{rel}: {ref} -> {path}: no such file")
            elif (
                fragment
                and file.suffix == ".html"
                and fragment not in ids.get(file, _parse(file).ids)
            ):
                broken.append(f"{rel}: {ref}: no id {fragment!r} on {path}")
    for sheet in site.rglob("*.css"):
        sheet_url = BASE_PATH + sheet.relative_to(site).as_posix()
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", sheet.read_text(encoding="utf-8")):
            found = _target(site, sheet_url, ref)
            if found is not None and not found[1].is_file():
                broken.append(f"{sheet.relative_to(site)}: url({ref}): no such file")
    assert broken == [], "\n".join(broken)
    assert checked > 100


def test_the_sitemap_lists_every_page_under_the_base_url(site: Path) -> None:
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    listed = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    pages = sorted(
        BASE_URL + p.relative_to(site).as_posix().removesuffix("index.html")
        for p in pages_of(site)
        if p.name != "404.html"
    )
    assert listed == pages
    assert f"Sitemap: {BASE_URL}sitemap.xml\n" in (site / "robots.txt").read_text(encoding="utf-8")


# --- golden output ------------------------------------------------------------------------


def _manifest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _write_manifest(manifest: dict[str, str], path: Path) -> None:
    path.write_text("".join(f"{h}  {rel}\n" for rel, h in manifest.items()), encoding="utf-8")


def _read_manifest(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return {rel: h for h, rel in (line.split("  ", 1) for line in lines)}


def test_golden_output(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    out = tmp_path / "site"
    # A copy outside any git repository: the golden site has no history (see test_history).
    shutil.copytree(GOLDEN / "content", tmp_path / "content")
    build_into(tmp_path / "content", out, GOLDEN_TODAY)
    built = _manifest(out)
    expected_dir, manifest_file = GOLDEN / "expected", GOLDEN / "expected.sha256"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns(*NOT_STORED_NAMES))
        _write_manifest(built, manifest_file)
        pytest.skip("golden output refreshed: review `git diff tests/golden/`")
    expected = _read_manifest(manifest_file)
    assert expected, "no golden output yet: run pytest tests/test_site_gates.py --update-golden"
    problems = [f"new file {rel}" for rel in sorted(built.keys() - expected.keys())]
    problems += [f"missing file {rel}" for rel in sorted(expected.keys() - built.keys())]
    for rel in sorted(built.keys() & expected.keys()):
        if built[rel] == expected[rel]:
            continue
        old = expected_dir / rel
        if rel.startswith(NOT_STORED) or not old.is_file():
            problems.append(f"changed file {rel}")
            continue
        diff = difflib.unified_diff(
            old.read_text(encoding="utf-8").splitlines(),
            (out / rel).read_text(encoding="utf-8").splitlines(),
            f"expected/{rel}",
            f"built/{rel}",
            lineterm="",
            n=1,
        )
        problems.append("\n".join(list(diff)[:40]))
    assert problems == [], (
        "the output differs from tests/golden/expected/; if the change is intended, run "
        "`python3 -m pytest tests/test_site_gates.py --update-golden`:\n" + "\n".join(problems)
    )
