"""Search: which records are indexed with which filters, and the /search/ page in Chromium.

The browser tests build the example register once (module fixture) for the sub-path
/cooperation/, serve it there and drive Debian's Chromium through the search page.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.cache.store import BodyCache
from portal.model.output import OutputFile, Placed
from portal.model.site import Site
from portal.options import TEMPLATES
from portal.outputs import search_index
from portal.outputs.search import EARLY, SearchInput, build_index, render_search
from portal.pages.bodies import render_bodies
from portal.pages.context import RenderContext, RenderError
from portal.pages.environment import make_env
from portal.pages.search_data import SearchData, indexed_paths, search_data
from portal.pipeline import build_site, check_site
from tests.support.browser import (
    BrowserPage,
    axe_violations,
    chromium_browser,
    chromium_page,
    format_violations,
)
from tests.support.serve import serve_dir
from tests.support.sites import write_site

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "content"
TODAY = dt.date(2025, 1, 1)
PREFIX = "/cooperation/"

# A register with one of everything, and drafts that must stay out of the index.
FILES = {
    "partners/estonia.md": """\
        ---
        name: Estonia
        type: government
        country: EE
        aliases: [Eesti, Republic of Estonia]
        summary: The Republic of Estonia.
        ---
        """,
    "partners/ria.md": """\
        ---
        name: Information System Authority
        type: government-agency
        country: EE
        parent: estonia
        aliases: [RIA]
        summary: Estonia's information system authority.
        ---
        """,
    "agreements/old-mou.md": """\
        ---
        title: Memorandum on incident handling
        kind: memorandum-of-understanding
        status: in-force
        signed: 2019-05
        expires: 2021-05-01
        partners: [estonia, ria]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Joint handling of incidents.
        sources:
          - title: An article
            url: https://example.org/old
        ---
        Training of **responders**.
        """,
    "agreements/secret-draft.md": """\
        ---
        title: Draft treaty nobody has seen
        kind: treaty
        status: proposed
        partners: [estonia]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Not yet public.
        draft: true
        sources:
          - title: A note
            url: https://example.org/note
        ---
        """,
    "events/visit.md": """\
        ---
        title: Estonian delegation visits Manila
        date: 2023-09-20
        kind: visit
        summary: A visit.
        partners: [estonia]
        agencies: [dict]
        sources:
          - title: A report
            url: https://example.org/visit
        ---
        """,
    "pages/about.md": """\
        ---
        title: About this register
        menu: 1
        ---
        What the register covers.
        """,
    "pages/unfinished.md": """\
        ---
        title: Unfinished page
        draft: true
        ---
        """,
}


def _site(tmp_path: Path, preview: bool = False) -> Site:
    result = check_site(write_site(tmp_path, FILES), TODAY, preview)
    assert result.site is not None, result.errors
    return result.site


def _data(site: Site) -> dict[str, SearchData | None]:
    """Each record's search data, by its path under content/."""
    return {
        path.split("/content/", 1)[1]: search_data(site, record)
        for path, record in site.records.items()
    }


# -- which pages, which filters -----------------------------------------------------------


def test_agreements_partners_events_and_pages_are_indexed_but_no_drafts(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path)
    assert sorted(indexed_paths(site)) == [
        "about/index.html",
        "agreements/estonia-mou/index.html",
        "agreements/old-mou/index.html",
        "events/visit/index.html",
        "partners/estonia/index.html",
        "partners/ria/index.html",
    ]


def test_preview_build_indexes_drafts(tmp_path: Path) -> None:
    site = _site(tmp_path, preview=True)
    assert "agreements/secret-draft/index.html" in indexed_paths(site)
    assert "unfinished/index.html" in indexed_paths(site)


def test_agreement_filters_hold_what_the_site_shows(tmp_path: Path) -> None:
    site = _site(tmp_path)
    data = _data(site)["agreements/old-mou.md"]
    assert data is not None
    assert data.filters == (
        ("type", "Agreement"),
        ("partner", "Estonia"),
        ("partner", "Information System Authority"),
        ("status", "Expired"),  # shown status: the expiry has passed on the build day
        ("kind", "Memorandum of understanding"),
        ("area", "Cybersecurity"),
        ("agency", "DICT"),
        ("year", "2019"),
    )
    meta = dict(data.meta)
    assert meta["status"] == "Expired"
    assert meta["partners"] == "Estonia, Information System Authority"
    # Sorted by date; the URL after it, so that no two records tie.
    assert data.sort == "2019-05 agreements/old-mou/"
    # A partner's other names find its agreements too.
    assert data.aliases == "Also known as: Eesti, Republic of Estonia, RIA"


