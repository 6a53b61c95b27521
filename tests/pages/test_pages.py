"""Each page type renders the right facts, with links under base_url's path."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from portal.options import TEMPLATES
from portal.pages import html as pages
from portal.pages.bodies import render_bodies
from portal.pages.context import RenderContext
from portal.pages.environment import make_env
from portal.pages.keys import page_key
from portal.pipeline import check_site
from tests.support.sites import write_site

TODAY = dt.date(2024, 1, 31)

KASPERSKY = """\
---
title: Memorandum with Kaspersky Lab
kind: memorandum-of-understanding
status: signed
signed: 2018-10
place: Davao City
term: 6 years
partners: [kaspersky-lab]
agencies: [dict]
areas: [cybersecurity]
summary: Training & awareness <campaigns>.
related: [estonia-mou]
sources:
  - title: Kaspersky Lab, DICT sign deal
    url: https://example.org/news
    publisher: Newsbytes.PH
    date: 2018-10-30
documents:
  - title: The text
    url: static/texts/mou.pdf
    language: en
---
The memorandum **sets out** a framework.
"""

KASPERSKY_LAB = """\
---
name: Kaspersky Lab
type: company
summary: A cybersecurity company.
website: https://www.kaspersky.com/
---
"""

CONFERENCE = """\
---
title: First Philippine International Cybersecurity Conference
date: 2018-10
kind: conference
place: Davao City
partners: [kaspersky-lab]
agreements: [kaspersky-mou]
summary: A conference.
sources:
  - title: Report
    url: https://example.org/report
