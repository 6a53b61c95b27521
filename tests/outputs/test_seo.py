"""sitemap.xml lists every page with the date its record gives; robots.txt points to it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from portal.cli import main
from portal.model.values import PartialDate
from portal.outputs.seo import lastmods, page_urls, robots
from portal.pipeline import check_site
from tests.support.sites import write_site

TODAY = "2024-06-01"

FILES = {
    "agreements/estonia-mou.md": """\
        ---
        title: Memorandum on digital cooperation
        kind: memorandum-of-understanding
        status: in-force
        signed: 2023-09-14
        effective: 2023-10
        partners: [estonia]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Cooperation on e-governance.
        sources:
          - title: An article
            url: https://example.org/article
            date: 2023-09-15
        ---
        Body.
        """,
    "agreements/revised.md": """\
        ---
        title: A revised record
        kind: agreement
        status: signed
        signed: 2022-01-10
        updated: 2022-03
        partners: [estonia]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Revised.
        sources:
          - title: An article
            url: https://example.org/article
            date: 2024-01-01
        ---
        """,
    "agreements/expired.md": """\
        ---
        title: An expired memorandum
        kind: memorandum-of-understanding
        status: expired
        signed: 2020-02-01
        expires: 2023-02-01
        partners: [finland]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Over.
        sources:
          - title: An article
            url: https://example.org/article
        ---
        """,
    "agreements/planned.md": """\
        ---
        title: A planned agreement
        kind: agreement
        status: proposed
        partners: [finland]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Planned.
        sources:
          - title: A future conference
            url: https://example.org/article
            date: 2030-01
        ---
        """,
    "partners/finland.md": """\
        ---
        name: Finland
        type: government
        country: FI
        summary: The Republic of Finland.
        ---
        """,
    "events/visit.md": """\
        ---
        title: A visit
        date: 2023-11
        kind: visit
        summary: A visit.
        partners: [estonia]
        sources:
          - title: An article
            url: https://example.org/article
        ---
        """,
    "pages/about.md": """\
        ---
        title: About
        ---
        About the register.
        """,
}


def test_lastmod_comes_from_the_records(tmp_path: Path) -> None:
    result = check_site(write_site(tmp_path, FILES), dt.date.fromisoformat(TODAY))
    assert result.site is not None
    assert {url: d.iso() for url, d in lastmods(result.site).items()} == {
        # the latest of signed, effective and the sources' dates
        "agreements/estonia-mou/": "2023-10",
        # `updated` wins, even over a later source
        "agreements/revised/": "2022-03",
        # the expiry, once passed, is when the page last changed
        "agreements/expired/": "2023-02-01",
        # agreements/planned/: only a date to come, so none
        "events/visit/": "2023-11",
        "partners/estonia/": "2023-11",
        "partners/finland/": "2023-02-01",
        "areas/cybersecurity/": "2023-10",
        "agencies/dict/": "2023-10",
        "": "2023-11",
        "agreements/": "2023-11",
        "partners/": "2023-11",
        "timeline/": "2023-11",
        "search/": "2023-11",
        "data/": "2023-11",
    }


def test_the_sitemap_of_a_built_site(tmp_path: Path) -> None:
    content = write_site(tmp_path, FILES)
    out = tmp_path / "site"
    assert (
        main(
            ["build", "--content", str(content), "--out", str(out), "--today", TODAY, "--no-cache"]
        )
        == 0
    )
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    )
    assert "  <url><loc>https://example.org/portal/</loc><lastmod>2023-11</lastmod></url>\n" in (
        sitemap
    )
    assert (
        "  <url><loc>https://example.org/portal/agreements/estonia-mou/</loc>"
        "<lastmod>2023-10</lastmod></url>\n" in sitemap
    )
    assert "  <url><loc>https://example.org/portal/about/</loc></url>\n" in sitemap
    assert "  <url><loc>https://example.org/portal/agreements/planned/</loc></url>\n" in sitemap
    assert TODAY not in sitemap, "the build day is never a lastmod"
    # every page built is listed, and nothing else; never the 404 page
    pages = sorted(
        p.relative_to(out).as_posix().removesuffix("index.html")
        for p in out.rglob("*.html")
        if p.name != "404.html"
    )
    listed = re.findall(r"<loc>https://example\.org/portal/([^<]*)</loc>", sitemap)
    assert listed == pages


def test_robots_points_to_the_sitemap(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    assert (
        main(
            ["build", "--content", str(content), "--out", str(out), "--today", TODAY, "--no-cache"]
        )
        == 0
    )
    assert (out / "robots.txt").read_text(encoding="utf-8") == (
        "User-agent: *\nDisallow:\n\nSitemap: https://example.org/portal/sitemap.xml\n"
    )


def test_a_preview_build_is_not_for_indexing(tmp_path: Path) -> None:
    result = check_site(write_site(tmp_path, {}), dt.date.fromisoformat(TODAY), preview=True)
    assert result.site is not None
    assert robots(result.site) == (
        b"User-agent: *\nDisallow: /\n\nSitemap: https://example.org/portal/sitemap.xml\n"
    )


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (["index.html", "404.html", "feed.xml"], [""]),
        (["agreements/x/index.html", "data/agreements.json"], ["agreements/x/"]),
        (["partners/index.html", "about/index.html"], ["about/", "partners/"]),
    ],
)
def test_page_urls(outputs: list[str], expected: list[str]) -> None:
    assert page_urls(outputs) == expected


def test_partial_dates_keep_their_precision() -> None:
    assert PartialDate(2023).iso() == "2023"