def test_partner_filters_and_undated_sort(tmp_path: Path) -> None:
    ria = _data(_site(tmp_path))["partners/ria.md"]
    assert ria is not None
    assert ria.filters == (
        ("type", "Partner"),
        ("partner", "Information System Authority"),
        ("kind", "Government agency"),
    )
    # Undated records sort after dated ones, newest first.
    assert ria.sort == "0000 partners/ria/"


def test_event_and_page_filters(tmp_path: Path) -> None:
    data = _data(_site(tmp_path))
    visit = data["events/visit.md"]
    assert visit is not None and visit.filters == (
        ("type", "Event"),
        ("partner", "Estonia"),
        ("kind", "Visit"),
        ("agency", "DICT"),
        ("year", "2023"),
    )
    about = data["pages/about.md"]
    assert about is not None and about.filters == (("type", "Page"),)
    assert "agreements/secret-draft.md" not in data  # a draft, outside the preview
    draft = _data(_site(tmp_path / "preview", preview=True))["agreements/secret-draft.md"]
    assert draft is not None and ("status", "Proposed") in draft.filters


def test_the_page_carries_its_search_data_and_only_record_pages_do(tmp_path: Path) -> None:
    content = write_site(tmp_path, FILES)
    out = tmp_path / "site"
    assert build_site(content, out, TODAY, TEMPLATES).ok
    page = (out / "agreements" / "old-mou" / "index.html").read_text()
    assert '<article class="record-page" data-pagefind-body>' in page
    assert '<span data-pagefind-filter="status">Expired</span>' in page
    assert '<span data-pagefind-sort="date">2019-05 agreements/old-mou/</span>' in page
    indexed = sorted(
        path.relative_to(out).as_posix()
        for path in out.rglob("*.html")
        if "data-pagefind-body" in path.read_text()
    )
    assert indexed == sorted(indexed_paths(_site(tmp_path / "again")))


def test_any_character_is_safe_in_a_value(tmp_path: Path) -> None:
    site = _site(tmp_path)
    env = make_env(TEMPLATES, site)
    data = SearchData(
        filters=(("partner", "Smith, Jones & Co: Ltd"),),
        meta=(("kind", 'A "quoted", kind'),),
        sort="0000 x/",
    )
    html = env.from_string('{% import "macros.html" as m %}{{ m.search_data(d) }}').render(d=data)
    assert '<span data-pagefind-filter="partner">Smith, Jones &amp; Co: Ltd</span>' in html
    assert "&#34;quoted&#34;, kind</span>" in html