---
"""


def render(
    tmp_path: Path, files: dict[str, str], today: dt.date = TODAY, preview: bool = False
) -> dict[str, str]:
    """The HTML of every page the pages stage writes, by output path."""
    content = write_site(tmp_path, files)
    (content / "static" / "texts").mkdir(parents=True, exist_ok=True)
    (content / "static" / "texts" / "mou.pdf").write_bytes(b"%PDF-1.4\n")
    result = check_site(content, today, preview=preview)
    assert result.site is not None, [str(p) for p in result.errors]
    site = result.site
    context = RenderContext(site, make_env(TEMPLATES, site), render_bodies(site))
    return {f.path: f.data.decode("utf-8") for f in pages.render_pages(context)}


def text_of(html: str) -> str:
    """The visible text, tags dropped and spaces collapsed, to check what a reader sees."""
    without = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", without).split())


def full(tmp_path: Path, **kwargs: dt.date) -> dict[str, str]:
    return render(
        tmp_path,
        {
            "partners/kaspersky-lab.md": KASPERSKY_LAB,
            "agreements/kaspersky-mou.md": KASPERSKY,
            "events/conference.md": CONFERENCE,
        },
        **kwargs,
    )


def test_every_page_type_is_written(tmp_path: Path) -> None:
    out = full(tmp_path)
    assert sorted(out) == [
        "404.html",
        "agencies/dict/index.html",
        "agreements/estonia-mou/index.html",
        "agreements/index.html",
        "agreements/kaspersky-mou/index.html",
        "areas/cybersecurity/index.html",
        "events/conference/index.html",
        "index.html",
        "partners/estonia/index.html",
        "partners/index.html",
        "partners/kaspersky-lab/index.html",
        "timeline/index.html",
    ]


def test_agreement_page_shows_the_facts_panel(tmp_path: Path) -> None:
    html = full(tmp_path)["agreements/kaspersky-mou/index.html"]
    text = text_of(html)
    assert "Kind Memorandum of understanding" in text
    assert '<span class="badge badge-signed">Signed</span>' in html
    assert '<time datetime="2018-10">October 2018</time>' in html
    assert "Expires October 2024 (6 years after signing)" in text
    assert "Term 6 years" in text
    assert "Place Davao City" in text
    assert "Kaspersky Lab (Company)" in text
    assert "Department of Information and Communications Technology (DICT)" in text
    assert 'href="/portal/areas/cybersecurity/"' in html


def test_agreement_page_says_when_it_expires(tmp_path: Path) -> None:
    text = text_of(full(tmp_path)["agreements/kaspersky-mou/index.html"])
    assert "Expires in October 2024, within 274 days" in text
    later = text_of(
        full(tmp_path, today=dt.date(2025, 1, 1))["agreements/kaspersky-mou/index.html"]
    )
    assert "Expired in October 2024" in later
    assert "Expired" in later and "recorded as signed; the dates say it has expired" in later


def test_a_date_the_sources_do_not_give_is_said_so(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        {
            "agreements/secret.md": KASPERSKY.replace("signed: 2018-10", "date_unknown: [signed]")
            .replace("partners: [kaspersky-lab]", "partners: [estonia]")
            .replace("related: [estonia-mou]\n", "")
        },
    )
    text = text_of(out["agreements/secret/index.html"])
    assert "Signed not stated in the sources" in text
    assert "Expires not stated in the sources (6 years after signing)" in text


def test_agreement_page_has_body_sources_documents_related_and_events(tmp_path: Path) -> None:
    out = full(tmp_path)
    html = out["agreements/kaspersky-mou/index.html"]
    text = text_of(html)
    assert "The memorandum <strong>sets out</strong> a framework." in html
    assert "Kaspersky Lab, DICT sign deal — Newsbytes.PH, 30 October 2018" in text
    assert 'href="/portal/static/texts/mou.pdf" hreflang="en">The text</a>' in html
    assert 'href="/portal/agreements/estonia-mou/"' in html  # related
    assert 'href="/portal/events/conference/"' in html
    # and the related link shows on the other side too
    assert 'href="/portal/agreements/kaspersky-mou/"' in out["agreements/estonia-mou/index.html"]


def test_front_matter_is_escaped(tmp_path: Path) -> None:
    html = full(tmp_path)["agreements/kaspersky-mou/index.html"]
    assert "Training &amp; awareness &lt;campaigns&gt;." in html
    assert "<campaigns>" not in html


def test_every_page_has_canonical_description_and_open_graph(tmp_path: Path) -> None:
    for path, html in full(tmp_path).items():
        assert re.search(r'<meta name="description" content="[^"]+">', html), path
        assert '<meta property="og:title" content="' in html, path
        assert '<meta property="og:description" content="' in html, path
        if path != "404.html":
            url = "https://example.org/portal/" + path.removesuffix("index.html")
            assert f'<link rel="canonical" href="{url}">' in html, path
            assert f'<meta property="og:url" content="{url}">' in html, path
    agreement = full(tmp_path)["agreements/kaspersky-mou/index.html"]
    assert '<meta property="og:type" content="article">' in agreement


def test_every_link_and_asset_is_under_the_base_path(tmp_path: Path) -> None:
    for path, html in full(tmp_path).items():
        links = re.findall(r'(?:href|src|action)="([^"#]*)"', html)
        internal = [link for link in links if not link.startswith(("http:", "https:"))]
        assert internal, path
        assert all(link.startswith("/portal/") for link in internal), (path, internal)


def test_header_has_the_search_form_and_skip_link(tmp_path: Path) -> None:
    html = full(tmp_path)["index.html"]
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    form = re.search(r'<form class="site-search"[^>]*>.*?</form>', html, re.S)
    assert form is not None
    assert 'action="/portal/search/" method="get"' in form.group(0)
    assert 'name="q"' in form.group(0)
    assert '<link rel="stylesheet" href="/portal/assets/site.css">' in html


def test_free_pages_with_menu_are_in_the_nav_in_order(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        {
            "pages/method.md": "---\ntitle: Method\nmenu: 2\n---\nHow.\n",
            "pages/about.md": "---\ntitle: About us\nmenu: 1\n---\nWho.\n",
            "pages/other.md": "---\ntitle: Other page\n---\nElse.\n",
        },
    )
    nav = re.search(r'<nav class="site-nav".*?</nav>', out["index.html"], re.S)
    assert nav is not None
    assert re.findall(r">([^<]+)</a>", nav.group(0)) == [
        "Agreements",
        "Partners",
        "Timeline",
        "About us",
        "Method",
    ]
    assert "Other page" in out["other/index.html"]
    assert '<a href="/portal/method/" aria-current="page">' in out["method/index.html"]


def test_drafts_show_a_banner_in_preview(tmp_path: Path) -> None:
    draft = KASPERSKY.replace("status: signed", "status: signed\ndraft: true").replace(
        "related: [estonia-mou]\n", ""
    )
    files = {"partners/kaspersky-lab.md": KASPERSKY_LAB, "agreements/kaspersky-mou.md": draft}
    preview = render(tmp_path / "a", files, preview=True)
    assert '<p class="draft-banner"' in preview["agreements/kaspersky-mou/index.html"]
    assert "draft-banner" not in preview["agreements/estonia-mou/index.html"]
    published = render(tmp_path / "b", files)
    assert "agreements/kaspersky-mou/index.html" not in published


def test_agreements_index_lists_everything_and_carries_filter_values(tmp_path: Path) -> None:
    html = full(tmp_path)["agreements/index.html"]
    assert '<form class="filters" id="agreement-filters" hidden>' in html
    items = re.findall(r'<li class="record" ([^>]*)>', html)
    assert items == [
        'data-status="signed" data-kind="memorandum-of-understanding" data-partner="estonia" '
        'data-area="cybersecurity" data-year="2023"',
        'data-status="signed" data-kind="memorandum-of-understanding" '
        'data-partner="kaspersky-lab" data-area="cybersecurity" data-year="2018"',
    ]
    assert '<option value="kaspersky-lab">Kaspersky Lab</option>' in html
    assert '<script src="/portal/assets/agreements.js" defer></script>' in html


def test_partners_index_groups_with_counts(tmp_path: Path) -> None:
    text = text_of(full(tmp_path)["partners/index.html"])
    assert "Government 1 Estonia Government, Estonia · 1 agreement, 0 events" in text
    assert "Company 1 Kaspersky Lab Company · 1 agreement, 1 event" in text
    assert "No country (companies and organisations) 1 Kaspersky Lab" in text


def test_partner_page_has_profile_agreements_events_and_counts(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        {
            "partners/kaspersky-lab.md": KASPERSKY_LAB,
            "partners/ria.md": "---\nname: Information System Authority\ntype: "
            "government-agency\ncountry: EE\nparent: estonia\nsummary: An agency.\n---\n",
            "agreements/kaspersky-mou.md": KASPERSKY,
            "events/conference.md": CONFERENCE,
        },
    )
    company = text_of(out["partners/kaspersky-lab/index.html"])
    assert "Website https://www.kaspersky.com/" in company
    assert "Memorandum with Kaspersky Lab" in company
    assert "First Philippine International Cybersecurity Conference" in company
    assert "Signed 1" in company
    estonia = out["partners/estonia/index.html"]
    assert 'href="/portal/partners/ria/">Information System Authority</a>' in estonia
    ria = out["partners/ria/index.html"]
    assert 'Part of</dt>\n<dd><a href="/portal/partners/estonia/">Estonia</a>' in ria


def test_area_agency_and_event_pages(tmp_path: Path) -> None:
    out = full(tmp_path)
    area = text_of(out["areas/cybersecurity/index.html"])
    assert "Memorandum with Kaspersky Lab" in area and "Memorandum on digital cooperation" in area
    assert "First Philippine International Cybersecurity Conference" in area
    agency = text_of(out["agencies/dict/index.html"])
    assert agency.count("Memorandum") >= 2
    event = out["events/conference/index.html"]
    assert "Date October 2018" in text_of(event)
    assert 'href="/portal/agreements/kaspersky-mou/"' in event
    assert 'href="https://example.org/report">Report</a>' in event


def test_timeline_page_lists_dated_entries_by_year_and_draws_the_overview(
    tmp_path: Path,
) -> None:
    html = full(tmp_path)["timeline/index.html"]
    years = re.findall(r'<h3 id="year-(\d+)">', html)
    assert years == ["2024", "2023", "2018"]
    text = text_of(html)
    assert "Expires (upcoming): Memorandum with Kaspersky Lab" in text
    assert "Signed: Memorandum on digital cooperation" in text
    assert "Conference: First Philippine International Cybersecurity Conference" in text
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg is not None
    assert 'role="img" aria-labelledby="overview-title overview-desc"' in svg.group(0)
    assert "<script" not in svg.group(0)
    assert svg.group(0).count('<g class="bar bar-') == 2
    assert "The overview as a table" in html


def test_a_body_edit_changes_the_key_of_its_own_page_only(tmp_path: Path) -> None:
    """Pages that list or link a record are given what they show of it, not the record: a
    new body leaves their values, and so their cache keys, as they were."""

    def keys(body: str) -> dict[str, str | None]:
        files = {
            "partners/kaspersky-lab.md": KASPERSKY_LAB + body,
            "agreements/kaspersky-mou.md": KASPERSKY + body,
            "events/conference.md": CONFERENCE + body,
        }
        content = write_site(tmp_path, files)  # the same paths: a record holds its path
        (content / "static" / "texts").mkdir(parents=True, exist_ok=True)
        (content / "static" / "texts" / "mou.pdf").write_bytes(b"%PDF-1.4\n")
        site = check_site(content, TODAY).site
        assert site is not None
        context = RenderContext(site, make_env(TEMPLATES, site), render_bodies(site))
        return {t.url: page_key("f", t) for t in pages.page_tasks(context)}

    before, after = keys(""), keys("An edited body.\n")
    changed = {url for url in before if before[url] != after[url]}
    assert changed == {
        "agreements/kaspersky-mou/",
        "partners/kaspersky-lab/",
        "events/conference/",
    }


def test_not_found_page(tmp_path: Path) -> None:
    html = full(tmp_path)["404.html"]
    assert "<h1>Page not found</h1>" in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/portal/agreements/"' in html


def test_the_assets_stage_publishes_the_assets_folder(tmp_path: Path) -> None:
    folder = tmp_path / "assets"
    (folder / "img").mkdir(parents=True)
    (folder / "site.css").write_text("body {}")
    (folder / "img" / "logo.svg").write_text("<svg/>")
    site = check_site(write_site(tmp_path, {}), TODAY).site
    assert site is not None
    context = RenderContext(site, make_env(TEMPLATES, site), {})
    files = list(pages.copy_assets(context, folder))
    assert [(f.path, f.source) for f in files] == [
        ("assets/img/logo.svg", str(folder / "img" / "logo.svg")),
        ("assets/site.css", str(folder / "site.css")),
    ]


def test_the_repository_stylesheet_has_print_and_focus_rules() -> None:
    css = (pages.ASSETS / "site.css").read_text(encoding="utf-8")
    assert "@media print" in css
    assert ":focus-visible" in css
    assert "url(" not in css  # no external requests, not even fonts


def test_agreement_filters_hide_rows_and_update_the_address(tmp_path: Path) -> None:
    from portal.pipeline import build_site
    from tests.support.browser import chromium_page
    from tests.support.serve import serve_dir

    content = write_site(
        tmp_path,
        {
            "partners/kaspersky-lab.md": KASPERSKY_LAB,
            "agreements/kaspersky-mou.md": KASPERSKY.replace("related: [estonia-mou]\n", ""),
        },
    )
    (content / "static" / "texts").mkdir(parents=True)
    (content / "static" / "texts" / "mou.pdf").write_bytes(b"%PDF-1.4\n")
    out = tmp_path / "site"
    assert build_site(content, out, TODAY, TEMPLATES).ok

    with serve_dir(out, "/portal/") as base, chromium_page(width=375) as bp:
        bp.goto(base + "agreements/?partner=kaspersky-lab")
        page = bp.page
        assert page.is_visible("#agreement-filters")
        assert page.input_value("#filter-partner") == "kaspersky-lab"
        assert page.text_content("#agreement-count") == "Showing 1 of 2 agreements."
        assert page.is_hidden("li[data-partner='estonia']")

        page.select_option("#filter-partner", "")
        page.select_option("#filter-year", "2023")
        assert page.url.endswith("/portal/agreements/?year=2023")
        assert page.is_visible("li[data-partner='estonia']")
        assert page.is_hidden("li[data-partner='kaspersky-lab']")

        page.select_option("#filter-status", "signed")
        page.select_option("#filter-year", "2018")
        page.select_option("#filter-partner", "estonia")
        assert page.is_visible("#agreement-none")
        page.click("button[type=reset]")
        page.wait_for_function("document.location.search === ''")
        assert page.text_content("#agreement-count") == "2 agreements."
        assert bp.console_errors == []
