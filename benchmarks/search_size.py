"""Search: the index size per 1,000 agreements, and what a reader downloads for one query.

    python3 benchmarks/search_size.py                          # 1,000 and 10,000 agreements
    python3 benchmarks/search_size.py --sizes 200 --queries Singapore
    python3 benchmarks/search_size.py --site site/ --prefix /cooperation/   # a built site

For each size it generates a register (benchmarks/generate.py), builds it with build.py
(a new process, --no-cache) for https://example.org/cooperation/, and sums the bytes of
Pagefind's bundle: the index proper (word chunks, fragments, filters, metadata) and the
runtime (pagefind.js and the WebAssembly). Then, for each query, it opens /search/ in
Debian's Chromium (tests/support/browser.py) in a new browser context (nothing cached),
served under /cooperation/ by tests/support/serve.py, types the query, waits until the
results are shown and the network is idle, and sums the bytes of every response under
pagefind/: what searching costs a reader (pagefind.js, the wasm, entry, metadata, the
filter and word chunks, the fragments of the first page of results). The page itself,
its stylesheet and assets/search.js are reported apart.

The test server sends files as they are. Pagefind's index files and wasm are gzip
inside already; pagefind.js is not, and any static host compresses it, so the totals are
given both as sent and with text files (js, json, css, html) gzip-compressed as a host
would send them. The budget (--budget, 300 kB) applies to the latter.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402
from tests.support.browser import chromium_browser, chromium_page  # noqa: E402
from tests.support.serve import serve_dir  # noqa: E402

PREFIX = "/cooperation/"
BASE_URL = "https://example.org" + PREFIX
DEFAULT_QUERIES = ("Singapore", "incident response", "Riigi Infosüsteemi", "parties", "zqxwvy")
INDEX_SUFFIXES = (".pf_index", ".pf_fragment", ".pf_filter", ".pf_meta")
TEXT_SUFFIXES = (".js", ".json", ".css", ".html")


@dataclass
class Bundle:
    """Bytes on disk of one site's pagefind/ folder."""

    index: int = 0
    runtime: int = 0  # pagefind.js, the wasm for the site's language, the entry file
    fragments: int = 0
    files: int = 0

    @classmethod
    def of(cls, site: Path) -> Bundle:
        bundle = cls()
        for path in (site / "pagefind").rglob("*"):
            if not path.is_file():
                continue
            size = path.stat().st_size
            bundle.files += 1
            if path.name.endswith(INDEX_SUFFIXES):
                bundle.index += size
                if path.name.endswith(".pf_fragment"):
                    bundle.fragments += size
            elif path.name in ("pagefind.js", "pagefind-entry.json", "wasm.en.pagefind"):
                bundle.runtime += size
        return bundle


@dataclass
class Download:
    """What one query made the browser fetch."""

    query: str
    results: str = ""
    search_sent: int = 0  # under pagefind/, bytes as the test server sent them
    search_gzip: int = 0  # the same, text files gzip-compressed as a static host sends them
    page_gzip: int = 0  # the page, its stylesheet and scripts (not pagefind/), gzip
    requests: list[tuple[str, int]] = field(default_factory=list)


def _gzip_size(name: str, body: bytes) -> int:
    if name.endswith(TEXT_SUFFIXES) or name.endswith("/"):
        return len(gzip.compress(body, compresslevel=6, mtime=0))
    return len(body)


def measure_query(browser: object, base: str, query: str) -> Download:
    """Open /search/, type `query`, and sum what was downloaded."""
    from playwright.sync_api import Browser, Response

    assert isinstance(browser, Browser)
    download = Download(query)
    with chromium_page(browser=browser) as bp:
        responses: list[Response] = []
        bp.page.on("response", lambda response: responses.append(response))
        bp.goto(base + "search/")
        bp.page.locator("#search-q").press_sequentially(query, delay=30)
        bp.page.wait_for_function(
            """q => {
                const s = document.getElementById('search-status').textContent;
                return s.includes('“' + q + '”');
            }""",
            arg=query,
            timeout=60_000,
        )
        bp.page.wait_for_load_state("networkidle")
        download.results = bp.page.locator("#search-status").inner_text()
        for response in responses:
            url = response.url.split("?", 1)[0]
            body = response.body() if response.status < 300 else b""
            sent, zipped = len(body), _gzip_size(url, body)
            if "/pagefind/" in url:
                download.search_sent += sent
                download.search_gzip += zipped
                download.requests.append((url.rsplit("/pagefind/", 1)[1], sent))
            else:
                download.page_gzip += zipped
        if bp.console_errors:
            raise RuntimeError(f"console errors for {query!r}: {bp.console_errors}")
    return download


def build(content: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "build",
            "--content",
            str(content),
            "--out",
            str(out),
            "--base-url",
            BASE_URL,
            "--no-cache",
            "--today",
            "2025-01-01",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return time.perf_counter() - started


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def report_site(
    site: Path, agreements: int | None, queries: Sequence[str], budget: int, prefix: str
) -> Iterator[str]:
    bundle = Bundle.of(site)
    yield f"  pagefind/: {bundle.files:,} files"
    yield f"  index (chunks, fragments, filters, meta): {kb(bundle.index)}"
    yield f"    of which fragments: {kb(bundle.fragments)}"
    if agreements:
        yield f"  index per 1,000 agreements: {kb(bundle.index * 1000 // agreements)}"
    yield f"  runtime (pagefind.js, wasm.en, entry): {kb(bundle.runtime)}"
    with serve_dir(site, prefix) as base, chromium_browser() as browser:
        for query in queries:
            d = measure_query(browser, base, query)
            verdict = "within" if d.search_gzip <= budget else "OVER"
            yield (
                f"  query {query!r}: {d.results!r}\n"
                f"    search downloads {kb(d.search_gzip)} as a host sends them "
                f"({kb(d.search_sent)} uncompressed), {verdict} the {kb(budget)} budget; "
                f"page, CSS and scripts {kb(d.page_gzip)}; {len(d.requests)} requests"
            )
            for name, size in sorted(d.requests, key=lambda r: -r[1])[:6]:
                yield f"      {size:>9,} B  {name}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", nargs="+", default=list(DEFAULT_QUERIES))
    parser.add_argument("--budget", type=int, default=300_000, help="bytes (default 300000)")
    parser.add_argument("--site", type=Path, help="measure this built site instead")
    parser.add_argument("--prefix", default=PREFIX, help="its path under the server")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it")
    args = parser.parse_args(argv)

    if args.site:
        print(f"{args.site}:")
        for line in report_site(args.site, None, args.queries, args.budget, args.prefix):
            print(line, flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="search-size-") as tmp:
        work = args.keep or Path(tmp)
        for size in args.sizes:
            content, out = work / f"content-{size}", work / f"site-{size}"
            generate(content, size)
            seconds = build(content, out)
            print(f"{size:,} agreements (built in {seconds:.0f} s):", flush=True)
            for line in report_site(out, size, args.queries, args.budget, PREFIX):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