def _fragments(site_dir: Path) -> dict[str, dict[str, object]]:
    """Every page in the built index: url -> Pagefind's fragment (meta, filters, ...)."""
    found = {}
    for path in (site_dir / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragment = json.loads(data[len(b"pagefind_dcd") :])
        found[fragment["url"]] = fragment
    return found


def test_the_built_index_holds_the_records_and_no_index_pages(tmp_path: Path) -> None:
    content = write_site(tmp_path, FILES)
    out = tmp_path / "site"
    result = build_site(content, out, TODAY, TEMPLATES)
    assert result.ok, result.errors
    fragments = _fragments(out)
    assert sorted(fragments) == [
        "/about/",
        "/agreements/estonia-mou/",
        "/agreements/old-mou/",
        "/events/visit/",
        "/partners/estonia/",
        "/partners/ria/",
    ]
    assert fragments["/agreements/old-mou/"]["filters"] == {
        "agency": ["DICT"],
        "area": ["Cybersecurity"],
        "kind": ["Memorandum of understanding"],
        "partner": ["Estonia", "Information System Authority"],
        "status": ["Expired"],
        "type": ["Agreement"],
        "year": ["2019"],
    }
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 6
    # Only what the browser needs: no Pagefind UI bundles.
    assert not list((out / "pagefind").glob("pagefind-*ui*"))
    assert (out / "search" / "index.html").is_file()


def test_only_pages_that_exist_are_indexed(tmp_path: Path) -> None:
    site = _site(tmp_path)
    context = RenderContext(site, make_env(TEMPLATES, site), render_bodies(site))
    page = b"""<!doctype html><html lang="en"><body><article data-pagefind-body>
        <h1>Memorandum</h1><p>Training of responders.</p></article></body></html>"""
    found = SearchInput(indexed_paths(site))
    found.add(OutputFile("agreements/old-mou/index.html", page))
    context.early[EARLY] = found
    try:
        produced = {o.path: o for o in render_search(context, frozenset())}
    finally:
        found.close()
    index_fragments = [p for p in produced if p.startswith("pagefind/fragment/")]
    assert len(index_fragments) == 1
    data = gzip.decompress(produced[index_fragments[0]].data)
    assert b'"url":"/agreements/old-mou/"' in data
    assert "search/index.html" in produced


def _page(title: str, word: str) -> bytes:
    return (
        f'<!doctype html><html lang="en"><body><main data-pagefind-body><h1>{title}</h1>'
        f"<p>{word} and a common word</p><div hidden data-pagefind-ignore>"
        f'<span data-pagefind-filter="kind">{word}</span><span data-pagefind-filter="kind">'
        f'common</span><span data-pagefind-sort="date">{title}</span></div></main></body>'
        "</html>"
    ).encode()


def test_the_bundle_does_not_depend_on_the_order_the_pages_come_in(
    tmp_path: Path,
) -> None:
    """Pagefind numbers pages in the order it is given them; they go in path order."""
    pages = {f"{name}/index.html": _page(name, f"word{name}") for name in "abcdefgh"}
    forward = build_index(pages, "en")
    backward = build_index(dict(reversed(list(pages.items()))), "en")
    assert [(f.path, f.data) for f in forward] == [(f.path, f.data) for f in backward]


def test_pagefind_gets_the_marked_part_of_a_page_and_makes_the_same_bundle(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind is sent a record page from its `data-pagefind-body` element on; the bundle
    is the one the whole pages make, byte for byte."""
    pages = {
        str(path.relative_to(built)): path.read_bytes()
        for path in sorted(built.rglob("*.html"))
        if b"data-pagefind-body" in path.read_bytes()
    }
    assert len(pages) > 10
    part = build_index(pages, "en")
    monkeypatch.setattr(search_index, "indexed_part", lambda html: html)
    whole = build_index(pages, "en")
    assert [(f.path, f.data) for f in part] == [(f.path, f.data) for f in whole]


def test_the_marked_part_leaves_out_the_head_and_the_header() -> None:
    page = (
        '<!doctype html>\n<html lang="fr">\n<head><title>T</title></head>\n<body>\n'
        "<header><nav>Menu</nav></header><main><article data-pagefind-body><h1>T</h1>"
        "</article></main><footer>F</footer></body></html>"
    )
    assert search_index.indexed_part(page) == (
        '<!doctype html>\n<html lang="fr">\n<body>\n<article data-pagefind-body><h1>T</h1>'
        "</article></main><footer>F</footer></body></html>"
    )


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><main data-pagefind-body>a</main><p data-pagefind-body>b</p></body></html>",
        '<html><body><p data-pagefind-filter="kind">x</p><main data-pagefind-body>a</main>',
        "<body><main data-pagefind-body>a</main></body>",
        "<html><body><main>no marked part</main></body></html>",
        "<p>data-pagefind-body</p><html><body><main>a</main></body></html>",
    ],
    ids=["two marked parts", "a filter before", "no html tag", "unmarked", "marker before html"],
)
def test_a_page_of_another_shape_goes_to_pagefind_whole(page: str) -> None:
    assert search_index.indexed_part(page) == page


def test_pagefind_starts_at_the_first_changed_page_and_the_cache_still_wins(
    tmp_path: Path,
) -> None:
    pages = {f"{name}/index.html": _page(name, f"word{name}") for name in "abc"}
    placed = {}
    for rel, data in pages.items():
        file = tmp_path / rel.replace("/", "-")
        file.write_bytes(data)
        placed[rel] = Placed(file, hashlib.sha256(data).digest())
    cache = BodyCache(tmp_path / "cache")

    # Pages as published: Pagefind starts only when all are there (the cache may have them).
    unchanged = SearchInput(frozenset(pages), language="en")
    for rel, data in pages.items():
        unchanged.add(OutputFile(rel, data), placed[rel])
    assert unchanged.run is None
    first = unchanged.start("en", cache).result()
    unchanged.close()

    # A changed page: Pagefind starts with it and is sent each page as it comes.
    changed = SearchInput(frozenset(pages), language="en")
    for number, (rel, data) in enumerate(pages.items()):
        changed.add(OutputFile(rel, data), replace(placed[rel], fresh=number == 1))
        assert (
            changed.run is None if number == 0 else changed.run.sent == sorted(pages)[: number + 1]
        )
    # ... but the cache holds the bundle of these very pages: Pagefind's run is not used.
    run = changed.start("en", cache)
    assert run.bundle is not None
    assert [(f.path, f.data) for f in run.result()] == [(f.path, f.data) for f in first]
    changed.close()

    # Without the cache, the bundle it was sent the pages for is the same.
    again = SearchInput(frozenset(pages), language="en")
    for rel, data in pages.items():
        again.add(OutputFile(rel, data), replace(placed[rel], fresh=True))
    assert [(f.path, f.data) for f in again.start("en").result()] == [
        (f.path, f.data) for f in first
    ]
    again.close()


def test_a_register_without_records_gets_an_empty_index(tmp_path: Path) -> None:
    """A fresh register: the search page works, over an empty index."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(EXAMPLE / "site.yaml", content / "site.yaml")
    out = tmp_path / "site"
    result = build_site(content, out, TODAY, TEMPLATES)
    assert result.ok, result.errors
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"] == {}
    assert (out / "search" / "index.html").is_file()


def test_a_pagefind_that_fails_is_a_problem_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'no index today' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    with pytest.raises(RenderError) as caught:
        build_index({"a/index.html": _page("A", "word")}, "en")
    (problem,) = caught.value.problems
    assert problem.path == "pagefind/"
    assert problem.message.startswith("Pagefind failed")
    assert "no index today" in problem.message


# -- the search page in Chromium -----------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example register, built once for https://example.org/cooperation/."""
    root = tmp_path_factory.mktemp("search")
    content = root / "content"
    shutil.copytree(EXAMPLE, content)
    site_yaml = content / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^base_url:.*$", f"base_url: https://example.org{PREFIX}", text, count=1)
    site_yaml.write_text(text, encoding="utf-8")
    out = root / "site"
    result = build_site(content, out, TODAY, TEMPLATES)
    assert result.ok, result.errors
    return out


@pytest.fixture(scope="module")
def base(built: Path) -> Iterator[str]:
    with serve_dir(built, PREFIX) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as b:
        yield b


@pytest.fixture
def bp(browser: Browser) -> Iterator[BrowserPage]:
    with chromium_page(browser=browser) as page:
        yield page
        assert page.console_errors == []
        assert page.blocked_requests == []


def _count(page: Page) -> int:
    """The number in the status line ("4 results for ..."), once a search has finished."""
    status = page.locator("#search-status")
    expect(status).to_have_text(re.compile(r"^(\d+ results?|No results) "))
    match = re.match(r"(\d+)", status.inner_text())
    return int(match.group(1)) if match else 0


def _titles(page: Page) -> list[str]:
    return page.locator(".search-result-title").all_inner_texts()


def _type(page: Page, text: str) -> None:
    page.fill("#search-q", "")
    page.locator("#search-q").press_sequentially(text, delay=20)
    expect(page.locator("#search-status")).to_contain_text(f"“{text}”")


def test_typing_a_partner_name_shows_its_agreements(bp: BrowserPage, base: str) -> None:
    fetched: list[str] = []
    bp.page.on("request", lambda request: fetched.append(request.url))
    bp.goto(base + "search/")
    _type(bp.page, "Kaspersky")
    assert _count(bp.page) >= 2
    titles = _titles(bp.page)
    assert "Kaspersky Lab" in titles
    assert any(
        t.startswith("Memorandum of understanding between DICT and Kaspersky Lab") for t in titles
    ), titles
    first = bp.page.locator(".search-result").filter(has_text="between DICT and Kaspersky Lab")
    expect(first.locator(".search-result-meta")).to_contain_text("Memorandum of understanding")
    expect(first.locator(".search-result-meta")).to_contain_text("Status: Signed")
    expect(first.locator(".search-result-partners")).to_have_text("Partners: Kaspersky Lab")
    expect(first.locator(".search-result-excerpt mark").first).to_have_text(
        re.compile("Kaspersky", re.I)
    )
    # Links work under the sub-path.
    href = first.locator("a").get_attribute("href")
    assert href == f"{PREFIX}agreements/dict-kaspersky-lab-cybersecurity-mou-2018/"
    # Everything from the site's own bundle, and no filter index while the filters are shut.
    pagefind = [url for url in fetched if "/pagefind/" in url]
    assert pagefind and all(url.startswith(base + "pagefind/") for url in pagefind)
    assert not [url for url in pagefind if "/filter/" in url]


def test_an_alias_finds_its_partner(bp: BrowserPage, base: str) -> None:
    bp.goto(base + "search/?q=JUSMAG")
    assert _count(bp.page) >= 1
    assert _titles(bp.page)[0] == "Joint U.S. Military Assistance Group–Philippines"


def test_a_filter_narrows_the_results_and_its_count_matches(bp: BrowserPage, base: str) -> None:
    page = bp.page
    bp.goto(base + "search/")
    _type(page, "cybersecurity")
    total = _count(page)
    page.locator("#search-filters-panel summary").click()
    box = page.locator('fieldset[data-facet="type"] input[value="Agreement"]')
    expect(box).to_be_visible()
    label = page.locator(f'label[for="{box.get_attribute("id")}"]')
    expected = int(re.search(r"\((\d+)\)", label.inner_text()).group(1))  # type: ignore[union-attr]
    assert 0 < expected < total

    box.check()
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"^{expected} results? "))
    shown = min(expected, 10)
    expect(page.locator(".search-result")).to_have_count(shown)
    for meta in page.locator(".search-result-meta").all_inner_texts():
        assert meta.startswith("Agreement"), meta

    # The URL holds the query and the filter; a reload restores both.
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["cybersecurity"], "type": ["Agreement"]}
    page.reload()
    expect(page.locator("#search-q")).to_have_value("cybersecurity")
    expect(page.locator('fieldset[data-facet="type"] input[value="Agreement"]')).to_be_checked()
    assert _count(page) == expected

    # Back goes to the search before the filter.
    page.go_back()
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"^{total} results "))
    expect(page.locator('fieldset[data-facet="type"] input[value="Agreement"]')).not_to_be_checked()


def test_two_values_of_one_facet_add_up(bp: BrowserPage, base: str) -> None:
    page = bp.page
    bp.goto(base + "search/?q=cybersecurity&type=Agreement&type=Partner")
    total = _count(page)
    counts = []
    for value in ("Agreement", "Partner"):
        box = page.locator(f'fieldset[data-facet="type"] input[value="{value}"]')
        expect(box).to_be_checked()
        text = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
        counts.append(int(re.search(r"\((\d+)\)", text).group(1)))  # type: ignore[union-attr]
    assert sum(counts) == total


def test_sorting_by_date_is_kept_in_the_url(bp: BrowserPage, base: str) -> None:
    page = bp.page
    bp.goto(base + "search/?q=memorandum")
    relevance = _count(page)
    expect(page.locator("#search-sort option")).to_have_count(2)
    page.select_option("#search-sort", "newest")
    expect(page).to_have_url(re.compile(r"[?&]sort=newest"))
    expect(page.locator("#search-status")).to_contain_text("newest first")
    assert _count(page) == relevance  # sorting drops nothing, undated records last
    years = [
        int(m.group(0))
        for meta in page.locator(".search-result-meta").all_inner_texts()
        if (m := re.search(r"\b(1[89]|20)\d\d\b", meta))
    ]
    assert len(years) > 1 and years == sorted(years, reverse=True), years


def test_a_query_with_no_match_says_so(bp: BrowserPage, base: str) -> None:
    bp.goto(base + "search/")
    _type(bp.page, "zqxwvy")
    expect(bp.page.locator("#search-status")).to_have_text(re.compile(r"^No results for “zqxwvy”"))
    expect(bp.page.locator(".search-result")).to_have_count(0)


def test_no_accessibility_violations_with_results(bp: BrowserPage, base: str) -> None:
    bp.goto(base + "search/?q=cybersecurity&status=Signed")
    assert _count(bp.page) > 0
    violations = axe_violations(bp)
    assert violations == [], format_violations(violations)


def test_the_header_search_box_leads_to_the_search_page(bp: BrowserPage, base: str) -> None:
    bp.goto(base)
    bp.page.fill("header input[name=q]", "Estonia")
    bp.page.locator("header input[name=q]").press("Enter")
    expect(bp.page).to_have_url(re.compile(re.escape(PREFIX) + r"search/\?q=Estonia$"))
    expect(bp.page.locator("#search-q")).to_have_value("Estonia")
    assert _count(bp.page) > 0


def test_without_javascript_the_page_says_so_and_links_the_indexes(
    browser: Browser, base: str
) -> None:
    with chromium_page(browser=browser, java_script_enabled=False) as bp:
        bp.goto(base + "search/?q=Kaspersky")
        main = bp.page.locator("main")
        assert "Searching needs JavaScript" in main.inner_text()
        expect(main.locator("#search")).to_be_hidden()
        links = [main.locator("noscript a").nth(i).get_attribute("href") for i in range(2)]
        assert f"{PREFIX}agreements/" in links
        assert f"{PREFIX}partners/" in links
